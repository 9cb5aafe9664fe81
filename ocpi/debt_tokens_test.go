package ocpi_test

import (
	"context"
	"testing"

	"github.com/volt-ev/volt"
	"github.com/volt-ev/volt/internal/ocpischema"
	"github.com/volt-ev/volt/payment/sandbox"
	"github.com/volt-ev/volt/store"
	"github.com/volt-ev/volt/store/storetest"
)

// TestRoamingDebtBlocksTokens (issue 14): B's driver owes a roaming bill
// (the wallet short and no card): B's token sync pushes the driver's card
// and app token to A as not valid, B's real-time authorisation answers
// NO_CREDIT and A's pull says valid false; A's OCPP authorisation refuses
// the card. Once the driver tops up the wallet the debt is settled and
// both tokens go out valid again; A accepts the card.
func TestRoamingDebtBlocksTokens(t *testing.T) {
	spec := ocpischema.Load(t)
	for _, eng := range storetest.Engines(t) {
		t.Run(eng.Name, func(t *testing.T) { debtBlocksTokens(t, spec, eng.Open(t), eng.Open(t)) })
	}
}

func debtBlocksTokens(t *testing.T, spec *ocpischema.Spec, dbA, dbB *store.DB) {
	rp := newRoamingPair(t, spec, dbA, dbB)
	A, B, pA, pB, cpids := rp.A, rp.B, rp.pA, rp.pB, rp.cpids
	users := store.NewUserService(dbB)
	driver := &volt.User{Email: "owe@b.example", Name: "Owen", CPOID: B.cpo}
	must(t, users.CreateUser(sys(), driver, ""))
	must(t, users.CreateRFIDCard(sys(), &volt.RFIDCard{UID: "04D1D1D1", UserID: driver.ID}))
	app, err := B.store.OCPIAppToken(sys(), driver.ID, B.cpo)
	must(t, err)
	sync := func(want int) { t.Helper(); B.syncTokens(t, want) }
	validAtA := func(uid, typ string) bool { // the token A stored for B's driver
		t.Helper()
		tok, err := A.store.FindOCPIToken(sys(), pB.ID, uid, typ)
		must(t, err)
		return tok.Valid
	}
	realtime := func(uid, typ string) string { // B's answer to A's real-time authorisation
		t.Helper()
		st, _, env := call(t, "POST", B.http.URL+"/ocpi/emsp/2.2.1/tokens/"+uid+"/authorize?type="+typ, aOf(t, A, pB.ID),
			map[string]any{"location_id": "LOC1"})
		data, _ := env["data"].(map[string]any)
		if st != 200 || data == nil {
			t.Fatalf("real-time authorisation of %s: %d %v", uid, st, env)
		}
		return data["allowed"].(string)
	}
	pulled := func() map[string]any { // A's pull of B's tokens
		t.Helper()
		st, _, env := call(t, "GET", B.http.URL+"/ocpi/emsp/2.2.1/tokens?limit=10", aOf(t, A, pB.ID), nil)
		if st != 200 {
			t.Fatalf("token pull: %d %v", st, env)
		}
		got := map[string]any{}
		for _, x := range env["data"].([]any) {
			m := x.(map[string]any)
			got[m["uid"].(string)] = m["valid"]
		}
		return got
	}
	sync(2)
	if !validAtA("04D1D1D1", "RFID") || !validAtA(app, "APP_USER") {
		t.Fatal("tokens not valid at A before any debt")
	}

	// A partner CDR the wallet cannot cover and no card: a debt.
	b, err := B.store.BillRoamingCDR(sys(), pA.ID, "cdr_owed", "04D1D1D1", 1000, "GBP")
	must(t, err)
	if b.State != volt.RoamingBillDebt {
		t.Fatalf("bill %+v, want a debt", b)
	}
	sync(2)
	if validAtA("04D1D1D1", "RFID") || validAtA(app, "APP_USER") {
		t.Error("tokens still valid at A while the driver owes a debt")
	}
	if got := realtime("04D1D1D1", "RFID"); got != "NO_CREDIT" {
		t.Errorf("real-time answer with a debt %q, want NO_CREDIT", got)
	}
	if got := realtime(app, "APP_USER"); got != "NO_CREDIT" {
		t.Errorf("real-time answer for the app token with a debt %q, want NO_CREDIT", got)
	}
	if got := pulled(); got["04D1D1D1"] != false || got[app] != false {
		t.Errorf("pulled with a debt: %v, want both not valid", got)
	}
	if res, err := A.charging.AuthorizeIDTag(sys(), cpids[0], "04D1D1D1"); err != nil || res.Status == volt.AuthAccepted {
		t.Errorf("A authorises the card of a driver in debt: %+v %v", res, err)
	}
	sync(0) // nothing changed since

	// Topping up covers the debt: settled, and both tokens valid again.
	money := store.NewMoneyService(dbB, sandbox.New("test"))
	self := volt.NewContextWithActor(context.Background(), &volt.Actor{UserID: driver.ID, Email: driver.Email})
	_, err = money.TopUp(self, driver.ID, volt.Money{Amount: 600, Currency: "GBP"}, sandbox.CardOK, "top-1")
	must(t, err)
	if b, err := B.store.FindRoamingBill(sys(), pA.ID, "cdr_owed"); err != nil || b.State != volt.RoamingBillDebt {
		t.Errorf("bill after a top-up short of it: %+v %v, want still a debt", b, err)
	}
	sync(0)
	_, err = money.TopUp(self, driver.ID, volt.Money{Amount: 400, Currency: "GBP"}, sandbox.CardOK, "top-2")
	must(t, err)
	if b, err := B.store.FindRoamingBill(sys(), pA.ID, "cdr_owed"); err != nil || b.State != volt.RoamingBillPaid || b.Failure != "" {
		t.Errorf("bill after the wallet covers it: %+v %v, want paid", b, err)
	}
	sync(2)
	if !validAtA("04D1D1D1", "RFID") || !validAtA(app, "APP_USER") {
		t.Error("tokens not valid again at A once the debt is settled")
	}
	if got := realtime("04D1D1D1", "RFID"); got != "ALLOWED" {
		t.Errorf("real-time answer once settled %q, want ALLOWED", got)
	}
	if got := pulled(); got["04D1D1D1"] != true || got[app] != true {
		t.Errorf("pulled once settled: %v, want both valid", got)
	}
	if res, err := A.charging.AuthorizeIDTag(sys(), cpids[0], "04D1D1D1"); err != nil || res.Status != volt.AuthAccepted {
		t.Errorf("A authorises the card once settled: %+v %v", res, err)
	}
}
