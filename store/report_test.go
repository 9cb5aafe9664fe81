package store_test

import (
	"context"
	"fmt"
	"os"
	"strconv"
	"testing"
	"time"

	"github.com/volt-ev/volt"
	"github.com/volt-ev/volt/payment/sandbox"
	"github.com/volt-ev/volt/store"
	"github.com/volt-ev/volt/store/storetest"
)

func TestIncomeReportAndSocketFees(t *testing.T) {
	storetest.ForEachEngine(t, func(t *testing.T, db *store.DB) {
		f := newMoneyFixture(t, db)
		fees := &volt.Fees{Currency: "GBP", VATRate: volt.MustDecimal("0.2"),
			Transaction: volt.FeeRule{Flat: volt.MustDecimal("0.20")},
			Socket:      volt.SocketFee{Period: volt.FeeMonthly, Rule: volt.FeeRule{Flat: volt.MustDecimal("1.00")}}}
		if err := f.money.SetMoneySettings(sys(), &volt.MoneySettings{CPOID: f.cpoA, MinBalance: 500, HoldAmount: 3000, Fees: fees}); err != nil {
			t.Fatal(err)
		}
		staff := volt.NewContextWithActor(context.Background(), &volt.Actor{UserID: "s", Grants: []volt.Grant{{Role: volt.RoleStaff, CPOID: f.cpoA}}})
		if err := f.money.SetMoneySettings(staff, &volt.MoneySettings{CPOID: f.cpoA, HoldAmount: 1}); volt.ErrorCode(err) != volt.EFORBIDDEN {
			t.Errorf("staff sets money settings: %v", err)
		}
		drv := volt.NewContextWithActor(context.Background(), &volt.Actor{UserID: f.driverB})
		if _, err := f.money.TopUp(drv, f.driverB, volt.Money{Amount: 2000, Currency: "GBP"}, sandbox.CardOK, "t"); err != nil {
			t.Fatal(err)
		}
		if _, err := f.money.PreAuthorize(sys(), volt.PreAuthRequest{Kind: volt.PaymentContactless, TerminalID: "T1", CPID: f.cpidA,
			ConnectorID: 1, Card: sandbox.CardOK, IdempotencyKey: "tap"}); err != nil {
			t.Fatal(err)
		}
		c1 := f.session(t, 1, "CARD-A", 10_000) // contactless, 4.50
		c2 := f.session(t, 2, "CARD-B", 10_000) // credit, 4.50
		for _, c := range []*volt.CDR{c1, c2} {
			if err := f.money.OnCDR(sys(), c); err != nil {
				t.Fatal(err)
			}
		}
		for range 2 {
			if _, err := f.money.ChargeSocketFees(sys(), volt.FeeMonthly, f.now); err != nil {
				t.Fatal(err)
			}
		}
		var owner string
		_ = db.QueryRow(context.Background(), `SELECT owner_id FROM chargers WHERE cpid = ?`, f.cpidA).Scan(&owner)
		from := time.Date(f.now.Year(), f.now.Month(), 1, 0, 0, 0, 0, time.UTC)
		rep, err := store.NewReportService(db).IncomeReport(staff, volt.IncomeFilter{OwnerID: owner, From: from, To: from.AddDate(0, 1, 0)})
		if err != nil {
			t.Fatal(err)
		}
		// 4 sockets × 1.00; 2 × 0.20 transaction fees; VAT 0.75 of each 4.50.
		want := volt.IncomeReport{Sessions: 2, ContactlessIncome: 450, CreditIncome: 450, DirectIncome: 900,
			TransactionFees: 40, SocketFees: 400, VAT: 150, NetPayment: 900 - 40 - 400 - 150}
		if rep.Sessions != want.Sessions || rep.ContactlessIncome != want.ContactlessIncome || rep.CreditIncome != want.CreditIncome ||
			rep.TransactionFees != want.TransactionFees || rep.SocketFees != want.SocketFees || rep.VAT != want.VAT ||
			rep.NetPayment != want.NetPayment || rep.ThirdPartyIncome != 0 || len(rep.Sites) != 1 {
			t.Errorf("report %+v\nwant %+v", rep, want)
		}
		if _, err := store.NewReportService(db).IncomeReport(drv, volt.IncomeFilter{OwnerID: owner, From: from, To: from.AddDate(0, 1, 0)}); volt.ErrorCode(err) != volt.ENOTFOUND {
			t.Errorf("driver reads owner's income: %v", err)
		}
		f.audit(t)
		if fee, _ := f.ledger.Balance(context.Background(), volt.AccountFees, "GBP"); fee != -(40 + 400) {
			t.Errorf("platform fee income %d, want -440", fee)
		}
	})
}

// BenchmarkIncomeReport1M reports an owner's month over 1,000,000 charged
// CDRs (income lines) spread over 10 owners, 100 sites and 12 months.
// VOLT_BENCH_CDRS overrides the count.
func BenchmarkIncomeReport1M(b *testing.B) {
	n := 1_000_000
	if s := os.Getenv("VOLT_BENCH_CDRS"); s != "" {
		n, _ = strconv.Atoi(s)
	}
	for _, e := range storetest.Engines(b) {
		b.Run(e.Name, func(b *testing.B) {
			db := e.Open(b)
			ctx := context.Background()
			start := time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)
			const batch = 500
			for i := 0; i < n; i += batch {
				q := `INSERT INTO income_lines (cdr_id, cpo_id, owner_id, site_id, channel, currency, stopped_at, energy_wh, incl_vat, vat, transaction_fee) VALUES `
				var args []any
				for j := i; j < min(i+batch, n); j++ {
					if j > i {
						q += ", "
					}
					q += "(?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)"
					args = append(args, fmt.Sprintf("cdr_%08d", j), "cpo_1", fmt.Sprintf("own_%d", j%10), fmt.Sprintf("sit_%d", j%100),
						[]string{"app", "credit", "contactless"}[j%3], "GBP", start.Add(time.Duration(j)*30*time.Second).UnixMilli(),
						int64(10_000+j%5000), int64(450+j%300), int64(75+j%50), int64(20))
				}
				if _, err := db.Exec(ctx, q, args...); err != nil {
					b.Fatal(err)
				}
			}
			for _, stmt := range []string{`INSERT INTO cpos (id, name, currency, created_at, updated_at) VALUES ('cpo_1', 'c', 'GBP', 0, 0)`,
				`INSERT INTO owners (id, cpo_id, name, created_at, updated_at) VALUES ('own_1', 'cpo_1', 'o', 0, 0)`} {
				if _, err := db.Exec(ctx, stmt); err != nil {
					b.Fatal(err)
				}
			}
			if db.Dialect == store.Postgres {
				_, _ = db.Exec(ctx, `ANALYZE income_lines`)
			}
			svc := store.NewReportService(db)
			for _, scope := range []volt.IncomeFilter{
				{CPOID: "cpo_1", From: start, To: start.AddDate(1, 0, 0)},
				{OwnerID: "own_1", From: start.AddDate(0, 3, 0), To: start.AddDate(0, 4, 0)},
			} {
				name := "cpo-year"
				if scope.OwnerID != "" {
					name = "owner-month"
				}
				b.Run(name, func(b *testing.B) {
					for b.Loop() {
						r, err := svc.IncomeReport(sys(), scope)
						if err != nil || r.Sessions == 0 {
							b.Fatalf("report: %+v, %v", r, err)
						}
					}
				})
			}
		})
	}
}
