package store_test

import (
	"context"
	"testing"
	"time"

	"github.com/volt-ev/volt"
	"github.com/volt-ev/volt/store"
	"github.com/volt-ev/volt/store/storetest"
)

func TestTariffAuthorisationAndValidation(t *testing.T) {
	storetest.ForEachEngine(t, func(t *testing.T, db *store.DB) {
		f := newMoneyFixture(t, db)
		as := func(role volt.Role, cpo string) context.Context {
			return volt.NewContextWithActor(context.Background(), &volt.Actor{UserID: "u", Grants: []volt.Grant{{Role: role, CPOID: cpo}}})
		}
		tr := func() *volt.Tariff {
			return &volt.Tariff{CPOID: f.cpoA, Name: "Night", Currency: "GBP", VATRate: volt.MustDecimal("0.2"), EnergyPricePerKWh: volt.MustDecimal("0.30")}
		}
		if err := f.tariff.CreateTariff(as(volt.RoleStaff, f.cpoA), tr()); volt.ErrorCode(err) != volt.EFORBIDDEN {
			t.Errorf("staff create: %v, want forbidden", err)
		}
		if err := f.tariff.CreateTariff(as(volt.RoleAdmin, f.cpoB), tr()); volt.ErrorCode(err) != volt.ENOTFOUND {
			t.Errorf("other CPO's admin: %v, want not found", err)
		}
		eur := tr()
		eur.Currency = "EUR"
		if err := f.tariff.CreateTariff(as(volt.RoleAdmin, f.cpoA), eur); volt.ErrorCode(err) != volt.EINVALID {
			t.Errorf("currency mismatch: %v, want invalid", err)
		}
		neg := tr()
		neg.EnergyPricePerKWh = volt.MustDecimal("-0.1")
		if err := f.tariff.CreateTariff(as(volt.RoleAdmin, f.cpoA), neg); volt.ErrorCode(err) != volt.EINVALID {
			t.Errorf("negative price: %v", err)
		}
		night := tr()
		if err := f.tariff.CreateTariff(as(volt.RoleAdmin, f.cpoA), night); err != nil {
			t.Fatal(err)
		}
		list, n, err := f.tariff.FindTariffs(as(volt.RoleStaff, f.cpoA), volt.TariffFilter{})
		if err != nil || n != 2 || len(list) != 2 {
			t.Errorf("staff list: %d, %v", n, err)
		}
		if _, n, _ := f.tariff.FindTariffs(as(volt.RoleAdmin, f.cpoB), volt.TariffFilter{}); n != 0 {
			t.Errorf("CPO B sees %d of A's tariffs", n)
		}
		// A private usergroup with a cheaper tariff on the public group wins
		// over Public for its members.
		var group string
		_ = db.QueryRow(context.Background(), `SELECT charger_group_id FROM chargers WHERE cpid = ?`, f.cpidA).Scan(&group)
		f.exec(t, `INSERT INTO usergroups (id, name, role, cpo_id, private, created_at, updated_at) VALUES ('ugr_fleet', 'Fleet', 'driver', ?, TRUE, 0, 0)`, f.cpoA)
		f.exec(t, `INSERT INTO memberships (usergroup_id, user_id, created_at) VALUES ('ugr_fleet', ?, 0)`, f.driver)
		a := &volt.TariffAssignment{TariffID: night.ID, UsergroupID: "ugr_fleet", ChargerGroupID: group}
		if err := f.tariff.CreateTariffAssignment(as(volt.RoleStaff, f.cpoA), a); volt.ErrorCode(err) != volt.EFORBIDDEN {
			t.Errorf("staff assignment: %v", err)
		}
		if err := f.tariff.CreateTariffAssignment(sys(), a); err != nil {
			t.Fatal(err)
		}
		dup := *a
		if err := f.tariff.CreateTariffAssignment(sys(), &dup); volt.ErrorCode(err) != volt.ECONFLICT {
			t.Errorf("second tariff for the usergroup: %v", err)
		}
		q, err := f.tariff.PriceFor(sys(), f.cpidA, f.driver)
		if err != nil || q.Tariff.ID != night.ID || q.UsergroupID != "ugr_fleet" || q.CPID != f.cpidA {
			t.Errorf("fleet member quote: %+v, %v", q, err)
		}
		q, err = f.tariff.PriceFor(sys(), f.cpidA, f.driverB)
		if err != nil || q.UsergroupID != volt.PublicUsergroupID {
			t.Errorf("public quote: %+v, %v", q, err)
		}
		q, err = f.tariff.PriceFor(sys(), f.cpidA, f.engineer)
		if err != nil || !q.FreeVend {
			t.Errorf("engineer quote: %+v, %v", q, err)
		}
		if _, err := f.tariff.PriceFor(sys(), f.cpidPrivA, f.driverB); volt.ErrorCode(err) != volt.EFORBIDDEN {
			t.Errorf("private group without access: %v", err)
		}
		other := volt.NewContextWithActor(context.Background(), &volt.Actor{UserID: f.driverB})
		if _, err := f.tariff.PriceFor(other, f.cpidA, f.driver); volt.ErrorCode(err) != volt.ENOTFOUND {
			t.Errorf("a driver asking for another's price: %v", err)
		}
		if err := f.tariff.DeleteTariff(sys(), night.ID); volt.ErrorCode(err) != volt.ECONFLICT {
			t.Errorf("delete assigned tariff: %v", err)
		}
		// A tariff edited mid-session changes nothing for that session.
		st := f.start(t, f.cpidA, 1, "CARD-B", 0, f.now)
		list, _, _ = f.tariff.FindTariffs(sys(), volt.TariffFilter{})
		for _, x := range list {
			if x.Name == "Public" {
				x.EnergyPricePerKWh = volt.MustDecimal("9.99")
				if err := f.tariff.UpdateTariff(sys(), x); err != nil {
					t.Fatal(err)
				}
			}
		}
		res := f.stop(t, f.cpidA, st.TransactionID, 10_000, f.now.Add(time.Hour))
		if res.CDR.TotalCost == nil || res.CDR.TotalCost.InclVAT != 450 {
			t.Errorf("CDR cost after a mid-session edit: %+v, want 450", res.CDR.TotalCost)
		}
	})
}
