package store_test

import (
	"context"
	"encoding/json"
	"testing"

	"github.com/volt-ev/volt/store"
	"github.com/volt-ev/volt/store/storetest"
)

// TestMigration0008ConvertsMeterSamples fills meter_samples as a version 7
// database had them and checks that migration 8 keeps every sampled value,
// one meter_values row per time stamp, with the register reading parsed
// exactly ("3.5005" kWh is 3501 Wh, not a float's guess).
func TestMigration0008ConvertsMeterSamples(t *testing.T) {
	for _, e := range storetest.Engines(t) {
		t.Run(e.Name, func(t *testing.T) {
			ctx := context.Background()
			db, err := store.Open(ctx, e.DSN(t))
			if err != nil {
				t.Fatal(err)
			}
			defer db.Close()
			if err := db.MigrateTo(ctx, 7); err != nil {
				t.Fatal(err)
			}
			ins := func(session, cpid string, conn int, tx any, at int64, measurand, phase, location, unit, value string) {
				t.Helper()
				if _, err := db.Exec(ctx, `INSERT INTO meter_samples (session_id, cpid, connector_id, transaction_id, sampled_at,
					measurand, phase, location, context, unit, format, value) VALUES (?, ?, ?, ?, ?, ?, ?, ?, 'Sample.Periodic', ?, '', ?)`,
					session, cpid, conn, tx, at, measurand, phase, location, unit, value); err != nil {
					t.Fatal(err)
				}
			}
			reg := "Energy.Active.Import.Register"
			ins("S1", "100001", 1, int64(7), 1000, reg, "", "", "kWh", "3.5005")
			ins("S1", "100001", 1, int64(7), 1000, "Power.Active.Import", "", "", "W", "7200")
			ins("S1", "100001", 1, int64(7), 1000, "Current.Import", "L1", "", "A", "16")
			ins("S1", "100001", 1, int64(7), 1000, "SoC", "", "EV", "Percent", "42")
			ins("S1", "100001", 1, int64(7), 2000, reg, "", "", "Wh", "4000")
			ins("", "100002", 0, nil, 1500, reg, "", "", "Wh", "99")
			if _, err := db.Exec(ctx, `INSERT INTO meter_messages (cpid, digest, created_at) VALUES ('100001', 'x', 1)`); err != nil {
				t.Fatal(err)
			}
			if err := db.Migrate(ctx); err != nil {
				t.Fatal(err)
			}
			type row struct {
				session, cpid string
				tx, at        int64
				energy        *int64
				samples       int
			}
			rows, err := db.Query(ctx, `SELECT session_id, cpid, transaction_id, sampled_at, energy_wh, samples FROM meter_values ORDER BY cpid, sampled_at`)
			if err != nil {
				t.Fatal(err)
			}
			var got []row
			for rows.Next() {
				var r row
				var js string
				if err := rows.Scan(&r.session, &r.cpid, &r.tx, &r.at, &r.energy, &js); err != nil {
					t.Fatal(err)
				}
				var s []map[string]string
				if err := json.Unmarshal([]byte(js), &s); err != nil {
					t.Fatalf("samples %q: %v", js, err)
				}
				for _, smp := range s {
					if smp["context"] != "Sample.Periodic" || smp["value"] == "" || smp["measurand"] == "" {
						t.Errorf("sample lost a field: %v", smp)
					}
				}
				r.samples = len(s)
				got = append(got, r)
			}
			rows.Close()
			wh := func(v int64) *int64 { return &v }
			want := []row{
				{"S1", "100001", 7, 1000, wh(3501), 4},
				{"S1", "100001", 7, 2000, wh(4000), 1},
				{"", "100002", 0, 1500, wh(99), 1},
			}
			if len(got) != len(want) {
				t.Fatalf("%d rows, want %d: %+v", len(got), len(want), got)
			}
			for i := range want {
				g, w := got[i], want[i]
				if g.session != w.session || g.cpid != w.cpid || g.tx != w.tx || g.at != w.at || g.samples != w.samples ||
					g.energy == nil || *g.energy != *w.energy {
					t.Errorf("row %d = %+v (energy %v), want %+v (energy %d)", i, g, g.energy, w, *w.energy)
				}
			}
			for _, table := range []string{"meter_samples", "meter_messages"} {
				if _, err := db.Exec(ctx, `SELECT count(*) FROM `+table); err == nil {
					t.Errorf("%s still exists", table)
				}
			}
		})
	}
}
