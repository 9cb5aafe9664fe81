package web

import (
	"encoding/json"
	"html"
	"net/http"
	"regexp"
	"strings"
	"testing"
	"time"

	volt "github.com/volt-ev/volt"
	"github.com/volt-ev/volt/ocpi"
	"github.com/volt-ev/volt/store"
	"github.com/volt-ev/volt/store/storetest"
)

// TestOCPIPartnerChargingProfiles: a partner CPO's page lists the
// charging profiles of our drivers' sessions on its chargers (issue 14):
// per session the last request (the profile set in words), the CPO's
// answer, its result (ACCEPTED, awaited, none by its due time) and the
// active profile it pushed; an eMSP partner's page has no such table;
// another CPO's admin does not see the partner (not found).
func TestOCPIPartnerChargingProfiles(t *testing.T) {
	storetest.ForEachEngine(t, func(t *testing.T, db *store.DB) {
		ocpiStore := store.NewOCPIService(db)
		srv := &ocpi.Server{Store: ocpiStore, Partners: ocpiStore}
		f := newFixture(t, db, func(c *AdminConfig) { c.OCPIPartners, c.RoamingProfiles = ocpiStore, srv })
		cpo := &volt.OCPIPartner{CPOID: f.cpo.ID, Name: "Roam CPO", CountryCode: "DE", PartyID: "CPX", Role: volt.OCPIRoleCPO}
		_, err := ocpiStore.CreateOCPIPartner(sysCtx(), cpo)
		must(t, err)
		emsp := &volt.OCPIPartner{CPOID: f.cpo.ID, Name: "Roam eMSP", CountryCode: "DE", PartyID: "EMX", Role: volt.OCPIRoleEMSP}
		_, err = ocpiStore.CreateOCPIPartner(sysCtx(), emsp)
		must(t, err)
		put := func(partner, module, id, raw string) {
			t.Helper()
			_, err := ocpiStore.PutPartnerObject(sysCtx(), partner, module, id, json.RawMessage(raw), time.Now())
			must(t, err)
		}
		now := time.Now().UTC()
		at := func(d time.Duration) string { return now.Add(d).Format(time.RFC3339Nano) }
		// SES-1: a profile set, ACCEPTED, and the CPO's pushed active profile.
		put(cpo.ID, "chargingprofilerequests", "SES-1", `{"session_id":"SES-1","uid":"cpr_1","kind":"set","sent_at":"`+at(-time.Minute)+`","answer":"ACCEPTED","timeout":30,
			"profile":{"charging_rate_unit":"A","duration":3600,"charging_profile_period":[{"start_period":0,"limit":16},{"start_period":900,"limit":8}]}}`)
		put(cpo.ID, "chargingprofiles", "cpr_1", `{"result":"ACCEPTED"}`)
		put(cpo.ID, "activechargingprofiles", "SES-1", `{"start_date_time":"2026-01-01T10:00:00Z","charging_profile":{"charging_rate_unit":"A","charging_profile_period":[{"start_period":0,"limit":12.5}]}}`)
		// SES-2: a read the CPO did not know the session of.
		put(cpo.ID, "chargingprofilerequests", "SES-2", `{"session_id":"SES-2","uid":"cpr_2","kind":"get","sent_at":"`+at(-2*time.Minute)+`","answer":"UNKNOWN_SESSION","timeout":0}`)
		// SES-3: a clear whose result never came; SES-4: one still awaited.
		put(cpo.ID, "chargingprofilerequests", "SES-3", `{"session_id":"SES-3","uid":"cpr_3","kind":"clear","sent_at":"`+at(-time.Hour)+`","answer":"ACCEPTED","timeout":30}`)
		put(cpo.ID, "chargingprofilerequests", "SES-4", `{"session_id":"SES-4","uid":"cpr_4","kind":"set","sent_at":"`+at(-time.Second)+`","answer":"ACCEPTED","timeout":600,
			"profile":{"charging_rate_unit":"W","charging_profile_period":[{"start_period":0,"limit":7400}]}}`)
		// SES-5: a read whose result carried the active profile (none pushed).
		put(cpo.ID, "chargingprofilerequests", "SES-5", `{"session_id":"SES-5","uid":"cpr_5","kind":"get","sent_at":"`+at(-3*time.Hour)+`","answer":"ACCEPTED","timeout":30}`)
		put(cpo.ID, "chargingprofiles", "cpr_5", `{"result":"ACCEPTED","profile":{"start_date_time":"2026-01-02T08:00:00Z",
			"charging_profile":{"charging_rate_unit":"W","charging_profile_period":[{"start_period":0,"limit":11000}]}}}`)

		c := f.client()
		c.login("admin@spark.test")
		a := c.get("/admin/ocpi-partners/" + cpo.ID)
		if a.status != http.StatusOK {
			t.Fatalf("partner page: %d", a.status)
		}
		rows, raw := map[string]string{}, map[string]string{}
		var order []string
		for _, m := range regexp.MustCompile(`(?s)<tr data-session="([^"]+)">(.*?)</tr>`).FindAllStringSubmatch(a.body, -1) {
			text := strings.Join(strings.Fields(html.UnescapeString(regexp.MustCompile(`<[^>]+>`).ReplaceAllString(m[2], " "))), " ")
			rows[m[1]], raw[m[1]], order = text, m[2], append(order, m[1])
		}
		if strings.Join(order, " ") != "SES-4 SES-1 SES-2 SES-3 SES-5" {
			t.Errorf("sessions on the page, newest request first: %v", order)
		}
		for id, want := range map[string][]string{
			"SES-1": {"Set 16 A, then 8 A after 15 min for 1 h", "ACCEPTED ACCEPTED", "12.5 A from 2026-01-01 10:00:00 UTC (pushed)"},
			"SES-2": {"Read the active profile", "UNKNOWN_SESSION —"},
			"SES-3": {"Clear", "ACCEPTED None by " + fmtTime(now.Add(-time.Hour+30*time.Second).Truncate(time.Second))},
			"SES-4": {"Set 7400 W", "ACCEPTED Awaited"},
			"SES-5": {"Read the active profile", "ACCEPTED ACCEPTED", "11000 W from 2026-01-02 08:00:00 UTC (requested)"},
		} {
			for _, w := range want {
				if !strings.Contains(rows[id], w) {
					t.Errorf("row %s lacks %q: %s", id, w, rows[id])
				}
			}
		}
		for id, class := range map[string]string{"SES-1": "st-ok", "SES-2": "st-bad", "SES-3": "st-bad", "SES-4": "st-busy", "SES-5": "st-ok"} {
			if !strings.Contains(raw[id], `<span class="badge `+class+`">`) {
				t.Errorf("row %s's result is not marked %s: %s", id, class, raw[id])
			}
		}
		if a := c.get("/admin/ocpi-partners/" + emsp.ID); a.status != http.StatusOK || strings.Contains(a.body, "ocpi-charging-profiles") {
			t.Errorf("an eMSP partner's page: %d, with the table: %v", a.status, strings.Contains(a.body, "ocpi-charging-profiles"))
		}

		// Another CPO's admin: the partner is not found.
		other := &volt.CPO{Name: "Other Net"}
		must(t, f.hier.CreateCPO(sysCtx(), other))
		theirs := volt.NewContextWithActor(t.Context(), &volt.Actor{UserID: "usr_other", Grants: []volt.Grant{{Role: volt.RoleAdmin, CPOID: other.ID}}})
		if _, err := srv.RoamingProfileStatuses(theirs, cpo.ID, 10); !volt.IsCode(err, volt.ENOTFOUND) {
			t.Errorf("another CPO's admin reads the partner's profiles: %v", err)
		}
	})
}
