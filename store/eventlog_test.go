package store_test

import (
	"context"
	"encoding/json"
	"errors"
	"sync"
	"testing"
	"time"

	"github.com/volt-ev/volt"
	"github.com/volt-ev/volt/payment/sandbox"
	"github.com/volt-ev/volt/store"
	"github.com/volt-ev/volt/store/storetest"
)

// consume reads every event after consumer name's cursor, acknowledging them.
func consume(t *testing.T, db *store.DB, name string) []store.LoggedEvent {
	t.Helper()
	var out []store.LoggedEvent
	for {
		n, err := db.ConsumeEvents(context.Background(), name, 2, func(_ context.Context, _ *store.Tx, es []store.LoggedEvent) error {
			out = append(out, es...)
			return nil
		})
		if err != nil {
			t.Fatal(err)
		}
		if n == 0 {
			return out
		}
	}
}

func ofType(es []store.LoggedEvent, typ string) []store.LoggedEvent {
	var out []store.LoggedEvent
	for _, e := range es {
		if e.Type == typ {
			out = append(out, e)
		}
	}
	return out
}

// TestJournalTicketEventsAndCursors: ticket changes journal their events
// in the changing transaction on every engine (outbox off); each consumer
// has its own cursor, resumes after what it acknowledged, and a failing
// handler acknowledges nothing.
func TestJournalTicketEventsAndCursors(t *testing.T) {
	storetest.ForEachEngine(t, func(t *testing.T, db *store.DB) {
		f := newSupportFixture(t, db)
		first := consume(t, db, "test-a") // the fixture's session events
		if len(ofType(first, volt.EventSessionStarted)) != 2 {
			t.Fatalf("journal before tickets: %d session.started, want 2", len(ofType(first, volt.EventSessionStarted)))
		}
		tk := &volt.Ticket{Subject: "Cable stuck", CPID: f.chA.CPID, GuestEmail: "guest@example.com"}
		must(t, f.tickets.CreateTicket(sysCtx(), tk))
		closed := volt.TicketClosed
		_, err := f.tickets.UpdateTicket(sysCtx(), tk.ID, volt.TicketUpdate{Status: &closed})
		must(t, err)

		boom := errors.New("boom")
		if _, err := db.ConsumeEvents(context.Background(), "test-a", 10, func(context.Context, *store.Tx, []store.LoggedEvent) error { return boom }); !errors.Is(err, boom) {
			t.Fatalf("failing handler: %v", err)
		}
		got := consume(t, db, "test-a")
		if len(got) != 2 || got[0].Type != volt.EventTicketCreated || got[1].Type != volt.EventTicketUpdated {
			t.Fatalf("after tickets: %+v, want ticket.created, ticket.updated", got)
		}
		var data struct{ ID, Status string }
		if err := json.Unmarshal(got[1].Data.(json.RawMessage), &data); err != nil || data.ID != tk.ID || data.Status != string(volt.TicketClosed) || got[1].CPOID != f.cpoA.ID {
			t.Fatalf("ticket.updated carries %+v (%v) for %s", data, err, got[1].CPOID)
		}
		if again := consume(t, db, "test-a"); len(again) != 0 {
			t.Fatalf("consumer saw %d events again", len(again))
		}
		if all := consume(t, db, "test-b"); len(all) != len(first)+2 {
			t.Fatalf("a new consumer reads %d events, want the whole journal (%d)", len(all), len(first)+2)
		}
		pos, _ := db.ConsumerPosition(context.Background(), "test-a")
		if pos != got[1].ID {
			t.Fatalf("cursor at %d, want %d", pos, got[1].ID)
		}
	})
}

// TestJournalPaymentEvents: a capture and a refund journal payment.captured
// and payment.refunded once, a repeated refund request nothing more.
func TestJournalPaymentEvents(t *testing.T) {
	storetest.ForEachEngine(t, func(t *testing.T, db *store.DB) {
		f := newMoneyFixture(t, db)
		term := sandbox.NewTerminal("T-1", f.money)
		p, err := term.Tap(sys(), sandbox.CardOK, f.cpidA, 1)
		must(t, err)
		cdr := f.session(t, 1, "CARD-A", 10_000)
		must(t, f.money.OnCDR(sys(), cdr))
		support := volt.NewContextWithActor(context.Background(), &volt.Actor{UserID: "s", Grants: []volt.Grant{{Role: volt.RoleSupport, CPOID: f.cpoA}}})
		for range 2 {
			_, err := f.money.Refund(support, p.ID, 100, "r1")
			must(t, err)
		}
		es := consume(t, db, "test")
		caps, refs := ofType(es, volt.EventPaymentCaptured), ofType(es, volt.EventPaymentRefunded)
		if len(caps) != 1 || len(refs) != 1 {
			t.Fatalf("%d payment.captured and %d payment.refunded, want 1 and 1", len(caps), len(refs))
		}
		var c, r struct {
			ID                               string
			Captured, Refunded, RefundAmount int64
		}
		must(t, json.Unmarshal(caps[0].Data.(json.RawMessage), &c))
		must(t, json.Unmarshal(refs[0].Data.(json.RawMessage), &r))
		if c.ID != p.ID || c.Captured <= 0 || r.Refunded != 100 || r.RefundAmount != 100 || refs[0].CPOID != f.cpoA {
			t.Fatalf("captured %+v, refunded %+v", c, r)
		}
	})
}

// TestJournalConsumerMissesNothingUnderConcurrentWriters: writers commit
// events side by side (on PostgreSQL their ids commit out of order) while a
// consumer keeps reading; in the end it has seen every event exactly once.
func TestJournalConsumerMissesNothingUnderConcurrentWriters(t *testing.T) {
	storetest.ForEachEngine(t, func(t *testing.T, db *store.DB) {
		ctx := context.Background()
		const writers, each = 4, 25
		seen := map[int64]int{}
		var wg sync.WaitGroup
		for w := range writers {
			wg.Add(1)
			go func() {
				defer wg.Done()
				for i := range each {
					err := db.WithTx(ctx, func(tx *store.Tx) error {
						if err := tx.Emit(ctx, volt.Event{Type: volt.EventTicketCreated, CPOID: "cpo_x", Data: []int{w, i}}); err != nil {
							return err
						}
						time.Sleep(time.Duration(i%3) * time.Millisecond) // hold the id a while before committing
						return nil
					})
					if err != nil {
						t.Error(err)
						return
					}
				}
			}()
		}
		done := make(chan struct{})
		go func() { wg.Wait(); close(done) }()
		read := func() {
			_, err := db.ConsumeEvents(ctx, "race", 7, func(_ context.Context, _ *store.Tx, es []store.LoggedEvent) error {
				for _, e := range es {
					seen[e.ID]++
				}
				return nil
			})
			if err != nil {
				t.Fatal(err)
			}
		}
		for running := true; running; {
			select {
			case <-done:
				running = false
			default:
				read()
			}
		}
		for range writers * each {
			read()
		}
		if len(seen) != writers*each {
			t.Fatalf("consumer saw %d distinct events, want %d", len(seen), writers*each)
		}
		for id, n := range seen {
			if n != 1 {
				t.Fatalf("event %d seen %d times", id, n)
			}
		}
	})
}

// TestJournalSessionUpdatesOnlyWithASubscriber: session.updated, the
// high-rate event, reaches the journal only while an enabled endpoint
// subscribes to it; the other events always do.
func TestJournalSessionUpdatesOnlyWithASubscriber(t *testing.T) {
	storetest.ForEachEngine(t, func(t *testing.T, db *store.DB) {
		f := newChargingFixture(t, db)
		ctx := context.Background()
		emit := func() {
			t.Helper()
			must(t, db.WithTx(ctx, func(tx *store.Tx) error {
				if err := tx.Emit(ctx, volt.Event{Type: volt.EventSessionUpdated, CPOID: f.cpoA}); err != nil {
					return err
				}
				return tx.Emit(ctx, volt.Event{Type: volt.EventSessionStopped, CPOID: f.cpoA})
			}))
		}
		emit()
		wh := store.NewWebhookService(db)
		ep := &volt.WebhookEndpoint{CPOID: f.cpoA, URL: "https://hooks.example.com/", Events: []string{volt.EventSessionUpdated}}
		must(t, wh.CreateWebhookEndpoint(sys(), ep))
		emit()
		off := false
		_, err := wh.UpdateWebhookEndpoint(sys(), ep.ID, volt.WebhookEndpointUpdate{Enabled: &off})
		must(t, err)
		emit()
		es := consume(t, db, "test")
		if u, s := len(ofType(es, volt.EventSessionUpdated)), len(ofType(es, volt.EventSessionStopped)); u != 1 || s != 3 {
			t.Fatalf("journal: %d session.updated, %d session.stopped; want 1 (while subscribed) and 3", u, s)
		}
	})
}

// TestJournalConsumerLeavesABusyCursorAlone: on PostgreSQL, a poll of a
// consumer whose cursor another node holds answers "nothing for you"
// at once instead of holding a connection until the other commits; once
// the other is done, the next poll reads on from the cursor.
func TestJournalConsumerLeavesABusyCursorAlone(t *testing.T) {
	storetest.ForEachEngine(t, func(t *testing.T, db *store.DB) {
		if db.Dialect != store.Postgres {
			t.Skip("SQLite has one writer: a second consumer waits its turn")
		}
		ctx := context.Background()
		if err := db.WithTx(ctx, func(tx *store.Tx) error {
			return tx.Emit(ctx, volt.Event{Type: volt.EventTicketCreated, CPOID: "cpo_x", Data: 1})
		}); err != nil {
			t.Fatal(err)
		}
		consume(t, db, "busy") // the cursor row exists, after the first event
		if err := db.WithTx(ctx, func(tx *store.Tx) error {
			return tx.Emit(ctx, volt.Event{Type: volt.EventTicketCreated, CPOID: "cpo_x", Data: 2})
		}); err != nil {
			t.Fatal(err)
		}
		held := make(chan struct{})
		release := make(chan struct{})
		done := make(chan error)
		go func() {
			done <- db.WithTx(ctx, func(tx *store.Tx) error {
				if _, err := tx.Exec(ctx, `SELECT position FROM event_consumers WHERE name = ? FOR UPDATE`, "busy"); err != nil {
					return err
				}
				close(held)
				<-release
				return nil
			})
		}()
		<-held
		// Bounded so that a poll waiting for the other node fails instead
		// of hanging the test.
		pctx, cancel := context.WithTimeout(ctx, 10*time.Second)
		n, err := db.ConsumeEvents(pctx, "busy", 10, func(context.Context, *store.Tx, []store.LoggedEvent) error { return nil })
		cancel()
		if err != nil || n != 0 {
			t.Errorf("poll beside a held cursor: %d events, %v; want none at once", n, err)
		}
		close(release)
		if err := <-done; err != nil {
			t.Fatal(err)
		}
		if es := consume(t, db, "busy"); len(es) != 1 || string(es[0].Data.(json.RawMessage)) != "2" {
			t.Fatalf("after the other node: %+v, want the second event", es)
		}
	})
}
