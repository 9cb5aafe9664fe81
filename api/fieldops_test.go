package api

import (
	"bytes"
	"encoding/json"
	"fmt"
	"strings"
	"testing"

	"github.com/volt-ev/volt"
)

// TestInvitationAPI is issue 16 items 1-2 through the API: a CPO admin
// invites an owner; the link registers once; the new account gets 403
// onboarding_incomplete everywhere but the holding area until its complete
// onboarding is approved by the CPO; revoked links register nothing.
func TestInvitationAPI(t *testing.T) {
	forEachEnv(t, func(t *testing.T, e *env) {
		admin := e.tokens["A/cpo-admin"]
		if st, got := e.do("POST", "/api/v1/invitations", `{"kind":"cpo","email":"newcpo@x.example"}`, admin); st != 403 {
			t.Errorf("CPO admin invites a CPO: %d %s", st, got)
		}
		if st, got := e.do("POST", "/api/v1/invitations", `{"kind":"cpo","email":"newcpo@x.example","prefill":{"organisationName":"Volta"}}`, e.tokens["super"]); st != 201 ||
			!strings.Contains(string(got), `"kind":"cpo"`) {
			t.Errorf("super admin invites a CPO: %d %s", st, got)
		}
		st, got := e.do("POST", "/api/v1/invitations", fmt.Sprintf(`{"kind":"owner","cpoId":%q,"email":"flo@owner.example"}`, e.A.CPO), admin)
		if st != 201 || jsonField(t, got, "state") != "pending" {
			t.Fatalf("invite an owner: %d %s", st, got)
		}
		url := jsonField(t, got, "url")
		_, token, ok := strings.Cut(url, "/admin/invite/")
		if !ok || !strings.HasPrefix(url, "http") {
			t.Fatalf("invitation url %q", url)
		}
		reg := fmt.Sprintf(`{"token":%q,"name":"Flo","password":%q,"organisationName":"Flo Parking"}`, token, testPassword)
		if st, got := e.do("POST", "/api/v1/registrations", reg, ""); st != 201 || !strings.Contains(string(got), `"email":"flo@owner.example"`) {
			t.Fatalf("register: %d %s", st, got)
		}
		if st, got := e.do("POST", "/api/v1/registrations", reg, ""); st != 422 || !strings.Contains(string(got), "already been used") {
			t.Errorf("register twice: %d %s", st, got)
		}
		flo := e.login(t, "flo@owner.example")
		for _, p := range []string{"/api/v1/chargers", "/api/v1/sites", "/api/v1/owners", "/api/v1/invitations"} {
			st, got := e.do("GET", p, "", flo)
			if st != 403 || errorShape(t, got).Code != volt.EONBOARDING {
				t.Errorf("held account GET %s: %d %s", p, st, got)
			}
		}
		if st, got := e.do("GET", "/api/v1/onboarding", "", flo); st != 200 || jsonField(t, got, "companyName") != "Flo Parking" {
			t.Fatalf("holding area: %d %s", st, got)
		}
		form, _ := json.Marshal(completeOnboarding("Flo Parking"))
		var m map[string]any
		_ = json.Unmarshal(form, &m)
		m["submit"] = true
		for _, k := range []string{"id", "invitationId", "kind", "cpoId", "userId", "invitedBy", "status", "createdAt", "updatedAt"} {
			delete(m, k)
		}
		m["vatNumber"] = ""
		body, _ := json.Marshal(m)
		if st, got := e.do("PUT", "/api/v1/onboarding", string(body), flo); st != 400 || errorShape(t, got).Field != "vatNumber" {
			t.Errorf("submit without VAT number: %d %s", st, got)
		}
		m["vatNumber"] = "GB999"
		body, _ = json.Marshal(m)
		st, got = e.do("PUT", "/api/v1/onboarding", string(body), flo)
		if st != 200 || jsonField(t, got, "status") != "submitted" {
			t.Fatalf("submit: %d %s", st, got)
		}
		onb, site := jsonField(t, got, "id"), jsonField(t, got, "firstSiteId")
		if st, got := e.do("GET", "/api/v1/chargers", "", flo); st != 403 {
			t.Errorf("submitted, not approved: %d %s", st, got)
		}
		if st, got := e.do("POST", "/api/v1/onboardings/"+onb+"/approve", "", e.tokens["B/cpo-admin"]); st != 404 {
			t.Errorf("B approves A's onboarding: %d %s", st, got)
		}
		if st, got := e.do("POST", "/api/v1/onboardings/"+onb+"/approve", "", e.tokens["A/cpo-staff"]); st != 403 {
			t.Errorf("staff approves: %d %s", st, got)
		}
		if st, got := e.do("POST", "/api/v1/onboardings/"+onb+"/approve", "", admin); st != 200 || jsonField(t, got, "status") != "approved" {
			t.Fatalf("approve: %d %s", st, got)
		}
		if st, got := e.do("GET", "/api/v1/sites", "", flo); st != 200 || !strings.Contains(string(got), site) {
			t.Errorf("approved account's sites: %d %s", st, got)
		}

		// A revoked link registers nothing.
		_, got = e.do("POST", "/api/v1/invitations", fmt.Sprintf(`{"kind":"owner","cpoId":%q,"email":"late@owner.example"}`, e.A.CPO), admin)
		id, url := jsonField(t, got, "id"), jsonField(t, got, "url")
		if st, got := e.do("POST", "/api/v1/invitations/"+id+"/revoke", "", admin); st != 200 || jsonField(t, got, "state") != "revoked" {
			t.Fatalf("revoke: %d %s", st, got)
		}
		_, token, _ = strings.Cut(url, "/admin/invite/")
		reg = fmt.Sprintf(`{"token":%q,"name":"Late","password":%q,"organisationName":"Late Ltd"}`, token, testPassword)
		if st, got := e.do("POST", "/api/v1/registrations", reg, ""); st != 422 || !strings.Contains(string(got), "withdrawn") {
			t.Errorf("register with a revoked link: %d %s", st, got)
		}
		if st, _ := e.do("POST", "/api/v1/auth/token", `{"email":"late@owner.example","password":"`+testPassword+`"}`, ""); st != 401 {
			t.Errorf("the revoked link made an account: %d", st)
		}
		if st, got := e.do("GET", "/api/v1/invitations?state=used", "", admin); st != 200 || !strings.Contains(string(got), "flo@owner.example") ||
			strings.Contains(string(got), "late@") {
			t.Errorf("used invitations: %d %s", st, got)
		}
	})
}

// TestInstallJobAPI is issue 16 item 3 through the API: an engineer sees
// only its job, moves it, uploads photos (refused ones are not stored),
// commissions it and then commands its charger and no other.
func TestInstallJobAPI(t *testing.T) {
	forEachEnv(t, func(t *testing.T, e *env) {
		fitter := e.login(t, "fitter@a.example")
		if st, got := e.do("GET", "/api/v1/install-jobs", "", fitter); st != 200 || !strings.Contains(string(got), `"total":1`) ||
			!strings.Contains(string(got), e.A.Job) {
			t.Fatalf("fitter's jobs: %d %s", st, got)
		}
		if st, got := e.do("GET", "/api/v1/install-jobs/"+e.B.Job, "", fitter); st != 404 {
			t.Errorf("fitter reads B's job: %d %s", st, got)
		}
		if st, got := e.do("GET", "/api/v1/chargers", "", fitter); st != 200 || !strings.Contains(string(got), `"total":0`) {
			t.Errorf("fitter's chargers before commissioning: %d %s", st, got)
		}
		job := "/api/v1/install-jobs/" + e.A.Job
		if st, got := e.do("POST", job+"/commission", "", fitter); st != 422 {
			t.Errorf("commission a requested job: %d %s", st, got)
		}
		for _, s := range []string{"scheduled", "inProgress"} {
			if st, got := e.do("PUT", job+"/status", `{"status":"`+s+`"}`, fitter); st != 200 {
				t.Fatalf("status %s: %d %s", s, st, got)
			}
		}
		if st, got := e.doH("POST", job+"/photos", "<svg onload=alert(1)>", fitter, "Content-Type: image/png"); st != 400 || errorShape(t, got).Field != "photo" {
			t.Errorf("an SVG posing as a PNG: %d %s", st, got)
		}
		huge := string(append([]byte{0xFF, 0xD8, 0xFF}, bytes.Repeat([]byte{0}, volt.MaxPhotoBytes)...))
		if st, got := e.doH("POST", job+"/photos", huge, fitter, "Content-Type: image/jpeg"); st != 413 && st != 400 {
			t.Errorf("a photo over the limit: %d %.200s", st, got)
		}
		jpeg := "\xFF\xD8\xFF\xE0 a jpeg"
		st, got := e.doH("POST", job+"/photos?caption=Consumer+unit", jpeg, fitter, "Content-Type: image/jpeg")
		if st != 201 || jsonField(t, got, "contentType") != "image/jpeg" {
			t.Fatalf("upload: %d %s", st, got)
		}
		photo := jsonField(t, got, "id")
		if st, got := e.do("GET", job+"/photos/"+photo, "", fitter); st != 200 || string(got) != jpeg {
			t.Errorf("photo back: %d %q", st, got)
		}
		if st, got := e.do("GET", job, "", e.tokens["A/owner-admin"]); st != 200 || strings.Count(string(got), `"contentType"`) != 2 {
			t.Errorf("job's photos (fixture's and one upload): %d %s", st, got)
		}
		st, got = e.do("POST", job+"/commission", "", fitter)
		if st != 200 || !strings.Contains(string(got), `"ocppPassword":"`) {
			t.Fatalf("commission: %d %s", st, got)
		}
		var c Commissioning
		must(t, json.Unmarshal(got, &c))
		cpid := c.Chargers[0].CPID
		if st, got := e.do("GET", "/api/v1/chargers/"+cpid, "", fitter); st != 200 || !strings.Contains(string(got), `"chargerGroupId":"`+e.A.Group+`"`) {
			t.Errorf("fitter reads the commissioned charger: %d %s", st, got)
		}
		if st, got := e.do("POST", "/api/v1/chargers/"+cpid+"/commands/reset", `{"type":"Soft"}`, fitter); st != 200 {
			t.Errorf("fitter resets its job's charger: %d %s", st, got)
		}
		if st, got := e.do("POST", "/api/v1/chargers/"+e.A.CPID+"/commands/reset", `{"type":"Soft"}`, fitter); st != 404 {
			t.Errorf("fitter resets another charger: %d %s", st, got)
		}
		if st, got := e.do("PATCH", job, `{"externalRef":"moved by the fitter"}`, fitter); st != 403 {
			t.Errorf("fitter changes the plan: %d %s", st, got)
		}
		if st, got := e.do("PATCH", job, `{"checklist":[{"label":"Survey","done":true}]}`, fitter); st != 200 || !strings.Contains(string(got), `"done":true`) {
			t.Errorf("fitter ticks the checklist: %d %s", st, got)
		}
		if st, got := e.do("PUT", job+"/status", `{"status":"signedOff"}`, fitter); st != 403 {
			t.Errorf("fitter signs off: %d %s", st, got)
		}
		if st, got := e.do("PUT", job+"/status", `{"status":"signedOff"}`, e.tokens["A/owner-admin"]); st != 200 {
			t.Errorf("owner signs off: %d %s", st, got)
		}
		if st, got := e.do("GET", "/api/v1/chargers/"+cpid, "", fitter); st != 404 {
			t.Errorf("fitter after sign-off: %d %s", st, got)
		}
	})
}
