package ocpi_test

import (
	"encoding/json"
	"math"
	"testing"
	"time"

	"github.com/volt-ev/volt"
	"github.com/volt-ev/volt/internal/ocpischema"
	"github.com/volt-ev/volt/store"
	"github.com/volt-ev/volt/store/storetest"
)

// TestCDRChargingPeriods: a roaming session on a time-of-day tariff that
// crosses into its evening band, with a pause and a trailing idle run,
// becomes a CDR whose charging periods split at the band: ENERGY, TIME and
// PARKING_TIME per period from the stored meter values. The volumes add up
// to the CDR's totals, and the volumes times each period's prices give the
// CDR's cost lines and total to the penny. The CDR is validated against
// the OCPI documents.
func TestCDRChargingPeriods(t *testing.T) {
	spec := ocpischema.Load(t)
	for _, eng := range storetest.Engines(t) {
		t.Run(eng.Name, func(t *testing.T) { cdrPeriods(t, spec, eng.Open(t), eng.Open(t)) })
	}
}

type ocpiPrice struct {
	InclVAT float64 `json:"incl_vat"`
}

type cdrBody struct {
	TotalEnergy      float64 `json:"total_energy"`
	TotalTime        float64 `json:"total_time"`
	TotalParkingTime float64 `json:"total_parking_time"`
	TotalCost        struct {
		InclVAT float64 `json:"incl_vat"`
	} `json:"total_cost"`
	TotalEnergyCost  ocpiPrice `json:"total_energy_cost"`
	TotalTimeCost    ocpiPrice `json:"total_time_cost"`
	TotalParkingCost ocpiPrice `json:"total_parking_cost"`
	TotalFixedCost   ocpiPrice `json:"total_fixed_cost"`
	ChargingPeriods  []struct {
		StartDateTime string `json:"start_date_time"`
		TariffID      string `json:"tariff_id"`
		Dimensions    []struct {
			Type   string  `json:"type"`
			Volume float64 `json:"volume"`
		} `json:"dimensions"`
	} `json:"charging_periods"`
}

func cdrPeriods(t *testing.T, spec *ocpischema.Spec, dbA, dbB *store.DB) {
	A := newVolt(t, dbA, spec, "A Power", "GB", "AAA")
	B := newVolt(t, dbB, spec, "B Drive", "GB", "BBB")
	_, cpids := A.site(t, A.cpo, "Mayfair", false, 1)
	pB, _, tokB := connect(t, A, B, "GB", "BBB")
	band := volt.MustDecimal("0.50")
	bandTime := volt.MustDecimal("1.20")
	tod := &volt.Tariff{CPOID: A.cpo, Name: "Evening peak", Currency: "GBP", VATRate: volt.MustDecimal("0.20"),
		EnergyPricePerKWh: volt.MustDecimal("0.30"), TimePricePerHour: volt.MustDecimal("0.60"),
		IdleFeePerMinute: volt.MustDecimal("0.10"), IdleGraceMinutes: 5, SessionFee: volt.MustDecimal("0.25"),
		Bands: []volt.TariffBand{{StartMinute: 17 * 60, EndMinute: 19 * 60, EnergyPricePerKWh: &band, TimePricePerHour: &bandTime}}}
	must(t, A.tariffs.CreateTariff(sys(), tod))
	if _, err := A.store.UpdateOCPIPartner(A.admin, pB.ID, volt.OCPIPartnerUpdate{TariffID: &tod.ID}); err != nil {
		t.Fatal(err)
	}
	tok := map[string]any{"country_code": "GB", "party_id": "BBB", "uid": "04B0B0B0", "type": "RFID", "contract_id": "GB-BBB-C1",
		"issuer": "B", "valid": true, "whitelist": "ALLOWED", "last_updated": ocpiNow()}
	if st, _, env := call(t, "PUT", A.http.URL+"/ocpi/cpo/2.2.1/tokens/GB/BBB/04B0B0B0?type=RFID", tokB, tok); st != 200 {
		t.Fatalf("token: %d %v", st, env)
	}

	// Yesterday 16:30-17:50 UTC (the site's zone): 3 kWh by 16:45, 4 kWh
	// over 16:45-17:15 (half before the band), 2 kWh by 17:30, then idle
	// (a reading at 17:40 without energy) until the stop at 17:50.
	day := time.Now().UTC().AddDate(0, 0, -1).Truncate(24 * time.Hour)
	at := func(h, m int) time.Time { return day.Add(time.Duration(h)*time.Hour + time.Duration(m)*time.Minute) }
	cpid := cpids[0]
	res, err := A.charging.StartTransaction(sys(), volt.StartRequest{CPID: cpid, ConnectorID: 1, IDTag: "04B0B0B0", MeterStart: 1000,
		At: at(16, 30), ReceivedAt: at(16, 30)})
	must(t, err)
	if res.Auth.Status != volt.AuthAccepted {
		t.Fatalf("start: %+v", res.Auth)
	}
	txID := res.TransactionID
	for _, r := range []struct {
		h, m int
		wh   string
	}{{16, 45, "4000"}, {17, 15, "8000"}, {17, 30, "10000"}, {17, 40, "10000"}} {
		_, err := A.charging.RecordMeterValues(sys(), volt.MeterReport{CPID: cpid, ConnectorID: 1, TransactionID: &txID,
			Samples: []volt.MeterSample{{Timestamp: at(r.h, r.m), Unit: "Wh", Value: r.wh}}})
		must(t, err)
	}
	stop, err := A.charging.StopTransaction(sys(), volt.StopRequest{CPID: cpid, TransactionID: txID, MeterStop: 10000, At: at(17, 50), Reason: "Local"})
	must(t, err)
	// 5 kWh at 0.30 + 4 at 0.50; 0.5 h at 0.60 + 0.5 h at 1.20; 15 min
	// idle after the grace at 0.10; 0.25 a session.
	if stop.CDR == nil || stop.CDR.TotalCost == nil || stop.CDR.TotalCost.InclVAT != 350+90+150+25 {
		t.Fatalf("CDR %+v", stop.CDR)
	}

	if n, err := A.srv.SyncRoamingCDRs(sys()); err != nil || n != 1 {
		t.Fatalf("queued %d CDRs, %v", n, err)
	}
	due, err := A.store.DueOCPIPushes(sys(), time.Now().Add(time.Hour), 100)
	must(t, err)
	var raw json.RawMessage
	for _, p := range due {
		if p.Module == "cdrs" {
			raw = p.Body
		}
	}
	if raw == nil {
		t.Fatal("no CDR queued")
	}
	spec.Schema(t, "CDR", raw)
	var cdr cdrBody
	must(t, json.Unmarshal(raw, &cdr))
	if len(cdr.ChargingPeriods) != 2 {
		t.Fatalf("%d charging periods, want 2 (before and in the band): %s", len(cdr.ChargingPeriods), raw)
	}
	const eps = 1e-9
	type vol struct{ energy, time, parking float64 }
	var vols []vol
	for _, p := range cdr.ChargingPeriods {
		var v vol
		for _, d := range p.Dimensions {
			switch d.Type {
			case "ENERGY":
				v.energy += d.Volume
			case "TIME":
				v.time += d.Volume
			case "PARKING_TIME":
				v.parking += d.Volume
			}
		}
		if p.TariffID != tod.ID {
			t.Errorf("period tariff %q, want %s", p.TariffID, tod.ID)
		}
		vols = append(vols, v)
	}
	if s0, s1 := cdr.ChargingPeriods[0].StartDateTime, cdr.ChargingPeriods[1].StartDateTime; s0 != ocpiTime(at(16, 30)) || s1 != ocpiTime(at(17, 0)) {
		t.Errorf("periods start %s and %s", s0, s1)
	}
	want := []vol{{5, 0.5, 0}, {4, 0.5, 1.0 / 3}}
	for i := range want {
		if math.Abs(vols[i].energy-want[i].energy) > eps || math.Abs(vols[i].time-want[i].time) > eps || math.Abs(vols[i].parking-want[i].parking) > eps {
			t.Errorf("period %d volumes %+v, want %+v", i, vols[i], want[i])
		}
	}
	// The volumes add up to the totals ...
	energy, hours, parking := vols[0].energy+vols[1].energy, vols[0].time+vols[1].time, vols[0].parking+vols[1].parking
	if math.Abs(energy-cdr.TotalEnergy) > eps || math.Abs(hours+parking-cdr.TotalTime) > eps || math.Abs(parking-cdr.TotalParkingTime) > eps {
		t.Errorf("volumes %v kWh, %v h, %v h parked; totals %v kWh, %v h, %v h parked", energy, hours, parking, cdr.TotalEnergy, cdr.TotalTime, cdr.TotalParkingTime)
	}
	// ... and priced at each period's prices they are the CDR's cost.
	pence := func(x float64) float64 { return math.Round(x*100) / 100 }
	energyCost := pence(vols[0].energy*0.30 + vols[1].energy*0.50)
	timeCost := pence(vols[0].time*0.60 + vols[1].time*1.20)
	parkingCost := pence((parking - 5.0/60) * 60 * 0.10)
	if energyCost != cdr.TotalEnergyCost.InclVAT || timeCost != cdr.TotalTimeCost.InclVAT || parkingCost != cdr.TotalParkingCost.InclVAT ||
		pence(energyCost+timeCost+parkingCost+0.25) != cdr.TotalCost.InclVAT || cdr.TotalCost.InclVAT != 6.15 {
		t.Errorf("periods priced: energy %v, time %v, parking %v; CDR: energy %v, time %v, parking %v, fixed %v, total %v",
			energyCost, timeCost, parkingCost, cdr.TotalEnergyCost.InclVAT, cdr.TotalTimeCost.InclVAT, cdr.TotalParkingCost.InclVAT,
			cdr.TotalFixedCost.InclVAT, cdr.TotalCost.InclVAT)
	}
}

func ocpiTime(t time.Time) string { return t.UTC().Format("2006-01-02T15:04:05Z") }
