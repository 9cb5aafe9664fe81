package web

import (
	"bufio"
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

func TestOnboardingShowsURLAndPasswordOnce(t *testing.T) {
	storetest.ForEachEngine(t, func(t *testing.T, db *store.DB) {
		f := newFixture(t, db)
		c := f.client()
		c.login("admin@spark.test")
		res := c.get("/admin/chargers/new")
		wantContains(t, "onboarding form", res.body, `<label for="chargerGroupId">`, "Level 1")

		res = c.post("/admin/chargers", url.Values{"chargerGroupId": {f.group.ID}, "connectors": {"0"}})
		if res.status != http.StatusBadRequest {
			t.Errorf("0 connectors: status %d, want 400", res.status)
		}
		wantContains(t, "0 connectors", res.body, "whole number from 1 to 32")

		res = c.post("/admin/chargers", url.Values{"chargerGroupId": {f.group.ID}, "connectors": {"2"}, "ocppIdentity": {"SN-4471"}, "name": {"Bay 4"}})
		loc := res.header.Get("Location")
		if res.status != http.StatusSeeOther || !strings.HasSuffix(loc, "/credentials") {
			t.Fatalf("onboard: status %d to %q, want 303 to the credentials page (post/redirect/get): %s", res.status, loc, excerpt(res.body))
		}
		res = c.get(loc)
		if res.status != http.StatusOK {
			t.Fatalf("credentials page: status %d: %s", res.status, excerpt(res.body))
		}
		if again := c.get(loc); again.status != http.StatusGone || strings.Contains(again.body, "ocpp-password") {
			t.Errorf("credentials shown twice: status %d", again.status)
		}
		if cc := res.header.Get("Cache-Control"); cc != "no-store" {
			t.Errorf("credentials page Cache-Control %q, want no-store", cc)
		}
		host := strings.TrimPrefix(f.srv.URL, "http://")
		wantContains(t, "onboarded", res.body, "ws://"+host+"/ocpp/SN-4471", "shown only this once")
		pw := regexp.MustCompile(`id="ocpp-password">([^<]+)<`).FindStringSubmatch(res.body)
		if pw == nil {
			t.Fatalf("no password on the page:\n%s", excerpt(res.body))
		}
		ch, err := f.charging.AuthenticateCharger(context.Background(), "SN-4471", pw[1])
		if err != nil {
			t.Fatalf("the shown password does not authenticate the charger: %v", err)
		}
		page := c.get("/admin/chargers/" + ch.CPID)
		wantContains(t, "charger page", page.body, "Bay 4", "SN-4471")
		wantMissing(t, "charger page", page.body, pw[1])
	})
}

func TestChargerCommandShowsAnswer(t *testing.T) {
	f := newFixture(t, storetest.SQLite(t))
	creds := f.onboard(2)
	c := f.client()
	c.login("admin@spark.test")
	page := c.get("/admin/chargers/" + creds.CPID)
	wantContains(t, "charger page", page.body, "Remote commands", "Unlock connector", `hx-post="/admin/chargers/`+creds.CPID+`/commands/reset"`)

	htmx := map[string]string{"HX-Request": "true", csrfHeader: c.csrf}
	form := url.Values{"connectorId": {"2"}}
	res := c.do(http.MethodPost, "/admin/chargers/"+creds.CPID+"/commands/unlock-connector", form, htmx)
	wantContains(t, "unlock answer", res.body, "The charger answered <strong>Accepted</strong>")
	if got := f.cmd.Calls(); len(got) != 1 || got[0] != creds.CPID+` UnlockConnector {"connectorId":2}` {
		t.Errorf("calls %q", got)
	}

	f.cmd.Answer = json.RawMessage(`{"configurationKey":[{"key":"HeartbeatInterval","value":"300","readonly":false}],"unknownKey":["Nope"]}`)
	res = c.do(http.MethodPost, "/admin/chargers/"+creds.CPID+"/commands/get-configuration", url.Values{"key": {"HeartbeatInterval, Nope"}}, htmx)
	wantContains(t, "configuration answer", res.body, "HeartbeatInterval", "300", "Unknown keys: Nope")
	if last := f.cmd.Calls()[len(f.cmd.Calls())-1]; !strings.HasSuffix(last, `{"key":["HeartbeatInterval","Nope"]}`) {
		t.Errorf("get-configuration request %q", last)
	}

	f.cmd.Err = volt.Errorf(volt.ECHARGEROFFLINE, "charger %s is offline", creds.CPID)
	res = c.do(http.MethodPost, "/admin/chargers/"+creds.CPID+"/commands/reset", url.Values{"type": {"Soft"}}, htmx)
	wantContains(t, "offline answer", res.body, "The charger is offline")

	n := len(f.cmd.Calls())
	res = c.do(http.MethodPost, "/admin/chargers/"+creds.CPID+"/commands/reset", url.Values{"type": {"Sideways"}}, htmx)
	wantContains(t, "bad field", res.body, "Choose one of Soft, Hard")
	if len(f.cmd.Calls()) != n {
		t.Error("an invalid command reached the charger")
	}

	// Without htmx the whole page comes back with the answer on it.
	f.cmd.Err, f.cmd.Answer = nil, json.RawMessage(`{"status":"Rejected"}`)
	res = c.post("/admin/chargers/"+creds.CPID+"/commands/clear-cache", nil)
	wantContains(t, "plain form answer", res.body, "Charger "+creds.CPID, "The charger answered <strong>Rejected</strong>", "result-bad")
}

func TestChargerLiveEvents(t *testing.T) {
	f := newFixture(t, storetest.SQLite(t))
	creds := f.onboard(1)
	other := f.onboard(1)
	c := f.client()
	c.login("admin@spark.test")

	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	req, _ := http.NewRequestWithContext(ctx, http.MethodGet, f.srv.URL+"/admin/chargers/"+creds.CPID+"/events", nil)
	res, err := c.http.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer res.Body.Close()
	if ct := res.Header.Get("Content-Type"); ct != "text/event-stream" {
		t.Fatalf("content type %q", ct)
	}
	lines := bufio.NewScanner(res.Body)
	waitFor(t, lines, ": connected")
	at := time.Date(2026, 1, 2, 3, 4, 5, 0, time.UTC)
	f.bus.Publish(ctx, volt.Event{Type: volt.EventConnectorStatus, CPID: other.CPID, Data: &volt.Connector{CPID: other.CPID, ConnectorID: 1, Status: volt.StatusFaulted}})
	f.bus.Publish(ctx, volt.Event{Type: volt.EventConnectorStatus, CPID: creds.CPID, Data: &volt.Connector{CPID: creds.CPID, ConnectorID: 1, Status: volt.StatusCharging, StatusAt: at}})
	f.bus.Publish(ctx, volt.Event{Type: volt.EventSessionUpdated, CPID: creds.CPID, Data: &volt.Session{CPID: creds.CPID, ConnectorID: 1, TransactionID: 77, Status: volt.SessionActive, PowerW: 7400, EnergyWh: 12345}})

	waitFor(t, lines, "event: connector")
	data := waitFor(t, lines, "data: ")
	if !strings.Contains(data, `"status":"Charging"`) || strings.Contains(data, "Faulted") {
		t.Errorf("connector event for the wrong charger or status: %s", data)
	}
	waitFor(t, lines, "event: session")
	data = waitFor(t, lines, "data: ")
	for _, want := range []string{`"power":"7.4 kW"`, `"energy":"12.345 kWh"`, `"transactionId":77`, `"active":true`} {
		if !strings.Contains(data, want) {
			t.Errorf("session event %s lacks %s", data, want)
		}
	}
}

// waitFor reads lines until one starts with prefix and returns it.
func waitFor(t *testing.T, s *bufio.Scanner, prefix string) string {
	t.Helper()
	for s.Scan() {
		if strings.HasPrefix(s.Text(), prefix) {
			return s.Text()
		}
	}
	t.Fatalf("stream ended before %q: %v", prefix, s.Err())
	return ""
}

func TestSessionsAndCDRsWithCSV(t *testing.T) {
	f := newFixture(t, storetest.SQLite(t))
	creds := f.onboard(1)
	// The session lies within today (UTC), so the dashboard counts it
	// whatever time of day the test runs: in the first hour of a day it
	// starts at midnight and ends before now.
	now := time.Now().UTC()
	start, length := now.Add(-time.Hour), 30*time.Minute
	if day := now.Truncate(24 * time.Hour); start.Before(day) {
		start, length = day, now.Sub(day)/2
	}
	res, err := f.charging.StartTransaction(sysCtx(), volt.StartRequest{CPID: creds.CPID, ConnectorID: 1, IDTag: "=HYPERLINK(1)", MeterStart: 1000, At: start, ReceivedAt: start})
	must(t, err)
	_, err = f.charging.StopTransaction(sysCtx(), volt.StopRequest{CPID: creds.CPID, TransactionID: res.TransactionID, MeterStop: 8500, At: start.Add(length), Reason: "Local"})
	must(t, err)

	c := f.client()
	c.login("admin@spark.test")
	page := c.get("/admin/sessions?cpid=" + creds.CPID)
	wantContains(t, "sessions", page.body, "7.500 kWh", "completed", "Download as CSV")
	page = c.get("/admin/cdrs?cpid=" + creds.CPID)
	wantContains(t, "cdrs", page.body, "7.500 kWh", "Local")
	page = c.get("/admin/sessions?from=yesterday")
	if page.status != http.StatusBadRequest {
		t.Errorf("bad date: status %d", page.status)
	}
	wantContains(t, "bad date", page.body, "must look like 2026-01-31")

	csv := c.get("/admin/cdrs?format=csv&cpid=" + creds.CPID)
	if !strings.HasPrefix(csv.header.Get("Content-Type"), "text/csv") {
		t.Errorf("csv content type %q", csv.header.Get("Content-Type"))
	}
	rows := strings.Split(strings.TrimSpace(csv.body), "\n")
	if len(rows) != 2 || !strings.Contains(rows[1], ",7500,") {
		t.Fatalf("cdr csv:\n%s", csv.body)
	}
	if !strings.Contains(rows[1], "'=HYPERLINK(1)") {
		t.Errorf("formula in idTag not defused: %s", rows[1])
	}
	dash := c.get("/admin/")
	wantContains(t, "dashboard", dash.body, `data-figure="energy-today">7.500 kWh`, `data-live-refresh="/admin/live"`)
	wantContains(t, "dashboard energy", c.get("/admin/dashboard/energy").body, "7.500 kWh", "Energy today")
}

func TestEveryPageRendersForAdminAndStaff(t *testing.T) {
	f := newFixture(t, storetest.SQLite(t))
	creds := f.onboard(2)
	u, _, err := f.users.FindUsers(sysCtx(), volt.UserFilter{Email: "staff@spark.test"})
	must(t, err)
	groups, err := f.users.UsergroupsOfUser(sysCtx(), u[0].ID)
	must(t, err)
	card := &volt.RFIDCard{UID: "04A2B3C4", UserID: u[0].ID}
	must(t, f.users.CreateRFIDCard(sysCtx(), card))
	paths := []string{"/admin/", "/admin/network", "/admin/chargers", "/admin/chargers/" + creds.CPID,
		"/admin/chargers/" + creds.CPID + "/frames", "/admin/sessions", "/admin/cdrs", "/admin/cpos", "/admin/cpos/" + f.cpo.ID,
		"/admin/owners", "/admin/owners/" + f.owner.ID, "/admin/hosts", "/admin/sites", "/admin/sites/" + f.site.ID,
		"/admin/charger-groups", "/admin/charger-groups/" + f.group.ID, "/admin/users", "/admin/users/" + u[0].ID,
		"/admin/usergroups", "/admin/usergroups/" + groups[0].ID, "/admin/rfid-cards", "/admin/rfid-cards/" + card.ID,
		"/admin/affiliate-codes", "/admin/tariffs", "/admin/tariff-assignments", "/admin/income"}
	for _, who := range []string{"admin@spark.test", "staff@spark.test"} {
		c := f.client()
		c.login(who)
		for _, p := range paths {
			res := c.get(p)
			if res.status != http.StatusOK {
				t.Errorf("%s GET %s: status %d: %s", who, p, res.status, excerpt(res.body))
			}
		}
		if who == "admin@spark.test" {
			for _, p := range []string{"/admin/chargers/new", "/admin/owners/new", "/admin/sites/new", "/admin/hosts/new", "/admin/charger-groups/new", "/admin/users/new", "/admin/usergroups/new", "/admin/rfid-cards/new", "/admin/tariffs/new"} {
				if res := c.get(p); res.status != http.StatusOK {
					t.Errorf("%s GET %s: status %d: %s", who, p, res.status, excerpt(res.body))
				}
			}
		}
	}
}

func TestEstateAndPeopleForms(t *testing.T) {
	f := newFixture(t, storetest.SQLite(t))
	c := f.client()
	c.login("admin@spark.test")

	res := c.post("/admin/sites", url.Values{"ownerId": {f.owner.ID}, "name": {"Dock Road"}, "latitude": {"north"}})
	if res.status != http.StatusBadRequest {
		t.Errorf("bad latitude: status %d", res.status)
	}
	wantContains(t, "bad latitude", res.body, "Latitude must be a number", `value="Dock Road"`, `aria-invalid="true"`)

	res = c.post("/admin/sites", url.Values{"ownerId": {f.owner.ID}, "name": {"Dock Road"}, "latitude": {"51.5"}, "longitude": {"-0.1"}, "city": {"London"}})
	if res.status != http.StatusSeeOther {
		t.Fatalf("create site: %d %s", res.status, excerpt(res.body))
	}
	wantContains(t, "site created", c.get(res.header.Get("Location")).body, "Site Dock Road created.", "London")

	res = c.post("/admin/users", url.Values{"email": {"new.person@spark.test"}, "name": {"New Person"}, "cpoId": {f.cpo.ID}})
	if res.status != http.StatusSeeOther {
		t.Fatalf("create user: %d %s", res.status, excerpt(res.body))
	}
	res = c.post("/admin/users", url.Values{"email": {"new.person@spark.test"}, "name": {"Again"}, "cpoId": {f.cpo.ID}})
	if res.status != http.StatusConflict {
		t.Errorf("duplicate user: status %d", res.status)
	}

	ug := &volt.Usergroup{Name: "Fleet", Role: volt.RoleDriver, CPOID: f.cpo.ID, Private: true}
	must(t, f.users.CreateUsergroup(sysCtx(), ug))
	c.get("/admin/usergroups/" + ug.ID)
	res = c.post("/admin/usergroups/"+ug.ID+"/members", url.Values{"email": {"new.person@spark.test"}})
	page := c.get(res.header.Get("Location"))
	wantContains(t, "member added", page.body, "new.person@spark.test added to the usergroup.")
	res = c.post("/admin/usergroups/"+ug.ID+"/members", url.Values{"email": {"nobody@spark.test"}})
	page = c.get(res.header.Get("Location"))
	wantContains(t, "unknown member", page.body, "No user you can see")

	res = c.post("/admin/affiliate-codes", url.Values{"code": {"fleet2026"}, "usergroupId": {ug.ID}, "maxUses": {"10"}})
	page = c.get(res.header.Get("Location"))
	wantContains(t, "affiliate code", page.body, "Affiliate code FLEET2026 created.", "0 of 10")

	res = c.post("/admin/cpos/"+f.cpo.ID, url.Values{"name": {"Spark Networks"}, "currency": {"GBP"}, "whitelabel": {"on"},
		"displayName": {"Spark Two"}, "primaryColor": {"#123456"}, "accentColor": {"#654321"}, "hostNames": {"charge.spark.test"}})
	if res.status != http.StatusSeeOther {
		t.Fatalf("theme update: %d %s", res.status, excerpt(res.body))
	}
	themed := f.client()
	themed.host = "charge.spark.test"
	wantContains(t, "new theme", themed.get("/admin/login").body, "Spark Two", "#123456")
}
