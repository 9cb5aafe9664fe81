package ocpi_test

import (
	"net/http"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/volt-ev/volt"
	"github.com/volt-ev/volt/internal/ocpischema"
	"github.com/volt-ev/volt/ocpi"
	"github.com/volt-ev/volt/store"
	"github.com/volt-ev/volt/store/storetest"
)

// TestHubAndSessionsPull: a hub (an eMSP partner) pushes the ClientInfo of
// the parties behind it and reads them back; Volt's sender lists the CPO's
// own party; a request the hub routes from an announced party is accepted
// as that party's (its token stored under it, authorised at the charger),
// one from an unknown or suspended party is 2003, and HubClientInfo takes
// no routing. Each partner pulls the sessions of its own tokens only, paged
// and in the date window. Every exchange is validated against the OCPI
// documents, HubClientInfo included.
func TestHubAndSessionsPull(t *testing.T) {
	spec := ocpischema.Load(t)
	for _, eng := range storetest.Engines(t) {
		t.Run(eng.Name, func(t *testing.T) { hub(t, spec, eng.Open(t), eng.Open(t)) })
	}
}

func hub(t *testing.T, spec *ocpischema.Spec, dbA, dbB *store.DB) {
	A := newVolt(t, dbA, spec, "A Power", "GB", "AAA")
	H := newVolt(t, dbB, spec, "Hub", "GB", "HUB")
	C := newVolt(t, dbB, spec, "C Drive", "GB", "CCC")
	siteA, cpids := A.site(t, A.cpo, "Mayfair", false, 2)
	pH, _, tokH := connect(t, A, H, "GB", "HUB")
	pC, _, tokC := connect(t, A, C, "GB", "CCC")
	base := A.http.URL + "/ocpi/cpo/2.2.1/"

	st, _, env := call(t, "GET", A.http.URL+"/ocpi/2.2.1", tokH, nil)
	if st != 200 {
		t.Fatalf("version details: %d %v", st, env)
	}
	mods := map[string]bool{}
	for _, e := range env["data"].(map[string]any)["endpoints"].([]any) {
		m := e.(map[string]any)
		mods[m["identifier"].(string)+" "+m["role"].(string)] = true
	}
	for _, m := range []string{"sessions SENDER", "hubclientinfo RECEIVER", "hubclientinfo SENDER"} {
		if !mods[m] {
			t.Errorf("version details lack %s: %v", m, mods)
		}
	}

	// The hub announces two parties behind it, one suspended.
	info := func(cc, pid, status string) map[string]any {
		return map[string]any{"country_code": cc, "party_id": pid, "role": "EMSP", "status": status, "last_updated": ocpiNow()}
	}
	for _, x := range []struct{ cc, pid, status string }{{"NL", "EMX", "CONNECTED"}, {"DE", "OLD", "SUSPENDED"}} {
		if st, _, env := call(t, "PUT", base+"hubclientinfo/"+x.cc+"/"+x.pid, tokH, info(x.cc, x.pid, x.status)); st != 200 || code(env) != 1000 {
			t.Fatalf("PUT ClientInfo %s: %d %v", x.pid, st, env)
		}
	}
	if st, _, env := call(t, "GET", base+"hubclientinfo/NL/EMX", tokH, nil); st != 200 || env["data"].(map[string]any)["status"] != "CONNECTED" {
		t.Errorf("GET ClientInfo: %d %v", st, env)
	}
	if st, _, env := call(t, "GET", base+"hubclientinfo/NL/EMX", tokC, nil); st != 404 {
		t.Errorf("another partner reads the hub's ClientInfo: %d %v", st, env)
	}
	if st, _, env := call(t, "PUT", base+"hubclientinfo/NL/EMY", tokH, info("NL", "EMX", "CONNECTED")); st != 400 || code(env) != 2001 {
		t.Errorf("ClientInfo not matching its URL: %d %v", st, env)
	}
	if st, _, env := call(t, "PUT", base+"hubclientinfo/NL/EMX", tokH, info("NL", "EMX", "GONE")); st != 400 || code(env) != 2001 {
		t.Errorf("ClientInfo with an unknown status: %d %v", st, env)
	}
	if st, _, env := call(t, "PUT", base+"hubclientinfo/NL/EMX", tokH, info("NL", "EMX", "CONNECTED"),
		"OCPI-from-country-code", "NL", "OCPI-from-party-id", "EMX"); st != 400 || code(env) != 2001 {
		t.Errorf("HubClientInfo with routing headers: %d %v", st, env)
	}
	st, h, env := call(t, "GET", base+"hubclientinfo", tokH, nil)
	if list, _ := env["data"].([]any); st != 200 || len(list) != 1 || list[0].(map[string]any)["party_id"] != "AAA" || h.Get("X-Total-Count") != "1" {
		t.Errorf("sender list: %d %v", st, env)
	}

	// A token of the party behind the hub, routed through it.
	tok := func(cc, pid, uid string) map[string]any {
		return map[string]any{"country_code": cc, "party_id": pid, "uid": uid, "type": "RFID", "contract_id": cc + "-" + pid + "-1",
			"issuer": pid, "valid": true, "whitelist": "ALLOWED", "last_updated": ocpiNow()}
	}
	routed := func(cc, pid string) []string {
		return []string{"OCPI-from-country-code", cc, "OCPI-from-party-id", pid, "OCPI-to-country-code", "GB", "OCPI-to-party-id", "AAA"}
	}
	if st, _, env := call(t, "PUT", base+"tokens/NL/EMX/04E0E0E0?type=RFID", tokH, tok("NL", "EMX", "04E0E0E0"), routed("NL", "EMX")...); st != 200 || code(env) != 1000 {
		t.Fatalf("routed token: %d %v", st, env)
	}
	if got, err := A.store.FindOCPIToken(sys(), pH.ID, "04E0E0E0", "RFID"); err != nil || got.CountryCode != "NL" || got.PartyID != "EMX" {
		t.Errorf("the routed token is kept as %+v, %v", got, err)
	}
	if res, _ := A.charging.AuthorizeIDTag(sys(), cpids[0], "04E0E0E0"); res.Status != volt.AuthAccepted {
		t.Errorf("routed token at the charger: %+v", res)
	}
	if st, _, env := call(t, "PUT", base+"tokens/NL/EMX/04E0E0E1?type=RFID", tokH, tok("NL", "EMX", "04E0E0E1")); st != 400 || code(env) != 2001 {
		t.Errorf("another party's token without routing: %d %v", st, env)
	}
	for _, x := range []struct{ cc, pid string }{{"FR", "UNK"}, {"DE", "OLD"}} {
		if st, _, env := call(t, "PUT", base+"tokens/"+x.cc+"/"+x.pid+"/04E0E0E2?type=RFID", tokH, tok(x.cc, x.pid, "04E0E0E2"), routed(x.cc, x.pid)...); st != 404 || code(env) != 2003 {
			t.Errorf("routed from %s*%s: %d %v", x.cc, x.pid, st, env)
		}
	}
	if st, _, env := call(t, "GET", base+"locations", tokC, nil, routed("NL", "EMX")...); st != 404 || code(env) != 2003 {
		t.Errorf("a partner routing from a party it never announced: %d %v", st, env)
	}

	// Sessions pull: the hub's routed token's session and C's, each to its own.
	if st, _, env := call(t, "PUT", base+"tokens/GB/CCC/04C0C0C0?type=RFID", tokC, tok("GB", "CCC", "04C0C0C0")); st != 200 {
		t.Fatalf("C's token: %d %v", st, env)
	}
	start := time.Now().Add(-time.Hour).UTC().Truncate(time.Second)
	var hubTx int64
	for i, uid := range []string{"04E0E0E0", "04C0C0C0"} {
		res, err := A.charging.StartTransaction(sys(), volt.StartRequest{CPID: cpids[i], ConnectorID: 1, IDTag: uid, MeterStart: 0, At: start, ReceivedAt: start})
		must(t, err)
		if res.Auth.Status != volt.AuthAccepted {
			t.Fatalf("start with %s: %+v", uid, res.Auth)
		}
		if i == 0 {
			hubTx = res.TransactionID
		}
	}
	pull := func(token, query string) (int, []any, string) {
		st, h, env := call(t, "GET", base+"sessions"+query, token, nil)
		if st != 200 {
			t.Fatalf("sessions pull %s: %d %v", query, st, env)
		}
		data, _ := env["data"].([]any)
		return st, data, h.Get("X-Total-Count")
	}
	if _, data, total := pull(tokH, "?limit=10"); len(data) != 1 || total != "1" ||
		data[0].(map[string]any)["cdr_token"].(map[string]any)["party_id"] != "EMX" || data[0].(map[string]any)["status"] != "ACTIVE" {
		t.Errorf("the hub's sessions: %s %v", total, data)
	}
	if _, data, _ := pull(tokC, ""); len(data) != 1 || !strings.Contains(data[0].(map[string]any)["evse_uid"].(string), cpids[1]) {
		t.Errorf("C's sessions: %v", data)
	}
	if _, data, total := pull(tokC, "?date_from="+ocpiTime(time.Now().Add(time.Hour))); len(data) != 0 || total != "0" {
		t.Errorf("sessions after the window: %s %v", total, data)
	}
	_ = pC

	// What A sends for the hub's routed token names its party behind the
	// hub in OCPI-to, not the hub; C's names C. (rec plays the hub's
	// forwarding: it records the headers, then delivers to H as the party.)
	rec := &toRecorder{hubURL: H.http.URL}
	A.srv.Client = &http.Client{Transport: rec, Timeout: 10 * time.Second}
	n, err := A.srv.SyncRoamingSessions(sys())
	must(t, err)
	if done, err := A.srv.DeliverDue(sys(), 10); n != 2 || err != nil || done != 2 {
		t.Fatalf("session pushes: %d queued, %d delivered, %v", n, done, err)
	}
	if got := rec.to("PUT", "/ocpi/emsp/2.2.1/sessions/"); len(got) != 1 || got[0] != "NL*EMX" {
		t.Errorf("the routed token's session push addressed to %v, want NL*EMX", got)
	}
	if got := rec.toC("PUT", "/ocpi/emsp/2.2.1/sessions/"); len(got) != 1 || got[0] != "GB*CCC" {
		t.Errorf("C's session push addressed to %v", got)
	}
	stop, err := A.charging.StopTransaction(sys(), volt.StopRequest{CPID: cpids[0], TransactionID: hubTx, MeterStop: 5000, At: start.Add(30 * time.Minute), Reason: "Local"})
	must(t, err)
	if stop.CDR == nil {
		t.Fatal("no CDR for the routed token's session")
	}
	if n, err := A.srv.SyncRoamingCDRs(sys()); err != nil || n != 1 {
		t.Fatalf("CDR sweep: %d, %v", n, err)
	}
	_, _ = A.srv.DeliverDue(sys(), 10)
	if got := rec.to("POST", "/ocpi/emsp/2.2.1/cdrs"); len(got) != 1 || got[0] != "NL*EMX" {
		t.Errorf("the routed token's CDR addressed to %v, want NL*EMX", got)
	}
	// Real-time authorisation of the routed token is asked of its party.
	_, _ = (&ocpi.RealTimeAuth{Server: A.srv}).AuthorizeRealTime(sys(), pH.ID, "04E0E0E0", "RFID", "loc")
	if got := rec.to("POST", "/ocpi/emsp/2.2.1/tokens/04E0E0E0/authorize"); len(got) != 1 || got[0] != "NL*EMX" {
		t.Errorf("real-time authorisation of the routed token addressed to %v, want NL*EMX", got)
	}
	// The result of a command the hub routed from NL*EMX is addressed to
	// NL*EMX too (queued with its addressee).
	if st, _, env := call(t, "POST", base+"commands/START_SESSION", tokH, map[string]any{
		"response_url": H.http.URL + "/ocpi/emsp/2.2.1/commands/START_SESSION/h1", "token": tok("NL", "EMX", "04E0E0E0"),
		"location_id": siteA, "evse_uid": cpids[0] + "-1"}, routed("NL", "EMX")...); st != 200 || env["data"].(map[string]any)["result"] != "ACCEPTED" {
		t.Fatalf("routed START_SESSION: %d %v", st, env)
	}
	for deadline := time.Now().Add(10 * time.Second); len(rec.to("POST", "/ocpi/emsp/2.2.1/commands/START_SESSION/h1")) == 0; time.Sleep(10 * time.Millisecond) { // the asynchronous result
		if time.Now().After(deadline) {
			t.Fatal("no START_SESSION result sent to the hub after 10 s")
		}
	}
	if got := rec.to("POST", "/ocpi/emsp/2.2.1/commands/START_SESSION/h1"); got[0] != "NL*EMX" {
		t.Errorf("the routed command's result addressed to %v, want NL*EMX", got)
	}
	if A.exchanges < 20 {
		t.Errorf("%d validated exchanges: the validator is not in the path", A.exchanges)
	}
}

// toRecorder records the OCPI-to party of every request Volt sends, by
// method and path; a request to the hub (hubURL) addressed to a party
// behind it is then delivered to the hub's own Volt as its own, as a hub
// forwards it to that party.
type toRecorder struct {
	hubURL string
	mu     sync.Mutex
	seen   []string // "METHOD path hub|other CC*PID"
}

func (r *toRecorder) RoundTrip(req *http.Request) (*http.Response, error) {
	hub := strings.HasPrefix(req.URL.String(), r.hubURL)
	where := "other"
	if hub {
		where = "hub"
	}
	r.mu.Lock()
	r.seen = append(r.seen, req.Method+" "+req.URL.Path+" "+where+" "+req.Header.Get("OCPI-to-country-code")+"*"+req.Header.Get("OCPI-to-party-id"))
	r.mu.Unlock()
	if hub {
		req = req.Clone(req.Context())
		req.Header.Set("OCPI-to-country-code", "GB")
		req.Header.Set("OCPI-to-party-id", "HUB")
	}
	return http.DefaultTransport.RoundTrip(req)
}

// to lists the parties requests to the hub with method and a path
// starting with prefix were addressed to; toC the same of the others.
func (r *toRecorder) to(method, prefix string) []string { return r.match(method, prefix, "hub") }

func (r *toRecorder) toC(method, prefix string) []string { return r.match(method, prefix, "other") }

func (r *toRecorder) match(method, prefix, where string) []string {
	r.mu.Lock()
	defer r.mu.Unlock()
	var out []string
	for _, s := range r.seen {
		f := strings.Fields(s)
		if f[0] == method && strings.HasPrefix(f[1], prefix) && f[2] == where {
			out = append(out, f[3])
		}
	}
	return out
}
