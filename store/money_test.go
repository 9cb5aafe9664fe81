package store_test

import (
	"context"
	"math/rand/v2"
	"sync"
	"testing"
	"time"

	"github.com/volt-ev/volt"
	"github.com/volt-ev/volt/payment/sandbox"
	"github.com/volt-ev/volt/store"
	"github.com/volt-ev/volt/store/storetest"
)

// moneyFixture is the charging fixture with a Public tariff of 0.45/kWh
// (VAT 20 %) on CPO A's public group, the pricer plugged in and the money
// service on the sandbox provider.
type moneyFixture struct {
	*chargingFixture
	money  *store.MoneyService
	tariff *store.TariffService
	sbx    *sandbox.Provider
	ledger *store.Ledger
}

func newMoneyFixture(t testing.TB, db *store.DB) *moneyFixture {
	t.Helper()
	f := &moneyFixture{chargingFixture: newChargingFixture(t, db), sbx: sandbox.New("whsec_test"),
		tariff: store.NewTariffService(db), ledger: store.NewLedger(db)}
	f.money = store.NewMoneyService(db, f.sbx)
	f.svc.Pricer = store.NewPricer(db)
	tr := &volt.Tariff{CPOID: f.cpoA, Name: "Public", Currency: "GBP", VATRate: volt.MustDecimal("0.20"),
		EnergyPricePerKWh: volt.MustDecimal("0.45")}
	if err := f.tariff.CreateTariff(sys(), tr); err != nil {
		t.Fatalf("create tariff: %v", err)
	}
	var group string
	if err := db.QueryRow(context.Background(), `SELECT charger_group_id FROM chargers WHERE cpid = ?`, f.cpidA).Scan(&group); err != nil {
		t.Fatal(err)
	}
	if err := f.tariff.CreateTariffAssignment(sys(), &volt.TariffAssignment{TariffID: tr.ID, UsergroupID: volt.PublicUsergroupID, ChargerGroupID: group}); err != nil {
		t.Fatalf("assign tariff: %v", err)
	}
	return f
}

func (f *moneyFixture) audit(t testing.TB) {
	t.Helper()
	bad, totals, err := f.ledger.Unbalanced(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	if len(bad) > 0 {
		t.Errorf("unbalanced postings: %v", bad)
	}
	for c, s := range totals {
		if s != 0 {
			t.Errorf("ledger total in %s is %d, want 0", c, s)
		}
	}
}

// session runs a whole session on cpidA/connector with tag: 1 h, wh energy.
func (f *moneyFixture) session(t testing.TB, connector int, tag string, wh int64) *volt.CDR {
	t.Helper()
	st := f.start(t, f.cpidA, connector, tag, 1000, f.now)
	res := f.stop(t, f.cpidA, st.TransactionID, 1000+wh, f.now.Add(time.Hour))
	if res.CDR == nil || res.CDR.TotalCost == nil {
		t.Fatalf("CDR without cost: %+v", res.CDR)
	}
	return res.CDR
}

func TestPAYGCapturesExactCDRCostOnce(t *testing.T) {
	storetest.ForEachEngine(t, func(t *testing.T, db *store.DB) {
		f := newMoneyFixture(t, db)
		p, err := f.money.PreAuthorize(sys(), volt.PreAuthRequest{Kind: volt.PaymentPAYG, UserID: f.driver, CPID: f.cpidA,
			ConnectorID: 1, Card: sandbox.CardOK, IdempotencyKey: "app-1"})
		if err != nil || p.State != volt.PaymentAuthorized || p.Amount != volt.DefaultHoldAmount {
			t.Fatalf("pre-authorise: %+v, %v", p, err)
		}
		if h, _ := f.ledger.Balance(context.Background(), volt.AccountHold(p.ID), "GBP"); h != volt.DefaultHoldAmount {
			t.Errorf("hold balance %d, want %d", h, volt.DefaultHoldAmount)
		}
		cdr := f.session(t, 1, "CARD-A", 10_000) // 10 kWh × 0.45 = 4.50
		if cdr.TotalCost.InclVAT != 450 || cdr.TotalCost.ExclVAT != 375 || cdr.PaymentMethod != "payg" {
			t.Fatalf("CDR cost %+v method %q, want 450/375 payg", cdr.TotalCost, cdr.PaymentMethod)
		}
		var wg sync.WaitGroup // the gateway and a retry job settling at once
		for range 4 {
			wg.Add(1)
			go func() {
				defer wg.Done()
				if err := f.money.OnCDR(sys(), cdr); err != nil {
					t.Errorf("OnCDR: %v", err)
				}
			}()
		}
		wg.Wait()
		got, err := f.money.FindPaymentBySession(sys(), cdr.SessionID)
		if err != nil || got.ID != p.ID || got.State != volt.PaymentCaptured || got.Captured != 450 || got.SessionID != cdr.SessionID {
			t.Fatalf("payment after CDR: %+v, %v", got, err)
		}
		if c, _, st := f.sbx.Captured(got.ProviderRef); c != 450 || st != "succeeded" {
			t.Errorf("provider captured %d (%s), want 450", c, st)
		}
		if h, _ := f.ledger.Balance(context.Background(), volt.AccountHold(p.ID), "GBP"); h != 0 {
			t.Errorf("hold not released: %d", h)
		}
		owner, _ := f.ledger.Balance(context.Background(), volt.AccountOwner(cdr.OwnerID), "GBP")
		vat, _ := f.ledger.Balance(context.Background(), volt.AccountVAT(cdr.CPOID), "GBP")
		if owner != -375 || vat != -75 {
			t.Errorf("owner %d vat %d, want -375 -75", owner, vat)
		}
		f.audit(t)
		// A forged webhook is refused, a genuine one replayed changes nothing.
		if err := f.money.HandleWebhook(sys(), "sandbox", []byte(`{"id":"evt_1","type":"payment.captured","ref":"`+got.ProviderRef+`"}`), "t=1,v1=00"); volt.ErrorCode(err) != volt.EUNAUTHORIZED {
			t.Errorf("forged webhook: %v, want unauthorized", err)
		}
		body, sig := f.sbx.SignWebhook(volt.WebhookEvent{ID: "evt_2", Type: "payment.captured", Ref: got.ProviderRef, Amount: 450})
		for range 2 {
			if err := f.money.HandleWebhook(sys(), "sandbox", body, sig); err != nil {
				t.Errorf("webhook: %v", err)
			}
		}
		if n := f.count(t, `SELECT count(*) FROM ledger_postings WHERE kind = 'capture'`); n != 1 {
			t.Errorf("%d capture postings, want 1", n)
		}
	})
}

func TestDeclinedCardAndOutageRefuseTheStartCleanly(t *testing.T) {
	f := newMoneyFixture(t, storetest.SQLite(t))
	req := volt.PreAuthRequest{Kind: volt.PaymentGuest, Email: "guest@example.com", CPID: f.cpidA, ConnectorID: 1,
		Card: sandbox.CardDeclined, IdempotencyKey: "g-1"}
	p, err := f.money.PreAuthorize(sys(), req)
	if volt.ErrorCode(err) != volt.EUNPROCESSABLE || p == nil || p.State != volt.PaymentFailed || p.Failure == "" {
		t.Fatalf("declined: %+v, %v", p, err)
	}
	if _, err := f.money.PreAuthorize(sys(), req); volt.ErrorCode(err) != volt.EUNPROCESSABLE {
		t.Errorf("replayed declined request: %v", err)
	}
	f.sbx.Down.Store(true)
	req.Card, req.IdempotencyKey = sandbox.CardOK, "g-2"
	if _, err := f.money.PreAuthorize(sys(), req); volt.ErrorCode(err) != volt.EUNAVAILABLE {
		t.Errorf("outage: %v, want unavailable", err)
	}
	if n := f.count(t, `SELECT count(*) FROM payment_attempts WHERE state = 'retry'`); n != 1 {
		t.Errorf("%d attempts to retry, want 1", n)
	}
	for _, bad := range []volt.PreAuthRequest{
		{Kind: volt.PaymentGuest, CPID: f.cpidA, ConnectorID: 1, Card: sandbox.CardOK, IdempotencyKey: "x"},           // no e-mail
		{Kind: "cash", CPID: f.cpidA, ConnectorID: 1, Card: sandbox.CardOK, IdempotencyKey: "x"},                      // unknown kind
		{Kind: volt.PaymentPAYG, UserID: f.driver, CPID: f.cpidA, ConnectorID: 1, Card: sandbox.CardOK},               // no key
		{Kind: volt.PaymentPAYG, UserID: f.driver, CPID: "999999", ConnectorID: 1, Card: "4242", IdempotencyKey: "y"}, // unknown charger
	} {
		if _, err := f.money.PreAuthorize(sys(), bad); err == nil {
			t.Errorf("%+v accepted", bad)
		}
	}
	f.audit(t)
}

func TestCaptureRetriedAfterOutageCapturesOnce(t *testing.T) {
	f := newMoneyFixture(t, storetest.SQLite(t))
	p, err := f.money.PreAuthorize(sys(), volt.PreAuthRequest{Kind: volt.PaymentPAYG, UserID: f.driver, CPID: f.cpidA,
		ConnectorID: 1, Card: sandbox.CardOK, IdempotencyKey: "k"})
	if err != nil {
		t.Fatal(err)
	}
	cdr := f.session(t, 1, "CARD-A", 20_000)
	f.sbx.Down.Store(true)
	if err := f.money.OnCDR(sys(), cdr); volt.ErrorCode(err) != volt.EUNAVAILABLE {
		t.Fatalf("OnCDR in outage: %v", err)
	}
	f.sbx.Down.Store(false)
	f.now = f.now.Add(2 * time.Hour)
	if n, err := f.money.RetryFailed(sys()); err != nil || n != 1 {
		t.Fatalf("retry: %d, %v", n, err)
	}
	if err := f.money.OnCDR(sys(), cdr); err != nil {
		t.Fatal(err)
	}
	got, _ := f.money.FindPaymentByID(sys(), p.ID)
	if got.Captured != cdr.TotalCost.InclVAT || got.State != volt.PaymentCaptured {
		t.Errorf("captured %d (%s), want %d", got.Captured, got.State, cdr.TotalCost.InclVAT)
	}
	f.audit(t)
}

func TestCreditTopUpChargeAndGuard(t *testing.T) {
	f := newMoneyFixture(t, storetest.SQLite(t))
	drv := volt.NewContextWithActor(context.Background(), &volt.Actor{UserID: f.driverB})
	if err := f.money.CheckCreditStart(drv, f.driverB, f.cpoA); volt.ErrorCode(err) != volt.EUNPROCESSABLE {
		t.Errorf("start with empty wallet: %v", err)
	}
	if _, err := f.money.TopUp(drv, f.driverB, volt.Money{Amount: 1000, Currency: "GBP"}, sandbox.CardDeclined, "t0"); volt.ErrorCode(err) != volt.EUNPROCESSABLE {
		t.Errorf("declined top-up: %v", err)
	}
	for _, m := range []volt.Money{{Amount: -5, Currency: "GBP"}, {Amount: 100, Currency: "XXX"}} {
		if _, err := f.money.TopUp(drv, f.driverB, m, sandbox.CardOK, "bad"); volt.ErrorCode(err) != volt.EINVALID {
			t.Errorf("top-up %+v: %v", m, err)
		}
	}
	for range 2 { // a retried request charges once
		if _, err := f.money.TopUp(drv, f.driverB, volt.Money{Amount: 1000, Currency: "GBP"}, sandbox.CardOK, "t1"); err != nil {
			t.Fatal(err)
		}
	}
	if err := f.money.CheckCreditStart(drv, f.driverB, f.cpoA); err != nil {
		t.Errorf("start with 10.00: %v", err)
	}
	if _, err := f.money.FindWallet(drv, f.driver, "GBP"); volt.ErrorCode(err) != volt.ENOTFOUND {
		t.Errorf("another user's wallet: %v", err)
	}
	cdr := f.session(t, 2, "CARD-B", 10_000)
	if cdr.PaymentMethod != store.MethodCredit {
		t.Fatalf("method %q", cdr.PaymentMethod)
	}
	for range 2 {
		if err := f.money.OnCDR(sys(), cdr); err != nil {
			t.Fatal(err)
		}
	}
	w, err := f.money.FindWallet(drv, f.driverB, "GBP")
	if err != nil || w.Balance != 1000-450 {
		t.Fatalf("wallet %+v, %v; want 550", w, err)
	}
	hist, n, err := f.money.WalletHistory(drv, f.driverB, volt.Page{})
	if err != nil || n != 2 || hist[0].Amount+hist[1].Amount != w.Balance {
		t.Errorf("history %d lines, %v", n, err)
	}
	stop, err := f.money.GuardSession(sys(), &volt.Session{UserID: f.driverB, PaymentMethod: store.MethodCredit,
		LiveCost: &volt.Cost{Currency: "GBP", InclVAT: 500}}, 60)
	if err != nil || !stop {
		t.Errorf("guard with 50 left and 60 per interval: %v, %v", stop, err)
	}
	f.audit(t)
}

// TestMoneyInvariantsUnderRandomDeliveries runs random sessions, each paid
// by card or credit, and delivers OnCDR, retries and webhooks repeatedly,
// out of order and through outages; at the end the ledger balances, every
// capture equals its CDR cost, nothing is captured twice and every wallet is
// the sum of its entries.
func TestMoneyInvariantsUnderRandomDeliveries(t *testing.T) {
	for seed := range uint64(3) {
		f := newMoneyFixture(t, storetest.SQLite(t))
		rng := rand.New(rand.NewPCG(seed, 7))
		drv := volt.NewContextWithActor(context.Background(), &volt.Actor{UserID: f.driverB})
		for i := range 4 { // 1000.00 in top-ups of 250.00, the default maximum
			if _, err := f.money.TopUp(drv, f.driverB, volt.Money{Amount: 25_000, Currency: "GBP"}, sandbox.CardOK, "seed"+string(rune('a'+i))); err != nil {
				t.Fatal(err)
			}
		}
		var cdrs []*volt.CDR
		var pays []string
		for i := range 12 {
			if rng.IntN(2) == 0 {
				p, err := f.money.PreAuthorize(sys(), volt.PreAuthRequest{Kind: volt.PaymentPAYG, UserID: f.driver, CPID: f.cpidA,
					ConnectorID: 1, Card: sandbox.CardOK, IdempotencyKey: "p" + string(rune('a'+i))})
				if err != nil {
					t.Fatal(err)
				}
				pays = append(pays, p.ID)
				cdrs = append(cdrs, f.session(t, 1, "CARD-A", rng.Int64N(80_000)))
			} else {
				cdrs = append(cdrs, f.session(t, 2, "CARD-B", rng.Int64N(80_000)))
			}
			f.now = f.now.Add(2 * time.Hour)
		}
		for range 80 {
			switch rng.IntN(6) {
			case 0:
				f.sbx.Down.Store(rng.IntN(3) == 0)
			case 1:
				_, _ = f.money.RetryFailed(sys())
			case 2:
				f.sbx.LoseAnswers.Store(rng.IntN(3) == 0)
			case 3: // the provider's webhook for a payment it captured, maybe again
				if len(pays) > 0 {
					p, _ := f.money.FindPaymentByID(sys(), pays[rng.IntN(len(pays))])
					if c, _, st := f.sbx.Captured(p.ProviderRef); st == "succeeded" {
						body, sig := f.sbx.SignWebhook(volt.WebhookEvent{ID: "evt_" + p.ProviderRef, Type: "payment.captured", Ref: p.ProviderRef, Amount: c})
						if err := f.money.HandleWebhook(sys(), "sandbox", body, sig); err != nil {
							t.Errorf("genuine webhook: %v", err)
						}
						if err := f.money.HandleWebhook(sys(), "sandbox", body, "t=1,v1=forged"); volt.ErrorCode(err) != volt.EUNAUTHORIZED {
							t.Errorf("forged webhook: %v", err)
						}
					}
				}
			default:
				_ = f.money.OnCDR(sys(), cdrs[rng.IntN(len(cdrs))])
			}
			f.now = f.now.Add(time.Hour)
		}
		f.sbx.Down.Store(false)
		f.sbx.LoseAnswers.Store(false)
		for _, c := range cdrs {
			_ = f.money.OnCDR(sys(), c)
		}
		f.now = f.now.Add(24 * time.Hour)
		_, _ = f.money.RetryFailed(sys())
		f.audit(t)
		cost := map[string]int64{}
		for _, c := range cdrs {
			cost[c.SessionID] = c.TotalCost.InclVAT
		}
		for _, id := range pays {
			p, _ := f.money.FindPaymentByID(sys(), id)
			want := min(cost[p.SessionID], p.Amount)
			c, _, _ := f.sbx.Captured(p.ProviderRef)
			if p.Captured != want || c != want {
				t.Errorf("seed %d payment %s: captured %d, provider %d, want %d (%s)", seed, id, p.Captured, c, want, p.State)
			}
		}
		if n := f.count(t, `SELECT count(*) FROM payment_attempts WHERE state <> 'succeeded'`); n != 0 {
			t.Errorf("seed %d: %d provider calls left unsettled", seed, n)
		}
		if n := f.count(t, `SELECT count(*) FROM ledger_postings WHERE kind IN ('capture', 'credit_charge')`); n != len(cdrs)-zeroCost(cdrs, pays) {
			t.Errorf("seed %d: %d charge postings for %d CDRs", seed, n, len(cdrs))
		}
		var credit int64
		for _, c := range cdrs {
			if c.PaymentMethod == store.MethodCredit {
				credit += c.TotalCost.InclVAT
			}
		}
		w, _ := f.money.FindWallet(drv, f.driverB, "GBP")
		if w.Balance != 100_000-credit {
			t.Errorf("seed %d: wallet %d, want %d", seed, w.Balance, 100_000-credit)
		}
	}
}

func zeroCost(cdrs []*volt.CDR, _ []string) int {
	n := 0
	for _, c := range cdrs {
		if c.TotalCost.InclVAT == 0 {
			n++
		}
	}
	return n
}

func TestRefundOnceWithinCaptured(t *testing.T) {
	f := newMoneyFixture(t, storetest.SQLite(t))
	term := sandbox.NewTerminal("T-1", f.money)
	p, err := term.Tap(sys(), sandbox.CardOK, f.cpidA, 1)
	if err != nil || p.Kind != volt.PaymentContactless {
		t.Fatalf("tap: %+v, %v", p, err)
	}
	cdr := f.session(t, 1, "CARD-A", 10_000)
	if cdr.PaymentMethod != "contactless" {
		t.Errorf("method %q, want contactless", cdr.PaymentMethod)
	}
	if err := f.money.OnCDR(sys(), cdr); err != nil {
		t.Fatal(err)
	}
	support := volt.NewContextWithActor(context.Background(), &volt.Actor{UserID: "s", Grants: []volt.Grant{{Role: volt.RoleSupport, CPOID: f.cpoA}}})
	staff := volt.NewContextWithActor(context.Background(), &volt.Actor{UserID: "s", Grants: []volt.Grant{{Role: volt.RoleStaff, CPOID: f.cpoA}}})
	if _, err := f.money.Refund(staff, p.ID, 100, "r1"); volt.ErrorCode(err) != volt.EFORBIDDEN {
		t.Errorf("staff refund: %v", err)
	}
	if _, err := f.money.Refund(support, p.ID, 451, "r0"); volt.ErrorCode(err) != volt.EINVALID {
		t.Errorf("refund above captured: %v", err)
	}
	for range 2 {
		got, err := f.money.Refund(support, p.ID, 100, "r1")
		if err != nil || got.Refunded != 100 {
			t.Fatalf("refund: %+v, %v", got, err)
		}
	}
	got, _ := f.money.FindPaymentByID(sys(), p.ID)
	if _, refunded, _ := f.sbx.Captured(got.ProviderRef); refunded != 100 {
		t.Errorf("provider refunded %d, want 100", refunded)
	}
	owner, _ := f.ledger.Balance(context.Background(), volt.AccountOwner(cdr.OwnerID), "GBP")
	if owner != -375+(100-16) { // VAT of the refund: 75 × 100 / 450 = 16 (rounded down)
		t.Errorf("owner balance after refund %d", owner)
	}
	f.audit(t)
}

func TestRFIDStartCreditOrCardOnFileAndStaleHolds(t *testing.T) {
	f := newMoneyFixture(t, storetest.SQLite(t))
	drv := volt.NewContextWithActor(context.Background(), &volt.Actor{UserID: f.driver})
	if _, _, err := f.money.PrepareRFIDStart(sys(), f.driver, f.cpidA, 1); volt.ErrorCode(err) != volt.EUNPROCESSABLE {
		t.Errorf("no credit, no card: %v", err)
	}
	if err := f.money.SaveCard(drv, f.driver, sandbox.CardOK, "Visa 4242"); err != nil {
		t.Fatal(err)
	}
	method, p, err := f.money.PrepareRFIDStart(sys(), f.driver, f.cpidA, 1)
	if err != nil || method != "card" || p == nil || p.State != volt.PaymentAuthorized {
		t.Fatalf("card on file: %q %+v %v", method, p, err)
	}
	// Nobody plugs in: after HoldTTL the hold is released.
	f.now = f.now.Add(store.HoldTTL + time.Minute)
	if _, err := f.money.RetryFailed(sys()); err != nil {
		t.Fatal(err)
	}
	got, _ := f.money.FindPaymentByID(sys(), p.ID)
	if _, _, st := f.sbx.Captured(got.ProviderRef); got.State != volt.PaymentReleased || st != "canceled" {
		t.Errorf("stale hold: %s at provider %s", got.State, st)
	}
	// A hold whose session started is kept until its CDR, however long.
	_, p2, err := f.money.PrepareRFIDStart(sys(), f.driver, f.cpidA, 2)
	if err != nil {
		t.Fatal(err)
	}
	st := f.start(t, f.cpidA, 2, "CARD-A", 0, f.now)
	f.now = f.now.Add(3 * time.Hour)
	_, _ = f.money.RetryFailed(sys())
	res := f.stop(t, f.cpidA, st.TransactionID, 5000, f.now)
	if err := f.money.OnCDR(sys(), res.CDR); err != nil {
		t.Fatal(err)
	}
	got, _ = f.money.FindPaymentByID(sys(), p2.ID)
	if got.State != volt.PaymentCaptured || got.Captured != res.CDR.TotalCost.InclVAT {
		t.Errorf("long session's hold: %s captured %d, want %d", got.State, got.Captured, res.CDR.TotalCost.InclVAT)
	}
	if _, err := f.money.TopUp(drv, f.driver, volt.Money{Amount: 600, Currency: "GBP"}, sandbox.CardOK, "t"); err != nil {
		t.Fatal(err)
	}
	if method, _, err := f.money.PrepareRFIDStart(sys(), f.driver, f.cpidA, 1); err != nil || method != store.MethodCredit {
		t.Errorf("with credit: %q, %v", method, err)
	}
	f.audit(t)
}

func TestHomeReimbursementOncePerMonth(t *testing.T) {
	f := newMoneyFixture(t, storetest.SQLite(t))
	f.session(t, 2, "CARD-B", 12_345) // on the owner's charger
	var owner string
	_ = f.db.QueryRow(context.Background(), `SELECT owner_id FROM chargers WHERE cpid = ?`, f.cpidA).Scan(&owner)
	staff := volt.NewContextWithActor(context.Background(), &volt.Actor{UserID: "s", Grants: []volt.Grant{{Role: volt.RoleStaff, CPOID: f.cpoA}}})
	if _, err := f.money.ReimburseHome(staff, owner, f.driverB, f.now, volt.MustDecimal("0.0745")); volt.ErrorCode(err) != volt.EFORBIDDEN {
		t.Errorf("staff reimburses: %v", err)
	}
	for range 2 {
		st, err := f.money.ReimburseHome(sys(), owner, f.driverB, f.now, volt.MustDecimal("0.0745"))
		if err != nil || st.Sessions != 1 || st.EnergyWh != 12_345 || st.Amount != 92 {
			t.Fatalf("statement %+v, %v", st, err)
		}
	}
	drv := volt.NewContextWithActor(context.Background(), &volt.Actor{UserID: f.driverB})
	if w, _ := f.money.FindWallet(drv, f.driverB, "GBP"); w.Balance != 92 {
		t.Errorf("wallet %d, want 92", w.Balance)
	}
	f.audit(t)
}

func TestConcurrentTopUpsWithOneKeyChargeOnce(t *testing.T) {
	storetest.ForEachEngine(t, func(t *testing.T, db *store.DB) {
		f := newMoneyFixture(t, db)
		drv := volt.NewContextWithActor(context.Background(), &volt.Actor{UserID: f.driverB})
		var wg sync.WaitGroup
		for range 4 {
			wg.Add(1)
			go func() {
				defer wg.Done()
				_, err := f.money.TopUp(drv, f.driverB, volt.Money{Amount: 1000, Currency: "GBP"}, sandbox.CardOK, "same")
				if err != nil && volt.ErrorCode(err) != volt.EUNAVAILABLE { // "still being authorised" for a racer
					t.Errorf("top-up: %v", err)
				}
			}()
		}
		wg.Wait()
		if w, _ := f.money.FindWallet(drv, f.driverB, "GBP"); w.Balance != 1000 {
			t.Errorf("wallet %d after four requests with one key, want 1000", w.Balance)
		}
		if n := f.count(t, `SELECT count(*) FROM payments WHERE kind = 'topup'`); n != 1 {
			t.Errorf("%d top-up payments", n)
		}
		f.audit(t)
	})
}

// TestLostAnswersLoseNothing: the provider acted but its answer was lost.
// The retry job finds out under the same idempotency key: a top-up credits
// the wallet, a hold whose start was refused is released.
func TestLostAnswersLoseNothing(t *testing.T) {
	f := newMoneyFixture(t, storetest.SQLite(t))
	drv := volt.NewContextWithActor(context.Background(), &volt.Actor{UserID: f.driver})
	f.sbx.LoseAnswers.Store(true)
	top, err := f.money.TopUp(drv, f.driver, volt.Money{Amount: 1000, Currency: "GBP"}, sandbox.CardOK, "lost")
	if volt.ErrorCode(err) != volt.EUNAVAILABLE || top.State != volt.PaymentFailed {
		t.Fatalf("top-up with a lost answer: %+v, %v", top, err)
	}
	hold, err := f.money.PreAuthorize(sys(), volt.PreAuthRequest{Kind: volt.PaymentPAYG, UserID: f.driver, CPID: f.cpidA,
		ConnectorID: 1, Card: sandbox.CardOK, IdempotencyKey: "lost-hold"})
	if volt.ErrorCode(err) != volt.EUNAVAILABLE || hold.State != volt.PaymentFailed {
		t.Fatalf("hold with a lost answer: %+v, %v", hold, err)
	}
	f.sbx.LoseAnswers.Store(false)
	for range 2 {
		f.now = f.now.Add(2 * time.Hour)
		if _, err := f.money.RetryFailed(sys()); err != nil {
			t.Fatal(err)
		}
	}
	if w, _ := f.money.FindWallet(drv, f.driver, "GBP"); w.Balance != 1000 {
		t.Errorf("wallet %d after the charged top-up, want 1000", w.Balance)
	}
	got, _ := f.money.FindPaymentByID(sys(), hold.ID)
	if _, _, st := f.sbx.Captured(got.ProviderRef); got.ProviderRef == "" || st != "canceled" {
		t.Errorf("late hold %q at provider is %q, want canceled", got.ProviderRef, st)
	}
	if n := f.count(t, `SELECT count(*) FROM payment_attempts WHERE state <> 'succeeded'`); n != 0 {
		t.Errorf("%d attempts unsettled", n)
	}
	f.audit(t)
}

func TestAnotherUsersHoldNeverPaysMySession(t *testing.T) {
	f := newMoneyFixture(t, storetest.SQLite(t))
	p, err := f.money.PreAuthorize(sys(), volt.PreAuthRequest{Kind: volt.PaymentPAYG, UserID: f.driver, CPID: f.cpidA,
		ConnectorID: 1, Card: sandbox.CardOK, IdempotencyKey: "a"})
	if err != nil {
		t.Fatal(err)
	}
	cdr := f.session(t, 1, "CARD-B", 10_000) // driver B plugs in on that connector
	if cdr.PaymentMethod != store.MethodCredit {
		t.Errorf("B's session method %q, want credit", cdr.PaymentMethod)
	}
	if err := f.money.OnCDR(sys(), cdr); err != nil {
		t.Fatal(err)
	}
	if got, _ := f.money.FindPaymentByID(sys(), p.ID); got.State != volt.PaymentAuthorized || got.SessionID != "" {
		t.Errorf("A's hold after B's session: %s bound to %q", got.State, got.SessionID)
	}
	f.audit(t)
}
