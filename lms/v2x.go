package lms

import "math"

// V2X peak shaving (issue 15 item 5): when a dynamic site's import is over
// its supply limit on some phase even with every charging session paused
// (the building alone is above it), bidirectional outlets (OCPP 2.1, a
// LoadEVSE.MaxDischargeA, the site's AllowExport) whose car is plugged in
// and allocated nothing give power back, each up to its maximum, until the
// excess is covered. Discharging only lowers the import, so it never takes
// the site over a limit; it is asked in whole tenths of an ampere and at
// least MinChargeA (what a charger can control).
//
// The energy given back (the station's Energy.Active.Export.Register) is
// kept on the session at every meter reading that carries it
// (Session.ExportedWh) and credited at the tariff's export price, else the
// site's ExportPricePerKWh, as a negative export_credit line of the live
// cost and the CDR alike (see volt.PriceSession), so the cost the driver
// sees (app, API, CostUpdated) at each reading is the CDR a stop there
// would give. The total never goes below zero. The app says when the car
// is giving back (volt.LoadAllocation.DischargeA) and what it earned. A
// credit beyond the session's cost (volt.Cost.ExportPayout) is paid into
// the driver's wallet by the site's owner when the CDR settles, once
// (store.MoneyService.OnCDR), and shown on the receipt.

// Discharge returns, per EVSE of in (in order), the current per phase it
// should give back now; nil when none need to. maxDischargeA holds each
// EVSE's maximum (0: not bidirectional). Pure: no I/O.
func Discharge(in *Input, res *Result, maxDischargeA []float64) []float64 {
	var excess Phases
	any := false
	for p := range 3 {
		if math.IsInf(in.SupplyA[p], 1) || in.SupplyA[p] <= 0 {
			continue
		}
		load := in.BuildingA[p]
		for _, a := range res.EVSEs {
			load += a.PhaseA[p]
		}
		if load > in.SupplyA[p] {
			excess[p], any = load-in.SupplyA[p], true
		}
	}
	if !any {
		return nil
	}
	out := make([]float64, len(in.EVSEs))
	for i, e := range in.EVSEs {
		if i >= len(maxDischargeA) || maxDischargeA[i] < MinChargeA || !e.Active || e.Fixed || res.EVSEs[i].CurrentA > 0 {
			continue
		}
		// The most any of its grid phases is over decides its share.
		need := 0.0
		for k := range max(min(e.Phases, 3), 1) {
			need = math.Max(need, excess[e.Rotation[k]])
		}
		if need <= 0 {
			continue
		}
		d := math.Min(maxDischargeA[i], math.Max(MinChargeA, math.Ceil(need*10-1e-9)/10))
		out[i] = d
		for k := range max(min(e.Phases, 3), 1) {
			excess[e.Rotation[k]] = math.Max(0, excess[e.Rotation[k]]-d)
		}
		if excess == (Phases{}) {
			break
		}
	}
	return out
}
