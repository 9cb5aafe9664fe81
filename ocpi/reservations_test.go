package ocpi_test

import (
	"context"
	"encoding/json"
	"fmt"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/volt-ev/volt"
	"github.com/volt-ev/volt/internal/ocpischema"
	"github.com/volt-ev/volt/store"
	"github.com/volt-ev/volt/store/storetest"
)

// scriptedCharger answers OCPP commands with the status set for the
// charger (Accepted when none), or never ("block": until the caller's
// deadline), and records every call.
type scriptedCharger struct {
	mu     sync.Mutex
	calls  []string
	answer map[string]string
}

func (f *scriptedCharger) Call(ctx context.Context, cpid, action string, req any) (json.RawMessage, error) {
	b, _ := json.Marshal(req)
	f.mu.Lock()
	f.calls = append(f.calls, cpid+" "+action+" "+string(b))
	status := f.answer[cpid]
	f.mu.Unlock()
	switch status {
	case "block":
		<-ctx.Done()
		return nil, volt.Errorf(volt.ETIMEOUT, "%s did not answer %s", cpid, action)
	case "":
		status = "Accepted"
	}
	return json.RawMessage(`{"status":"` + status + `"}`), nil
}

func (f *scriptedCharger) set(cpid, status string) {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.answer[cpid] = status
}

func (f *scriptedCharger) last() string {
	f.mu.Lock()
	defer f.mu.Unlock()
	if len(f.calls) == 0 {
		return ""
	}
	return f.calls[len(f.calls)-1]
}

// connect registers emsp (an eMSP party) with cpo over real HTTP and
// returns cpo's partner record of emsp, emsp's of cpo and the token emsp
// calls cpo with.
func connect(t *testing.T, cpo, emsp *volt1, cc, pid string) (ofEMSP, ofCPO *volt.OCPIPartner, token string) {
	t.Helper()
	ofEMSP = &volt.OCPIPartner{CPOID: cpo.cpo, Name: "eMSP " + pid, CountryCode: cc, PartyID: pid, Role: volt.OCPIRoleEMSP}
	tokenA, err := cpo.store.CreateOCPIPartner(cpo.admin, ofEMSP)
	must(t, err)
	party, err := cpo.store.FindOCPIParty(cpo.admin, cpo.cpo)
	must(t, err)
	ofCPO = &volt.OCPIPartner{CPOID: emsp.cpo, Name: "CPO " + party.PartyID, CountryCode: party.CountryCode, PartyID: party.PartyID, Role: volt.OCPIRoleCPO}
	_, err = emsp.store.CreateOCPIPartner(emsp.admin, ofCPO)
	must(t, err)
	got, err := emsp.srv.RegisterWithPartner(emsp.admin, ofCPO.ID, cpo.http.URL+"/ocpi/versions", tokenA)
	must(t, err)
	if got.Status != volt.OCPIConnected {
		t.Fatalf("handshake of %s: %+v", pid, got)
	}
	return ofEMSP, got, got.TheirToken
}

// commandResult waits for the CommandResult of command uid at the eMSP.
func commandResult(t *testing.T, emsp *volt1, partnerID, uid string) string {
	t.Helper()
	for deadline := time.Now().Add(10 * time.Second); ; time.Sleep(10 * time.Millisecond) { // polling the asynchronous result
		raw, err := emsp.store.FindPartnerObject(sys(), partnerID, "commands", uid)
		if err == nil {
			var o struct{ Result string }
			must(t, json.Unmarshal(raw, &o))
			return o.Result
		}
		if !volt.IsCode(err, volt.ENOTFOUND) {
			t.Fatal(err)
		}
		if time.Now().After(deadline) {
			t.Fatalf("no CommandResult %s at the eMSP after 10 s", uid)
		}
	}
}

// TestReservationCommands: an eMSP reserves an EVSE of Volt's and cancels
// it (OCPI RESERVE_NOW, CANCEL_RESERVATION): an immediate CommandResponse,
// OCPP ReserveNow/CancelReservation to the charger, the reservation kept
// as the charger accepted it, the charger's answer posted to response_url
// (or TIMEOUT), a replacement under the same reservation_id, and bad
// input; another eMSP cannot cancel it. Every exchange is validated
// against the OCPI documents.
func TestReservationCommands(t *testing.T) {
	spec := ocpischema.Load(t)
	for _, eng := range storetest.Engines(t) {
		t.Run(eng.Name, func(t *testing.T) { reservations(t, spec, eng.Open(t), eng.Open(t)) })
	}
}

func reservations(t *testing.T, spec *ocpischema.Spec, dbA, dbB *store.DB) {
	A := newVolt(t, dbA, spec, "A Power", "GB", "AAA")
	B := newVolt(t, dbB, spec, "B Drive", "GB", "BBB")
	C := newVolt(t, dbB, spec, "C Drive", "GB", "CCC") // another eMSP
	charger := &scriptedCharger{answer: map[string]string{}}
	A.srv.Commander, A.srv.Reservations, A.srv.CommandTimeout = charger, A.charging, 300*time.Millisecond
	siteA, cpids := A.site(t, A.cpo, "Mayfair", false, 3)
	_, pA, tokB := connect(t, A, B, "GB", "BBB")
	_, pAofC, tokC := connect(t, A, C, "GB", "CCC")

	url := A.http.URL + "/ocpi/cpo/2.2.1/commands/"
	respURL := func(v *volt1, cmd, uid string) string {
		return v.http.URL + "/ocpi/emsp/2.2.1/commands/" + cmd + "/" + uid
	}
	token := map[string]any{"country_code": "GB", "party_id": "BBB", "uid": "04B0B0B0", "type": "RFID", "contract_id": "GB-BBB-C12345678",
		"issuer": "B Drive", "valid": true, "whitelist": "ALLOWED", "last_updated": "2026-01-01T00:00:00Z"}
	expiry := time.Now().Add(30 * time.Minute).UTC().Truncate(time.Second)
	reserve := func(uid, resID, loc, evse string, until time.Time) (int, map[string]any) {
		t.Helper()
		body := map[string]any{"response_url": respURL(B, "RESERVE_NOW", uid), "token": token, "expiry_date": until.Format(time.RFC3339),
			"reservation_id": resID, "location_id": loc}
		if evse != "" {
			body["evse_uid"] = evse
		}
		st, _, env := call(t, "POST", url+"RESERVE_NOW", tokB, body)
		return st, env
	}
	result := func(env map[string]any) string {
		d, _ := env["data"].(map[string]any)
		r, _ := d["result"].(string)
		return r
	}
	active := func(cpid string) []*volt.Reservation {
		rs, err := A.charging.FindReservations(sys(), cpid, true)
		must(t, err)
		return rs
	}

	// Reserve: ACCEPTED at once, ReserveNow to the charger, its Accepted
	// posted to B and the reservation kept; the token authorises at A.
	st, env := reserve("r1", "res-1", siteA, cpids[0]+"-1", expiry)
	if st != 200 || result(env) != "ACCEPTED" || env["data"].(map[string]any)["timeout"].(float64) < 1 {
		t.Fatalf("RESERVE_NOW: %d %v", st, env)
	}
	if r := commandResult(t, B, pA.ID, "r1"); r != "ACCEPTED" {
		t.Errorf("RESERVE_NOW result %s", r)
	}
	rs := active(cpids[0])
	if len(rs) != 1 || rs[0].IDTag != "04B0B0B0" || rs[0].ConnectorID != 1 || !rs[0].ExpiresAt.Equal(expiry) {
		t.Fatalf("reservations kept on %s: %+v", cpids[0], rs)
	}
	ocppID := rs[0].ID
	want := fmt.Sprintf(`%s ReserveNow {"connectorId":1,"expiryDate":"%s","idTag":"04B0B0B0","reservationId":%d}`, cpids[0], expiry.Format(time.RFC3339), ocppID)
	if got := charger.last(); got != want {
		t.Errorf("charger call %s, want %s", got, want)
	}
	if res, _ := A.charging.AuthorizeIDTag(sys(), cpids[0], "04B0B0B0"); res.Status != volt.AuthAccepted {
		t.Errorf("the reserving token at A: %+v", res)
	}

	// The same reservation_id again replaces it: the same OCPP id, the new expiry.
	later := expiry.Add(15 * time.Minute)
	if st, env := reserve("r2", "res-1", siteA, cpids[0]+"-1", later); st != 200 || result(env) != "ACCEPTED" {
		t.Fatalf("RESERVE_NOW replacing: %d %v", st, env)
	}
	if r := commandResult(t, B, pA.ID, "r2"); r != "ACCEPTED" {
		t.Errorf("replacing result %s", r)
	}
	if rs := active(cpids[0]); len(rs) != 1 || rs[0].ID != ocppID || !rs[0].ExpiresAt.Equal(later) {
		t.Errorf("replaced reservation %+v, want id %d until %s", rs, ocppID, later)
	}
	// ... but not on another charger while it holds this one.
	if st, env := reserve("r3", "res-1", siteA, cpids[1]+"-1", later); st != 200 || result(env) != "REJECTED" {
		t.Errorf("RESERVE_NOW moving a reservation: %d %v", st, env)
	}

	// The charger's own refusals reach B as their OCPI results; a charger
	// that never answers is TIMEOUT. Nothing is kept.
	charger.set(cpids[1], "Occupied")
	if st, env := reserve("r4", "res-2", siteA, cpids[1]+"-1", expiry); st != 200 || result(env) != "ACCEPTED" {
		t.Fatalf("RESERVE_NOW on an occupied EVSE: %d %v", st, env)
	}
	if r := commandResult(t, B, pA.ID, "r4"); r != "EVSE_OCCUPIED" {
		t.Errorf("occupied result %s", r)
	}
	charger.set(cpids[2], "block")
	if st, env := reserve("r5", "res-3", siteA, cpids[2]+"-1", expiry); st != 200 || result(env) != "ACCEPTED" {
		t.Fatalf("RESERVE_NOW on a silent charger: %d %v", st, env)
	}
	if r := commandResult(t, B, pA.ID, "r5"); r != "TIMEOUT" {
		t.Errorf("silent charger result %s", r)
	}
	if n := len(active(cpids[1])) + len(active(cpids[2])); n != 0 {
		t.Errorf("%d reservations kept that no charger accepted", n)
	}

	// Bad input.
	if st, env := reserve("x", "res-9", "loc_nope", "", expiry); st != 404 || code(env) != 2003 {
		t.Errorf("unknown location: %d %v", st, env)
	}
	if st, env := reserve("x", "res-9", siteA, cpids[0]+"-9", expiry); st != 404 || code(env) != 2003 {
		t.Errorf("unknown EVSE: %d %v", st, env)
	}
	if st, env := reserve("x", "res-9", siteA, cpids[0]+"-1", time.Now().Add(-time.Minute)); st != 200 || result(env) != "REJECTED" {
		t.Errorf("expired expiry_date: %d %v", st, env)
	}
	if st, _, env := call(t, "POST", url+"RESERVE_NOW", tokB, map[string]any{"response_url": respURL(B, "RESERVE_NOW", "x"),
		"token": token, "expiry_date": "tomorrow", "reservation_id": "res-9", "location_id": siteA}); st != 400 || code(env) != 2001 {
		t.Errorf("malformed expiry_date: %d %v", st, env)
	}
	if st, _, env := call(t, "POST", url+"RESERVE_NOW", tokB, map[string]any{"response_url": respURL(B, "RESERVE_NOW", "x"),
		"token": token, "expiry_date": expiry.Format(time.RFC3339), "location_id": siteA}); st != 400 || code(env) != 2001 {
		t.Errorf("no reservation_id: %d %v", st, env)
	}
	if st, _, env := call(t, "POST", url+"CANCEL_RESERVATION", tokB, map[string]any{"response_url": respURL(B, "CANCEL_RESERVATION", "x"),
		"reservation_id": "res-unknown"}); st != 200 || result(env) != "REJECTED" {
		t.Errorf("cancelling an unknown reservation: %d %v", st, env)
	}
	// Another eMSP does not know B's reservation ids.
	if st, _, env := call(t, "POST", url+"CANCEL_RESERVATION", tokC, map[string]any{"response_url": respURL(C, "CANCEL_RESERVATION", "c1"),
		"reservation_id": "res-1"}); st != 200 || result(env) != "REJECTED" {
		t.Errorf("another eMSP cancelling B's reservation: %d %v", st, env)
	}
	if len(active(cpids[0])) != 1 {
		t.Fatal("another eMSP's cancel touched B's reservation")
	}
	_ = pAofC

	// Cancel: CancelReservation with the OCPP id, the reservation ends;
	// a second cancel is REJECTED.
	if st, _, env := call(t, "POST", url+"CANCEL_RESERVATION", tokB, map[string]any{"response_url": respURL(B, "CANCEL_RESERVATION", "k1"),
		"reservation_id": "res-1"}); st != 200 || result(env) != "ACCEPTED" {
		t.Fatalf("CANCEL_RESERVATION: %d %v", st, env)
	}
	if r := commandResult(t, B, pA.ID, "k1"); r != "ACCEPTED" {
		t.Errorf("cancel result %s", r)
	}
	if got, want := charger.last(), fmt.Sprintf(`%s CancelReservation {"reservationId":%d}`, cpids[0], ocppID); got != want {
		t.Errorf("charger call %s, want %s", got, want)
	}
	if rs := active(cpids[0]); len(rs) != 0 {
		t.Errorf("reservation still active after the cancel: %+v", rs)
	}
	if st, _, env := call(t, "POST", url+"CANCEL_RESERVATION", tokB, map[string]any{"response_url": respURL(B, "CANCEL_RESERVATION", "k2"),
		"reservation_id": "res-1"}); st != 200 || result(env) != "REJECTED" {
		t.Errorf("cancelling twice: %d %v", st, env)
	}
	// A charger that no longer knows the reservation: UNKNOWN_RESERVATION.
	charger.set(cpids[1], "Rejected")
	if st, _, env := call(t, "POST", url+"CANCEL_RESERVATION", tokB, map[string]any{"response_url": respURL(B, "CANCEL_RESERVATION", "k3"),
		"reservation_id": "res-2"}); st != 200 || result(env) != "ACCEPTED" {
		t.Fatalf("CANCEL_RESERVATION of a refused one: %d %v", st, env)
	}
	if r := commandResult(t, B, pA.ID, "k3"); r != "UNKNOWN_RESERVATION" {
		t.Errorf("cancel refused by the charger: %s", r)
	}
	if !strings.Contains(charger.last(), "CancelReservation") || A.exchanges < 10 {
		t.Errorf("last call %s, %d validated exchanges", charger.last(), A.exchanges)
	}
}
