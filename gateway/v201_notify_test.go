package gateway

import (
	"context"
	"encoding/json"
	"strconv"
	"strings"
	"testing"
	"time"

	volt "github.com/volt-ev/volt"
	"github.com/volt-ev/volt/internal/schematest"
	"github.com/volt-ev/volt/store"
	"github.com/volt-ev/volt/store/storetest"
)

// sendChecked validates a request against its schema, sends it and
// validates the answer.
func (c *charger) sendChecked(s *schematest.Set, action string, payload map[string]any, out any) {
	c.t.Helper()
	b, err := json.Marshal(payload)
	if err != nil {
		c.t.Fatal(err)
	}
	if err := s.Validate(c.t, action+"Request", b); err != nil {
		c.t.Fatalf("test frame %s %s does not match the schema: %v", action, b, err)
	}
	c.callChecked(s, action, payload, out)
}

// TestV2NotificationsStored (issue #13): the 2.x messages a station sends
// after a request (NotifyMonitoringReport, NotifyCustomerInformation,
// NotifyDisplayMessages), NotifyEVChargingSchedule and
// PublishFirmwareStatusNotification are answered per schema and kept as
// sent; ReserveNow, CancelReservation and SendLocalList accepted by a 2.x
// station are kept as on 1.6, and ReservationStatusUpdate Removed and
// Expired end the kept reservation. Frames both ways are validated against
// ../shared/ocpp-schemas, on 2.0.1 and 2.1 and every engine.
func TestV2NotificationsStored(t *testing.T) {
	for _, version := range []string{"2.0.1", "2.1"} {
		t.Run(version, func(t *testing.T) {
			schemas := schematest.Load(t, version)
			storetest.ForEachEngine(t, func(t *testing.T, db *store.DB) { v2Notifications(t, db, schemas, "ocpp"+version) })
		})
	}
}

func v2Notifications(t *testing.T, db *store.DB, schemas *schematest.Set, proto string) {
	ctx := volt.NewContextWithActor(context.Background(), volt.SystemActor)
	creds := onboard(t, ctx, db)
	svc := store.NewChargingService(db)
	h := newHarness(t, func(c *Config) { c.Charging = svc; c.Reservations = svc })
	c := h.connectAs(creds.OCPPIdentity, creds.OCPPPassword, proto, proto)
	c.sendChecked(schemas, "BootNotification", map[string]any{"reason": "PowerUp", "chargingStation": map[string]any{"model": "m", "vendorName": "v"}}, nil)
	if gbr := c.read(); gbr.typ() == 2 {
		c.sendRaw(`[3,` + string(gbr[1]) + `,{"status":"Accepted"}]`)
	}
	now := time.Now().UTC().Format(time.RFC3339)

	monitor := map[string]any{"id": 700, "transaction": false, "value": 22000, "type": "UpperThreshold", "severity": 4}
	if proto == "ocpp2.1" {
		monitor["eventNotificationType"] = "CustomMonitor" // required from 2.1 on
	}
	c.sendChecked(schemas, "NotifyMonitoringReport", map[string]any{"requestId": 10, "seqNo": 0, "generatedAt": now, "tbc": false,
		"monitor": []any{map[string]any{"component": map[string]any{"name": "EVSE", "evse": map[string]any{"id": 1}}, "variable": map[string]any{"name": "Power"},
			"variableMonitoring": []any{monitor}}}}, nil)
	c.sendChecked(schemas, "NotifyCustomerInformation", map[string]any{"requestId": 11, "seqNo": 0, "generatedAt": now, "data": "idToken 04A2B3C4: 3 transactions"}, nil)
	c.sendChecked(schemas, "NotifyDisplayMessages", map[string]any{"requestId": 12, "messageInfo": []any{map[string]any{"id": 4, "priority": "NormalCycle",
		"message": map[string]any{"format": "UTF8", "content": "0.45 GBP/kWh"}}}}, nil)
	var sched struct{ Status string }
	c.sendChecked(schemas, "NotifyEVChargingSchedule", map[string]any{"timeBase": now, "evseId": 2, "chargingSchedule": map[string]any{"id": 1, "chargingRateUnit": "W",
		"chargingSchedulePeriod": []any{map[string]any{"startPeriod": 0, "limit": 7400}}}}, &sched)
	if sched.Status != "Accepted" {
		t.Fatalf("NotifyEVChargingSchedule answered %q", sched.Status)
	}
	c.sendChecked(schemas, "PublishFirmwareStatusNotification", map[string]any{"status": "Published", "requestId": 13, "location": []any{"http://10.0.0.5/fw.bin"}}, nil)

	for kind, want := range map[string]string{
		volt.ReportMonitoring:          `"id":700`,
		volt.ReportCustomerInformation: `3 transactions`,
		volt.ReportDisplayMessages:     `0.45 GBP/kWh`,
		volt.ReportEVChargingSchedule:  `"limit":7400`,
		volt.ReportFirmwarePublication: `http://10.0.0.5/fw.bin`,
	} {
		got, err := svc.FindChargingReports(ctx, creds.CPID, kind, 0)
		if err != nil || len(got) != 1 || !strings.Contains(string(got[0].Payload), want) {
			t.Fatalf("%s reports %+v %v, want one containing %s", kind, got, err, want)
		}
	}
	if got, _ := svc.FindChargingReports(ctx, creds.CPID, volt.ReportEVChargingSchedule, 0); got[0].EVSEID != 2 {
		t.Errorf("EV charging schedule of EVSE %d, want 2", got[0].EVSEID)
	}
	if got, _ := svc.FindChargingReports(ctx, creds.CPID, volt.ReportMonitoring, 0); got[0].RequestID == nil || *got[0].RequestID != 10 {
		t.Errorf("monitoring report of request %v, want 10", got[0].RequestID)
	}

	// Reservations: what the station accepted is kept; it ends them itself.
	expiry := time.Now().Add(time.Hour).UTC().Format(time.RFC3339)
	reserve := func(id int, status string) {
		req := `{"id":` + strconv.Itoa(id) + `,"expiryDateTime":"` + expiry + `","idToken":{"idToken":"04A2B3C4","type":"ISO14443"},"evseId":1,"groupIdToken":{"idToken":"FLEET1","type":"Central"}}`
		if err := schemas.Validate(t, "ReserveNowRequest", []byte(req)); err != nil {
			t.Fatal(err)
		}
		answerCall(t, h, c, creds.CPID, "ReserveNow", req, `{"status":"`+status+`"}`)
	}
	reserve(81, "Accepted")
	reserve(82, "Accepted")
	reserve(83, "Occupied")
	active := func() map[int64]*volt.Reservation {
		t.Helper()
		rsv, err := svc.FindReservations(ctx, creds.CPID, true)
		if err != nil {
			t.Fatal(err)
		}
		m := map[int64]*volt.Reservation{}
		for _, r := range rsv {
			m[r.ID] = r
		}
		return m
	}
	if a := active(); len(a) != 2 || a[81] == nil || a[81].ConnectorID != 1 || a[81].IDTag != "04A2B3C4" || a[81].ParentIDTag != "FLEET1" {
		t.Fatalf("active reservations %v, want 81 and 82 (83 was refused)", a)
	}
	c.sendChecked(schemas, "ReservationStatusUpdate", map[string]any{"reservationId": 81, "reservationUpdateStatus": "Removed"}, nil)
	c.sendChecked(schemas, "ReservationStatusUpdate", map[string]any{"reservationId": 82, "reservationUpdateStatus": "Expired"}, nil)
	c.sendChecked(schemas, "ReservationStatusUpdate", map[string]any{"reservationId": 999, "reservationUpdateStatus": "Expired"}, nil) // unknown: answered
	if a := active(); len(a) != 0 {
		t.Fatalf("active reservations after the station ended them: %v", a)
	}
	all, err := svc.FindReservations(ctx, creds.CPID, false)
	if err != nil {
		t.Fatal(err)
	}
	status := map[int64]volt.ReservationStatus{}
	for _, r := range all {
		status[r.ID] = r.Status
	}
	if status[81] != volt.ReservationCancelled || status[82] != volt.ReservationExpired {
		t.Fatalf("reservation statuses %v, want 81 cancelled and 82 expired", status)
	}
	reserve(84, "Accepted")
	answerCall(t, h, c, creds.CPID, "CancelReservation", `{"reservationId":84}`, `{"status":"Accepted"}`)
	if a := active(); len(a) != 0 {
		t.Fatalf("active reservations after CancelReservation: %v", a)
	}

	answerCall(t, h, c, creds.CPID, "SendLocalList", `{"versionNumber":5,"updateType":"Full","localAuthorizationList":[{"idToken":{"idToken":"TAG1","type":"ISO14443"},"idTokenInfo":{"status":"Accepted"}},{"idToken":{"idToken":"TAG2","type":"ISO14443"},"idTokenInfo":{"status":"Blocked","groupIdToken":{"idToken":"G1","type":"Central"}}}]}`, `{"status":"Accepted"}`)
	answerCall(t, h, c, creds.CPID, "SendLocalList", `{"versionNumber":6,"updateType":"Differential","localAuthorizationList":[{"idToken":{"idToken":"TAG1","type":"ISO14443"}}]}`, `{"status":"Accepted"}`)
	answerCall(t, h, c, creds.CPID, "SendLocalList", `{"versionNumber":9,"updateType":"Full"}`, `{"status":"VersionMismatch"}`)
	if v, err := svc.LocalListVersion(ctx, creds.CPID); err != nil || v != 6 {
		t.Fatalf("local list version %d %v, want 6 (9 was refused)", v, err)
	}
	list, err := svc.FindLocalList(ctx, creds.CPID)
	if err != nil || len(list) != 1 || list[0].IDTag != "TAG2" || list[0].Status != volt.AuthBlocked || list[0].ParentIDTag != "G1" {
		t.Fatalf("local list %+v %v, want TAG2 Blocked under G1 only", list, err)
	}
}
