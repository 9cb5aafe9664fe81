package app

import (
	"context"
	"encoding/json"
	"net/http"
	"net/url"
	"regexp"
	"strings"
	"testing"
	"time"

	volt "github.com/volt-ev/volt"
	"github.com/volt-ev/volt/store"
	"github.com/volt-ev/volt/store/storetest"
)

func TestFindListsChargersWithoutLogin(t *testing.T) {
	storetest.ForEachEngine(t, func(t *testing.T, db *store.DB) {
		f := newFixture(t, db)
		res := f.client().get("/app/")
		if res.status != http.StatusOK {
			t.Fatalf("GET /app/: %d", res.status)
		}
		for _, want := range []string{f.charger, "Bay 1", "£0.45/kWh", "£0.50 per session", "Available", "Quay Street"} {
			if !strings.Contains(res.body, want) {
				t.Errorf("find page lacks %q", want)
			}
		}
	})
}

func TestFindSortsByDistance(t *testing.T) {
	f := newFixture(t, storetest.SQLite(t))
	ctx := sysCtx()
	owner := &volt.Owner{CPOID: f.cpo.ID, Name: "Far Parks"}
	must(t, f.hier.CreateOwner(ctx, owner))
	far := &volt.Site{OwnerID: owner.ID, Name: "Glasgow Green", Latitude: 55.85, Longitude: -4.24}
	must(t, f.hier.CreateSite(ctx, far))
	g := &volt.ChargerGroup{SiteID: far.ID, Name: "Far"}
	must(t, f.hier.CreateChargerGroup(ctx, g))
	_, err := f.chargers.CreateCharger(ctx, &volt.Charger{ChargerGroupID: g.ID, Name: "Far Bay"}, 1)
	must(t, err)
	c := f.client()
	c.host = "charge.spark.test"
	near := c.get("/app/?lat=55.86&lon=-4.25").body // in Glasgow
	if i, j := strings.Index(near, "Far Bay"), strings.Index(near, "Bay 1<"); i < 0 || j < 0 || i > j {
		t.Errorf("from Glasgow the Glasgow charger should come first (at %d, Bristol at %d)", i, j)
	}
	if !regexp.MustCompile(`Glasgow Green · \d+(\.\d)? (m|km)`).MatchString(near) {
		t.Errorf("distance not shown")
	}
	bristol := c.get("/app/?lat=51.45&lon=-2.59").body
	if i, j := strings.Index(bristol, "Far Bay"), strings.Index(bristol, "Bay 1<"); i < j {
		t.Errorf("from Bristol the Bristol charger should come first (Glasgow at %d, Bristol at %d)", i, j)
	}
}

func TestFindByCPID(t *testing.T) {
	f := newFixture(t, storetest.SQLite(t))
	c := f.client()
	n := strings.TrimLeft(f.charger, "0")
	if res := c.get("/app/find?cpid=" + n); res.status != http.StatusSeeOther || res.loc != "/app/c/"+f.charger {
		t.Errorf("typed %s: %d to %q, want the charger page", n, res.status, res.loc)
	}
	if res := c.get("/app/find?cpid=abc"); res.status != http.StatusBadRequest || !strings.Contains(res.body, "six digits") {
		t.Errorf("typed abc: %d", res.status)
	}
	if res := c.get("/app/find?cpid=999999"); res.status != http.StatusNotFound || !strings.Contains(res.body, "No charger has the number 999999") {
		t.Errorf("unknown CPID: %d", res.status)
	}
}

func TestChargerPageShowsFullPriceOperatorAndHelpline(t *testing.T) {
	f := newFixture(t, storetest.SQLite(t))
	res := f.client().get("/app/c/" + f.charger)
	if res.status != http.StatusOK {
		t.Fatalf("charger page: %d", res.status)
	}
	for _, want := range []string{
		"£0.45 per kWh", "£0.50 per session", "£0.10 per minute", "more than 30 minutes (grace period)",
		"Included at 20%", "Spark Charge", `href="tel:&#43;442079460000"`, "Report a problem", `href="/app/report?cpid=` + f.charger,
	} {
		if !strings.Contains(res.body, want) {
			t.Errorf("charger page lacks %q", want)
		}
	}
	if !strings.Contains(res.body, `value="guest"`) || !strings.Contains(res.body, "£30.00") {
		t.Errorf("visitor not offered guest checkout with the hold amount")
	}
	// Without payments wired, a visitor cannot check out as a guest and is
	// told how to charge.
	g := newFixture(t, storetest.SQLite(t), noPayments)
	if res := g.client().get("/app/c/" + g.charger); !strings.Contains(res.body, "Log in or create an account to charge here.") {
		t.Errorf("visitor without guest checkout not told to log in")
	}
}

func TestWhitelabelByHostName(t *testing.T) {
	f := newFixture(t, storetest.SQLite(t))
	_, _, other := f.estate("Volta Grid", "Volta Grid", "app.volta.test", "+44 161 496 0000")
	a, b := f.client(), f.client()
	a.host, b.host = "charge.spark.test", "app.volta.test:443"
	pa, pb := a.get("/app/").body, b.get("/app/").body
	if !strings.Contains(pa, "<title>Find a charger · Spark Charge</title>") || !strings.Contains(pb, "<title>Find a charger · Volta Grid</title>") {
		t.Fatalf("brands not by host: %q / %q", title(pa), title(pb))
	}
	if strings.Contains(pa, "/app/c/"+other) || !strings.Contains(pb, "/app/c/"+other) || strings.Contains(pb, "/app/c/"+f.charger) {
		t.Errorf("each whitelabel lists only its own chargers")
	}
	if !strings.Contains(pa, "--primary:#aa2200") {
		t.Errorf("theme colour missing")
	}
	var m map[string]any
	must(t, json.Unmarshal([]byte(b.get("/app/manifest.webmanifest").body), &m))
	if m["name"] != "Volta Grid charging" || m["start_url"] != "/app/" {
		t.Errorf("manifest not branded: %v", m)
	}
}

func title(s string) string {
	if m := regexp.MustCompile(`<title>(.*?)</title>`).FindStringSubmatch(s); m != nil {
		return m[1]
	}
	return ""
}

func TestFormsRefuseMissingCSRF(t *testing.T) {
	f := newFixture(t, storetest.SQLite(t))
	c := f.client()
	c.get("/app/") // has the browser cookie, but posts no token
	res := c.do(http.MethodPost, "/app/c/"+f.charger+"/start", url.Values{"connector": {"1"}})
	if res.status != http.StatusForbidden || f.cmd.Last() != "" {
		t.Errorf("start without CSRF: %d, commander %q", res.status, f.cmd.Last())
	}
	res = c.do(http.MethodPost, "/app/login", url.Values{"email": {"x@y.z"}, "csrf": {"forged"}})
	if res.status != http.StatusForbidden {
		t.Errorf("login with forged CSRF: %d", res.status)
	}
}

// TestDriverStartFollowStop walks the registered driver's journey at the
// handler level: start with an app token, the session begins, live state
// over SSE, stop.
func TestDriverStartFollowStop(t *testing.T) {
	storetest.ForEachEngine(t, func(t *testing.T, db *store.DB) {
		f := newFixture(t, db, noPayments)
		u := f.driver("dana@example.com")
		c := f.client()
		c.login(u.Email)
		page := "/app/c/" + f.charger
		res := c.post(page, page+"/start", url.Values{"connector": {"2"}, "method": {"account"}, "limitKwh": {"5"}})
		if res.status != http.StatusSeeOther || !strings.HasPrefix(res.loc, "/app/wait/") {
			t.Fatalf("start: %d %q %.400s", res.status, res.loc, res.body)
		}
		call := f.cmd.Last()
		m := regexp.MustCompile(`^` + f.charger + ` RemoteStartTransaction \{"connectorId":2,"idTag":"(APP[0-9A-F]{16})"\}$`).FindStringSubmatch(call)
		if m == nil {
			t.Fatalf("remote start sent %q", call)
		}
		cards, _, err := f.users.FindRFIDCards(sysCtx(), volt.UserFilter{ID: u.ID})
		must(t, err)
		if len(cards) != 1 || cards[0].UID != m[1] || cards[0].Label != AppCardLabel {
			t.Fatalf("app token not stored as an App card: %+v", cards)
		}
		wait := c.get(res.loc)
		if wait.status != http.StatusOK || !strings.Contains(wait.body, "Plug your car into connector 2") {
			t.Fatalf("wait page: %d", wait.status)
		}
		s := f.startSession(f.charger, 2, m[1])
		eventually(t, "wait page moves to the session", func() bool { return c.get(res.loc).loc == "/app/s/"+s.ID })

		sp := c.get("/app/s/" + s.ID)
		if sp.status != http.StatusOK || !strings.Contains(sp.body, "Stops at 5.00 kWh") || !strings.Contains(sp.body, `aria-live="polite"`) {
			t.Fatalf("session page: %d %.500s", sp.status, sp.body)
		}
		ctx, cancel := context.WithCancel(context.Background())
		defer cancel()
		stream := c.events(ctx, "/app/s/"+s.ID+"/events")
		var st liveState
		must(t, json.Unmarshal([]byte(nextData(t, stream, "state")), &st))
		if !st.Active || st.Energy != "0.00 kWh" {
			t.Fatalf("first state: %+v", st)
		}
		// A meter reading arrives: the page gets energy and cost.
		txID, at := s.TransactionID, time.Now().Truncate(time.Second).Add(time.Second)
		upd, err := f.charging.RecordMeterValues(sysCtx(), volt.MeterReport{CPID: f.charger, ConnectorID: 2, TransactionID: &txID,
			Samples: []volt.MeterSample{{Timestamp: at, Measurand: "Energy.Active.Import.Register", Unit: "Wh", Value: "3000"},
				{Timestamp: at, Measurand: "Power.Active.Import", Unit: "W", Value: "7400"}}})
		must(t, err)
		f.bus.Publish(context.Background(), volt.Event{Type: volt.EventSessionUpdated, CPID: f.charger, CPOID: f.cpo.ID, At: time.Now(), Data: upd})
		must(t, json.Unmarshal([]byte(nextData(t, stream, "state")), &st))
		if st.Energy != "2.00 kWh" || st.Power != "7.4 kW" || st.Cost == "£0.00" {
			t.Errorf("live state after 2 kWh: %+v", st)
		}
		stop := c.post("/app/s/"+s.ID, "/app/s/"+s.ID+"/stop", nil)
		want := f.charger + ` RemoteStopTransaction {"transactionId":` + itoa(txID) + `}`
		if stop.status != http.StatusSeeOther || f.cmd.Last() != want {
			t.Errorf("stop: %d, commander %q, want %q", stop.status, f.cmd.Last(), want)
		}
	})
}

func itoa(n int64) string { b, _ := json.Marshal(n); return string(b) }

func TestLimitStopsSession(t *testing.T) {
	f := newFixture(t, storetest.SQLite(t), noPayments)
	u := f.driver("lee@example.com")
	c := f.client()
	c.login(u.Email)
	page := "/app/c/" + f.charger
	res := c.post(page, page+"/start", url.Values{"connector": {"1"}, "method": {"account"}, "limitAmount": {"1.00"}})
	if res.status != http.StatusSeeOther {
		t.Fatalf("start: %d %.300s", res.status, res.body)
	}
	tag := regexp.MustCompile(`"idTag":"([^"]+)"`).FindStringSubmatch(f.cmd.Last())[1]
	s := f.startSession(f.charger, 1, tag)
	eventually(t, "limit bound", func() bool { return f.app.limitOf(s.ID) != nil })
	for _, wh := range []string{"1500", "2500"} { // 0.5 kWh: £0.725; 1.5 kWh: £1.175 ≥ £1.00
		txID := s.TransactionID
		upd, err := f.charging.RecordMeterValues(sysCtx(), volt.MeterReport{CPID: f.charger, ConnectorID: 1, TransactionID: &txID,
			Samples: []volt.MeterSample{{Timestamp: time.Now(), Measurand: "Energy.Active.Import.Register", Unit: "Wh", Value: wh}}})
		must(t, err)
		f.bus.Publish(context.Background(), volt.Event{Type: volt.EventSessionUpdated, CPID: f.charger, At: time.Now(), Data: upd})
		if wh == "1500" {
			time.Sleep(100 * time.Millisecond)
			if strings.Contains(f.cmd.Last(), "RemoteStop") {
				t.Fatalf("stopped below the limit at %s Wh (cost %+v)", wh, upd.LiveCost)
			}
		}
	}
	eventually(t, "stop at the limit", func() bool { return strings.Contains(f.cmd.Last(), "RemoteStopTransaction") })
}

func TestStartRefusalsInPlainWords(t *testing.T) {
	f := newFixture(t, storetest.SQLite(t), noPayments)
	u := f.driver("sam@example.com")
	c := f.client()
	c.login(u.Email)
	page := "/app/c/" + f.charger
	start := func(conn string) answer {
		return c.post(page, page+"/start", url.Values{"connector": {conn}, "method": {"account"}})
	}
	f.cmd.Answer = json.RawMessage(`{"status":"Rejected"}`)
	if res := start("1"); res.status != http.StatusConflict || !strings.Contains(res.body, "The charger refused to start") {
		t.Errorf("rejected: %d", res.status)
	}
	f.cmd.Answer, f.cmd.Err = nil, volt.Errorf(volt.ECHARGEROFFLINE, "offline")
	if res := start("1"); res.status != http.StatusConflict || !strings.Contains(res.body, "The charger is offline") {
		t.Errorf("offline: %d", res.status)
	}
	f.cmd.Err = volt.Errorf(volt.ETIMEOUT, "timeout")
	if res := start("1"); !strings.Contains(res.body, "did not answer in time") {
		t.Errorf("timeout: %d", res.status)
	}
	f.cmd.Err = nil
	must(t, f.charging.RecordStatus(sysCtx(), volt.StatusReport{CPID: f.charger, ConnectorID: 1, Status: volt.StatusCharging, At: time.Now()}))
	calls := len(f.cmd.Calls())
	if res := start("1"); res.status != http.StatusConflict || !strings.Contains(res.body, "Connector 1 is in use") || len(f.cmd.Calls()) != calls {
		t.Errorf("occupied: %d, calls %d→%d", res.status, calls, len(f.cmd.Calls()))
	}
	must(t, f.charging.RecordConnection(sysCtx(), f.charger, false, "ocpp1.6", time.Now()))
	if res := start("2"); res.status != http.StatusConflict || !strings.Contains(res.body, "offline") || len(f.cmd.Calls()) != calls {
		t.Errorf("known offline: %d", res.status)
	}
	f.online(f.charger)
	f.group.Private = true
	must(t, f.hier.UpdateChargerGroup(sysCtx(), f.group))
	// Issue #11 item 14: a private charger says so, and no more.
	if res := c.get(page); res.status != http.StatusForbidden || !strings.Contains(res.body, "This charger is private") || strings.Contains(res.body, "Quay Street") {
		t.Errorf("private group: %d (a private charger says it is private and shows nothing else)", res.status)
	}
	if res := c.do(http.MethodPost, page+"/start", url.Values{"connector": {"2"}, "method": {"account"}, "csrf": {csrfRe.FindStringSubmatch(c.get("/app/login").body)[1]}}); res.status != http.StatusForbidden || len(f.cmd.Calls()) != calls {
		t.Errorf("start on a private group: %d, calls %d→%d", res.status, calls, len(f.cmd.Calls()))
	}
}

func TestSessionsAreOnlyTheirDriversOwn(t *testing.T) {
	f := newFixture(t, storetest.SQLite(t))
	u, other := f.driver("owner@example.com"), f.driver("nosy@example.com")
	tag := "OWNERCARD1"
	must(t, f.users.CreateRFIDCard(sysCtx(), &volt.RFIDCard{UID: tag, UserID: u.ID}))
	s := f.startSession(f.charger, 1, tag)
	mine, theirs, anon := f.client(), f.client(), f.client()
	mine.login(u.Email)
	theirs.login(other.Email)
	if res := mine.get("/app/s/" + s.ID); res.status != http.StatusOK {
		t.Errorf("own session (RFID start): %d", res.status)
	}
	for name, c := range map[string]*client{"other driver": theirs, "visitor": anon} {
		if res := c.get("/app/s/" + s.ID); res.status != http.StatusNotFound {
			t.Errorf("%s sees the session: %d", name, res.status)
		}
		if res := c.get("/app/s/" + s.ID + "/events"); res.status != http.StatusNotFound {
			t.Errorf("%s streams the session: %d", name, res.status)
		}
	}
	if hist := mine.get("/app/history"); !strings.Contains(hist.body, "/app/s/"+s.ID) {
		t.Errorf("history lacks the running session")
	}
}

func TestSessionEndsWithReceiptInHistory(t *testing.T) {
	storetest.ForEachEngine(t, func(t *testing.T, db *store.DB) {
		f := newFixture(t, db)
		u := f.driver("rae@example.com")
		must(t, f.users.CreateRFIDCard(sysCtx(), &volt.RFIDCard{UID: "RAECARD", UserID: u.ID}))
		s := f.startSession(f.charger, 1, "RAECARD")
		res, err := f.charging.StopTransaction(sysCtx(), volt.StopRequest{CPID: f.charger, TransactionID: s.TransactionID,
			MeterStop: 11000, At: s.StartedAt.Add(time.Hour), Reason: "Local"})
		must(t, err)
		c := f.client()
		c.login(u.Email)
		hist := c.get("/app/history").body
		if !strings.Contains(hist, "/app/s/"+s.ID+"/receipt") || !strings.Contains(hist, "10.00 kWh") {
			t.Fatalf("history lacks the CDR: %.600s", hist)
		}
		rec := c.get("/app/s/" + s.ID + "/receipt")
		total := formatMoney(res.CDR.TotalCost.InclVAT, "GBP")
		if rec.status != http.StatusOK || !strings.Contains(rec.body, `<td id="total">`+total+`</td>`) || !strings.Contains(rec.body, "VAT at 20%") || !strings.Contains(rec.body, "Energy (10 kWh)") {
			i := strings.Index(rec.body, "<main")
			t.Errorf("receipt: %d, want total %s: %s", rec.status, total, rec.body[i:])
		}
		if res.CDR.TotalCost.InclVAT != 50+450 { // £0.50 session fee + 10 kWh × £0.45
			t.Errorf("CDR total %d, want 500", res.CDR.TotalCost.InclVAT)
		}
	})
}

func TestAccountRegisterCardsAffiliateDelete(t *testing.T) {
	f := newFixture(t, storetest.SQLite(t))
	c := f.client()
	c.host = "charge.spark.test"
	res := c.post("/app/register", "/app/register", url.Values{"name": {"Noor"}, "email": {"noor@example.com"}, "password": {"short"}})
	if res.status != http.StatusBadRequest || !strings.Contains(res.body, "at least 10 characters") {
		t.Errorf("short password: %d", res.status)
	}
	res = c.post("/app/register", "/app/register", url.Values{"name": {"Noor"}, "email": {"noor@example.com"}, "password": {testPassword}, "next": {"/app/account"}})
	if res.status != http.StatusSeeOther || res.loc != "/app/account" {
		t.Fatalf("register: %d %q %.300s", res.status, res.loc, res.body)
	}
	users, _, err := f.users.FindUsers(sysCtx(), volt.UserFilter{Email: "noor@example.com"})
	must(t, err)
	if len(users) != 1 || users[0].CPOID != f.cpo.ID {
		t.Fatalf("registered user not of the host's whitelabel: %+v", users)
	}
	res = c.post("/app/account", "/app/account/cards", url.Values{"uid": {"04a2b3c4"}, "label": {"Blue fob"}})
	if res.status != http.StatusSeeOther {
		t.Fatalf("add card: %d %.300s", res.status, res.body)
	}
	acc := c.get("/app/account").body
	m := regexp.MustCompile(`/app/account/cards/([^/]+)/block`).FindStringSubmatch(acc)
	if m == nil || !strings.Contains(acc, "04a2b3c4") {
		t.Fatalf("card not listed: %.500s", acc)
	}
	if res = c.post("/app/account", "/app/account/cards/"+m[1]+"/block", nil); res.status != http.StatusSeeOther {
		t.Fatalf("block: %d", res.status)
	}
	card, err := f.users.FindRFIDCardByID(sysCtx(), m[1])
	must(t, err)
	if !card.Blocked {
		t.Errorf("card not blocked")
	}
	if res = c.post("/app/account", "/app/account/affiliate", url.Values{"code": {"NOSUCHCODE"}}); !strings.Contains(res.body, "not valid") {
		t.Errorf("bad affiliate code: %d", res.status)
	}
	g := &volt.Usergroup{Name: "Staff parking", Role: volt.RoleDriver, CPOID: f.cpo.ID, Private: true}
	must(t, f.users.CreateUsergroup(sysCtx(), g))
	must(t, f.users.CreateAffiliateCode(sysCtx(), &volt.AffiliateCode{Code: "HARBOUR24", UsergroupID: g.ID}))
	if res = c.post("/app/account", "/app/account/affiliate", url.Values{"code": {"harbour24"}}); res.status != http.StatusSeeOther {
		t.Errorf("affiliate code: %d %.300s", res.status, res.body)
	}
	if gs, _ := f.users.UsergroupsOfUser(sysCtx(), users[0].ID); len(gs) != 1 || gs[0].ID != g.ID {
		t.Errorf("not in the code's usergroup: %v", gs)
	}
	if res = c.post("/app/account", "/app/account/delete", url.Values{"password": {"wrong password!"}}); res.status != http.StatusUnauthorized {
		t.Errorf("delete with a wrong password: %d", res.status)
	}
	if res = c.post("/app/account", "/app/account/delete", url.Values{"password": {testPassword}}); res.status != http.StatusOK {
		t.Fatalf("delete: %d %.300s", res.status, res.body)
	}
	if _, err := f.users.FindUserByID(sysCtx(), users[0].ID); !volt.IsCode(err, volt.ENOTFOUND) {
		t.Errorf("user still there: %v", err)
	}
	if res = c.get("/app/account"); res.status != http.StatusSeeOther {
		t.Errorf("signed in after delete: %d", res.status)
	}
}

func TestPasswordReset(t *testing.T) {
	var mails []string
	f := newFixture(t, storetest.SQLite(t), func(c *Config) {
		c.SendMail = func(to, subject, body string) error { mails = append(mails, body); return nil }
	})
	u := f.driver("pat@example.com")
	c := f.client()
	c.post("/app/reset", "/app/reset", url.Values{"email": {"nobody@example.com"}})
	c.post("/app/reset", "/app/reset", url.Values{"email": {u.Email}})
	if len(mails) != 1 {
		t.Fatalf("%d mails, want 1 (none for an unknown address)", len(mails))
	}
	link := regexp.MustCompile(`http://[^/]+(/app/reset/\S+)`).FindStringSubmatch(mails[0])[1]
	if res := c.post(link, link, url.Values{"password": {"a new long password"}}); res.status != http.StatusOK {
		t.Fatalf("reset: %d", res.status)
	}
	if res := c.get(link); res.status != http.StatusNotFound {
		t.Errorf("reset link works twice: %d", res.status)
	}
	if _, _, err := store.NewAuthService(f.db).Login(context.Background(), u.Email, "a new long password", "t"); err != nil {
		t.Errorf("new password refused: %v", err)
	}
}

func TestReportAProblem(t *testing.T) {
	f := newFixture(t, storetest.SQLite(t))
	c := f.client()
	res := c.post("/app/report?cpid="+f.charger, "/app/report", url.Values{"cpid": {f.charger}, "category": {"The charger is damaged"}, "message": {"Cable cut"}})
	if res.status != http.StatusOK {
		t.Fatalf("report: %d", res.status)
	}
	r := f.app.Reports()
	if len(r) != 1 || r[0].CPID != f.charger || r[0].Message != "Cable cut" {
		t.Errorf("report not kept: %+v", r)
	}
}

func TestInstallableShell(t *testing.T) {
	f := newFixture(t, storetest.SQLite(t))
	c := f.client()
	sw := c.get("/app/sw.js")
	if sw.status != http.StatusOK || !strings.Contains(sw.body, `"/app/offline"`) || strings.Contains(sw.body, "SHELL_FILES") {
		t.Fatalf("service worker: %d %.200s", sw.status, sw.body)
	}
	// The shell holds no page but the offline one, and no session data.
	for _, bad := range []string{`"/app/"`, "/app/s/", "/app/live", "/app/c/"} {
		if strings.Contains(sw.body[strings.Index(sw.body, "const SHELL"):strings.Index(sw.body, "self.addEventListener")], bad) {
			t.Errorf("service worker shell caches %s", bad)
		}
	}
	if res := c.get("/app/offline"); res.status != http.StatusOK {
		t.Errorf("offline page: %d", res.status)
	}
	css := c.get(assetPath("app.css"))
	if css.status != http.StatusOK {
		t.Errorf("css: %d", css.status)
	}
}

// TestIdleFeeWarning: when the car stops drawing power (SuspendedEV) the
// live state says so and when idle fees begin (status time + grace).
func TestIdleFeeWarning(t *testing.T) {
	f := newFixture(t, storetest.SQLite(t), noPayments)
	u := f.driver("ida@example.com")
	must(t, f.users.CreateRFIDCard(sysCtx(), &volt.RFIDCard{UID: "IDACARD", UserID: u.ID}))
	s := f.startSession(f.charger, 1, "IDACARD")
	c := f.client()
	c.login(u.Email)
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	stream := c.events(ctx, "/app/s/"+s.ID+"/events")
	var st liveState
	must(t, json.Unmarshal([]byte(nextData(t, stream, "state")), &st))
	if st.Idle || st.IdleFeeFrom != 0 {
		t.Fatalf("idle at start: %+v", st)
	}
	at := time.Now().Truncate(time.Second)
	f.bus.Publish(context.Background(), volt.Event{Type: volt.EventConnectorStatus, CPID: f.charger, At: at,
		Data: volt.Connector{CPID: f.charger, ConnectorID: 1, Status: volt.StatusSuspendedEV, StatusAt: at}})
	must(t, json.Unmarshal([]byte(nextData(t, stream, "state")), &st))
	if !st.Idle || st.IdleFeeFrom != at.Add(30*time.Minute).UnixMilli() {
		t.Errorf("after SuspendedEV: idle %v, fees from %d, want %d", st.Idle, st.IdleFeeFrom, at.Add(30*time.Minute).UnixMilli())
	}
	f.bus.Publish(context.Background(), volt.Event{Type: volt.EventConnectorStatus, CPID: f.charger, At: at,
		Data: volt.Connector{CPID: f.charger, ConnectorID: 1, Status: volt.StatusCharging, StatusAt: at}})
	st = liveState{}
	must(t, json.Unmarshal([]byte(nextData(t, stream, "state")), &st))
	if st.Idle || st.IdleFeeFrom != 0 {
		t.Errorf("charging again but still idle: %+v", st)
	}
}
