package store_test

import (
	"context"
	"encoding/json"
	"fmt"
	"testing"
	"time"

	"github.com/volt-ev/volt"
	"github.com/volt-ev/volt/store"
	"github.com/volt-ev/volt/store/storetest"
)

// roamingCDR stores a partner CPO's CDR as the eMSP receiver does before
// billing it: cost incl/excl VAT, energy in kWh, a location.
func roamingCDR(t *testing.T, svc *store.OCPIService, partnerID, id, uid, incl, excl, kwh string, end time.Time) {
	t.Helper()
	body := fmt.Sprintf(`{"id":%q,"start_date_time":%q,"end_date_time":%q,"currency":"GBP","cdr_token":{"uid":%q,"type":"RFID"},
		"cdr_location":{"id":"LOC1","name":"Harbour Car Park","city":"Leeds"},"total_energy":%s,
		"total_cost":{"excl_vat":%s,"incl_vat":%s}}`, id, end.Add(-time.Hour).Format(time.RFC3339), end.Format(time.RFC3339), uid, kwh, excl, incl)
	if _, err := svc.PutPartnerObject(sys(), partnerID, "cdrs", id, json.RawMessage(body), end); err != nil {
		t.Fatal(err)
	}
}

// TestFleetWalletPaysRoamingCDRs (issue 19, fleet wallet on roaming
// networks): a partner CPO's CDR for the fleet driver's card is billed to
// the fleet (partner cost plus the 10 % margin), not the driver's wallet,
// once however often it is replayed, and lands on the fleet's invoice
// beside own-network sessions with exact net, VAT and gross and its
// partner and location; a CDR beyond the driver's monthly limit is still
// billed and flagged with the excess; another driver's CDR is billed to
// their wallet as before; the ledger balances.
func TestFleetWalletPaysRoamingCDRs(t *testing.T) {
	storetest.ForEachEngine(t, func(t *testing.T, db *store.DB) {
		f := newFleetWalletFixture(t, db)
		ocpi := store.NewOCPIService(db)
		ctx := context.Background()
		partner := "ocp_fr" + f.owner
		f.exec(t, `INSERT INTO ocpi_partners (id, cpo_id, name, country_code, party_id, role, status, margin_micro, created_at, updated_at)
			VALUES (?, ?, 'Northern Grid', 'GB', 'NGR', 'CPO', 'connected', 10000000, 0, 0)`, partner, f.cpoA)
		f.exec(t, `UPDATE users SET cpo_id = ? WHERE id = ?`, f.cpoA, f.driver)
		_, err := f.fs.SetFleetWallet(f.admin, f.fleet, true)
		must(t, err)
		own := f.charge(t, 10_000) // own network: 4.50 (net 3.75, VAT 0.75), March 2026
		if d, err := ocpi.FindDriverToken(sys(), f.cpoA, "CARD-B", "RFID"); err != nil || d.NoCredit != "" || d.Whitelist != "" {
			t.Errorf("no limit set, the token reads %+v, %v; want it as set", d, err)
		}

		end := time.Date(2026, 3, 20, 18, 0, 0, 0, time.UTC)
		roamingCDR(t, ocpi, partner, "NGR-1", "CARD-B", "4.80", "4.00", "12.5", end)
		for range 2 { // replayed: billed once
			b, err := ocpi.BillRoamingCDR(sys(), partner, "NGR-1", "CARD-B", 480, "GBP")
			if err != nil || b.FleetID != f.fleet || b.Total != 528 || b.UserID != f.driverB {
				t.Fatalf("bill: %+v, %v", b, err)
			}
		}
		balance := func(acct string) int64 {
			t.Helper()
			b, err := f.ledger.Balance(ctx, acct, "GBP")
			must(t, err)
			return b
		}
		if w, fl, pay, m := balance(volt.AccountWallet(f.driverB)), balance(volt.AccountFleet(f.fleet)),
			balance(volt.AccountRoamingPayable(partner)), balance(volt.AccountRoamingMargin(f.cpoA)); w != 0 || fl != 450+528 || pay != -480 || m != -48 {
			t.Errorf("wallet %d, fleet %d (want 978), partner payable %d (want -480), margin %d (want -48)", w, fl, pay, m)
		}
		inv, err := f.fs.FleetInvoice(f.mgr, f.fleet, "2026-03")
		if err != nil || len(inv.Lines) != 2 {
			t.Fatalf("invoice: %+v, %v", inv, err)
		}
		// 5.28 gross carries VAT at the partner's 0.80/4.80: 0.88.
		if inv.Gross != 978 || inv.VAT != 75+88 || inv.Net != 375+440 || inv.EnergyWh != 22_500 || inv.OverLimit != 0 {
			t.Errorf("invoice totals: gross %d net %d VAT %d energy %d over %d", inv.Gross, inv.Net, inv.VAT, inv.EnergyWh, inv.OverLimit)
		}
		var r *volt.FleetCharge
		for _, l := range inv.Lines {
			if l.PartnerID != "" {
				r = l
			} else if l.CDRID != own.ID || l.Where() != f.cpidA {
				t.Errorf("own-network line: %+v", l)
			}
		}
		if r == nil || r.CDRID != "roaming:"+partner+":NGR-1" || r.Where() != "Northern Grid, Harbour Car Park, Leeds" || r.Gross != 528 ||
			r.VAT != 88 || r.Net != 440 || r.EnergyWh != 12_500 || r.Registration != "AB12 CDE" || r.Month != "2026-03" ||
			!r.StoppedAt.Equal(end) || !r.StartedAt.Equal(end.Add(-time.Hour)) || r.OverLimit != 0 {
			t.Fatalf("roaming line: %+v", r)
		}

		// Over the limit: 10.00 a month, 9.78 paid; a 2.40 CDR (2.64 with
		// the margin) arrives after the session: billed, 2.42 flagged.
		limit := int64(1000)
		must(t, f.fs.SetDriverLimit(f.mgr, f.fleet, f.driverB, &limit))
		roamingCDR(t, ocpi, partner, "NGR-2", "CARD-B", "2.40", "2.00", "5", end.Add(time.Hour))
		if _, err := ocpi.BillRoamingCDR(sys(), partner, "NGR-2", "CARD-B", 240, "GBP"); err != nil {
			t.Fatal(err)
		}
		// Over the limit, a partner CPO asking in real time is told
		// NO_CREDIT, and the driver's tokens go out ALLOWED_OFFLINE so it
		// asks while it can reach Volt (before the limit: as set).
		d, err := ocpi.FindDriverToken(sys(), f.cpoA, "CARD-B", "RFID")
		if err != nil || d.NoCredit == "" || d.Whitelist != volt.WhitelistAllowedOffline {
			t.Errorf("over the fleet's limit, the token reads %+v, %v; want NoCredit and ALLOWED_OFFLINE", d, err)
		}
		toks, err := ocpi.DriverTokensOf(sys(), partner)
		must(t, err)
		for _, tk := range toks {
			if want := map[bool]string{true: volt.WhitelistAllowedOffline, false: ""}[tk.UID == "CARD-B"]; tk.Whitelist != want {
				t.Errorf("token %s sent with whitelist %q, want %q", tk.UID, tk.Whitelist, want)
			}
		}
		inv, err = f.fs.FleetInvoice(f.mgr, f.fleet, "2026-03")
		if err != nil || len(inv.Lines) != 3 || inv.Gross != 978+264 || inv.OverLimit != 242 {
			t.Fatalf("invoice over the limit: %+v, %v", inv, err)
		}
		drivers, err := f.fs.FindFleetDrivers(f.mgr, f.fleet, "2026-03")
		if err != nil || len(drivers) != 1 || drivers[0].Spent != 1242 || drivers[0].Sessions != 3 {
			t.Errorf("drivers: %+v, %v", drivers, err)
		}

		// Another driver (no fleet): their wallet pays, nothing for the fleet.
		roamingCDR(t, ocpi, partner, "NGR-3", "CARD-A", "1.20", "1.00", "2", end)
		b, err := ocpi.BillRoamingCDR(sys(), partner, "NGR-3", "CARD-A", 120, "GBP")
		if err != nil || b.FleetID != "" || b.Total != 132 {
			t.Fatalf("non-fleet driver: %+v, %v", b, err)
		}
		if w := balance(volt.AccountWallet(f.driver)); w != 132 {
			t.Errorf("non-fleet driver's wallet moved %d, want 132", w)
		}
		if _, n, err := f.fs.FindFleetCharges(f.admin, volt.FleetFilter{FleetID: f.fleet}); err != nil || n != 3 {
			t.Errorf("fleet charges: %d, %v", n, err)
		}
		// The fleet wallet off: the driver's wallet pays a new CDR.
		_, err = f.fs.SetFleetWallet(f.admin, f.fleet, false)
		must(t, err)
		if b, err := ocpi.BillRoamingCDR(sys(), partner, "NGR-4", "CARD-B", 100, "GBP"); err != nil || b.FleetID != "" {
			t.Errorf("wallet off: %+v, %v", b, err)
		}
		if w := balance(volt.AccountWallet(f.driverB)); w != 110 {
			t.Errorf("driver's wallet moved %d, want 110", w)
		}
		// NGR-1, which the fleet paid, replayed with the fleet wallet off:
		// neither the driver's wallet nor their card is asked for it.
		if _, err := ocpi.BillRoamingCDR(sys(), partner, "NGR-1", "CARD-B", 480, "GBP"); err != nil {
			t.Errorf("replay of a CDR the fleet paid: %v", err)
		}
		if b, err := ocpi.FindRoamingBill(sys(), partner, "NGR-1"); volt.ErrorCode(err) != volt.ENOTFOUND {
			t.Errorf("a CDR the fleet paid got a driver's bill on replay: %+v, %v", b, err)
		}
		if w, fl := balance(volt.AccountWallet(f.driverB)), balance(volt.AccountFleet(f.fleet)); w != 110 || fl != 978+264 {
			t.Errorf("after replaying NGR-1: driver's wallet %d (want 110), fleet %d (want 1242)", w, fl)
		}
		// Replayed once the wallet is on again: still the driver's, once.
		_, err = f.fs.SetFleetWallet(f.admin, f.fleet, true)
		must(t, err)
		if b, err := ocpi.BillRoamingCDR(sys(), partner, "NGR-4", "CARD-B", 100, "GBP"); err != nil || b.FleetID != "" {
			t.Errorf("replayed with the wallet on: %+v, %v", b, err)
		}
		if w, fl := balance(volt.AccountWallet(f.driverB)), balance(volt.AccountFleet(f.fleet)); w != 110 || fl != 978+264 {
			t.Errorf("after the replay: driver's wallet %d (want 110), fleet %d (want 1242)", w, fl)
		}
		f.audit(t)
	})
}
