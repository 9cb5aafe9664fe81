package store_test

import (
	"context"
	"strings"
	"testing"

	"github.com/volt-ev/volt"
	"github.com/volt-ev/volt/payment/sandbox"
	"github.com/volt-ev/volt/store"
	"github.com/volt-ev/volt/store/storetest"
)

// TestTerminalTapCapturesCDRCost registers a terminal on connector 1, logs
// in with its key, taps a card, starts the session with the tap's idTag and
// settles it: exactly the CDR cost is captured, the rest released, and the
// terminal's receipt says so. Another terminal sees nothing of it.
func TestTerminalTapCapturesCDRCost(t *testing.T) {
	storetest.ForEachEngine(t, func(t *testing.T, db *store.DB) {
		f := newMoneyFixture(t, db)
		f.svc.Gate = f.money
		terms := store.NewTerminalService(db, f.money)
		tm := &volt.Terminal{CPID: f.cpidA, ConnectorID: 1, Provider: "sandbox", Serial: "T-1"}
		key, err := terms.CreateTerminal(sys(), tm)
		if err != nil || !volt.IsTerminalKey(key) {
			t.Fatalf("register: %q, %v", key, err)
		}
		other := &volt.Terminal{CPID: f.cpidA, Provider: "sandbox", Serial: "T-2"}
		otherKey, err := terms.CreateTerminal(sys(), other)
		must(t, err)
		if _, err := terms.CreateTerminal(sys(), &volt.Terminal{CPID: f.cpidA, Provider: "sandbox", Serial: "T-1"}); volt.ErrorCode(err) != volt.ECONFLICT {
			t.Errorf("same serial twice: %v", err)
		}
		for _, bad := range []string{key + "x", strings.Replace(key, tm.ID, other.ID, 1), "vtk_nothing", ""} {
			if _, err := terms.AuthenticateTerminal(context.Background(), bad); volt.ErrorCode(err) != volt.EUNAUTHORIZED {
				t.Errorf("key %q: %v, want unauthorized", bad, err)
			}
		}
		actor, err := terms.AuthenticateTerminal(context.Background(), key)
		if err != nil || actor.TerminalID != tm.ID || actor.Can(volt.PermRead, volt.Ref{CPOID: f.cpoA}) {
			t.Fatalf("authenticate: %+v, %v", actor, err)
		}
		ctx := volt.NewContextWithActor(context.Background(), actor)
		if _, err := terms.Tap(ctx, volt.TerminalTap{TerminalID: other.ID, ConnectorID: 2, Card: sandbox.CardOK, IdempotencyKey: "x"}); volt.ErrorCode(err) != volt.ENOTFOUND {
			t.Errorf("tap as another terminal: %v", err)
		}
		if _, err := terms.Tap(ctx, volt.TerminalTap{TerminalID: tm.ID, ConnectorID: 2, Card: sandbox.CardOK, IdempotencyKey: "x"}); volt.ErrorCode(err) != volt.EINVALID {
			t.Errorf("tap for a connector the terminal does not serve: %v", err)
		}
		auth, err := terms.Tap(ctx, volt.TerminalTap{TerminalID: tm.ID, Amount: 2000, Card: sandbox.CardOK, IdempotencyKey: "tap-1"})
		if err != nil || auth.Payment.State != volt.PaymentAuthorized || auth.Payment.Amount != 2000 || auth.Payment.Kind != volt.PaymentContactless {
			t.Fatalf("tap: %+v, %v", auth, err)
		}
		again, err := terms.Tap(ctx, volt.TerminalTap{TerminalID: tm.ID, Amount: 2000, Card: sandbox.CardOK, IdempotencyKey: "tap-1"})
		if err != nil || again.Payment.ID != auth.Payment.ID || !again.Replayed || auth.Replayed {
			t.Fatalf("replayed tap: %+v, %v", again, err)
		}
		cdr := f.session(t, 1, auth.IDTag, 10_000) // 10 kWh × 0.45 = 4.50
		if cdr.PaymentMethod != "contactless" || cdr.TotalCost.InclVAT != 450 {
			t.Fatalf("CDR %q %+v, want contactless 450", cdr.PaymentMethod, cdr.TotalCost)
		}
		must(t, f.money.OnCDR(sys(), cdr))
		rc, err := terms.TerminalReceipt(ctx, tm.ID, auth.Payment.ID)
		if err != nil || rc.State != volt.PaymentCaptured || rc.Captured != 450 || rc.Released != 1550 || rc.EnergyWh != 10_000 ||
			rc.Cost == nil || rc.Cost.InclVAT != 450 {
			t.Fatalf("receipt %+v, %v", rc, err)
		}
		otherActor, err := terms.AuthenticateTerminal(context.Background(), otherKey)
		must(t, err)
		if _, err := terms.TerminalReceipt(volt.NewContextWithActor(context.Background(), otherActor), tm.ID, auth.Payment.ID); volt.ErrorCode(err) != volt.ENOTFOUND {
			t.Errorf("receipt read by another terminal: %v", err)
		}
		f.audit(t)
	})
}

// TestTerminalDeclinedCardHoldsNothing: a declined tap is refused with its
// reason and no hold is posted; a session on the connector is not admitted.
func TestTerminalDeclinedCardHoldsNothing(t *testing.T) {
	f := newMoneyFixture(t, storetest.SQLite(t))
	terms := store.NewTerminalService(f.db, f.money)
	tm := &volt.Terminal{CPID: f.cpidA, ConnectorID: 1, Provider: "sandbox", Serial: "T-9"}
	key, err := terms.CreateTerminal(sys(), tm)
	must(t, err)
	actor, err := terms.AuthenticateTerminal(context.Background(), key)
	must(t, err)
	auth, err := terms.Tap(volt.NewContextWithActor(context.Background(), actor), volt.TerminalTap{TerminalID: tm.ID, Card: sandbox.CardDeclined, IdempotencyKey: "d"})
	if volt.ErrorCode(err) != volt.EUNPROCESSABLE || auth.Payment == nil || auth.Payment.State != volt.PaymentFailed {
		t.Fatalf("declined tap: %+v, %v", auth, err)
	}
	if h, _ := f.ledger.Balance(context.Background(), volt.AccountHold(auth.Payment.ID), "GBP"); h != 0 {
		t.Errorf("declined card held %d", h)
	}
	f.audit(t)
}

// TestTerminalRegistrationScoped: only those who may change the charger
// register terminals on it; others do not learn it exists; terminals list
// in scope only.
func TestTerminalRegistrationScoped(t *testing.T) {
	f := newMoneyFixture(t, storetest.SQLite(t))
	terms := store.NewTerminalService(f.db, f.money)
	staff := volt.NewContextWithActor(context.Background(), &volt.Actor{UserID: "s", Grants: []volt.Grant{{Role: volt.RoleStaff, CPOID: f.cpoA}}})
	stranger := volt.NewContextWithActor(context.Background(), &volt.Actor{UserID: "x", Grants: []volt.Grant{{Role: volt.RoleAdmin, CPOID: "cpo_elsewhere"}}})
	if _, err := terms.CreateTerminal(staff, &volt.Terminal{CPID: f.cpidA, Provider: "p", Serial: "s"}); volt.ErrorCode(err) != volt.EFORBIDDEN {
		t.Errorf("staff registers: %v", err)
	}
	if _, err := terms.CreateTerminal(stranger, &volt.Terminal{CPID: f.cpidA, Provider: "p", Serial: "s"}); volt.ErrorCode(err) != volt.ENOTFOUND {
		t.Errorf("stranger registers: %v", err)
	}
	if _, err := terms.CreateTerminal(sys(), &volt.Terminal{CPID: f.cpidA, ConnectorID: 9, Provider: "p", Serial: "s"}); volt.ErrorCode(err) != volt.EINVALID {
		t.Errorf("unknown connector: %v", err)
	}
	tm := &volt.Terminal{CPID: f.cpidA, Provider: "p", Serial: "s"}
	_, err := terms.CreateTerminal(sys(), tm)
	must(t, err)
	if list, n, err := terms.FindTerminals(staff, volt.TerminalFilter{}); err != nil || n != 1 || list[0].ID != tm.ID {
		t.Errorf("staff list: %v %d %v", list, n, err)
	}
	if list, n, err := terms.FindTerminals(stranger, volt.TerminalFilter{}); err != nil || n != 0 {
		t.Errorf("stranger list: %v %d %v", list, n, err)
	}
	must(t, terms.DeleteTerminal(sys(), tm.ID))
	if _, err := terms.FindTerminalByID(sys(), tm.ID); volt.ErrorCode(err) != volt.ENOTFOUND {
		t.Errorf("deleted terminal: %v", err)
	}
}

// TestGuestHoldAdmitsAuthorize: a charger that authorises remote starts
// sends Authorize (connector 0) for a terminal's idTag before its
// StartTransaction; the tap's hold admits it, while a registered driver
// without credit is not admitted by that user-less hold.
func TestGuestHoldAdmitsAuthorize(t *testing.T) {
	f := newMoneyFixture(t, storetest.SQLite(t))
	f.svc.Gate = f.money
	terms := store.NewTerminalService(f.db, f.money)
	tm := &volt.Terminal{CPID: f.cpidA, ConnectorID: 1, Provider: "sandbox", Serial: "A-1"}
	key, err := terms.CreateTerminal(sys(), tm)
	must(t, err)
	actor, err := terms.AuthenticateTerminal(context.Background(), key)
	must(t, err)
	auth, err := terms.Tap(volt.NewContextWithActor(context.Background(), actor), volt.TerminalTap{TerminalID: tm.ID, Card: sandbox.CardOK, IdempotencyKey: "a"})
	must(t, err)
	if res, err := f.svc.AuthorizeIDTag(sys(), f.cpidA, auth.IDTag); err != nil || res.Status != volt.AuthAccepted {
		t.Fatalf("Authorize of the terminal's idTag: %+v, %v", res, err)
	}
	if res, err := f.svc.AuthorizeIDTag(sys(), f.cpidA, "CARD-B"); err != nil || res.Status == volt.AuthAccepted {
		t.Fatalf("Authorize of a driver without credit beside a guest hold: %+v, %v", res, err)
	}
}
