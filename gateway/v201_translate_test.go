package gateway

import (
	"context"
	"encoding/json"
	"strings"
	"testing"

	"github.com/volt-ev/volt/internal/schematest"
)

// TestV2Translates16Bodies: commands with 1.6 bodies reach a 2.0.1 station
// as that version's action with a body valid against its schema (issue
// #13, one command vocabulary).
func TestV2Translates16Bodies(t *testing.T) {
	schemas := schematest.Load(t, "2.0.1")
	h := newHarness(t, nil)
	c := h.connectAs("CP-1", "secret-1", "ocpp2.0.1", "ocpp2.0.1")
	c.callOK("BootNotification", map[string]any{"reason": "PowerUp", "chargingStation": map[string]any{"model": "m", "vendorName": "v"}}, nil)
	if gbr := c.read(); gbr.typ() == 2 {
		c.sendRaw(`[3,` + string(gbr[1]) + `,{"status":"Accepted"}]`)
	}
	cases := []struct {
		action, body, want2x, contains, answer string
	}{
		{"SetChargingProfile", `{"connectorId":1,"csChargingProfiles":{"chargingProfileId":7,"stackLevel":1,"chargingProfilePurpose":"ChargePointMaxProfile",
			"chargingProfileKind":"Absolute","chargingSchedule":{"chargingRateUnit":"A","chargingSchedulePeriod":[{"startPeriod":0,"limit":16,"numberPhases":3}]}}}`,
			"SetChargingProfile", `"chargingProfilePurpose":"ChargingStationMaxProfile"`, `{"status":"Accepted"}`},
		{"ClearChargingProfile", `{"connectorId":1,"chargingProfilePurpose":"TxDefaultProfile"}`,
			"ClearChargingProfile", `"chargingProfileCriteria":{"evseId":1,"chargingProfilePurpose":"TxDefaultProfile"}`, `{"status":"Accepted"}`},
		{"GetCompositeSchedule", `{"connectorId":2,"duration":3600,"chargingRateUnit":"W"}`,
			"GetCompositeSchedule", `"evseId":2`, `{"status":"Rejected"}`},
		{"ReserveNow", `{"connectorId":1,"expiryDate":"2026-12-06T18:00:00Z","idTag":"04A2B3C4","parentIdTag":"G1","reservationId":5}`,
			"ReserveNow", `"groupIdToken":{"idToken":"G1","type":"Central"}`, `{"status":"Accepted"}`},
		{"SendLocalList", `{"listVersion":3,"updateType":"Full","localAuthorizationList":[{"idTag":"04A2B3C4","idTagInfo":{"status":"Accepted","parentIdTag":"G1"}}]}`,
			"SendLocalList", `"versionNumber":3`, `{"status":"Accepted"}`},
		{"UpdateFirmware", `{"location":"https://fw.example.com/1.2.bin","retrieveDate":"2026-12-06T18:00:00Z","retries":2}`,
			"UpdateFirmware", `"firmware":{"location":"https://fw.example.com/1.2.bin"`, `{"status":"Accepted"}`},
	}
	for _, tc := range cases {
		type result struct {
			res json.RawMessage
			err error
		}
		done := make(chan result, 1)
		go func() {
			res, err := h.g.Call(context.Background(), "000001", tc.action, json.RawMessage(tc.body))
			done <- result{res, err}
		}()
		f := c.read()
		if f.typ() != 2 || f.str(2) != tc.want2x || !strings.Contains(string(f[3]), tc.contains) {
			t.Fatalf("%s reached the station as %s, want %s with %s", tc.action, joinFrame(f), tc.want2x, tc.contains)
		}
		if err := schemas.Validate(t, tc.want2x+"Request", f[3]); err != nil {
			t.Errorf("%s %s: %v", tc.want2x, f[3], err)
		}
		c.sendRaw(`[3,` + string(f[1]) + `,` + tc.answer + `]`)
		if r := <-done; r.err != nil || string(r.res) != tc.answer {
			t.Fatalf("%s answered %s, %v", tc.action, r.res, r.err)
		}
	}
}
