package store_test

import (
	"context"
	"errors"
	"testing"

	"github.com/volt-ev/volt"
	"github.com/volt-ev/volt/payment/sandbox"
	"github.com/volt-ev/volt/store"
	"github.com/volt-ev/volt/store/storetest"
)

// TestTopUpMaximum: a top-up above the CPO's maximum (default 250.00) is
// refused naming the field and the maximum, and nothing is charged; the
// CPO admin's setting raises it for the CPO's drivers only.
func TestTopUpMaximum(t *testing.T) {
	storetest.ForEachEngine(t, func(t *testing.T, db *store.DB) {
		f := newMoneyFixture(t, db)
		drv := volt.NewContextWithActor(context.Background(), &volt.Actor{UserID: f.driverB})
		gbp := func(n int64) volt.Money { return volt.Money{Amount: n, Currency: "GBP"} }

		_, err := f.money.TopUp(drv, f.driverB, gbp(10_000_000_000), sandbox.CardOK, "huge")
		var e *volt.Error
		if !errors.As(err, &e) || e.Code != volt.EINVALID || e.Field != "amount" || e.Message != "A top-up is at most 250.00 GBP, got 100000000.00 GBP." {
			t.Fatalf("£100,000,000 top-up: %v", err)
		}
		if m, err := f.money.MaxTopUp(drv, f.driverB, "GBP"); err != nil || m.Amount != 25_000 {
			t.Fatalf("default maximum %+v %v", m, err)
		}
		if _, err := f.money.TopUp(drv, f.driverB, gbp(25_000), sandbox.CardOK, "max"); err != nil {
			t.Fatalf("top-up of the maximum: %v", err)
		}
		if w, _ := f.money.FindWallet(drv, f.driverB, "GBP"); w.Balance != 25_000 {
			t.Fatalf("balance %d, want 25000 (the refused top-up credited nothing)", w.Balance)
		}

		// The CPO raises its maximum; a driver of that CPO may top up more,
		// a driver of no CPO keeps the default.
		set, err := f.money.MoneySettings(sys(), f.cpoA)
		if err != nil || set.MaxTopUp != 25_000 {
			t.Fatalf("settings %+v %v", set, err)
		}
		set.MaxTopUp = 50_000
		if err := f.money.SetMoneySettings(sys(), set); err != nil {
			t.Fatal(err)
		}
		if got, _ := f.money.MoneySettings(sys(), f.cpoA); got.MaxTopUp != 50_000 {
			t.Fatalf("stored maximum %d", got.MaxTopUp)
		}
		f.exec(t, `UPDATE users SET cpo_id = ? WHERE id = ?`, f.cpoA, f.driverB)
		if _, err := f.money.TopUp(drv, f.driverB, gbp(40_000), sandbox.CardOK, "raised"); err != nil {
			t.Fatalf("top-up under the raised maximum: %v", err)
		}
		other := volt.NewContextWithActor(context.Background(), &volt.Actor{UserID: f.driver})
		if _, err := f.money.TopUp(other, f.driver, gbp(40_000), sandbox.CardOK, "other"); volt.ErrorCode(err) != volt.EINVALID {
			t.Fatalf("driver of no CPO above the default: %v", err)
		}
		set.MaxTopUp = -1
		if err := f.money.SetMoneySettings(sys(), set); volt.ErrorCode(err) != volt.EINVALID {
			t.Fatalf("negative maximum: %v", err)
		}
	})
}
