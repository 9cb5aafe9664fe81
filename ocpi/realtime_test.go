package ocpi_test

import (
	"encoding/json"
	"strings"
	"testing"
	"time"

	"github.com/volt-ev/volt"
	"github.com/volt-ev/volt/internal/ocpischema"
	"github.com/volt-ev/volt/ocpi"
	"github.com/volt-ev/volt/store"
	"github.com/volt-ev/volt/store/storetest"
)

// TestRealTimeAuthorization: A's OCPP authorisation of B's tokens in
// whitelist NEVER and ALLOWED asks B in real time (issue 14 item 2), on
// both engines: B answers ALLOWED for its driver's card, the answer is
// reused for the start that follows, a card blocked at B is refused,
// a token B does not know and B down refuse NEVER (no answer) while
// ALLOWED falls back to the stored token. B's answers are validated against the documents.
func TestRealTimeAuthorization(t *testing.T) {
	spec := ocpischema.Load(t)
	for _, eng := range storetest.Engines(t) {
		t.Run(eng.Name, func(t *testing.T) { realTimeAuth(t, spec, eng.Open(t), eng.Open(t)) })
	}
}

func realTimeAuth(t *testing.T, spec *ocpischema.Spec, dbA, dbB *store.DB) {
	rp := newRoamingPair(t, spec, dbA, dbB)
	A, B, pB, cpids := rp.A, rp.B, rp.pB, rp.cpids
	cpid := cpids[0]
	reg := rp.reg
	users := store.NewUserService(dbB)
	driver := &volt.User{Email: "bea@b.example", Name: "Bea", CPOID: B.cpo}
	must(t, users.CreateUser(sys(), driver, ""))
	card := &volt.RFIDCard{UID: "04D0D0D0", UserID: driver.ID}
	must(t, users.CreateRFIDCard(sys(), card))

	push := func(uid, whitelist string) { // B's token at A, as B's sync would send it
		t.Helper()
		tok := map[string]any{"country_code": "GB", "party_id": "BBB", "uid": uid, "type": "RFID", "contract_id": "GB-BBB-C" + uid,
			"issuer": "B Drive", "valid": true, "whitelist": whitelist, "last_updated": ocpi.DateTime(time.Now())}
		if st, _, env := call(t, "PUT", A.http.URL+"/ocpi/cpo/2.2.1/tokens/GB/BBB/"+uid+"?type=RFID", reg.TheirToken, tok); st != 200 {
			t.Fatalf("token PUT: %d %v", st, env)
		}
	}
	fresh := func() { A.charging.RealTime = &ocpi.RealTimeAuth{Server: A.srv, Timeout: 2 * time.Second} } // an empty cache
	authorize := func(uid string, want volt.AuthStatus, reason string) {
		t.Helper()
		res, err := A.charging.AuthorizeIDTag(sys(), cpid, uid)
		must(t, err)
		if res.Status != want || !strings.Contains(res.Reason, reason) {
			t.Errorf("authorize %s: %s %q, want %s with %q", uid, res.Status, res.Reason, want, reason)
		}
	}

	// B's tokens sender: A pulls the driver's card, by last change.
	var list []map[string]any
	st, hdr, env := call(t, "GET", B.http.URL+"/ocpi/emsp/2.2.1/tokens?limit=10", aOf(t, A, pB.ID), nil)
	if raw, _ := json.Marshal(env["data"]); st != 200 || json.Unmarshal(raw, &list) != nil || len(list) != 1 ||
		list[0]["uid"] != "04D0D0D0" || list[0]["valid"] != true || hdr.Get("X-Total-Count") != "1" {
		t.Errorf("B's tokens: %d %v", st, env)
	}
	if st, _, env := call(t, "GET", B.http.URL+"/ocpi/emsp/2.2.1/tokens?date_from="+ocpi.DateTime(time.Now().Add(time.Hour)), aOf(t, A, pB.ID), nil); st != 200 || len(env["data"].([]any)) != 0 {
		t.Errorf("B's tokens changed from an hour ahead: %d %v", st, env)
	}

	push("04D0D0D0", "NEVER")
	authorize("04D0D0D0", volt.AuthInvalid, "needs real-time authorisation") // no RealTime: refused, as before
	fresh()
	before := B.exchanges
	authorize("04D0D0D0", volt.AuthAccepted, "roaming token of B Drive")
	if B.exchanges != before+1 {
		t.Fatalf("B was asked %d times, want once", B.exchanges-before)
	}
	authorize("04d0d0d0", volt.AuthAccepted, "roaming token") // the start that follows: the cached answer
	if B.exchanges != before+1 {
		t.Errorf("the cached answer was asked again (%d exchanges)", B.exchanges-before)
	}

	card.Blocked = true
	must(t, users.UpdateRFIDCard(sys(), card))
	fresh()
	authorize("04D0D0D0", volt.AuthBlocked, "blocked (real-time)")

	push("04E0E0E0", "NEVER") // a token B does not know (404, 2004): no answer
	authorize("04E0E0E0", volt.AuthInvalid, "did not answer")

	// B down: NEVER is refused within the deadline, ALLOWED falls back to
	// the stored token.
	B.down.Store(true)
	fresh()
	A.charging.RealTime.(*ocpi.RealTimeAuth).Timeout = 300 * time.Millisecond
	authorize("04D0D0D0", volt.AuthInvalid, "did not answer")
	push("04F0F0F0", "ALLOWED")
	authorize("04F0F0F0", volt.AuthAccepted, "roaming token of B Drive")
	B.down.Store(false)
}

// aOf is the token A calls its eMSP partner with.
func aOf(t *testing.T, A *volt1, partnerID string) string {
	t.Helper()
	p, err := A.store.FindOCPIPartnerByID(A.admin, partnerID)
	must(t, err)
	return p.TheirToken
}
