package sim

import (
	"encoding/json"
	"math"
	"testing"
	"time"

	"github.com/volt-ev/volt/ocpp"
	"github.com/volt-ev/volt/ocpp/v201"
)

func setProfile2(t *testing.T, c *Charger2, body string) string {
	t.Helper()
	var r setProfileRequest2
	if err := json.Unmarshal([]byte(body), &r); err != nil {
		t.Fatal(err)
	}
	resp, _ := c.onSetChargingProfile(&r)
	return string(resp.(*v201.SetChargingProfileResponse).Status)
}

// TestCharger2ProfilesLimitAndDischarge: a 2.x station limits a
// transaction's power by its TxProfile (a TxProfile of another
// transaction is refused, K01.FR.09), falls back to TxDefaultProfile once
// the TxProfile is cleared, and a 2.1 station discharges when a period asks
// for a negative setpoint within its discharge limit, counting the energy
// on its export register; a 2.0.1 station never discharges.
func TestCharger2ProfilesLimitAndDischarge(t *testing.T) {
	clock := time.Date(2026, 12, 6, 10, 0, 0, 0, time.UTC)
	now := func() time.Time { return clock }
	for _, v := range []ocpp.Version{ocpp.V201, ocpp.V21} {
		c := New2x(Config{Identity: "CS1", Connectors: 1, Clock: now, MaxPowerW: 22080}, v)
		if err := c.start(1, v201.IDToken{IDToken: "T1", Type: v201.IDTokenEnumISO14443}, v201.TriggerReasonEnumAuthorized, nil); err != nil {
			t.Fatal(err)
		}
		tx := c.TransactionID(1)
		if st := setProfile2(t, c, `{"evseId":1,"chargingProfile":{"id":1,"stackLevel":1,"chargingProfilePurpose":"TxProfile","chargingProfileKind":"Relative",
			"transactionId":"other","chargingSchedule":[{"id":1,"chargingRateUnit":"A","chargingSchedulePeriod":[{"startPeriod":0,"limit":6}]}]}}`); st != "Rejected" {
			t.Fatalf("%s: TxProfile of another transaction %s", v, st)
		}
		if st := setProfile2(t, c, `{"evseId":0,"chargingProfile":{"id":2,"stackLevel":1,"chargingProfilePurpose":"TxDefaultProfile","chargingProfileKind":"Relative",
			"chargingSchedule":[{"id":2,"chargingRateUnit":"A","chargingSchedulePeriod":[{"startPeriod":0,"limit":16}]}]}}`); st != "Accepted" {
			t.Fatalf("%s: TxDefaultProfile %s", v, st)
		}
		if st := setProfile2(t, c, `{"evseId":1,"chargingProfile":{"id":3,"stackLevel":1,"chargingProfilePurpose":"TxProfile","chargingProfileKind":"Relative",
			"transactionId":"`+tx+`","chargingSchedule":[{"id":3,"chargingRateUnit":"A","chargingSchedulePeriod":[{"startPeriod":0,"limit":8,"numberPhases":3}]}]}}`); st != "Accepted" {
			t.Fatalf("%s: TxProfile %s", v, st)
		}
		c.mu.Lock()
		p := c.evses[1].tx.powerW
		c.mu.Unlock()
		if want := 8 * nominalVoltage * 3; math.Abs(p-want) > 1 {
			t.Fatalf("%s: power under an 8 A TxProfile %.0f W, want %.0f", v, p, want)
		}
		comp, _ := c.onGetCompositeSchedule(&v201.GetCompositeScheduleRequest{EvseID: 1, Duration: 60})
		if s := comp.(*v201.GetCompositeScheduleResponse).Schedule; s == nil || s.ChargingSchedulePeriod[0].Limit != 8 {
			t.Fatalf("%s: composite schedule %+v, want 8 A", v, s)
		}
		// Discharge: setpoint −5 kW within a −7 kW discharge limit.
		if st := setProfile2(t, c, `{"evseId":1,"chargingProfile":{"id":3,"stackLevel":1,"chargingProfilePurpose":"TxProfile","chargingProfileKind":"Relative",
			"transactionId":"`+tx+`","chargingSchedule":[{"id":3,"chargingRateUnit":"W","chargingSchedulePeriod":[{"startPeriod":0,"limit":0,"dischargeLimit":-7000,"setpoint":-5000}]}]}}`); st != "Accepted" {
			t.Fatalf("%s: discharge profile %s", v, st)
		}
		clock = clock.Add(time.Hour)
		c.mu.Lock()
		c.advanceLocked(c.evses[1], clock)
		p, exported := c.evses[1].tx.powerW, c.evses[1].exportWh
		c.mu.Unlock()
		if v == ocpp.V21 && (p != -5000 || math.Abs(exported-5000) > 1) {
			t.Fatalf("2.1: power %.0f W and %.0f Wh exported after an hour, want −5000 W and 5000 Wh", p, exported)
		}
		if v == ocpp.V201 && (p != 0 || exported != 0) {
			t.Fatalf("2.0.1: power %.0f W, %.0f Wh exported, want 0 (limit 0, no discharge in 2.0.1)", p, exported)
		}
		resp, _ := c.onClearChargingProfile(&v201.ClearChargingProfileRequest{ChargingProfileID: ptr(3)})
		c.mu.Lock()
		p, car := c.evses[1].tx.powerW, c.evses[1].tx.carMaxW
		c.mu.Unlock()
		if resp.(*v201.ClearChargingProfileResponse).Status != "Accepted" || math.Abs(p-math.Min(car, 16*nominalVoltage*3)) > 1 {
			t.Fatalf("%s: after clearing the TxProfile power %.0f W, want the 16 A default", v, p)
		}
	}
}
