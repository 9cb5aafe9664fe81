package webhook_test

import (
	"context"
	"encoding/json"
	"io"
	"net/http"
	"net/http/httptest"
	"net/netip"
	"sync"
	"testing"
	"time"

	volt "github.com/volt-ev/volt"
	"github.com/volt-ev/volt/store"
	"github.com/volt-ev/volt/store/storetest"
	"github.com/volt-ev/volt/webhook"
)

// clock is a settable test clock for DB.Now and signatures.
type clock struct {
	mu sync.Mutex
	t  time.Time
}

func (c *clock) Now() time.Time      { c.mu.Lock(); defer c.mu.Unlock(); return c.t }
func (c *clock) Add(d time.Duration) { c.mu.Lock(); c.t = c.t.Add(d); c.mu.Unlock() }

// receiver is a webhook endpoint that verifies each signature and counts the
// event ids it took (answered 2xx); it fails while failing is set.
type receiver struct {
	t       *testing.T
	clk     *clock
	mu      sync.Mutex
	secret  string
	failing bool
	tries   map[string]int // requests per event id
	taken   map[string]int // 2xx answers per event id
	badSigs int
}

func (r *receiver) ServeHTTP(w http.ResponseWriter, req *http.Request) {
	body, _ := io.ReadAll(req.Body)
	var ev struct{ ID, Type string }
	_ = json.Unmarshal(body, &ev)
	r.mu.Lock()
	defer r.mu.Unlock()
	if !volt.VerifyWebhook(r.secret, req.Header.Get(volt.WebhookSignatureHeader), body, r.clk.Now(), 5*time.Minute) {
		r.badSigs++
		w.WriteHeader(http.StatusUnauthorized)
		return
	}
	r.tries[ev.ID]++
	if r.failing {
		w.WriteHeader(http.StatusInternalServerError)
		return
	}
	r.taken[ev.ID]++
	w.WriteHeader(http.StatusNoContent)
}

func (r *receiver) set(failing bool) { r.mu.Lock(); r.failing = failing; r.mu.Unlock() }

func sysCtx() context.Context {
	return volt.NewContextWithActor(context.Background(), volt.SystemActor)
}

// emit journals n events of type typ for cpo, each in its own transaction.
func emit(t *testing.T, db *store.DB, cpo, typ string, n int) {
	t.Helper()
	for i := range n {
		err := db.WithTx(context.Background(), func(tx *store.Tx) error {
			return tx.Emit(context.Background(), volt.Event{Type: typ, CPOID: cpo, CPID: "000001", Data: map[string]int{"n": i}})
		})
		if err != nil {
			t.Fatal(err)
		}
	}
}

func newCPO(t *testing.T, db *store.DB, name string) string {
	t.Helper()
	c := &volt.CPO{Name: name, Currency: "GBP"}
	if err := store.NewHierarchyService(db).CreateCPO(sysCtx(), c); err != nil {
		t.Fatal(err)
	}
	return c.ID
}

func loopback() []netip.Prefix { return []netip.Prefix{netip.MustParsePrefix("127.0.0.0/8")} }

// TestDeliveriesSurviveRestartExactlyOnce: events fan out to a failing
// receiver, the dispatcher "dies" (one delivery claimed and never
// answered), a new dispatcher on a reopened database takes over, the
// receiver recovers: every event id is taken exactly once, every request
// signed, and an event for an unsubscribed type or another CPO never sent.
func TestDeliveriesSurviveRestartExactlyOnce(t *testing.T) {
	for _, eng := range storetest.Engines(t) {
		t.Run(eng.Name, func(t *testing.T) {
			ctx := context.Background()
			dsn := eng.DSN(t)
			open := func() *store.DB {
				db, err := store.Open(ctx, dsn)
				if err != nil {
					t.Fatal(err)
				}
				if err := db.Migrate(ctx); err != nil {
					t.Fatal(err)
				}
				return db
			}
			clk := &clock{t: time.Date(2026, 3, 1, 12, 0, 0, 0, time.UTC)}
			db := open()
			db.Now = clk.Now
			cpo, other := newCPO(t, db, "Webhook CPO"), newCPO(t, db, "Other CPO")
			rcv := &receiver{t: t, clk: clk, failing: true, tries: map[string]int{}, taken: map[string]int{}}
			srv := httptest.NewServer(rcv)
			defer srv.Close()
			svc := store.NewWebhookService(db)
			ep := &volt.WebhookEndpoint{CPOID: cpo, URL: srv.URL + "/hook", Events: []string{volt.EventSessionStarted, volt.EventTicketCreated}}
			if err := svc.CreateWebhookEndpoint(sysCtx(), ep); err != nil {
				t.Fatal(err)
			}
			rcv.secret = ep.Secret
			newDispatcher := func(svc *store.WebhookService) *webhook.Dispatcher {
				return &webhook.Dispatcher{Outbox: svc, Client: webhook.NewClient(webhook.ClientConfig{Allow: loopback(), Timeout: 5 * time.Second}), Now: clk.Now}
			}

			emit(t, db, cpo, volt.EventSessionStarted, 5)
			emit(t, db, cpo, volt.EventSessionUpdated, 2) // not subscribed
			emit(t, db, other, volt.EventSessionStarted, 2)
			d1 := newDispatcher(svc)
			if n, err := d1.Round(ctx); err != nil || n != 5 {
				t.Fatalf("first round: %d attempts, %v; want 5", n, err)
			}
			// One more event is claimed by d1, which dies before answering.
			emit(t, db, cpo, volt.EventTicketCreated, 1)
			if _, err := svc.FanOutWebhooks(ctx, 100); err != nil {
				t.Fatal(err)
			}
			if claimed, err := svc.ClaimWebhookDeliveries(ctx, 100, time.Minute); err != nil || len(claimed) != 1 {
				t.Fatalf("claimed %d, %v; want the new delivery", len(claimed), err)
			}
			db.Close()

			// Restart: a new process on the same database.
			db = open()
			defer db.Close()
			db.Now = clk.Now
			svc = store.NewWebhookService(db)
			emit(t, db, cpo, volt.EventSessionStarted, 3)
			rcv.set(false)
			d2 := newDispatcher(svc)
			if _, err := d2.Round(ctx); err != nil { // the 3 new ones; the rest wait for back-off and lease
				t.Fatal(err)
			}
			clk.Add(2 * time.Minute) // past the first back-off (30 s) and the lease (1 min)
			if _, err := d2.Round(ctx); err != nil {
				t.Fatal(err)
			}
			clk.Add(time.Hour)
			if n, err := d2.Round(ctx); err != nil || n != 0 {
				t.Fatalf("round after all delivered: %d attempts, %v", n, err)
			}
			rcv.mu.Lock()
			defer rcv.mu.Unlock()
			if rcv.badSigs != 0 {
				t.Fatalf("%d requests with a bad signature", rcv.badSigs)
			}
			if len(rcv.taken) != 9 {
				t.Fatalf("receiver took %d events, want 9 (5 + 1 + 3): %v", len(rcv.taken), rcv.taken)
			}
			for id, n := range rcv.taken {
				if n != 1 {
					t.Fatalf("event %s taken %d times", id, n)
				}
			}
			if n, _ := svc.WebhookDeliveryLen(ctx, volt.DeliveryDelivered); n != 9 {
				t.Fatalf("%d deliveries delivered, want 9", n)
			}
			// The log shows the failed first attempts and the success.
			ds, total, err := svc.FindWebhookDeliveries(sysCtx(), ep.ID, volt.Page{})
			if err != nil || total != 9 {
				t.Fatalf("delivery log: %d, %v", total, err)
			}
			retried := 0
			for _, d := range ds {
				if d.State != volt.DeliveryDelivered || d.LastCode != http.StatusNoContent {
					t.Fatalf("delivery %+v not delivered", d)
				}
				if d.Attempts == 2 {
					retried++
				}
			}
			if retried != 5 {
				t.Fatalf("%d deliveries took two attempts, want the 5 that first met a 500", retried)
			}
		})
	}
}

// TestEndpointDisabledAfterThreeDaysOfFailures: a receiver that fails every
// attempt gets retried with growing back-off; once the 3-day window is over
// the delivery fails, the endpoint is disabled and its CPO is mailed once;
// nothing more is sent to it.
func TestEndpointDisabledAfterThreeDaysOfFailures(t *testing.T) {
	storetest.ForEachEngine(t, func(t *testing.T, db *store.DB) {
		ctx := context.Background()
		clk := &clock{t: time.Date(2026, 3, 1, 12, 0, 0, 0, time.UTC)}
		db.Now = clk.Now
		cpo := newCPO(t, db, "Failing CPO")
		if _, err := store.NewAlertService(db).SetAlertRules(sysCtx(), &volt.AlertRules{CPOID: cpo, Email: "ops@failing.example"}); err != nil {
			t.Fatal(err)
		}
		rcv := &receiver{t: t, clk: clk, failing: true, tries: map[string]int{}, taken: map[string]int{}}
		srv := httptest.NewServer(rcv)
		defer srv.Close()
		svc := store.NewWebhookService(db)
		ep := &volt.WebhookEndpoint{CPOID: cpo, URL: srv.URL, Events: []string{volt.EventSessionStarted}}
		if err := svc.CreateWebhookEndpoint(sysCtx(), ep); err != nil {
			t.Fatal(err)
		}
		rcv.secret = ep.Secret
		var mails []string
		d := &webhook.Dispatcher{Outbox: svc, Client: webhook.NewClient(webhook.ClientConfig{Allow: loopback()}), Now: clk.Now,
			Mail: func(to, subject, body string) error { mails = append(mails, to); return nil }}
		emit(t, db, cpo, volt.EventSessionStarted, 1)
		attempts := 0
		for range 200 {
			n, err := d.Round(ctx)
			if err != nil {
				t.Fatal(err)
			}
			attempts += n
			clk.Add(time.Hour)
		}
		got, err := svc.FindWebhookEndpointByID(sysCtx(), ep.ID)
		if err != nil || got.Enabled || got.DisabledReason == "" {
			t.Fatalf("endpoint %+v (%v), want disabled with a reason", got, err)
		}
		if len(mails) != 1 || mails[0] != "ops@failing.example" {
			t.Fatalf("mails %v, want one to the CPO's alert address", mails)
		}
		// 30 s doubling to 6 h: 10 attempts in the first 3 days' first 8.5 h, then one per 6 h.
		if attempts < 15 || attempts > 25 {
			t.Fatalf("%d attempts in 3 days, want about 20", attempts)
		}
		if n, _ := svc.WebhookDeliveryLen(ctx, volt.DeliveryFailed); n != 1 {
			t.Fatalf("%d failed deliveries, want 1", n)
		}
		emit(t, db, cpo, volt.EventSessionStarted, 1) // a disabled endpoint gets nothing new
		if n, err := d.Round(ctx); err != nil || n != 0 {
			t.Fatalf("round after disabling: %d attempts, %v", n, err)
		}
	})
}
