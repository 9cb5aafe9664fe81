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
