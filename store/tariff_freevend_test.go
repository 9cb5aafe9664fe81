package store_test

import (
	"testing"

	"github.com/volt-ev/volt"
	"github.com/volt-ev/volt/payment/sandbox"
	"github.com/volt-ev/volt/store"
	"github.com/volt-ev/volt/store/storetest"
)

// TestFreeVendTariffIsNotStoppedForCredit: a driver with an empty wallet
// charging under a free vend tariff (the load tests' estate) is not on
// credit, so the credit guard never stops the session. It did: balance 0 −
// cost 0 ≤ 0 stopped every such session at its first meter reading.
func TestFreeVendTariffIsNotStoppedForCredit(t *testing.T) {
	storetest.ForEachEngine(t, func(t *testing.T, db *store.DB) {
		f := newChargingFixture(t, db)
		f.svc.Pricer = store.NewPricer(db)
		money := store.NewMoneyService(db, sandbox.New("whsec_test"))
		tariffs := store.NewTariffService(db)
		free := &volt.Tariff{CPOID: f.cpoA, Name: "Free", Currency: "GBP", VATRate: volt.MustDecimal("0.20"), FreeVend: true}
		if err := tariffs.CreateTariff(sys(), free); err != nil {
			t.Fatal(err)
		}
		var group string
		if err := db.QueryRow(sys(), `SELECT charger_group_id FROM chargers WHERE cpid = ?`, f.cpidA).Scan(&group); err != nil {
			t.Fatal(err)
		}
		if err := tariffs.CreateTariffAssignment(sys(), &volt.TariffAssignment{TariffID: free.ID, UsergroupID: volt.PublicUsergroupID, ChargerGroupID: group}); err != nil {
			t.Fatal(err)
		}
		res := f.start(t, f.cpidA, 1, "CARD-A", 1000, f.now)
		if res.Auth.Status != volt.AuthAccepted || res.Session.PaymentMethod != store.MethodFreeVend {
			t.Fatalf("start under a free vend tariff: %+v, payment method %q", res.Auth, res.Session.PaymentMethod)
		}
		s := *res.Session
		s.LiveCost = &volt.Cost{Currency: "GBP"}
		stop, err := money.GuardSession(sys(), &s, 0)
		if err != nil || stop {
			t.Fatalf("credit guard on a free vend session: stop=%v, %v", stop, err)
		}
	})
}
