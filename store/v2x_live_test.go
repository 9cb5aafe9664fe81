package store_test

import (
	"context"
	"reflect"
	"testing"
	"time"

	"github.com/volt-ev/volt"
	"github.com/volt-ev/volt/payment/sandbox"
	"github.com/volt-ev/volt/store"
	"github.com/volt-ev/volt/store/storetest"
)

// v2xStep is one MeterValues message of a V2X session: minutes after the
// start, the import and the export register.
type v2xStep struct {
	min            int
	importWh, expo int64
}

// v2xSteps charge, give back with the import register flat, charge again,
// then give back more than the session cost.
var v2xSteps = []v2xStep{
	{0, 1000, 500},
	{10, 3000, 500},
	{20, 3000, 1700}, // discharging only: the import register does not move
	{30, 3000, 2833},
	{40, 5000, 2833},
	{50, 5000, 20000}, // the credit exceeds the cost
}

func v2xSamples(at time.Time, s v2xStep) []volt.MeterSample {
	return []volt.MeterSample{register(at, itoa(s.importWh), "Wh"),
		{Timestamp: at, Measurand: "Energy.Active.Export.Register", Unit: "Wh", Value: itoa(s.expo)}}
}

func itoa(n int64) string { return volt.NewDecimalInt(n).String() }

// v2xFixture is a money fixture whose tariff credits 0.15 per kWh given
// back and whose driver B has 50.00 in the wallet.
func v2xFixture(t *testing.T, db *store.DB) *moneyFixture {
	t.Helper()
	f := newMoneyFixture(t, db)
	list, _, err := f.tariff.FindTariffs(sys(), volt.TariffFilter{CPOID: f.cpoA})
	if err != nil || len(list) != 1 {
		t.Fatalf("tariffs %d, %v", len(list), err)
	}
	price := volt.MustDecimal("0.15")
	list[0].ExportPricePerKWh = &price
	list[0].SessionFee = volt.MustDecimal("0.30")
	if err := f.tariff.UpdateTariff(sys(), list[0]); err != nil {
		t.Fatal(err)
	}
	drv := volt.NewContextWithActor(context.Background(), &volt.Actor{UserID: f.driverB})
	if _, err := f.money.TopUp(drv, f.driverB, volt.Money{Amount: 5000, Currency: "GBP"}, sandbox.CardOK, "v2x"); err != nil {
		t.Fatal(err)
	}
	return f
}

// TestV2XLiveCostEqualsCDR (issue 15): the live cost of a V2X session
// credits the energy given back at every meter reading, also when only
// the export register moved, and at each step equals, to the penny and
// line by line, the CDR of a stop at that step. Session k replays the
// first k steps (a week apart, so the same times of day) and stops at the
// k-th.
func TestV2XLiveCostEqualsCDR(t *testing.T) {
	storetest.ForEachEngine(t, func(t *testing.T, db *store.DB) {
		f := v2xFixture(t, db)
		var lives []*volt.Cost
		for k := 1; k < len(v2xSteps); k++ {
			base := f.now.Add(time.Duration(k) * 7 * 24 * time.Hour)
			st := f.start(t, f.cpidA, 1, "CARD-B", v2xSteps[0].importWh, base)
			txID := st.TransactionID
			var live *volt.Session
			for _, s := range v2xSteps[:k+1] {
				var err error
				live, err = f.svc.RecordMeterValues(sys(), volt.MeterReport{CPID: f.cpidA, ConnectorID: 1, TransactionID: &txID,
					Samples: v2xSamples(base.Add(time.Duration(s.min)*time.Minute), s)})
				if err != nil {
					t.Fatal(err)
				}
			}
			step := v2xSteps[k]
			if live == nil || live.LiveCost == nil || live.ExportedWh != step.expo-v2xSteps[0].expo {
				t.Fatalf("step %d: live session %+v, want %d Wh exported and a cost", k, live, step.expo-v2xSteps[0].expo)
			}
			stored, err := f.svc.FindSessionByID(sys(), live.ID)
			if err != nil || stored.ExportedWh != live.ExportedWh || !reflect.DeepEqual(stored.LiveCost, live.LiveCost) {
				t.Fatalf("step %d: stored session %+v, %v; want the live %+v", k, stored, err, live)
			}
			at := base.Add(time.Duration(step.min) * time.Minute)
			res, err := f.svc.StopTransaction(sys(), volt.StopRequest{CPID: f.cpidA, TransactionID: txID, MeterStop: step.importWh,
				At: at, Reason: "EVDisconnected", Samples: v2xSamples(at, step)})
			if err != nil {
				t.Fatal(err)
			}
			if res.CDR == nil || res.CDR.TotalCost == nil || !reflect.DeepEqual(*res.CDR.TotalCost, *live.LiveCost) ||
				res.CDR.ExportedWh != live.ExportedWh {
				t.Fatalf("step %d: CDR %+v cost %+v, live %+v", k, res.CDR, res.CDR.TotalCost, live.LiveCost)
			}
			lives = append(lives, live.LiveCost)
		}
		// Figures: 2 kWh × 0.45 + 0.30 = 1.20; 1.2 kWh back × 0.15 = 0.18 off
		// while the import stands still; 2.333 kWh × 0.15 = 0.34995 → 0.35
		// off; 4 kWh: 2.10 − 0.35; 19.5 kWh × 0.15 = 2.925 → 2.93 against
		// 2.10: nothing to pay and 0.83 beyond the cost.
		want := []struct{ incl, payout int64 }{{120, 0}, {102, 0}, {85, 0}, {175, 0}, {0, 83}}
		for i, w := range want {
			if lives[i].InclVAT != w.incl || lives[i].ExportPayout != w.payout {
				t.Errorf("step %d: live %d (payout %d), want %d (%d): %+v", i+1, lives[i].InclVAT, lives[i].ExportPayout, w.incl, w.payout, lives[i].Components)
			}
		}
	})
}

// TestV2XCreditBeyondCostPaidToWallet (issue 15): when the export credit
// exceeds what a session cost, the CDR charges nothing and the difference
// is paid into the driver's wallet by the site's owner, in one posting
// keyed by the CDR: settling again (a replayed StopTransaction, OnCDR
// twice, the sweep) pays nothing more. A session whose credit stays within
// its cost pays nothing out.
func TestV2XCreditBeyondCostPaidToWallet(t *testing.T) {
	storetest.ForEachEngine(t, func(t *testing.T, db *store.DB) {
		f := v2xFixture(t, db)
		ctx := context.Background()
		drv := volt.NewContextWithActor(ctx, &volt.Actor{UserID: f.driverB})
		var owner string
		if err := db.QueryRow(ctx, `SELECT owner_id FROM chargers WHERE cpid = ?`, f.cpidA).Scan(&owner); err != nil {
			t.Fatal(err)
		}
		run := func(base time.Time, steps []v2xStep) *volt.CDR {
			t.Helper()
			st := f.start(t, f.cpidA, 1, "CARD-B", steps[0].importWh, base)
			txID := st.TransactionID
			for _, s := range steps[:len(steps)-1] {
				if _, err := f.svc.RecordMeterValues(sys(), volt.MeterReport{CPID: f.cpidA, ConnectorID: 1, TransactionID: &txID,
					Samples: v2xSamples(base.Add(time.Duration(s.min)*time.Minute), s)}); err != nil {
					t.Fatal(err)
				}
			}
			last := steps[len(steps)-1]
			at := base.Add(time.Duration(last.min) * time.Minute)
			stop := volt.StopRequest{CPID: f.cpidA, TransactionID: txID, MeterStop: last.importWh, At: at, Reason: "EVDisconnected",
				Samples: v2xSamples(at, last)}
			res, err := f.svc.StopTransaction(sys(), stop)
			if err != nil || res.CDR == nil {
				t.Fatalf("stop: %+v, %v", res, err)
			}
			for range 2 {
				if err := f.money.OnCDR(sys(), res.CDR); err != nil {
					t.Fatal(err)
				}
			}
			// The charger sends the StopTransaction again (its answer was lost).
			again, err := f.svc.StopTransaction(sys(), stop)
			if err != nil {
				t.Fatal(err)
			}
			if again.CDR != nil {
				if again.CDR.ID != res.CDR.ID {
					t.Fatalf("replayed stop made a second CDR %s", again.CDR.ID)
				}
				if err := f.money.OnCDR(sys(), again.CDR); err != nil {
					t.Fatal(err)
				}
			}
			return res.CDR
		}
		balance := func() int64 {
			t.Helper()
			w, err := f.money.FindWallet(drv, f.driverB, "GBP")
			if err != nil {
				t.Fatal(err)
			}
			return w.Balance
		}
		// Within the cost: 4 kWh × 0.45 + 0.30 = 2.10 − 0.35 = 1.75 paid.
		cdr := run(f.now.Add(24*time.Hour), v2xSteps[:5])
		if cdr.TotalCost.InclVAT != 175 || cdr.TotalCost.ExportPayout != 0 || balance() != 5000-175 {
			t.Fatalf("within the cost: CDR %+v, wallet %d; want 1.75 paid, 48.25 left", cdr.TotalCost, balance())
		}
		// Beyond it: 2.93 credit against 2.10: 0 paid, 0.83 into the wallet.
		cdr = run(f.now.Add(8*24*time.Hour), v2xSteps)
		if cdr.TotalCost.InclVAT != 0 || cdr.TotalCost.ExportPayout != 83 {
			t.Fatalf("beyond the cost: CDR %+v; want 0 to pay and 0.83 out", cdr.TotalCost)
		}
		if got := balance(); got != 5000-175+83 {
			t.Fatalf("wallet %d, want %d", got, 5000-175+83)
		}
		if n := f.count(t, `SELECT count(*) FROM ledger_postings WHERE kind = 'export_credit'`); n != 1 {
			t.Fatalf("%d export_credit postings, want 1", n)
		}
		var ownerSum, walletSum int64
		if err := db.QueryRow(ctx, `SELECT
			COALESCE(SUM(CASE WHEN e.account = ? THEN e.amount ELSE 0 END), 0),
			COALESCE(SUM(CASE WHEN e.account = ? THEN e.amount ELSE 0 END), 0)
			FROM ledger_entries e JOIN ledger_postings p ON p.id = e.posting_id
			WHERE p.kind = 'export_credit' AND p.idempotency_key = ? AND p.ref = ?`,
			volt.AccountOwner(owner), volt.AccountWallet(f.driverB), "export:"+cdr.ID, cdr.SessionID).Scan(&ownerSum, &walletSum); err != nil {
			t.Fatal(err)
		}
		if ownerSum != 83 || walletSum != -83 {
			t.Fatalf("export credit entries: owner %d, wallet %d; want 83, -83", ownerSum, walletSum)
		}
		f.audit(t)
	})
}
