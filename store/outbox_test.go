package store_test

import (
	"context"
	"encoding/json"
	"errors"
	"testing"
	"time"

	"github.com/volt-ev/volt"
	"github.com/volt-ev/volt/store"
	"github.com/volt-ev/volt/store/storetest"
)

// relayAll drains the outbox and returns the events in order.
func relayAll(t *testing.T, db *store.DB) []volt.Event {
	t.Helper()
	var out []volt.Event
	_, err := db.RelayOutbox(context.Background(), 0, 1000, func(_ context.Context, _ []int64, es []volt.Event) error {
		out = append(out, es...)
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	return out
}

func types(es []volt.Event) []string {
	var ts []string
	for _, e := range es {
		ts = append(ts, e.Type)
	}
	return ts
}

func TestOutboxHoldsEveryChangeEvent(t *testing.T) {
	storetest.ForEachEngine(t, func(t *testing.T, db *store.DB) {
		f := newChargingFixture(t, db)
		ctx := sys()
		// Off by default: a single node writes nothing there.
		if err := f.svc.RecordStatus(ctx, volt.StatusReport{CPID: f.cpidA, ConnectorID: 1, Status: volt.StatusAvailable}); err != nil {
			t.Fatal(err)
		}
		if n, _ := db.OutboxLen(context.Background()); n != 0 {
			t.Fatalf("outbox has %d rows with the outbox off", n)
		}
		db.EnableOutbox("n1", nil)
		if err := f.svc.RecordStatus(ctx, volt.StatusReport{CPID: f.cpidA, ConnectorID: 1, Status: volt.StatusPreparing}); err != nil {
			t.Fatal(err)
		}
		res := f.start(t, f.cpidA, 1, "CARD-A", 1000, f.now)
		txID := res.TransactionID
		if _, err := f.svc.RecordMeterValues(ctx, volt.MeterReport{CPID: f.cpidA, ConnectorID: 1, TransactionID: &txID,
			Samples: []volt.MeterSample{register(f.now.Add(time.Minute), "1500", "Wh")}}); err != nil {
			t.Fatal(err)
		}
		stop := f.stop(t, f.cpidA, txID, 2500, f.now.Add(2*time.Minute))
		f.start(t, f.cpidA, 1, "CARD-A", 1000, f.now) // a replayed start: no new event
		f.stop(t, f.cpidA, txID, 2500, f.now.Add(2*time.Minute))

		es := relayAll(t, db)
		want := []string{volt.EventConnectorStatus, volt.EventSessionStarted, volt.EventSessionUpdated, volt.EventSessionStopped, volt.EventCDRCreated}
		if got := types(es); len(got) != len(want) {
			t.Fatalf("outbox events %v, want %v", got, want)
		}
		for i, w := range want {
			if es[i].Type != w || es[i].CPID != f.cpidA || es[i].CPOID != f.cpoA {
				t.Fatalf("event %d = %s on %s/%s, want %s on %s/%s", i, es[i].Type, es[i].CPID, es[i].CPOID, w, f.cpidA, f.cpoA)
			}
		}
		var cdr volt.CDR
		if err := json.Unmarshal(es[4].Data.(json.RawMessage), &cdr); err != nil || cdr.ID != stop.CDR.ID || cdr.EnergyWh != 1500 {
			t.Fatalf("cdr.created carries %+v (%v), want CDR %s of 1500 Wh", cdr, err, stop.CDR.ID)
		}
		if n, _ := db.OutboxLen(context.Background()); n != 0 {
			t.Fatalf("%d rows left after relaying", n)
		}
	})
}

func TestOutboxKeepsRowsWhenPublishFails(t *testing.T) {
	storetest.ForEachEngine(t, func(t *testing.T, db *store.DB) {
		f := newChargingFixture(t, db)
		db.EnableOutbox("n1", nil)
		if err := f.svc.RecordStatus(sys(), volt.StatusReport{CPID: f.cpidA, ConnectorID: 1, Status: volt.StatusFaulted}); err != nil {
			t.Fatal(err)
		}
		down := errors.New("nats down")
		_, err := db.RelayOutbox(context.Background(), 0, 10, func(context.Context, []int64, []volt.Event) error { return down })
		if !errors.Is(err, down) {
			t.Fatalf("relay error %v, want the publish error", err)
		}
		if got := types(relayAll(t, db)); len(got) != 1 || got[0] != volt.EventConnectorStatus {
			t.Fatalf("after NATS came back the outbox gave %v, want the status event", got)
		}
	})
}

func TestOutboxRollsBackWithTheChange(t *testing.T) {
	storetest.ForEachEngine(t, func(t *testing.T, db *store.DB) {
		f := newChargingFixture(t, db)
		db.EnableOutbox("n1", nil)
		// A status for an unknown charger fails: neither it nor its event stays.
		if err := f.svc.RecordStatus(sys(), volt.StatusReport{CPID: "NOPE", ConnectorID: 1, Status: volt.StatusFaulted}); err == nil {
			t.Fatal("status of an unknown charger recorded")
		}
		if n, _ := db.OutboxLen(context.Background()); n != 0 {
			t.Fatalf("outbox has %d rows after a failed change", n)
		}
	})
}

// TestEachNodeRelaysItsOwnOutboxRows (issue 12): a node relays the rows it
// wrote and leaves another node's fresh rows to it; once a row is older
// than the stale age any node relays it (its node died or lost NATS).
func TestEachNodeRelaysItsOwnOutboxRows(t *testing.T) {
	storetest.ForEachEngine(t, func(t *testing.T, db *store.DB) {
		f := newChargingFixture(t, db)
		ctx := sys()
		db.EnableOutbox("n1", nil)
		if err := f.svc.RecordStatus(ctx, volt.StatusReport{CPID: f.cpidA, ConnectorID: 1, Status: volt.StatusFaulted}); err != nil {
			t.Fatal(err)
		}
		// The same database seen from node n2, a minute later.
		f.now = f.now.Add(time.Minute)
		db.EnableOutbox("n2", nil)
		if err := f.svc.RecordStatus(ctx, volt.StatusReport{CPID: f.cpidB, ConnectorID: 1, Status: volt.StatusCharging}); err != nil {
			t.Fatal(err)
		}
		if err := f.svc.RecordStatus(ctx, volt.StatusReport{CPID: f.cpidB, ConnectorID: 1, Status: volt.StatusFinishing}); err != nil {
			t.Fatal(err)
		}
		own := relayAll(t, db)
		if len(own) != 2 || own[0].CPID != f.cpidB || own[1].CPID != f.cpidB {
			t.Fatalf("n2 relayed %d events (%v), want its own two status events of %s", len(own), types(own), f.cpidB)
		}
		if n, _ := db.OutboxLen(context.Background()); n != 1 {
			t.Fatalf("%d rows left, want n1's one", n)
		}
		var stale []volt.Event
		relay := func(_ context.Context, _ []int64, es []volt.Event) error { stale = append(stale, es...); return nil }
		if k, err := db.RelayStaleOutbox(context.Background(), 2*time.Minute, 10, relay); err != nil || k != 0 {
			t.Fatalf("rows younger than the stale age: relayed %d (%v), want none", k, err)
		}
		if k, err := db.RelayStaleOutbox(context.Background(), 30*time.Second, 10, relay); err != nil || k != 1 ||
			len(stale) != 1 || stale[0].CPID != f.cpidA || stale[0].Type != volt.EventConnectorStatus {
			t.Fatalf("stale relay gave %d (%v): %+v, want n1's status event of %s", k, err, stale, f.cpidA)
		}
		if n, _ := db.OutboxLen(context.Background()); n != 0 {
			t.Fatalf("%d rows left after the stale relay", n)
		}
	})
}

// TestLateTokenIsAnEvent: a 2.x station's token sent after a token-less
// start (E03) gives the session its driver and tariff; live views on every
// node hear of it through the outbox, as of any change of the session.
func TestLateTokenIsAnEvent(t *testing.T) {
	storetest.ForEachEngine(t, func(t *testing.T, db *store.DB) {
		f := newChargingFixture(t, db)
		ctx := sys()
		if _, err := f.svc.StartTransaction(ctx, volt.StartRequest{CPID: f.cpidA, ConnectorID: 1, MeterStart: 100, At: f.now,
			ReceivedAt: f.now, ChargerTransactionID: "e03-1"}); err != nil {
			t.Fatal(err)
		}
		db.EnableOutbox("n1", nil)
		auth, sess, err := f.svc.AuthorizeChargerTransaction(ctx, f.cpidA, "e03-1", "CARD-A")
		if err != nil || auth.Status != volt.AuthAccepted || sess == nil || sess.IDTag != "CARD-A" {
			t.Fatalf("late token: %+v, %+v, %v", auth, sess, err)
		}
		es := relayAll(t, db)
		if len(es) != 1 || es[0].Type != volt.EventSessionUpdated {
			t.Fatalf("outbox after the late token: %v, want one session.updated", types(es))
		}
		var got volt.Session
		if err := json.Unmarshal(es[0].Data.(json.RawMessage), &got); err != nil || got.ID != sess.ID || got.IDTag != "CARD-A" {
			t.Fatalf("session.updated carries %+v (%v), want session %s with CARD-A", got, err, sess.ID)
		}
	})
}

// TestCommitHandsOverItsOutboxRows (issue 12): a commit hands its outbox
// rows to the relay exactly as the table holds them (same ids, data and
// time, so the same message ids whichever way they leave); a rolled-back
// transaction hands nothing; DeleteOutbox removes what was published, and
// RelayOutbox with an age leaves the rows younger than it.
func TestCommitHandsOverItsOutboxRows(t *testing.T) {
	storetest.ForEachEngine(t, func(t *testing.T, db *store.DB) {
		f := newChargingFixture(t, db)
		ctx := sys()
		var handedIDs []int64
		var handed []volt.Event
		db.EnableOutbox("n1", func(ids []int64, es []volt.Event) {
			handedIDs, handed = append(handedIDs, ids...), append(handed, es...)
		})
		if err := f.svc.RecordStatus(ctx, volt.StatusReport{CPID: "NOPE", ConnectorID: 1, Status: volt.StatusFaulted}); err == nil {
			t.Fatal("status of an unknown charger recorded")
		}
		if len(handed) != 0 {
			t.Fatalf("a failed change handed over %v", types(handed))
		}
		if err := f.svc.RecordStatus(ctx, volt.StatusReport{CPID: f.cpidA, ConnectorID: 1, Status: volt.StatusPreparing}); err != nil {
			t.Fatal(err)
		}
		f.start(t, f.cpidA, 1, "CARD-A", 1000, f.now)
		if got := types(handed); len(got) != 2 || got[0] != volt.EventConnectorStatus || got[1] != volt.EventSessionStarted {
			t.Fatalf("handed over %v, want the status and the start", got)
		}
		// The rows are a minute old: a relay asking for rows two minutes
		// old gets none.
		f.now = f.now.Add(time.Minute)
		if k, err := db.RelayOutbox(context.Background(), 2*time.Minute, 10, func(context.Context, []int64, []volt.Event) error { return nil }); err != nil || k != 0 {
			t.Fatalf("rows younger than the age relayed: %d (%v)", k, err)
		}
		var ids []int64
		var table []volt.Event
		_, err := db.RelayOutbox(context.Background(), 0, 10, func(_ context.Context, is []int64, es []volt.Event) error {
			ids, table = is, es
			return errors.New("only looking")
		})
		if err == nil || len(table) != 2 {
			t.Fatalf("read back %d rows (%v), want 2", len(table), err)
		}
		for i := range table {
			a, b := handed[i], table[i]
			if ids[i] != handedIDs[i] || a.Type != b.Type || a.CPID != b.CPID || a.CPOID != b.CPOID || !a.At.Equal(b.At) ||
				string(a.Data.(json.RawMessage)) != string(b.Data.(json.RawMessage)) {
				t.Fatalf("row %d handed over as %d %+v, read back as %d %+v", i, handedIDs[i], a, ids[i], b)
			}
		}
		if err := db.DeleteOutbox(context.Background(), handedIDs); err != nil {
			t.Fatal(err)
		}
		if n, _ := db.OutboxLen(context.Background()); n != 0 {
			t.Fatalf("%d rows left after DeleteOutbox", n)
		}
	})
}
