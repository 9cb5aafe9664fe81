package store_test

import (
	"context"
	"testing"

	"github.com/volt-ev/volt"
	"github.com/volt-ev/volt/payment/sandbox"
	"github.com/volt-ev/volt/store"
	"github.com/volt-ev/volt/store/storetest"
)

// TestGuestPaymentsByEmailAndLast4: the card brand and last four digits of
// an authorisation are kept, and a guest's session payment is found again
// by the checkout e-mail and those digits, and by nothing less.
func TestGuestPaymentsByEmailAndLast4(t *testing.T) {
	storetest.ForEachEngine(t, func(t *testing.T, db *store.DB) {
		f := newMoneyFixture(t, db)
		p, err := f.money.PreAuthorize(sys(), volt.PreAuthRequest{Kind: volt.PaymentGuest, Email: "g@example.com", CPID: f.cpidA,
			ConnectorID: 1, Card: sandbox.CardOK, IdempotencyKey: "g1"})
		must(t, err)
		if p.CardBrand != "visa" || p.CardLast4 != "4242" {
			t.Fatalf("card of the payment: %q %q", p.CardBrand, p.CardLast4)
		}
		none, err := f.money.FindGuestPayments(sys(), "g@example.com", "4242")
		must(t, err)
		if len(none) != 0 {
			t.Errorf("a hold without a session is found: %+v", none)
		}
		cdr := f.session(t, 1, "GUEST-TAG", 5_000)
		if err := f.money.BindSession(sys(), p.ID, cdr.SessionID); err != nil && !volt.IsCode(err, volt.ECONFLICT) {
			t.Fatal(err)
		}
		found, err := f.money.FindGuestPayments(sys(), " G@Example.com ", "4242")
		must(t, err)
		if len(found) != 1 || found[0].SessionID != cdr.SessionID {
			t.Fatalf("found %+v, want the payment of session %s", found, cdr.SessionID)
		}
		for _, c := range [][2]string{{"g@example.com", "4241"}, {"h@example.com", "4242"}, {"g@example.com", ""}} {
			if got, err := f.money.FindGuestPayments(sys(), c[0], c[1]); err != nil || len(got) != 0 {
				t.Errorf("%v finds %d payments (%v)", c, len(got), err)
			}
		}
		drv := volt.NewContextWithActor(context.Background(), &volt.Actor{UserID: f.driverB})
		_, err = f.money.FindGuestPayments(drv, "g@example.com", "4242")
		wantCode(t, "a driver's own actor", err, volt.EFORBIDDEN)
	})
}
