package volt_test

import (
	"strings"
	"testing"
	"time"

	"github.com/volt-ev/volt"
)

func TestVehicleValidate(t *testing.T) {
	ok := volt.Vehicle{FleetID: "f", DriverID: "d", Make: "Kia", Model: "EV6", BatteryWh: 77_400, Registration: " ab12  cde ", VIN: "knae1234567890123"}
	ok.Normalize()
	if err := ok.Validate(); err != nil || ok.Registration != "AB12 CDE" || ok.VIN != "KNAE1234567890123" {
		t.Fatalf("valid vehicle: %+v, %v", ok, err)
	}
	for field, mutate := range map[string]func(v *volt.Vehicle){
		"vin":                 func(v *volt.Vehicle) { v.VIN = "KNAE123456789012" },       // 16
		"registration":        func(v *volt.Vehicle) { v.Registration = "AB!2" },          // punctuation
		"batteryWh":           func(v *volt.Vehicle) { v.BatteryWh = 77 },                 // kWh by mistake
		"telematicsVehicleId": func(v *volt.Vehicle) { v.Provider = "sandbox" },           // id missing
		"fleetId":             func(v *volt.Vehicle) { v.FleetID = "" },                   // no fleet
		"make":                func(v *volt.Vehicle) { v.Make = strings.Repeat("x", 61) }, // too long
	} {
		v := ok
		mutate(&v)
		if err := v.Validate(); volt.ErrorCode(err) != volt.EINVALID || err.(*volt.Error).Field != field {
			t.Errorf("%s: %v", field, err)
		}
	}
	for _, vin := range []string{"KNAE12345678901I3", "KNAE12345678901O3", "KNAE12345678901Q3"} {
		v := ok
		v.VIN = vin
		if v.Validate() == nil {
			t.Errorf("VIN %s with I, O or Q accepted", vin)
		}
	}
}

// TestMatchHomeSession: the battery's gain must be 75-105 % of the metered
// energy, the car within 150 m throughout, with readings bracketing the
// session.
func TestMatchHomeSession(t *testing.T) {
	start := time.Date(2026, 3, 1, 20, 0, 0, 0, time.UTC)
	stop := start.Add(2 * time.Hour)
	const lat, lon, battery = 51.5, -0.12, 60_000
	reading := func(at time.Time, socPm int, dLat float64) volt.TelematicsReading {
		return volt.TelematicsReading{At: at, SoCPermille: socPm, Latitude: lat + dLat, Longitude: lon}
	}
	tol := volt.DefaultHomeMatchTolerance
	for name, c := range map[string]struct {
		rs     []volt.TelematicsReading
		wh     int64
		want   string
		gained int64
	}{
		"consistent":          {[]volt.TelematicsReading{reading(start, 200, 0), reading(start.Add(time.Hour), 275, 0), reading(stop, 350, 0)}, 10_000, volt.ClaimMatched, 9_000},
		"exactly 75 %":        {[]volt.TelematicsReading{reading(start, 200, 0), reading(stop, 325, 0)}, 10_000, volt.ClaimMatched, 7_500},
		"too little gained":   {[]volt.TelematicsReading{reading(start, 200, 0), reading(stop, 324, 0)}, 10_000, volt.ClaimFlagged, 7_440},
		"more than metered":   {[]volt.TelematicsReading{reading(start, 200, 0), reading(stop, 380, 0)}, 10_000, volt.ClaimFlagged, 10_800},
		"car 300 m away":      {[]volt.TelematicsReading{reading(start, 200, 0), reading(start.Add(time.Hour), 275, 0.0027), reading(stop, 350, 0)}, 10_000, volt.ClaimFlagged, 0},
		"no reading at start": {[]volt.TelematicsReading{reading(start.Add(time.Hour), 275, 0), reading(stop, 350, 0)}, 10_000, volt.ClaimFlagged, 0},
		"readings elsewhere in time": {[]volt.TelematicsReading{reading(start.Add(-2*time.Hour), 200, 0), reading(stop.Add(time.Hour), 350, 0)},
			10_000, volt.ClaimFlagged, 0},
	} {
		m := volt.MatchHomeSession(start, stop, c.wh, lat, lon, battery, c.rs, tol)
		if m.State != c.want || m.GainedWh != c.gained || (m.State == volt.ClaimFlagged && m.Reason == "") {
			t.Errorf("%s: %+v, want %s gaining %d", name, m, c.want, c.gained)
		}
	}
}

func TestDistanceM(t *testing.T) {
	// One thousandth of a degree of latitude is about 111 m.
	if d := volt.DistanceM(51.5, -0.12, 51.501, -0.12); d < 110 || d > 112 {
		t.Errorf("distance %f m", d)
	}
}
