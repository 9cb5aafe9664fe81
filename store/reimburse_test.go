package store_test

import (
	"context"
	"testing"

	"github.com/volt-ev/volt"
	"github.com/volt-ev/volt/store"
	"github.com/volt-ev/volt/store/storetest"
)

// TestReimbursementJobOncePerDriverAndMonth: an owner's agreement with a
// driver for a home charger at 7.45p/kWh; the monthly job credits the
// driver's wallet once (run it twice), counting only that charger's
// sessions of that driver in that month; the statement states 5 % VAT.
func TestReimbursementJobOncePerDriverAndMonth(t *testing.T) {
	storetest.ForEachEngine(t, func(t *testing.T, db *store.DB) {
		f := newMoneyFixture(t, db)
		rs := store.NewReimbursementService(db)
		var owner string
		must(t, db.QueryRow(context.Background(), `SELECT owner_id FROM chargers WHERE cpid = ?`, f.cpidA).Scan(&owner))
		f.session(t, 2, "CARD-B", 12_345) // the driver's home session
		f.session(t, 1, "CARD-A", 5_000)  // someone else's
		staff := volt.NewContextWithActor(context.Background(), &volt.Actor{UserID: "s", Grants: []volt.Grant{{Role: volt.RoleStaff, CPOID: f.cpoA}}})
		ag := &volt.ReimbursementAgreement{OwnerID: owner, UserID: f.driverB, CPID: f.cpidA, Rate: volt.MustDecimal("0.0745")}
		if err := rs.CreateReimbursementAgreement(staff, ag); volt.ErrorCode(err) != volt.EFORBIDDEN {
			t.Errorf("staff makes an agreement: %v", err)
		}
		if err := rs.CreateReimbursementAgreement(sys(), &volt.ReimbursementAgreement{OwnerID: owner, UserID: f.driverB, CPID: f.cpidB,
			Rate: volt.MustDecimal("0.0745")}); volt.ErrorCode(err) != volt.EINVALID {
			t.Errorf("another owner's charger as home charger: %v", err)
		}
		must(t, rs.CreateReimbursementAgreement(sys(), ag))
		for i := range 2 {
			n, err := rs.RunReimbursements(sys(), f.now)
			if err != nil || n != 1-i {
				t.Fatalf("run %d: %d new, %v", i, n, err)
			}
		}
		drv := volt.NewContextWithActor(context.Background(), &volt.Actor{UserID: f.driverB})
		sts, total, err := rs.FindReimbursementStatements(drv, volt.ReimbursementFilter{})
		if err != nil || total != 1 {
			t.Fatalf("driver's statements: %d, %v", total, err)
		}
		st := sts[0]
		// 12.345 kWh × 0.0745 = 0.9197 → 92p, of which VAT 92 × 0.05/1.05 = 4.38 → 4p.
		if st.Sessions != 1 || st.EnergyWh != 12_345 || st.Amount != 92 || st.VAT != 4 || st.CPID != f.cpidA || st.VATRate.String() != "0.05" {
			t.Fatalf("statement %+v", st)
		}
		if w, _ := f.money.FindWallet(drv, f.driverB, "GBP"); w.Balance != 92 {
			t.Errorf("wallet %d, want 92", w.Balance)
		}
		other := volt.NewContextWithActor(context.Background(), &volt.Actor{UserID: f.driver})
		if _, n, _ := rs.FindReimbursementStatements(other, volt.ReimbursementFilter{}); n != 0 {
			t.Errorf("another driver sees %d statements", n)
		}
		if _, err := rs.FindReimbursementStatementByID(other, st.ID); volt.ErrorCode(err) != volt.ENOTFOUND {
			t.Errorf("another driver reads the statement: %v", err)
		}
		if got, err := rs.FindReimbursementStatementByID(staff, st.ID); err != nil || got.Amount != 92 {
			t.Errorf("company staff read: %+v, %v", got, err)
		}
		if _, err := rs.RunReimbursements(staff, f.now); volt.ErrorCode(err) != volt.EFORBIDDEN {
			t.Errorf("staff runs the job: %v", err)
		}
		f.audit(t)
	})
}

func TestVATIncluded(t *testing.T) {
	for _, c := range []struct{ amount, want int64 }{{105, 5}, {92, 4}, {21, 1}, {0, 0}, {1050, 50}} {
		if got := volt.VATIncluded(c.amount, volt.DomesticVATRate); got != c.want {
			t.Errorf("VAT in %d at 5%%: %d, want %d", c.amount, got, c.want)
		}
	}
}
