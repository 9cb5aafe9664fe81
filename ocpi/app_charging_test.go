package ocpi_test

import (
	"context"
	"strings"
	"testing"
	"time"

	"github.com/volt-ev/volt"
	"github.com/volt-ev/volt/internal/ocpischema"
	"github.com/volt-ev/volt/ocpi"
	"github.com/volt-ev/volt/payment/sandbox"
	"github.com/volt-ev/volt/store"
	"github.com/volt-ev/volt/store/storetest"
)

// TestAppRoamingCharge: a B driver charges on A's EVSE from B's app
// (issue 14, eMSP side) on both engines: the start sends START_SESSION
// with the driver's APP_USER token (whole as an OCPP idTag at A's
// charger), A's result and pushed session show on the driver's charge,
// a stop of a session A does not know is refused with A's answer, and
// A's CDR bills the driver through the app token once. Another driver
// never sees the charge, a driver of another CPO never sees the partner.
// Every OCPI exchange is validated against the OCPI documents.
func TestAppRoamingCharge(t *testing.T) {
	spec := ocpischema.Load(t)
	for _, eng := range storetest.Engines(t) {
		t.Run(eng.Name, func(t *testing.T) { appRoamingCharge(t, spec, eng.Open(t), eng.Open(t)) })
	}
}

func appRoamingCharge(t *testing.T, spec *ocpischema.Spec, dbA, dbB *store.DB) {
	A := newVolt(t, dbA, spec, "A Power", "GB", "AAA")
	B := newVolt(t, dbB, spec, "B Drive", "GB", "BBB")
	siteA, cpidsA := A.site(t, A.cpo, "Mayfair", false, 1)
	pB := &volt.OCPIPartner{CPOID: A.cpo, Name: "B Drive", CountryCode: "GB", PartyID: "BBB", Role: volt.OCPIRoleEMSP}
	tokenA, err := A.store.CreateOCPIPartner(A.admin, pB)
	must(t, err)
	pA := &volt.OCPIPartner{CPOID: B.cpo, Name: "A Power", CountryCode: "GB", PartyID: "AAA", Role: volt.OCPIRoleCPO,
		RoamingMarginPercent: volt.MustDecimal("10")}
	_, err = B.store.CreateOCPIPartner(B.admin, pA)
	must(t, err)
	_, err = B.srv.RegisterWithPartner(B.admin, pA.ID, A.http.URL+"/ocpi/versions", tokenA)
	must(t, err)
	if _, err := B.srv.PullLocations(sys(), pA.ID); err != nil {
		t.Fatal(err)
	}

	users := store.NewUserService(dbB)
	driver := &volt.User{Email: "bea@b.example", Name: "Bea", CPOID: B.cpo}
	must(t, users.CreateUser(sys(), driver, ""))
	other := &volt.User{Email: "otto@b.example", Name: "Otto", CPOID: B.cpo}
	must(t, users.CreateUser(sys(), other, ""))
	cpoC := &volt.CPO{Name: "C Elsewhere"}
	must(t, B.hierarchy.CreateCPO(sys(), cpoC))
	stranger := &volt.User{Email: "sam@c.example", Name: "Sam", CPOID: cpoC.ID}
	must(t, users.CreateUser(sys(), stranger, ""))
	as := func(u *volt.User) context.Context {
		return volt.NewContextWithActor(context.Background(), &volt.Actor{UserID: u.ID, Email: u.Email})
	}
	app := &ocpi.AppRoaming{Server: B.srv, Apps: B.store, Users: users}
	evse := cpidsA[0] + "-1"

	if _, _, err := app.FindRoamingLocation(as(stranger), pA.ID, siteA); volt.ErrorCode(err) != volt.ENOTFOUND {
		t.Errorf("a driver of another CPO reads the partner's location: %v", err)
	}
	if _, err := app.StartRoaming(as(stranger), pA.ID, siteA, evse); volt.ErrorCode(err) != volt.ENOTFOUND {
		t.Errorf("a driver of another CPO starts on the partner: %v", err)
	}
	if _, err := app.StartRoaming(as(driver), pA.ID, siteA, "NOPE-1"); volt.ErrorCode(err) != volt.ENOTFOUND {
		t.Errorf("an unknown EVSE: %v", err)
	}
	loc, evses, err := app.FindRoamingLocation(as(driver), pA.ID, siteA)
	must(t, err)
	if loc.PartnerName != "A Power" || len(evses) != 1 || evses[0].UID != evse || evses[0].Status != "AVAILABLE" || loc.Price != nil {
		t.Fatalf("partner location %+v %+v", loc, evses)
	}
	// A's tariffs pulled: its price (£0.456/kWh, £0.50 per session, VAT
	// included) plus B's 10 % margin.
	if n, err := B.srv.PullTariffs(sys(), pA.ID); err != nil || n != 1 {
		t.Fatalf("tariffs pulled: %d %v", n, err)
	}
	loc, _, err = app.FindRoamingLocation(as(driver), pA.ID, siteA)
	must(t, err)
	if p := loc.Price; p == nil || p.Currency != "GBP" || p.PerKWh.String() != "0.5016" || p.PerSession.String() != "0.55" || !p.PerHour.IsZero() {
		t.Errorf("partner price with the margin: %+v", loc.Price)
	}

	st, err := app.StartRoaming(as(driver), pA.ID, siteA, evse)
	must(t, err)
	if len(st.TokenUID) > 20 || !strings.HasPrefix(st.TokenUID, "APP") {
		t.Fatalf("app token %q: want APP… of at most 20 characters", st.TokenUID)
	}
	again, err := B.store.OCPIAppToken(sys(), driver.ID, B.cpo)
	if err != nil || again != st.TokenUID {
		t.Errorf("the driver's app token changed: %q then %q (%v)", st.TokenUID, again, err)
	}
	var v *volt.RoamingChargeView
	waitFor(t, "the START_SESSION result at B", func() bool {
		v, err = app.FindRoamingCharge(as(driver), st.ID)
		must(t, err)
		return v.StartResult != ""
	})
	if v.StartResult != "ACCEPTED" || v.SessionID != "" || v.PartnerName != "A Power" {
		t.Fatalf("charge after the start: %+v", v)
	}
	if calls := A.cmd.Calls(); len(calls) != 1 || !strings.Contains(calls[0], `"idTag":"`+st.TokenUID+`"`) {
		t.Errorf("A's charger calls %v, want RemoteStartTransaction with the whole app token", calls)
	}
	if _, err := app.FindRoamingCharge(as(other), st.ID); volt.ErrorCode(err) != volt.ENOTFOUND {
		t.Errorf("another driver reads the charge: %v", err)
	}
	if err := app.StopRoaming(as(driver), st.ID); volt.ErrorCode(err) != volt.EUNPROCESSABLE {
		t.Errorf("stop before a session: %v", err)
	}

	// A pushes the session (as its sync does), then the CDR.
	aOfB, err := A.store.FindOCPIPartnerByID(A.admin, pB.ID)
	must(t, err)
	tok := aOfB.TheirToken
	start := ocpi.DateTime(time.Now())
	sess := map[string]any{"country_code": "GB", "party_id": "AAA", "id": "ses_1", "start_date_time": start, "kwh": 3.25,
		"cdr_token":   map[string]any{"country_code": "GB", "party_id": "BBB", "uid": st.TokenUID, "type": "APP_USER", "contract_id": "GB-BBB-" + st.TokenUID},
		"auth_method": "COMMAND", "location_id": siteA, "evse_uid": evse, "connector_id": "1", "currency": "GBP",
		"total_cost": map[string]any{"excl_vat": 2.0, "incl_vat": 2.4}, "status": "ACTIVE", "last_updated": start}
	if st, _, env := call(t, "PUT", B.http.URL+"/ocpi/emsp/2.2.1/sessions/GB/AAA/ses_1", tok, sess); st != 200 {
		t.Fatalf("session PUT: %d %v", st, env)
	}
	v, err = app.FindRoamingCharge(as(driver), st.ID)
	must(t, err)
	if v.SessionID != "ses_1" || v.Status != "ACTIVE" || v.EnergyWh != 3250 || v.CostInclVAT != "2.40" || v.Billed != 0 || v.ChargeLimit != "" {
		t.Fatalf("charge while active: %+v", v)
	}
	// A pushes the session's active charging profile (11 A since 30 s in):
	// the driver sees the limit in force now.
	if st, _, env := call(t, "PUT", B.http.URL+"/ocpi/emsp/2.2.1/chargingprofiles/ses_1", tok, map[string]any{"start_date_time": ocpi.DateTime(time.Now().Add(-time.Minute)),
		"charging_profile": map[string]any{"charging_rate_unit": "A", "charging_profile_period": []any{map[string]any{"start_period": 0, "limit": 16},
			map[string]any{"start_period": 30, "limit": 11}, map[string]any{"start_period": 7200, "limit": 6}}}}); st != 200 {
		t.Fatalf("active charging profile PUT: %d %v", st, env)
	}
	if v, err = app.FindRoamingCharge(as(driver), st.ID); err != nil || v.ChargeLimit != "11 A" {
		t.Errorf("charge limit while active: %+v %v", v, err)
	}
	// A does not know ses_1: its answer reaches the driver.
	if err := app.StopRoaming(as(driver), st.ID); volt.ErrorCode(err) != volt.EUNPROCESSABLE || !strings.Contains(volt.ErrorMessage(err), "UNKNOWN_SESSION") {
		t.Errorf("stop of a session A does not know: %v", err)
	}

	money := store.NewMoneyService(dbB, sandbox.New("test"))
	before, _ := money.FindWallet(sys(), driver.ID, "GBP")
	cdr := map[string]any{"country_code": "GB", "party_id": "AAA", "id": "cdr_1", "start_date_time": start, "end_date_time": ocpi.DateTime(time.Now()),
		"session_id": "ses_1", "cdr_token": sess["cdr_token"], "auth_method": "COMMAND",
		"cdr_location": map[string]any{"id": siteA, "address": "1 Mayfair Road", "city": "London", "country": "GBR",
			"coordinates": map[string]any{"latitude": "51.50100", "longitude": "-0.14190"}, "evse_uid": evse, "evse_id": "GB*AAA*E1", "connector_id": "1",
			"connector_standard": "IEC_62196_T2_COMBO", "connector_format": "CABLE", "connector_power_type": "DC"},
		"currency": "GBP", "total_cost": map[string]any{"excl_vat": 2.0, "incl_vat": 2.4}, "total_energy": 3.25, "total_time": 0.5,
		"charging_periods": []any{map[string]any{"start_date_time": start, "dimensions": []any{map[string]any{"type": "ENERGY", "volume": 3.25}}}},
		"last_updated":     ocpi.DateTime(time.Now())}
	for i := 0; i < 2; i++ { // a repeat bills nothing more
		if st, _, env := call(t, "POST", B.http.URL+"/ocpi/emsp/2.2.1/cdrs", tok, cdr); st != 200 {
			t.Fatalf("CDR POST %d: %d %v", i, st, env)
		}
	}
	after, err := money.FindWallet(sys(), driver.ID, "GBP")
	must(t, err)
	var was int64
	if before != nil {
		was = before.Balance
	}
	if after.Balance != was-264 { // £2.40 + 10 %
		t.Errorf("wallet %d after the CDR, want %d", after.Balance, was-264)
	}
	sess["status"], sess["end_date_time"], sess["last_updated"] = "COMPLETED", ocpi.DateTime(time.Now()), ocpi.DateTime(time.Now())
	if st, _, env := call(t, "PUT", B.http.URL+"/ocpi/emsp/2.2.1/sessions/GB/AAA/ses_1", tok, sess); st != 200 {
		t.Fatalf("session PUT: %d %v", st, env)
	}
	v, err = app.FindRoamingCharge(as(driver), st.ID)
	must(t, err)
	if v.Status != "COMPLETED" || v.CDRID != "cdr_1" || v.Billed != 264 || v.Currency != "GBP" {
		t.Errorf("charge after the CDR: %+v", v)
	}
	// Its receipt: an empty wallet and no card on file, so a debt.
	if r := v.Receipt; r == nil || r.Bill.Total != 264 || r.Bill.Margin != 24 || r.Bill.PaidBy != volt.RoamingPaidWallet ||
		r.Bill.State != volt.RoamingBillDebt || r.EnergyWh != 3250 || r.CostExclVAT != 200 || r.CostVAT != 40 || r.PartnerName != "A Power" ||
		r.EVSEID != "GB*AAA*E1" || r.Address != "1 Mayfair Road, London" || r.StoppedAt.IsZero() {
		t.Errorf("receipt after the CDR: %+v", v.Receipt)
	}

	// A late session after a TIMEOUT (LESSONS OCPI 8): the driver's next
	// start times out at A, the charger starts anyway, and the charge
	// shows the session (to be billed as usual), never drops it.
	st2, err := app.StartRoaming(as(driver), pA.ID, siteA, evse)
	must(t, err)
	waitFor(t, "the second START_SESSION result at B", func() bool {
		v, err = app.FindRoamingCharge(as(driver), st2.ID)
		must(t, err)
		return v.StartResult != ""
	})
	if st, _, env := call(t, "POST", B.http.URL+"/ocpi/emsp/2.2.1/commands/START_SESSION/"+st2.ID, tok, map[string]any{"result": "TIMEOUT"}); st != 200 {
		t.Fatalf("TIMEOUT result: %d %v", st, env)
	}
	if st, _, env := call(t, "POST", B.http.URL+"/ocpi/emsp/2.2.1/commands/START_SESSION/"+st2.ID, tok, map[string]any{"result": "MAYBE"}); st != 400 || code(env) != 2001 {
		t.Errorf("an unknown command result: %d %v", st, env)
	}
	late := ocpi.DateTime(time.Now().Add(time.Second))
	sess["id"], sess["start_date_time"], sess["last_updated"], sess["status"], sess["kwh"] = "ses_2", late, late, "ACTIVE", 0.5
	delete(sess, "end_date_time")
	if st, _, env := call(t, "PUT", B.http.URL+"/ocpi/emsp/2.2.1/sessions/GB/AAA/ses_2", tok, sess); st != 200 {
		t.Fatalf("late session PUT: %d %v", st, env)
	}
	v, err = app.FindRoamingCharge(as(driver), st2.ID)
	must(t, err)
	if v.StartResult != "TIMEOUT" || v.SessionID != "ses_2" || v.Status != "ACTIVE" || v.EnergyWh != 500 {
		t.Errorf("a late session after TIMEOUT: %+v", v)
	}
	// ... and its CDR is billed as usual (£1.00 + 10 %), on its charge.
	cdr["id"], cdr["session_id"], cdr["start_date_time"], cdr["end_date_time"], cdr["last_updated"] = "cdr_2", "ses_2", late,
		ocpi.DateTime(time.Now().Add(2*time.Second)), ocpi.DateTime(time.Now())
	cdr["total_cost"], cdr["total_energy"] = map[string]any{"excl_vat": 0.8333, "incl_vat": 1.0}, 0.5
	cdr["charging_periods"] = []any{map[string]any{"start_date_time": late, "dimensions": []any{map[string]any{"type": "ENERGY", "volume": 0.5}}}}
	if st, _, env := call(t, "POST", B.http.URL+"/ocpi/emsp/2.2.1/cdrs", tok, cdr); st != 200 {
		t.Fatalf("late CDR POST: %d %v", st, env)
	}
	if w, err := money.FindWallet(sys(), driver.ID, "GBP"); err != nil || w.Balance != was-264-110 {
		t.Errorf("wallet after the late session's CDR: %+v %v, want %d", w, err, was-264-110)
	}
	v, err = app.FindRoamingCharge(as(driver), st2.ID)
	must(t, err)
	if v.StartResult != "TIMEOUT" || v.CDRID != "cdr_2" || v.Billed != 110 || v.Receipt == nil || v.Receipt.Bill.Total != 110 {
		t.Errorf("the late session's charge after its CDR: %+v", v)
	}
	if v, err := app.FindRoamingCharge(as(driver), st.ID); err != nil || v.SessionID != "ses_1" || v.CDRID != "cdr_1" {
		t.Errorf("the first charge after the second session arrived: %+v %v", v, err)
	}

	// Each billed CDR's receipt is e-mailed to the driver once.
	var mails []string
	send := func(to, subject, body string) error { mails = append(mails, to+"\n"+subject+"\n"+body); return nil }
	if n, err := B.srv.SendRoamingReceipts(sys(), send); err != nil || n != 2 {
		t.Fatalf("roaming receipts sent: %d %v, want 2", n, err)
	}
	first, second := mails[0], mails[1]
	if !strings.Contains(mails[1], "cdr_2") {
		first, second = mails[1], mails[0]
	}
	if !strings.Contains(second, "Your receipt: "+B.http.URL+"/app/roam/charge/"+st2.ID+"/receipt") {
		t.Errorf("the receipt e-mail of cdr_2 does not link its page:\n%s", second)
	}
	for _, want := range []string{"bea@b.example\nB Drive: your charging receipt (A Power)", "receipt cdr_", "Charged on the A Power network",
		"Charge point: GB*AAA*E1", "Energy: 3.250 kWh", "VAT in A Power's price: GBP 0.40", "A Power's price incl. VAT: GBP 2.40",
		"Roaming margin (10 %): GBP 0.24", "Total: GBP 2.64", "Not paid: no card on file",
		"Your receipt: " + B.http.URL + "/app/roam/charge/" + st.ID + "/receipt", "Pay what you owe: " + B.http.URL + "/app/account"} {
		if !strings.Contains(first, want) {
			t.Errorf("the receipt e-mail of cdr_1 lacks %q:\n%s", want, first)
		}
	}
	if n, err := B.srv.SendRoamingReceipts(sys(), send); err != nil || n != 0 {
		t.Errorf("roaming receipts sent again: %d %v", n, err)
	}

	// The app account's token is pushed to A and kept in sync (issue 14
	// item 2): valid, then not valid once the account is disabled, and a
	// deleted account says nothing new.
	sync := func(want int) { t.Helper(); B.syncTokens(t, want) }
	// The driver owes cdr_1 (no card on file): the app token goes out not
	// valid until a top-up covers the debt (TestRoamingDebtBlocksTokens).
	sync(1)
	if at, err := A.store.FindRoamingToken(sys(), A.cpo, st.TokenUID); err != nil || at.Valid {
		t.Errorf("A's copy of the app token of a driver in debt: %+v %v", at, err)
	}
	w, err := money.FindWallet(sys(), driver.ID, "GBP")
	must(t, err)
	if w.Balance >= 0 {
		t.Fatalf("wallet %d: no debt to settle", w.Balance)
	}
	_, err = money.TopUp(as(driver), driver.ID, volt.Money{Amount: -w.Balance, Currency: "GBP"}, sandbox.CardOK, "settle-debt")
	must(t, err)
	sync(1)
	sync(0)
	at, err := A.store.FindRoamingToken(sys(), A.cpo, st.TokenUID)
	must(t, err)
	if at.Type != "APP_USER" || !at.Valid || at.Whitelist != "ALLOWED" || at.ContractID != "GB-BBB-"+st.TokenUID {
		t.Errorf("A's copy of the app token: %+v", at)
	}
	if res, _ := A.charging.AuthorizeIDTag(sys(), cpidsA[0], st.TokenUID); res.Status != volt.AuthAccepted {
		t.Errorf("the app token at A's charger: %+v", res)
	}
	driver.Disabled = true
	must(t, users.UpdateUser(sys(), driver))
	sync(1)
	if res, _ := A.charging.AuthorizeIDTag(sys(), cpidsA[0], st.TokenUID); res.Status != volt.AuthBlocked {
		t.Errorf("the disabled account's token at A's charger: %+v", res)
	}
	must(t, users.DeleteUser(sys(), driver.ID))
	sync(0) // deleted after disabled: still not valid
}
