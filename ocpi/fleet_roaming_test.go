package ocpi_test

import (
	"context"
	"testing"
	"time"

	"github.com/volt-ev/volt"
	"github.com/volt-ev/volt/store"
	"github.com/volt-ev/volt/store/storetest"
)

// TestFleetDriverRoamingCDR (issue 19, the fleet wallet on roaming
// networks): B (eMSP) has a fleet whose wallet is on; its driver's card
// is sent to A with the fleet as group_id. A, the partner CPO, POSTs the
// driver's CDR to B's receiver twice over OCPI: B bills the fleet once
// (4.80 plus the 10 % margin: 5.28, VAT 0.88 at A's rate), the driver's
// wallet is untouched, and the fleet's invoice lists it with A's location.
// A driver outside the fleet pays from the wallet as before.
func TestFleetDriverRoamingCDR(t *testing.T) {
	for _, eng := range storetest.Engines(t) {
		t.Run(eng.Name, func(t *testing.T) {
			A := newVolt(t, eng.Open(t), nil, "A Power", "GB", "AAA")
			B := newVolt(t, eng.Open(t), nil, "B Drive", "GB", "BBB")
			pB, pA := pair(t, A, B)
			_, err := B.db.Exec(context.Background(), `UPDATE ocpi_partners SET margin_micro = 10000000 WHERE id = ?`, pA.ID)
			must(t, err)

			users, fleets := store.NewUserService(B.db), store.NewFleetService(B.db)
			owner := &volt.Owner{CPOID: B.cpo, Name: "Harbour Car Parks"}
			must(t, B.hierarchy.CreateOwner(sys(), owner))
			fleet := &volt.Usergroup{Name: "Sales cars", Role: volt.RoleFleetManager, CPOID: B.cpo, OwnerID: owner.ID}
			must(t, users.CreateUsergroup(sys(), fleet))
			driver := &volt.User{Email: "fay@b.example", Name: "Fay", CPOID: B.cpo}
			must(t, users.CreateUser(sys(), driver, ""))
			must(t, users.CreateRFIDCard(sys(), &volt.RFIDCard{UID: "04F1EE70", UserID: driver.ID}))
			other := &volt.User{Email: "ola@b.example", Name: "Ola", CPOID: B.cpo}
			must(t, users.CreateUser(sys(), other, ""))
			must(t, users.CreateRFIDCard(sys(), &volt.RFIDCard{UID: "04AA0001", UserID: other.ID}))
			must(t, fleets.CreateVehicle(sys(), &volt.Vehicle{FleetID: fleet.ID, DriverID: driver.ID, Make: "Kia", Model: "EV6",
				BatteryWh: 77_400, Registration: "FL19 RMG", VIN: "KNAE1234567890123"}))
			_, err = fleets.SetFleetWallet(sys(), fleet.ID, true)
			must(t, err)
			toks, err := B.store.DriverTokensOf(sys(), pA.ID)
			must(t, err)
			if len(toks) != 2 {
				t.Errorf("B's driver tokens for A: %+v", toks)
			}
			for _, tk := range toks {
				if want := map[string]string{"04F1EE70": fleet.ID}[tk.UID]; tk.GroupID != want {
					t.Errorf("token %s carries group_id %q, want %q", tk.UID, tk.GroupID, want)
				}
			}

			ofB, err := A.store.FindOCPIPartnerSystem(sys(), pB.ID)
			must(t, err)
			end := time.Date(2026, 3, 20, 18, 0, 0, 0, time.UTC)
			cdr := func(id, uid, incl, excl string) map[string]any {
				return map[string]any{"country_code": "GB", "party_id": "AAA", "id": id, "last_updated": end.Format(time.RFC3339),
					"start_date_time": end.Add(-time.Hour).Format(time.RFC3339), "end_date_time": end.Format(time.RFC3339), "currency": "GBP",
					"cdr_token":    map[string]any{"uid": uid, "type": "RFID", "contract_id": "GB-BBB-C" + uid},
					"cdr_location": map[string]any{"id": "LOC1", "name": "Quay Street", "city": "Bristol"}, "total_energy": 12.5,
					"total_cost": map[string]any{"excl_vat": excl, "incl_vat": incl}}
			}
			for range 2 { // a replayed CDR is billed once
				if st, _, env := call(t, "POST", B.http.URL+"/ocpi/emsp/2.2.1/cdrs", ofB.TheirToken, cdr("A-CDR-1", "04F1EE70", "4.80", "4.00")); st != 200 || code(env) != 1000 {
					t.Fatalf("POST CDR: %d %v", st, env)
				}
			}
			if st, _, env := call(t, "POST", B.http.URL+"/ocpi/emsp/2.2.1/cdrs", ofB.TheirToken, cdr("A-CDR-2", "04AA0001", "1.20", "1.00")); st != 200 || code(env) != 1000 {
				t.Fatalf("POST CDR: %d %v", st, env)
			}
			ledger := store.NewLedger(B.db)
			for acct, want := range map[string]int64{volt.AccountFleet(fleet.ID): 528, volt.AccountWallet(driver.ID): 0,
				volt.AccountWallet(other.ID): 132, volt.AccountRoamingPayable(pA.ID): -600} {
				if b, err := ledger.Balance(context.Background(), acct, "GBP"); err != nil || b != want {
					t.Errorf("%s: %d, %v, want %d", acct, b, err, want)
				}
			}
			inv, err := fleets.FleetInvoice(sys(), fleet.ID, "2026-03")
			must(t, err)
			if len(inv.Lines) != 1 || inv.Gross != 528 || inv.VAT != 88 || inv.Net != 440 || inv.EnergyWh != 12_500 ||
				inv.Lines[0].Where() != "A Power, Quay Street, Bristol" || inv.Lines[0].Registration != "FL19 RMG" || inv.State != volt.FleetInvoiceUnpaid {
				t.Errorf("fleet invoice: %+v, lines %+v", inv, inv.Lines)
			}
		})
	}
}
