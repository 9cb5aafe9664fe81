package store_test

import (
	"context"
	"testing"
	"time"

	"github.com/volt-ev/volt"
	"github.com/volt-ev/volt/payment/sandbox"
	"github.com/volt-ev/volt/store"
	"github.com/volt-ev/volt/store/storetest"
)

// TestV2XExportCredited (issue 15 item 5): the rise of a session's
// Energy.Active.Export.Register is recorded on the session and its CDR and
// credited at the export price (the tariff's, else the site's default) as
// a negative line; the wallet is debited the net amount.
func TestV2XExportCredited(t *testing.T) {
	for _, from := range []string{"tariff", "site"} {
		t.Run(from, func(t *testing.T) {
			storetest.ForEachEngine(t, func(t *testing.T, db *store.DB) {
				f := newMoneyFixture(t, db)
				ctx := context.Background()
				var siteID string
				if err := db.QueryRow(ctx, `SELECT site_id FROM chargers WHERE cpid = ?`, f.cpidA).Scan(&siteID); err != nil {
					t.Fatal(err)
				}
				price := volt.MustDecimal("0.15")
				if from == "tariff" {
					list, _, err := f.tariff.FindTariffs(sys(), volt.TariffFilter{CPOID: f.cpoA})
					if err != nil || len(list) != 1 {
						t.Fatalf("tariffs %d, %v", len(list), err)
					}
					list[0].ExportPricePerKWh = &price
					if err := f.tariff.UpdateTariff(sys(), list[0]); err != nil {
						t.Fatal(err)
					}
				} else {
					lm := store.NewLoadManagementService(db)
					if err := lm.SetLoadManagement(sys(), &volt.LoadManagement{SiteID: siteID, Mode: volt.LoadModeStatic,
						SupplyLimitA: 100, Phases: 3, AllowExport: true, ExportPricePerKWh: &price}); err != nil {
						t.Fatal(err)
					}
				}
				drv := volt.NewContextWithActor(ctx, &volt.Actor{UserID: f.driverB})
				if _, err := f.money.TopUp(drv, f.driverB, volt.Money{Amount: 1000, Currency: "GBP"}, sandbox.CardOK, "v2x"); err != nil {
					t.Fatal(err)
				}
				st := f.start(t, f.cpidA, 1, "CARD-B", 1000, f.now)
				txID := st.TransactionID
				export := func(at time.Time, v, unit string) volt.MeterSample {
					return volt.MeterSample{Timestamp: at, Measurand: "Energy.Active.Export.Register", Unit: unit, Value: v}
				}
				mid := f.now.Add(30 * time.Minute)
				for _, samples := range [][]volt.MeterSample{
					{register(f.now, "1000", "Wh"), export(f.now, "0.5", "kWh")},
					// A phase reading and one from the EV are not the register.
					{register(mid, "6000", "Wh"), export(mid, "2500.4", "Wh"),
						{Timestamp: mid, Measurand: "Energy.Active.Export.Register", Phase: "L1", Value: "999999"},
						{Timestamp: mid, Measurand: "Energy.Active.Export.Register", Location: "EV", Value: "999999"}},
				} {
					if _, err := f.svc.RecordMeterValues(sys(), volt.MeterReport{CPID: f.cpidA, ConnectorID: 1, TransactionID: &txID, Samples: samples}); err != nil {
						t.Fatal(err)
					}
				}
				end := f.now.Add(time.Hour)
				res, err := f.svc.StopTransaction(sys(), volt.StopRequest{CPID: f.cpidA, TransactionID: txID, MeterStop: 11_000, At: end,
					Reason: "EVDisconnected", Samples: []volt.MeterSample{register(end, "11000", "Wh"), export(end, "3500", "Wh")}})
				if err != nil {
					t.Fatal(err)
				}
				// 10 kWh × 0.45 = 4.50 (excl 3.75); 3 kWh given back × 0.15 =
				// 0.45 credit (excl 0.375 → 0.38): 4.05 to pay, 3.37 excl.
				cdr := res.CDR
				if cdr == nil || cdr.ExportedWh != 3000 || cdr.TotalCost == nil || cdr.TotalCost.InclVAT != 405 || cdr.TotalCost.ExclVAT != 337 {
					t.Fatalf("CDR %+v cost %+v, want 3000 Wh exported and 405/337", cdr, cdr.TotalCost)
				}
				last := cdr.TotalCost.Components[len(cdr.TotalCost.Components)-1]
				if last.Component != "export_credit" || last.InclVAT != -45 || last.Quantity != "3" || last.Unit != "kWh" {
					t.Fatalf("credit line %+v", last)
				}
				sess, err := f.svc.FindSessionByID(sys(), cdr.SessionID)
				if err != nil || sess.ExportedWh != 3000 || sess.LiveCost == nil || sess.LiveCost.InclVAT != 405 {
					t.Fatalf("session %+v, %v", sess, err)
				}
				cdrs, _, err := f.svc.FindCDRs(sys(), volt.SessionFilter{ID: cdr.ID})
				if err != nil || len(cdrs) != 1 || cdrs[0].ExportedWh != 3000 || cdrs[0].TotalCost.InclVAT != 405 {
					t.Fatalf("stored CDR %+v, %v", cdrs, err)
				}
				if err := f.money.OnCDR(sys(), cdr); err != nil {
					t.Fatal(err)
				}
				if w, err := f.money.FindWallet(drv, f.driverB, "GBP"); err != nil || w.Balance != 1000-405 {
					t.Fatalf("wallet %+v, %v; want 595", w, err)
				}
				f.audit(t)
			})
		})
	}
}
