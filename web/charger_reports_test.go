package web

import (
	"context"
	"encoding/json"
	"strings"
	"testing"
	"time"

	volt "github.com/volt-ev/volt"
	"github.com/volt-ev/volt/store/storetest"
)

// TestChargerPageShowsReports (issue #13): the page of an OCPP 2.x charger
// shows the reports it sent, newest first, with their content, a 2.1
// station's cost that differs from Volt's flagged; a 1.6
// charger's page has no such section.
func TestChargerPageShowsReports(t *testing.T) {
	f := newFixture(t, storetest.SQLite(t))
	creds := f.onboard(2)
	sys := volt.NewContextWithActor(context.Background(), volt.SystemActor)
	c := f.client()
	c.login("admin@spark.test")
	if err := f.charging.RecordChargingReport(sys, &volt.ChargingReport{CPID: creds.CPID, EVSEID: 2, Kind: volt.ReportEVChargingNeeds,
		Payload: json.RawMessage(`{"evseId":2,"chargingNeeds":{"requestedEnergyTransfer":"AC_three_phase"}}`), ReceivedAt: time.Now().Add(-time.Minute)}); err != nil {
		t.Fatal(err)
	}
	page := c.get("/admin/chargers/" + creds.CPID)
	if strings.Contains(page.body, "Reports from the charger") {
		t.Fatal("a 1.6 charger's page shows 2.x reports")
	}
	if err := f.charging.RecordConnection(sys, creds.CPID, true, "ocpp2.0.1", time.Now()); err != nil {
		t.Fatal(err)
	}
	id := 12
	if err := f.charging.RecordChargingReport(sys, &volt.ChargingReport{CPID: creds.CPID, Kind: volt.ReportMonitoring, RequestID: &id,
		Payload: json.RawMessage(`{"requestId":12,"monitor":[{"component":{"name":"EVSE"},"variable":{"name":"Power"}}]}`), ReceivedAt: time.Now()}); err != nil {
		t.Fatal(err)
	}
	if err := f.charging.RecordChargingReport(sys, &volt.ChargingReport{CPID: creds.CPID, Kind: volt.ReportCostDetails,
		Payload: json.RawMessage(`{"transactionId":"t1","costDetails":{},"voltTotalCost":4.56,"mismatch":true}`), ReceivedAt: time.Now().Add(-2 * time.Minute)}); err != nil {
		t.Fatal(err)
	}
	page = c.get("/admin/chargers/" + creds.CPID)
	wantContains(t, "charger page", page.body, "Reports from the charger", "The latest 3 of 3 reports", "The station&#39;s cost differs from Volt&#39;s; Volt&#39;s stands.", "NotifyMonitoringReport",
		"NotifyEVChargingNeeds", "<td>12</td>", "AC_three_phase", "/api/v1/chargers/"+creds.CPID+"/charging-reports")
	if strings.Index(page.body, "NotifyMonitoringReport") > strings.Index(page.body, "NotifyEVChargingNeeds") {
		t.Error("reports are not newest first")
	}
}
