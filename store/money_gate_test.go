package store_test

import (
	"context"
	"strings"
	"testing"
	"time"

	"github.com/volt-ev/volt"
	"github.com/volt-ev/volt/payment/sandbox"
	"github.com/volt-ev/volt/store"
	"github.com/volt-ev/volt/store/storetest"
)

// TestCreditGateAtStart: an RFID start on credit below the CPO's minimum is
// refused in idTagInfo (Blocked, the reason recorded on the session, an
// expiry of now); topped up it is accepted; with a card on file instead a
// pre-authorisation pays for it.
func TestCreditGateAtStart(t *testing.T) {
	storetest.ForEachEngine(t, func(t *testing.T, db *store.DB) {
		f := newMoneyFixture(t, db)
		f.svc.Gate = f.money
		auth, err := f.svc.AuthorizeIDTag(sys(), f.cpidA, "CARD-B")
		if err != nil || auth.Status != volt.AuthBlocked || !strings.Contains(auth.Reason, "insufficient credit") {
			t.Fatalf("authorize with an empty wallet: %+v, %v", auth, err)
		}
		st := f.start(t, f.cpidA, 1, "CARD-B", 0, f.now)
		if st.Auth.Status != volt.AuthBlocked || st.Auth.ExpiresAt == nil || !st.Auth.ExpiresAt.Equal(f.now) || st.TransactionID == 0 {
			t.Fatalf("start with an empty wallet: %+v", st)
		}
		var reason string
		if err := db.QueryRow(context.Background(), `SELECT auth_reason FROM sessions WHERE id = ?`, st.Session.ID).Scan(&reason); err != nil || !strings.HasPrefix(reason, "payment: ") {
			t.Errorf("recorded reason %q, %v", reason, err)
		}
		f.stop(t, f.cpidA, st.TransactionID, 0, f.now.Add(time.Minute))
		// An engineer charges free whatever the wallet holds.
		if eng := f.start(t, f.cpidA, 2, "ENG-1", 0, f.now.Add(2*time.Minute)); eng.Auth.Status != volt.AuthAccepted || !eng.Auth.FreeVend {
			t.Errorf("engineer: %+v", eng.Auth)
		} else {
			f.stop(t, f.cpidA, eng.TransactionID, 0, f.now.Add(3*time.Minute))
		}
		drv := volt.NewContextWithActor(context.Background(), &volt.Actor{UserID: f.driverB})
		if _, err := f.money.TopUp(drv, f.driverB, volt.Money{Amount: 600, Currency: "GBP"}, sandbox.CardOK, "t1"); err != nil {
			t.Fatal(err)
		}
		f.now = f.now.Add(10 * time.Minute)
		st = f.start(t, f.cpidA, 1, "CARD-B", 0, f.now)
		if st.Auth.Status != volt.AuthAccepted || st.Session.PaymentMethod != store.MethodCredit {
			t.Fatalf("start with credit: %+v method %q", st.Auth, st.Session.PaymentMethod)
		}
		f.stop(t, f.cpidA, st.TransactionID, 0, f.now.Add(time.Minute))

		// driver has no credit but a card on file: held, then captured.
		own := volt.NewContextWithActor(context.Background(), &volt.Actor{UserID: f.driver})
		if err := f.money.SaveCard(own, f.driver, sandbox.CardOK, "Visa"); err != nil {
			t.Fatal(err)
		}
		if auth, err := f.svc.AuthorizeIDTag(sys(), f.cpidA, "CARD-A"); err != nil || auth.Status != volt.AuthAccepted {
			t.Fatalf("authorize with a card on file: %+v, %v", auth, err)
		}
		if n := f.count(t, `SELECT count(*) FROM payments WHERE user_id = ?`, f.driver); n != 0 {
			t.Errorf("Authorize held %d payments, want none (the connector is not known)", n)
		}
		f.now = f.now.Add(10 * time.Minute)
		st = f.start(t, f.cpidA, 2, "CARD-A", 0, f.now)
		if st.Auth.Status != volt.AuthAccepted || st.Session.PaymentMethod != string(volt.PaymentCardOnFile) {
			t.Fatalf("start with a card on file: %+v method %q", st.Auth, st.Session.PaymentMethod)
		}
		if n := f.count(t, `SELECT count(*) FROM payments WHERE user_id = ? AND state = 'authorized'`, f.driver); n != 1 {
			t.Errorf("%d holds, want 1", n)
		}
		// The charger resends the start (its answer was lost): same answer,
		// no second hold.
		again, err := f.svc.StartTransaction(sys(), volt.StartRequest{CPID: f.cpidA, ConnectorID: 2, IDTag: "CARD-A", MeterStart: 0, At: f.now})
		if err != nil || !again.Replayed || again.TransactionID != st.TransactionID {
			t.Fatalf("replayed start: %+v, %v", again, err)
		}
		if n := f.count(t, `SELECT count(*) FROM payments WHERE user_id = ?`, f.driver); n != 1 {
			t.Errorf("%d payments after a replayed start, want 1", n)
		}
		f.audit(t)
	})
}

// TestSweepSettlesWhatTheBusDropped: the node stops between the CDR's
// commit and OnCDR (here: OnCDR is never called). The sweep finds the CDRs
// once they are older than SettleGrace and settles each once: the wallet is
// charged the CDR cost, the card hold captured for exactly it.
func TestSweepSettlesWhatTheBusDropped(t *testing.T) {
	storetest.ForEachEngine(t, func(t *testing.T, db *store.DB) {
		f := newMoneyFixture(t, db)
		drv := volt.NewContextWithActor(context.Background(), &volt.Actor{UserID: f.driverB})
		if _, err := f.money.TopUp(drv, f.driverB, volt.Money{Amount: 1000, Currency: "GBP"}, sandbox.CardOK, "t1"); err != nil {
			t.Fatal(err)
		}
		p, err := f.money.PreAuthorize(sys(), volt.PreAuthRequest{Kind: volt.PaymentGuest, Email: "g@example.com", CPID: f.cpidA,
			ConnectorID: 1, Card: sandbox.CardOK, IdempotencyKey: "g1"})
		if err != nil {
			t.Fatal(err)
		}
		credit := f.session(t, 2, "CARD-B", 10_000) // 4.50 from the wallet
		guest := f.session(t, 1, "GUEST-TAG", 20_000)
		if guest.PaymentMethod != string(volt.PaymentGuest) {
			t.Fatalf("guest method %q", guest.PaymentMethod)
		}
		// Too fresh: the subscriber may still be at it.
		if n, err := f.money.SettleUnsettled(sys(), 0); err != nil || n != 0 {
			t.Fatalf("sweep of fresh CDRs: %d, %v", n, err)
		}
		f.now = f.now.Add(store.SettleGrace + time.Hour)
		if n, err := f.money.SettleUnsettled(sys(), 0); err != nil || n != 2 {
			t.Fatalf("sweep: %d, %v; want 2", n, err)
		}
		w, _ := f.money.FindWallet(drv, f.driverB, "GBP")
		if w.Balance != 1000-credit.TotalCost.InclVAT {
			t.Errorf("wallet %d, want %d", w.Balance, 1000-credit.TotalCost.InclVAT)
		}
		got, _ := f.money.FindPaymentByID(sys(), p.ID)
		if got.State != volt.PaymentCaptured || got.Captured != guest.TotalCost.InclVAT {
			t.Errorf("guest payment %s captured %d, want %d", got.State, got.Captured, guest.TotalCost.InclVAT)
		}
		if n, err := f.money.SettleUnsettled(sys(), 0); err != nil || n != 0 {
			t.Errorf("second sweep: %d, %v; want nothing left", n, err)
		}
		// The event path settling too changes nothing.
		if err := f.money.OnCDR(sys(), credit); err != nil {
			t.Fatal(err)
		}
		if n := f.count(t, `SELECT count(*) FROM ledger_postings WHERE kind IN ('credit_charge', 'capture')`); n != 2 {
			t.Errorf("%d settlement postings, want 2", n)
		}
		// The guest's receipt is due once.
		rs, err := f.money.PendingReceipts(sys(), 0)
		if err != nil || len(rs) != 1 || rs[0].Email != "g@example.com" || rs[0].CDR.ID != guest.ID || rs[0].Captured != guest.TotalCost.InclVAT {
			t.Fatalf("pending receipts %+v, %v", rs, err)
		}
		if _, err := f.money.PendingReceipts(drv, 0); volt.ErrorCode(err) != volt.EFORBIDDEN {
			t.Errorf("a driver lists receipts: %v", err)
		}
		if err := f.money.MarkReceiptSent(sys(), guest.ID, "g@example.com"); err != nil {
			t.Fatal(err)
		}
		if rs, err := f.money.PendingReceipts(sys(), 0); err != nil || len(rs) != 0 {
			t.Errorf("receipts after sending: %d, %v", len(rs), err)
		}
		f.audit(t)
	})
}

// TestSweepLeavesOutagesToRetry: a capture that fails for an outage is
// RetryFailed's; the sweep does not hammer the provider with it.
func TestSweepLeavesOutagesToRetry(t *testing.T) {
	f := newMoneyFixture(t, storetest.SQLite(t))
	if _, err := f.money.PreAuthorize(sys(), volt.PreAuthRequest{Kind: volt.PaymentPAYG, UserID: f.driver, CPID: f.cpidA,
		ConnectorID: 1, Card: sandbox.CardOK, IdempotencyKey: "k"}); err != nil {
		t.Fatal(err)
	}
	cdr := f.session(t, 1, "CARD-A", 10_000)
	f.sbx.Down.Store(true)
	f.now = f.now.Add(time.Hour)
	if _, err := f.money.SettleUnsettled(sys(), 0); volt.ErrorCode(err) != volt.EUNAVAILABLE {
		t.Fatalf("sweep in an outage: %v", err)
	}
	tries := f.count(t, `SELECT tries FROM payment_attempts WHERE op = 'capture'`)
	if n, _ := f.money.SettleUnsettled(sys(), 0); n != 0 {
		t.Errorf("second sweep settled %d", n)
	}
	if again := f.count(t, `SELECT tries FROM payment_attempts WHERE op = 'capture'`); again != tries {
		t.Errorf("the sweep retried the capture: %d tries, was %d", again, tries)
	}
	f.sbx.Down.Store(false)
	f.now = f.now.Add(2 * time.Hour)
	if _, err := f.money.RetryFailed(sys()); err != nil {
		t.Fatal(err)
	}
	p, _ := f.money.FindPaymentBySession(sys(), cdr.SessionID)
	if p.State != volt.PaymentCaptured || p.Captured != cdr.TotalCost.InclVAT {
		t.Errorf("after retry: %s %d", p.State, p.Captured)
	}
}

// TestReleaseHold: a hold whose start the charger refused is released at
// once; releasing again changes nothing; a bound one is settled at its CDR.
func TestReleaseHold(t *testing.T) {
	f := newMoneyFixture(t, storetest.SQLite(t))
	own := volt.NewContextWithActor(context.Background(), &volt.Actor{UserID: f.driver})
	p, err := f.money.PreAuthorize(own, volt.PreAuthRequest{Kind: volt.PaymentPAYG, UserID: f.driver, CPID: f.cpidA,
		ConnectorID: 1, Card: sandbox.CardOK, IdempotencyKey: "r1"})
	if err != nil {
		t.Fatal(err)
	}
	other := volt.NewContextWithActor(context.Background(), &volt.Actor{UserID: f.driverB})
	if _, err := f.money.Release(other, p.ID); volt.ErrorCode(err) != volt.ENOTFOUND {
		t.Errorf("another driver releases: %v", err)
	}
	for range 2 {
		got, err := f.money.Release(own, p.ID)
		if err != nil || got.State != volt.PaymentReleased {
			t.Fatalf("release: %+v, %v", got, err)
		}
	}
	if _, _, st := f.sbx.Captured(p.ProviderRef); st != "canceled" {
		t.Errorf("provider state %q, want canceled", st)
	}
	if h, _ := f.ledger.Balance(context.Background(), volt.AccountHold(p.ID), "GBP"); h != 0 {
		t.Errorf("hold balance %d after release", h)
	}
	p2, _ := f.money.PreAuthorize(own, volt.PreAuthRequest{Kind: volt.PaymentPAYG, UserID: f.driver, CPID: f.cpidA,
		ConnectorID: 2, Card: sandbox.CardOK, IdempotencyKey: "r2"})
	st := f.start(t, f.cpidA, 2, "CARD-A", 0, f.now)
	if err := f.money.BindSession(sys(), p2.ID, st.Session.ID); err != nil {
		t.Fatal(err)
	}
	if _, err := f.money.Release(own, p2.ID); volt.ErrorCode(err) != volt.ECONFLICT {
		t.Errorf("release of a bound hold: %v", err)
	}
	f.audit(t)
}

// TestFindPaymentsAndWalletsInScope: payments list by scope (an operator of
// CPO A sees A's, a driver their own, nobody B's); CPO support reads a
// driver's wallet, another CPO's support does not.
func TestFindPaymentsAndWalletsInScope(t *testing.T) {
	storetest.ForEachEngine(t, func(t *testing.T, db *store.DB) {
		f := newMoneyFixture(t, db)
		own := volt.NewContextWithActor(context.Background(), &volt.Actor{UserID: f.driver})
		if _, err := f.money.TopUp(own, f.driver, volt.Money{Amount: 500, Currency: "GBP"}, sandbox.CardOK, "t"); err != nil {
			t.Fatal(err)
		}
		pa, err := f.money.PreAuthorize(sys(), volt.PreAuthRequest{Kind: volt.PaymentGuest, Email: "a@example.com", CPID: f.cpidA,
			ConnectorID: 1, Card: sandbox.CardOK, IdempotencyKey: "a"})
		if err != nil {
			t.Fatal(err)
		}
		pb, err := f.money.PreAuthorize(sys(), volt.PreAuthRequest{Kind: volt.PaymentGuest, Email: "b@example.com", CPID: f.cpidB,
			ConnectorID: 1, Card: sandbox.CardOK, IdempotencyKey: "b"})
		if err != nil {
			t.Fatal(err)
		}
		supA := volt.NewContextWithActor(context.Background(), &volt.Actor{UserID: "sup", Grants: []volt.Grant{{Role: volt.RoleSupport, CPOID: f.cpoA}}})
		supB := volt.NewContextWithActor(context.Background(), &volt.Actor{UserID: "supb", Grants: []volt.Grant{{Role: volt.RoleSupport, CPOID: f.cpoB}}})
		list, n, err := f.money.FindPayments(supA, volt.PaymentFilter{})
		if err != nil || n != 1 || list[0].ID != pa.ID {
			t.Fatalf("support A lists %d: %+v, %v", n, list, err)
		}
		if list, n, _ := f.money.FindPayments(supA, volt.PaymentFilter{CPOID: f.cpoB}); n != 0 || len(list) != 0 {
			t.Errorf("support A filtered to B sees %d", n)
		}
		if list, n, _ := f.money.FindPayments(own, volt.PaymentFilter{}); n != 1 || list[0].Kind != volt.PaymentTopUp {
			t.Errorf("driver lists %d: %+v", n, list)
		}
		if _, n, _ := f.money.FindPayments(sys(), volt.PaymentFilter{State: volt.PaymentAuthorized}); n != 2 {
			t.Errorf("system lists %d authorised, want 2 (%s, %s)", n, pa.ID, pb.ID)
		}
		// A usergroup membership of CPO A does not show A the wallet: the
		// wallet is the person's, and the driver signed up with no CPO.
		f.exec(t, `INSERT INTO memberships (usergroup_id, user_id, created_at) VALUES (?, ?, 0)`, f.accessUsergroupA, f.driver)
		if _, err := f.money.FindWallet(supA, f.driver, "GBP"); volt.ErrorCode(err) != volt.ENOTFOUND {
			t.Errorf("support A reads the wallet of a member from elsewhere: %v", err)
		}
		// driver signed up with CPO A: its home tenant's support reads it.
		f.exec(t, `UPDATE users SET cpo_id = ? WHERE id = ?`, f.cpoA, f.driver)
		if w, err := f.money.FindWallet(supA, f.driver, "GBP"); err != nil || w.Balance != 500 {
			t.Errorf("support A reads the wallet: %+v, %v", w, err)
		}
		if _, _, err := f.money.WalletHistory(supA, f.driver, volt.Page{}); err != nil {
			t.Errorf("support A reads the history: %v", err)
		}
		if _, err := f.money.FindWallet(supB, f.driver, "GBP"); volt.ErrorCode(err) != volt.ENOTFOUND {
			t.Errorf("support B reads A's driver's wallet: %v", err)
		}
		if _, err := f.money.TopUp(supA, f.driver, volt.Money{Amount: 100, Currency: "GBP"}, sandbox.CardOK, "x"); volt.ErrorCode(err) != volt.ENOTFOUND {
			t.Errorf("support tops up a driver's wallet: %v", err)
		}
	})
}
