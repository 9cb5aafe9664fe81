package store_test

import (
	"sync"
	"testing"
	"time"

	"github.com/volt-ev/volt"
	"github.com/volt-ev/volt/store"
	"github.com/volt-ev/volt/store/storetest"
)

// TestChargingChargerTransactionIDExactlyOnce: an OCPP 2.x start is known by
// the charger's transactionId; replays of it, concurrent ones too, and a
// replay with other values (a later event of the same transaction seen
// first) open one session.
func TestChargingChargerTransactionIDExactlyOnce(t *testing.T) {
	storetest.ForEachEngine(t, func(t *testing.T, db *store.DB) {
		f := newChargingFixture(t, db)
		t0 := f.now.Add(-time.Minute)
		req := volt.StartRequest{CPID: f.cpidA, ConnectorID: 1, IDTag: "CARD-A", MeterStart: 100, At: t0,
			ReceivedAt: f.now, ChargerTransactionID: "tx-201-a"}
		starts := make([]*volt.StartResult, 3)
		errs := make([]error, 3)
		var wg sync.WaitGroup
		for i := range 2 {
			wg.Add(1)
			go func() {
				defer wg.Done()
				starts[i], errs[i] = f.svc.StartTransaction(sys(), req)
			}()
		}
		wg.Wait()
		late := req
		late.MeterStart, late.At = 250, t0.Add(10*time.Minute)
		starts[2], errs[2] = f.svc.StartTransaction(sys(), late)
		for _, err := range errs {
			if err != nil {
				t.Fatal(err)
			}
		}
		if starts[0].TransactionID != starts[1].TransactionID || starts[0].Replayed == starts[1].Replayed {
			t.Fatalf("concurrent starts: %+v / %+v", starts[0], starts[1])
		}
		if !starts[2].Replayed || starts[2].TransactionID != starts[0].TransactionID {
			t.Fatalf("late event of the same transaction: %+v", starts[2])
		}
		if n := f.count(t, `SELECT count(*) FROM sessions WHERE cpid = ?`, f.cpidA); n != 1 {
			t.Fatalf("%d sessions, want 1", n)
		}
		s, err := f.svc.FindSessionByChargerTransaction(sys(), f.cpidA, "tx-201-a")
		if err != nil || s.TransactionID != starts[0].TransactionID || s.ChargerTransactionID != "tx-201-a" || s.MeterStart != 100 {
			t.Fatalf("find by charger id: %+v, %v", s, err)
		}
		if id, err := f.svc.FindChargerTransactionID(sys(), f.cpidA, s.TransactionID); err != nil || id != "tx-201-a" {
			t.Fatalf("charger id of %d: %q, %v", s.TransactionID, id, err)
		}
		if _, err := f.svc.FindSessionByChargerTransaction(sys(), f.cpidB, "tx-201-a"); !volt.IsCode(err, volt.ENOTFOUND) {
			t.Fatalf("another charger's id: %v, want not found", err)
		}
		// The same id on another charger is another transaction.
		other := req
		other.CPID = f.cpidB
		res, err := f.svc.StartTransaction(sys(), other)
		if err != nil || res.Replayed || res.TransactionID == starts[0].TransactionID {
			t.Fatalf("same id on another charger: %+v, %v", res, err)
		}
	})
}
