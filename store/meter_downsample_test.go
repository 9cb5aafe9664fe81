package store_test

import (
	"context"
	"fmt"
	"testing"
	"time"

	"github.com/volt-ev/volt"
	"github.com/volt-ev/volt/store"
	"github.com/volt-ev/volt/store/storetest"
)

// TestDownsampleMeterValues (both engines): an ended session's meter
// values, one a minute for 40 minutes, are thinned to the first, the last
// and the first of each 15 minutes; only once it ended before the cut-off,
// only once, and an open session is never touched (issue 12, retention).
func TestDownsampleMeterValues(t *testing.T) {
	storetest.ForEachEngine(t, func(t *testing.T, db *store.DB) {
		f := newChargingFixture(t, db)
		ctx := sys()
		t0 := f.now.Add(-2 * time.Hour) // 10:00 UTC, on a 15-minute boundary
		meter := func(txID int64, at time.Time, wh int64) {
			t.Helper()
			if _, err := f.svc.RecordMeterValues(ctx, volt.MeterReport{CPID: f.cpidA, ConnectorID: 1, TransactionID: &txID,
				Samples: []volt.MeterSample{register(at, fmt.Sprint(wh), "Wh"),
					{Timestamp: at, Measurand: "Power.Active.Import", Unit: "W", Value: "7000"}}}); err != nil {
				t.Fatal(err)
			}
		}
		times := func(txID int64) []string {
			t.Helper()
			rows, err := db.Query(context.Background(), `SELECT DISTINCT sampled_at FROM meter_values WHERE cpid = ? AND transaction_id = ? ORDER BY sampled_at`, f.cpidA, txID)
			if err != nil {
				t.Fatal(err)
			}
			defer rows.Close()
			var out []string
			for rows.Next() {
				var ms int64
				if err := rows.Scan(&ms); err != nil {
					t.Fatal(err)
				}
				out = append(out, time.UnixMilli(ms).UTC().Format("15:04"))
			}
			return out
		}
		rowsOf := func(txID int64) int {
			t.Helper()
			var n int
			if err := db.QueryRow(context.Background(), `SELECT count(*) FROM meter_values WHERE cpid = ? AND transaction_id = ?`, f.cpidA, txID).Scan(&n); err != nil {
				t.Fatal(err)
			}
			return n
		}
		ended := f.start(t, f.cpidA, 1, "card-a", 1000, t0)
		for k := 1; k <= 40; k++ {
			meter(ended.TransactionID, t0.Add(time.Duration(k)*time.Minute), 1000+int64(k)*100)
		}
		f.stop(t, f.cpidA, ended.TransactionID, 5100, t0.Add(41*time.Minute))
		open := f.start(t, f.cpidA, 1, "card-a", 5100, t0.Add(50*time.Minute))
		for k := 51; k <= 70; k++ {
			meter(open.TransactionID, t0.Add(time.Duration(k)*time.Minute), 5100+int64(k)*100)
		}
		if got := len(times(ended.TransactionID)); got != 40 {
			t.Fatalf("%d sampled times stored, want 40", got)
		}
		before := rowsOf(ended.TransactionID)

		// Cut-off before the session ended: nothing yet.
		n, del, err := f.svc.DownsampleMeterValues(ctx, t0.Add(40*time.Minute), 15*time.Minute, 100)
		if err != nil || n != 0 || del != 0 {
			t.Fatalf("before the session ended: %d sessions, %d rows (%v), want none", n, del, err)
		}
		n, del, err = f.svc.DownsampleMeterValues(ctx, f.now.Add(24*time.Hour), 15*time.Minute, 100)
		if err != nil || n != 1 {
			t.Fatalf("thinned %d sessions (%v), want the ended one", n, err)
		}
		want := []string{"10:01", "10:15", "10:30", "10:40"}
		if got := times(ended.TransactionID); fmt.Sprint(got) != fmt.Sprint(want) {
			t.Fatalf("kept %v, want %v", got, want)
		}
		if left := rowsOf(ended.TransactionID); del == 0 || int64(before-left) != del {
			t.Fatalf("deleted %d rows, %d of %d left", del, left, before)
		}
		if got := len(times(open.TransactionID)); got != 20 {
			t.Fatalf("the open session has %d sampled times, want its 20 untouched", got)
		}
		n, _, err = f.svc.DownsampleMeterValues(ctx, f.now.Add(24*time.Hour), 15*time.Minute, 100)
		if err != nil || n != 0 {
			t.Fatalf("second run thinned %d sessions (%v), want none (done once)", n, err)
		}
		// The session's figures are those of its stop, untouched.
		if s, err := f.svc.StopTransaction(ctx, volt.StopRequest{CPID: f.cpidA, TransactionID: ended.TransactionID, MeterStop: 5100, At: t0.Add(41 * time.Minute), Reason: "EVDisconnected"}); err != nil || s.Session.EnergyWh != 4100 {
			t.Fatalf("replayed stop after thinning: %+v (%v), want 4100 Wh", s, err)
		}
	})
}
