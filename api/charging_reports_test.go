package api

import (
	"encoding/json"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/volt-ev/volt"
)

// TestChargingReportsAPI (issue #13): GET /chargers/{cpid}/charging-reports
// pages a charger's reports newest first with the total, filters by kind,
// names a bad kind, and answers 404 for another tenant's charger (the
// isolation test covers every role).
func TestChargingReportsAPI(t *testing.T) {
	forEachEnv(t, func(t *testing.T, e *env) {
		svc := e.cfg.Charging.(volt.ChargingReportService)
		base := time.Now().Add(-time.Hour)
		for i, kind := range []string{volt.ReportEVChargingNeeds, volt.ReportMonitoring, volt.ReportEVChargingNeeds} {
			must(t, svc.RecordChargingReport(sys(), &volt.ChargingReport{CPID: e.A.CPID, EVSEID: 2, Kind: kind,
				RequestID: &i, Payload: json.RawMessage(`{"n":` + string(rune('0'+i)) + `}`), ReceivedAt: base.Add(time.Duration(i) * time.Minute)}))
		}
		tok := e.tokens["A/cpo-admin"]
		path := "/api/v1/chargers/" + e.A.CPID + "/charging-reports"
		var page struct {
			Items []volt.ChargingReport
			Total int
		}
		get := func(q string, want int) {
			t.Helper()
			status, body := e.do("GET", path+q, "", tok)
			if status != want {
				t.Fatalf("GET %s: %d %s", path+q, status, body)
			}
			if status == http.StatusOK {
				page.Items, page.Total = nil, 0
				if err := json.Unmarshal(body, &page); err != nil {
					t.Fatal(err)
				}
			} else if !strings.Contains(string(body), "kind") {
				t.Fatalf("GET %s: error does not name the field: %s", path+q, body)
			}
		}
		get("", http.StatusOK) // the env's own NotifyChargingLimit (now) and the three above
		if page.Total != 4 || len(page.Items) != 4 || page.Items[0].Kind != volt.ReportChargingLimit || string(page.Items[1].Payload) != `{"n":2}` {
			t.Fatalf("all reports: %+v", page)
		}
		get("?kind=NotifyEVChargingNeeds&limit=1", http.StatusOK)
		if page.Total != 2 || len(page.Items) != 1 || string(page.Items[0].Payload) != `{"n":2}` {
			t.Fatalf("first page of EV needs: %+v", page)
		}
		get("?kind=NotifyEVChargingNeeds&limit=1&offset=1", http.StatusOK)
		if page.Total != 2 || len(page.Items) != 1 || string(page.Items[0].Payload) != `{"n":0}` || page.Items[0].EVSEID != 2 {
			t.Fatalf("second page of EV needs: %+v", page)
		}
		get("?kind=Sneeze", http.StatusBadRequest)
		for _, kind := range volt.ChargingReportKinds { // the enum knows every kind
			get("?kind="+kind, http.StatusOK)
		}
		if status, body := e.do("GET", "/api/v1/chargers/"+e.B.CPID+"/charging-reports", "", tok); status != http.StatusNotFound {
			t.Fatalf("tenant B's charger as A: %d %s", status, body)
		}
	})
}
