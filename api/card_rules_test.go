package api

import (
	"net/http"
	"strings"
	"testing"
)

// TestCardGroupAndSessionsPerCard: a card's group (OCPP parentIdTag) is set
// by PATCH /rfid-cards/{id} by the user's managers only, and a CPO's
// maxConcurrentSessionsPerCard by PATCH /cpos/{id} (issue #10 items 12, 13).
func TestCardGroupAndSessionsPerCard(t *testing.T) {
	forEachEnv(t, func(t *testing.T, e *env) {
		admin, driver := e.tokens["A/cpo-admin"], e.tokens["A/driver"]
		card := Prefix + "/rfid-cards/" + e.A.Card
		st, body := e.do("PATCH", card, `{"groupId":"FLEET-7"}`, admin)
		if st != http.StatusOK || jsonField(t, body, "groupId") != "FLEET-7" {
			t.Fatalf("admin sets groupId: %d %s", st, body)
		}
		auth, err := e.cfg.Charging.AuthorizeIDTag(sys(), e.A.CPID, e.A.CardUID)
		if err != nil || auth.ParentIDTag != "FLEET-7" {
			t.Fatalf("Authorize after the group was set: %+v %v", auth, err)
		}
		if st, body := e.do("PATCH", card, `{"groupId":"MINE"}`, driver); st != http.StatusForbidden {
			t.Errorf("driver changes own card's group: %d %s, want 403", st, body)
		}
		if st, body := e.do("PATCH", card, `{"blocked":true}`, driver); st != http.StatusOK {
			t.Errorf("driver blocks own card: %d %s", st, body)
		}
		if st, body := e.do("PATCH", card, `{"groupId":"way-too-long-for-ocpp-parent"}`, admin); st != http.StatusBadRequest {
			t.Errorf("long groupId: %d %s, want 400", st, body)
		}

		cpo := Prefix + "/cpos/" + e.A.CPO
		st, body = e.do("GET", cpo, "", admin)
		if st != http.StatusOK || !strings.Contains(string(body), `"maxConcurrentSessionsPerCard":1`) {
			t.Fatalf("default sessions per card: %s", body)
		}
		if st, body := e.do("PATCH", cpo, `{"maxConcurrentSessionsPerCard":0}`, admin); st != http.StatusBadRequest {
			t.Errorf("0 sessions per card: %d %s, want 400", st, body)
		}
		st, body = e.do("PATCH", cpo, `{"maxConcurrentSessionsPerCard":3}`, admin)
		if st != http.StatusOK || !strings.Contains(string(body), `"maxConcurrentSessionsPerCard":3`) {
			t.Fatalf("fleet CPO: %d %s", st, body)
		}
	})
}

// TestSendLocalListCarriesCardGroups: the local list sent to a charger gets
// each known card's group as parentIdTag (issue #10 item 13).
func TestSendLocalListCarriesCardGroups(t *testing.T) {
	forEachEnv(t, func(t *testing.T, e *env) {
		admin := e.tokens["A/cpo-admin"]
		e.do("PATCH", Prefix+"/rfid-cards/"+e.A.Card, `{"groupId":"FLEET-9"}`, admin)
		body := `{"listVersion":2,"updateType":"Full","localAuthorizationList":[` +
			`{"idTag":"` + strings.ToLower(e.A.CardUID) + `","idTagInfo":{"status":"Accepted"}},` +
			`{"idTag":"` + e.B.CardUID + `","idTagInfo":{"status":"Accepted"}},` +
			`{"idTag":"KEEP","idTagInfo":{"status":"Accepted","parentIdTag":"OWN"}}]}`
		if st, got := e.do("POST", Prefix+"/chargers/"+e.A.CPID+"/commands/send-local-list", body, admin); st != http.StatusOK {
			t.Fatalf("send-local-list: %d %s", st, got)
		}
		calls := e.cmd.Calls()
		sent := calls[len(calls)-1].Request
		if !strings.Contains(sent, `"parentIdTag":"FLEET-9"`) || !strings.Contains(sent, `"parentIdTag":"OWN"`) {
			t.Fatalf("local list sent %s", sent)
		}
		if strings.Count(sent, "parentIdTag") != 2 {
			t.Fatalf("another tenant's card got a group: %s", sent)
		}
	})
}
