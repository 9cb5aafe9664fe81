package gateway

import (
	"context"
	"sync"
	"testing"

	volt "github.com/volt-ev/volt"
	v16 "github.com/volt-ev/volt/ocpp/v16"
	"github.com/volt-ev/volt/store"
	"github.com/volt-ev/volt/store/storetest"
)

// recordingBus keeps every event published.
type recordingBus struct {
	mu     sync.Mutex
	events []volt.Event
}

func (b *recordingBus) Publish(_ context.Context, e volt.Event) {
	b.mu.Lock()
	defer b.mu.Unlock()
	b.events = append(b.events, e)
}

func (b *recordingBus) Subscribe() (<-chan volt.Event, func()) {
	return make(chan volt.Event), func() {}
}

func (b *recordingBus) count(typ string) int {
	b.mu.Lock()
	defer b.mu.Unlock()
	n := 0
	for _, e := range b.events {
		if e.Type == typ {
			n++
		}
	}
	return n
}

// TestNewStartSupersedesOpenSession: a StartTransaction on a connector that
// still has an open session closes that session first, with one CDR that is
// announced (cdr.created starts its settlement) exactly once, a replayed
// start included (issue #10 item 12).
func TestNewStartSupersedesOpenSession(t *testing.T) {
	storetest.ForEachEngine(t, func(t *testing.T, db *store.DB) {
		ctx := volt.NewContextWithActor(context.Background(), volt.SystemActor)
		creds := onboard(t, ctx, db)
		svc := store.NewChargingService(db)
		bus := &recordingBus{}
		h := newHarness(t, func(c *Config) { c.Charging = svc; c.Bus = bus })
		c := h.connect(creds.OCPPIdentity, creds.OCPPPassword)
		c.callOK("BootNotification", map[string]any{"chargePointVendor": "ACME", "chargePointModel": "Volt-22"}, nil)
		c.read() // GetConfiguration after boot
		var first, second v16.StartTransactionResponse
		c.callOK("StartTransaction", map[string]any{"connectorId": 1, "idTag": "CARD1", "meterStart": 1000, "timestamp": "2026-11-25T19:00:00Z"}, &first)
		c.callOK("MeterValues", map[string]any{"connectorId": 1, "transactionId": first.TransactionID, "meterValue": []any{
			map[string]any{"timestamp": "2026-11-25T19:05:00Z", "sampledValue": []any{map[string]any{"value": "1400"}}}}}, nil)
		next := map[string]any{"connectorId": 1, "idTag": "CARD2", "meterStart": 1500, "timestamp": "2026-11-25T20:00:00Z"}
		c.callOK("StartTransaction", next, &second)
		c.callOK("StartTransaction", next, nil) // the charger's retry
		if first.TransactionID == second.TransactionID {
			t.Fatal("the second start reused the first transaction id")
		}
		waitFor(t, "the superseded session's events", func() bool { return bus.count(volt.EventCDRCreated) >= 1 })
		if n := bus.count(volt.EventCDRCreated); n != 1 {
			t.Fatalf("%d cdr.created events, want 1", n)
		}
		if n := bus.count(volt.EventSessionStopped); n != 1 {
			t.Fatalf("%d session.stopped events, want 1", n)
		}
		cdrs, _, err := svc.FindCDRs(ctx, volt.SessionFilter{CPID: creds.CPID})
		if err != nil || len(cdrs) != 1 || cdrs[0].TransactionID != int64(first.TransactionID) {
			t.Fatalf("CDRs %+v %v, want one of the first transaction", cdrs, err)
		}
		sessions, _, err := svc.FindSessions(ctx, volt.SessionFilter{CPID: creds.CPID})
		if err != nil || len(sessions) != 2 {
			t.Fatalf("sessions %v %v", sessions, err)
		}
	})
}
