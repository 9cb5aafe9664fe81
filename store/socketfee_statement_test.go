package store_test

import (
	"context"
	"sync/atomic"
	"testing"
	"time"

	"github.com/volt-ev/volt"
	"github.com/volt-ev/volt/payment/sandbox"
	"github.com/volt-ev/volt/store"
	"github.com/volt-ev/volt/store/storetest"
)

// TestSocketFeeStatementsBilledOnce bills a month's socket fees, bills it
// again (replaced, never doubled) and with a changed rate (the difference
// posted), and runs the job twice (one statement per CPO and period); the
// owner's income report deducts what the statement says.
func TestSocketFeeStatementsBilledOnce(t *testing.T) {
	storetest.ForEachEngine(t, func(t *testing.T, db *store.DB) {
		f := newMoneyFixture(t, db)
		svc := store.NewSocketFeeService(db)
		setFees := func(flat string) {
			t.Helper()
			fees := &volt.Fees{Currency: "GBP", VATRate: volt.MustDecimal("0.2"), Transaction: volt.FeeRule{Flat: volt.MustDecimal("0.20")},
				Socket: volt.SocketFee{Period: volt.FeeMonthly, Rule: volt.FeeRule{Flat: volt.MustDecimal(flat), Percent: volt.MustDecimal("10")}}}
			if err := f.money.SetMoneySettings(sys(), &volt.MoneySettings{CPOID: f.cpoA, MinBalance: 500, HoldAmount: 3000, Fees: fees}); err != nil {
				t.Fatal(err)
			}
		}
		setFees("1.00")
		drv := volt.NewContextWithActor(context.Background(), &volt.Actor{UserID: f.driverB})
		if _, err := f.money.TopUp(drv, f.driverB, volt.Money{Amount: 2000, Currency: "GBP"}, sandbox.CardOK, "t"); err != nil {
			t.Fatal(err)
		}
		if err := f.money.OnCDR(sys(), f.session(t, 2, "CARD-B", 10_000)); err != nil { // credit, 4.50
			t.Fatal(err)
		}
		staff := volt.NewContextWithActor(context.Background(), &volt.Actor{UserID: "s", Grants: []volt.Grant{{Role: volt.RoleStaff, CPOID: f.cpoA}}})
		other := volt.NewContextWithActor(context.Background(), &volt.Actor{UserID: "b", Grants: []volt.Grant{{Role: volt.RoleAdmin, CPOID: f.cpoB}}})
		var owner string
		_ = db.QueryRow(context.Background(), `SELECT owner_id FROM chargers WHERE cpid = ?`, f.cpidA).Scan(&owner)
		march := time.Date(2026, 3, 1, 0, 0, 0, 0, time.UTC)
		check := func(rev int, amount int64) *volt.SocketFeeStatement {
			t.Helper()
			sts, n, err := svc.FindSocketFeeStatements(staff, volt.SocketFeeFilter{CPOID: f.cpoA, Period: "2026-03"})
			if err != nil || n != 1 {
				t.Fatalf("statements %d, %v", n, err)
			}
			st, err := svc.FindSocketFeeStatementByID(staff, sts[0].ID)
			if err != nil {
				t.Fatal(err)
			}
			// 4 sockets × flat + 10 % of 4.50 income.
			if st.Revision != rev || st.Amount != amount || st.Sockets != 4 || st.Income != 450 || len(st.Lines) != 1 || st.Lines[0].Amount != amount {
				t.Errorf("statement %+v, want revision %d amount %d", st, rev, amount)
			}
			if _, vat := volt.VATOf(amount, volt.MustDecimal("0.2")); st.VAT != vat {
				t.Errorf("statement VAT %d, want %d", st.VAT, vat)
			}
			rep, err := store.NewReportService(db).IncomeReport(staff, volt.IncomeFilter{OwnerID: owner, From: march, To: march.AddDate(0, 1, 0)})
			if err != nil {
				t.Fatal(err)
			}
			if rep.SocketFees != amount || rep.NetPayment != 450-75-20-amount {
				t.Errorf("income report socket fees %d net %d, want %d and %d", rep.SocketFees, rep.NetPayment, amount, 450-75-20-amount)
			}
			if fee, _ := f.ledger.Balance(context.Background(), volt.AccountFees, "GBP"); fee != -(20 + amount) {
				t.Errorf("platform fee income %d, want %d", fee, -(20 + amount))
			}
			if _, err := svc.FindSocketFeeStatementByID(other, st.ID); volt.ErrorCode(err) != volt.ENOTFOUND {
				t.Errorf("another CPO reads the statement: %v", err)
			}
			return st
		}
		super := volt.NewContextWithActor(context.Background(), &volt.Actor{UserID: "root", SuperAdmin: true})
		if _, err := svc.BillSocketFees(staff, f.cpoA, "2026-03"); volt.ErrorCode(err) != volt.EFORBIDDEN {
			t.Errorf("staff bills socket fees: %v", err)
		}
		if _, err := svc.BillSocketFees(other, f.cpoA, "2026-03"); volt.ErrorCode(err) != volt.ENOTFOUND {
			t.Errorf("another CPO bills socket fees: %v", err)
		}
		if _, err := svc.BillSocketFees(super, f.cpoA, "2026"); volt.ErrorCode(err) != volt.EINVALID {
			t.Errorf("a year billed on a monthly fee: %v", err)
		}
		if _, err := svc.BillSocketFees(super, f.cpoA, "2026-3"); volt.ErrorCode(err) != volt.EINVALID {
			t.Errorf("a bad period: %v", err)
		}
		if _, err := svc.BillSocketFees(super, f.cpoA, "2026-03"); err != nil {
			t.Fatal(err)
		}
		check(1, 445)
		if _, err := svc.BillSocketFees(super, f.cpoA, "2026-03"); err != nil { // again: replaces
			t.Fatal(err)
		}
		check(2, 445)
		setFees("2.00")
		if _, err := svc.BillSocketFees(super, f.cpoA, "2026-03"); err != nil { // new rate: the difference
			t.Fatal(err)
		}
		check(3, 845)
		// The job bills the month before, once, and leaves billed months alone.
		for i, want := range []int{1, 0} {
			n, err := svc.RunSocketFees(sys(), time.Date(2026, 4, 2, 0, 0, 0, 0, time.UTC))
			if err != nil || n != 0 {
				t.Errorf("job run %d in April (March billed): %d, %v", i, n, err)
			}
			n, err = svc.RunSocketFees(sys(), time.Date(2026, 5, 2, 0, 0, 0, 0, time.UTC))
			if err != nil || n != want {
				t.Errorf("job run %d in May: %d statements, %v; want %d", i, n, err, want)
			}
		}
		// April: 4 sockets × 2.00, no income.
		if sts, n, err := svc.FindSocketFeeStatements(staff, volt.SocketFeeFilter{Period: "2026-04"}); err != nil || n != 1 || sts[0].Amount != 800 {
			t.Errorf("April statements %d, %v", n, err)
		}
		if fee, _ := f.ledger.Balance(context.Background(), volt.AccountFees, "GBP"); fee != -(20 + 845 + 800) {
			t.Errorf("platform fee income %d, want %d", fee, -(20 + 845 + 800))
		}
		// The platform's own report: March 0.20 + 8.45 = 8.65 with VAT
		// 1.44 (8.65 / 1.2 = 7.21 excl. VAT), April 8.00 (VAT 1.33).
		reports := store.NewReportService(db)
		if _, err := reports.PlatformIncome(staff, volt.PlatformIncomeFilter{From: march, To: march.AddDate(0, 2, 0)}); volt.ErrorCode(err) != volt.ENOTFOUND {
			t.Errorf("CPO staff reads the platform income: %v", err)
		}
		pi, err := reports.PlatformIncome(super, volt.PlatformIncomeFilter{From: march, To: march.AddDate(0, 2, 0)})
		if err != nil {
			t.Fatal(err)
		}
		want := []volt.PlatformIncomeLine{
			{CPOID: f.cpoA, CPOName: "CPO A", Month: "2026-03", Currency: "GBP", Sessions: 1, TransactionFees: 20, SocketFees: 845, Fees: 865, VAT: 144, FeesExclVAT: 721},
			{CPOID: f.cpoA, CPOName: "CPO A", Month: "2026-04", Currency: "GBP", SocketFees: 800, Fees: 800, VAT: 133, FeesExclVAT: 667},
		}
		if len(pi.Lines) != 2 || pi.Lines[0] != want[0] || pi.Lines[1] != want[1] || len(pi.Totals) != 1 || pi.Totals[0].Fees != 1665 || pi.Totals[0].VAT != 277 {
			t.Errorf("platform income %+v\nwant %+v", pi, want)
		}
		f.audit(t)
	})
}

// TestSocketFeesConcurrentRuns runs the job and re-runs of one period at
// once (as two nodes might): one statement, and the ledger holds the fee
// once.
func TestSocketFeesConcurrentRuns(t *testing.T) {
	storetest.ForEachEngine(t, func(t *testing.T, db *store.DB) {
		f := newMoneyFixture(t, db)
		svc := store.NewSocketFeeService(db)
		fees := &volt.Fees{Currency: "GBP", VATRate: volt.MustDecimal("0.2"),
			Socket: volt.SocketFee{Period: volt.FeeMonthly, Rule: volt.FeeRule{Flat: volt.MustDecimal("1.00")}}}
		if err := f.money.SetMoneySettings(sys(), &volt.MoneySettings{CPOID: f.cpoA, MinBalance: 500, HoldAmount: 3000, Fees: fees}); err != nil {
			t.Fatal(err)
		}
		super := volt.NewContextWithActor(context.Background(), &volt.Actor{UserID: "root", SuperAdmin: true})
		errs := make(chan error, 8)
		var jobs atomic.Int64
		for i := range 8 {
			go func() {
				if i%2 == 0 {
					n, err := svc.RunSocketFees(sys(), time.Date(2026, 4, 2, 0, 0, 0, 0, time.UTC))
					jobs.Add(int64(n))
					errs <- err
					return
				}
				_, err := svc.BillSocketFees(super, f.cpoA, "2026-03")
				errs <- err
			}()
		}
		for range 8 {
			if err := <-errs; err != nil {
				t.Error(err)
			}
		}
		sts, n, err := svc.FindSocketFeeStatements(super, volt.SocketFeeFilter{CPOID: f.cpoA})
		if err != nil || n != 1 || sts[0].Amount != 400 || jobs.Load() > 1 {
			t.Errorf("statements %d (%v), job runs that billed %d", n, err, jobs.Load())
		}
		if fee, _ := f.ledger.Balance(context.Background(), volt.AccountFees, "GBP"); fee != -400 {
			t.Errorf("platform fee income %d, want -400", fee)
		}
		f.audit(t)
	})
}
