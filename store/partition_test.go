package store_test

import (
	"context"
	"testing"
	"time"

	"github.com/volt-ev/volt"
	"github.com/volt-ev/volt/store"
	"github.com/volt-ev/volt/store/storetest"
)

// partitionOf returns the partition holding the rows matching where.
func partitionOf(t *testing.T, db *store.DB, table, where string, args ...any) string {
	t.Helper()
	var name string
	if err := db.QueryRow(context.Background(), `SELECT tableoid::regclass::text FROM `+table+` WHERE `+where+` LIMIT 1`, args...).Scan(&name); err != nil {
		t.Fatalf("partition of %s: %v", table, err)
	}
	return name
}

func TestMonthPartitionsOnPostgres(t *testing.T) {
	storetest.ForEachEngine(t, func(t *testing.T, db *store.DB) {
		if db.Dialect != store.Postgres {
			t.Skip("partitions are PostgreSQL's")
		}
		ctx := context.Background()
		f := newChargingFixture(t, db)
		now := time.Now().UTC()
		f.now = now
		// This month's partitions exist after migration and stay after
		// EnsurePartitions runs again.
		if err := db.EnsurePartitions(ctx, now); err != nil {
			t.Fatal(err)
		}
		if err := db.EnsurePartitions(ctx, now); err != nil {
			t.Fatalf("second run: %v", err)
		}
		res := f.start(t, f.cpidA, 1, "CARD-A", 1000, now)
		txID := res.TransactionID
		if _, err := f.svc.RecordMeterValues(sys(), volt.MeterReport{CPID: f.cpidA, ConnectorID: 1, TransactionID: &txID,
			Samples: []volt.MeterSample{register(now, "1500", "Wh")}}); err != nil {
			t.Fatal(err)
		}
		month := now.Format("y2006m01")
		if p := partitionOf(t, db, "meter_values", "cpid = ?", f.cpidA); p != "meter_values_"+month {
			t.Fatalf("meter value in %s, want meter_values_%s", p, month)
		}
		// A resent message still stores nothing twice across the partitioned index.
		if _, err := f.svc.RecordMeterValues(sys(), volt.MeterReport{CPID: f.cpidA, ConnectorID: 1, TransactionID: &txID,
			Samples: []volt.MeterSample{register(now, "1500", "Wh")}}); err != nil {
			t.Fatal(err)
		}
		if n := f.count(t, `SELECT count(*) FROM meter_values WHERE cpid = ?`, f.cpidA); n != 1 {
			t.Fatalf("%d meter rows after a resend, want 1", n)
		}
		// A charger clock years off lands in the DEFAULT partition.
		old := now.AddDate(-10, 0, 0)
		if _, err := f.svc.RecordMeterValues(sys(), volt.MeterReport{CPID: f.cpidA, ConnectorID: 2,
			Samples: []volt.MeterSample{register(old, "10", "Wh")}}); err != nil {
			t.Fatal(err)
		}
		if p := partitionOf(t, db, "meter_values", "sampled_at = ?", old.UnixMilli()); p != "meter_values_default" {
			t.Fatalf("a 10-year-old reading went to %s, want the default partition", p)
		}

		// The message log: this month's frames in this month's partition;
		// retention drops whole months before the cutoff.
		if err := f.svc.LogFrames(ctx, []volt.FrameLog{{CPID: f.cpidA, Direction: "in", Action: "Heartbeat", Frame: "[2,\"1\",\"Heartbeat\",{}]", At: now}}); err != nil {
			t.Fatal(err)
		}
		if p := partitionOf(t, db, "frame_log", "cpid = ?", f.cpidA); p != "frame_log_"+month {
			t.Fatalf("frame in %s, want frame_log_%s", p, month)
		}
		if err := db.EnsurePartitions(ctx, now.AddDate(0, -3, 0)); err != nil { // months gone by
			t.Fatal(err)
		}
		dropped, err := db.DropFramePartitions(ctx, now.AddDate(0, -1, 0))
		if err != nil {
			t.Fatal(err)
		}
		if len(dropped) == 0 {
			t.Fatal("no old month dropped")
		}
		for _, d := range dropped {
			if d == "frame_log_"+month || d == "frame_log_default" {
				t.Fatalf("dropped %s, which holds frames newer than the cutoff", d)
			}
		}
		if n := f.count(t, `SELECT count(*) FROM frame_log WHERE cpid = ?`, f.cpidA); n != 1 {
			t.Fatalf("%d frames after retention, want this month's 1", n)
		}
	})
}
