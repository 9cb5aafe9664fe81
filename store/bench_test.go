package store_test

import (
	"context"
	"crypto/sha256"
	"database/sql"
	"fmt"
	"net/url"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/volt-ev/volt"
	"github.com/volt-ev/volt/store"
	"github.com/volt-ev/volt/store/storetest"
)

// Size of the FindChargers benchmark estate.
const (
	benchCPOs          = 50
	benchSitesPerCPO   = 40 // 2,000 sites
	benchGroupsPerSite = 2
	benchChargers      = 100_000 // 25 per group
	benchBatch         = 500
)

// benchEstate is the ids the benchmark queries use.
type benchEstate struct {
	cpo0, site0 string
	hostGroups  []string // the 10 groups of the benchmark host
}

func benchIDs() (cpos, sites, groups []string) {
	for c := range benchCPOs {
		cpos = append(cpos, fmt.Sprintf("cpo_bench%02d", c))
		for s := range benchSitesPerCPO {
			sites = append(sites, fmt.Sprintf("sit_bench%02d_%02d", c, s))
			for g := range benchGroupsPerSite {
				groups = append(groups, fmt.Sprintf("cgr_bench%02d_%02d_%d", c, s, g))
			}
		}
	}
	return cpos, sites, groups
}

func benchEstateIDs() benchEstate {
	cpos, sites, groups := benchIDs()
	return benchEstate{cpo0: cpos[0], site0: sites[0], hostGroups: groups[:10]}
}

// bulkInsert inserts rows into table in multi-row statements of benchBatch.
func bulkInsert(ctx context.Context, db *store.DB, table, cols string, rows [][]any) error {
	n := len(strings.Split(cols, ","))
	one := "(" + strings.TrimSuffix(strings.Repeat("?, ", n), ", ") + ")"
	for len(rows) > 0 {
		k := min(benchBatch, len(rows))
		batch := rows[:k]
		rows = rows[k:]
		args := make([]any, 0, k*n)
		for _, r := range batch {
			args = append(args, r...)
		}
		q := "INSERT INTO " + table + " (" + cols + ") VALUES " + strings.TrimSuffix(strings.Repeat(one+", ", k), ", ")
		if err := db.WithTx(ctx, func(tx *store.Tx) error { _, err := tx.Exec(ctx, q, args...); return err }); err != nil {
			return fmt.Errorf("bulk insert %s: %w", table, err)
		}
	}
	return nil
}

// buildBenchEstate fills an empty migrated database with the estate.
func buildBenchEstate(ctx context.Context, db *store.DB) error {
	cpos, sites, groups := benchIDs()
	var cpoRows, ownerRows, siteRows, groupRows, chargerRows, connRows [][]any
	for i, c := range cpos {
		cpoRows = append(cpoRows, []any{c, fmt.Sprintf("Bench CPO %d", i), "GBP", 0, 0})
		ownerRows = append(ownerRows, []any{"own" + c[3:], c, "Owner " + c, 0, 0})
	}
	for i, s := range sites {
		c := cpos[i/benchSitesPerCPO]
		siteRows = append(siteRows, []any{s, c, "own" + c[3:], "Site " + s, "Europe/London", 0, 0})
	}
	for i, g := range groups {
		s := sites[i/benchGroupsPerSite]
		c := cpos[i/(benchGroupsPerSite*benchSitesPerCPO)]
		groupRows = append(groupRows, []any{g, c, "own" + c[3:], s, "Group " + g, 0, 0})
	}
	hash := "$argon2id$v=19$m=19456,t=2,p=1$c2FsdHNhbHRzYWx0c2FsdA$aGFzaGhhc2hoYXNoaGFzaGhhc2hoYXNoaGFzaGhhc2g"
	perGroup := benchChargers / len(groups)
	for i := range benchChargers {
		gi := i / perGroup
		c := cpos[gi/(benchGroupsPerSite*benchSitesPerCPO)]
		cpid := volt.FormatCPID(int64(i + 1))
		chargerRows = append(chargerRows, []any{cpid, cpid, c, "own" + c[3:], sites[gi/benchGroupsPerSite], groups[gi],
			fmt.Sprintf("Bay %d", i%perGroup), fmt.Sprintf("SN%07d", i), i%3 == 0, hash, 0, 0})
		for k := 1; k <= 2; k++ {
			st := volt.StatusAvailable
			if i%7 == 0 && k == 1 {
				st = volt.StatusCharging
			}
			connRows = append(connRows, []any{cpid, k, string(st), 0})
		}
	}
	steps := []struct {
		table, cols string
		rows        [][]any
	}{
		{"cpos", "id, name, currency, created_at, updated_at", cpoRows},
		{"owners", "id, cpo_id, name, created_at, updated_at", ownerRows},
		{"sites", "id, cpo_id, owner_id, name, time_zone, created_at, updated_at", siteRows},
		{"charger_groups", "id, cpo_id, owner_id, site_id, name, created_at, updated_at", groupRows},
		{"chargers", "cpid, ocpp_identity, cpo_id, owner_id, site_id, charger_group_id, name, serial_number, online, password_hash, created_at, updated_at", chargerRows},
		{"connectors", "cpid, connector_id, status, status_at", connRows},
	}
	for _, s := range steps {
		if err := bulkInsert(ctx, db, s.table, s.cols, s.rows); err != nil {
			return err
		}
	}
	_, err := db.Exec(ctx, `UPDATE counters SET value = ? WHERE name = 'cpid'`, benchChargers)
	if err == nil && db.Dialect == store.Postgres {
		// VACUUM sets the visibility map so counts can be index-only scans.
		_, err = db.Exec(ctx, `VACUUM ANALYZE`)
	} else if err == nil {
		_, err = db.Exec(ctx, `ANALYZE`)
	}
	return err
}

// benchKey names the cached estate: the schema version and a hash of the
// migration files, so any schema change rebuilds it.
func benchKey(b *testing.B) string {
	files, err := filepath.Glob(filepath.Join("migrations", "*.sql"))
	if err != nil || len(files) == 0 {
		b.Fatalf("migrations for the bench key: %v", err)
	}
	h := sha256.New()
	for _, f := range files {
		data, err := os.ReadFile(f)
		if err != nil {
			b.Fatal(err)
		}
		h.Write(data)
	}
	return fmt.Sprintf("v%d_%x", store.KnownSchemaVersion(), h.Sum(nil)[:4])
}

func benchReady(ctx context.Context, db *store.DB) bool {
	var n int
	err := db.QueryRow(ctx, `SELECT count(*) FROM chargers`).Scan(&n)
	return err == nil && n == benchChargers
}

// openBenchSQLite returns the cached estate file under os.TempDir, building
// it once per schema version.
func openBenchSQLite(b *testing.B) *store.DB {
	ctx := context.Background()
	path := filepath.Join(os.TempDir(), "volt-bench-chargers-"+benchKey(b)+".db")
	if db, err := store.Open(ctx, path); err == nil {
		if benchReady(ctx, db) {
			b.Cleanup(func() { db.Close() })
			return db
		}
		db.Close()
	}
	tmp := path + ".building"
	for _, p := range []string{tmp, tmp + "-wal", tmp + "-shm"} {
		os.Remove(p)
	}
	db, err := store.Open(ctx, tmp)
	if err != nil {
		b.Fatal(err)
	}
	start := time.Now()
	if err := db.Migrate(ctx); err != nil {
		b.Fatal(err)
	}
	if err := buildBenchEstate(ctx, db); err != nil {
		b.Fatal(err)
	}
	if _, err := db.Exec(ctx, `PRAGMA wal_checkpoint(TRUNCATE)`); err != nil {
		b.Fatal(err)
	}
	db.Close()
	if err := os.Rename(tmp, path); err != nil {
		b.Fatal(err)
	}
	b.Logf("built SQLite estate %s in %v", path, time.Since(start))
	db, err = store.Open(ctx, path)
	if err != nil {
		b.Fatal(err)
	}
	b.Cleanup(func() { db.Close() })
	return db
}

// openBenchPostgres returns the estate kept in schema volt_bench_v<N> of the
// test server, building it once per schema version.
func openBenchPostgres(b *testing.B, base string) *store.DB {
	ctx := context.Background()
	schema := "volt_bench_" + benchKey(b)
	admin, err := sql.Open("pgx", base)
	if err != nil {
		b.Fatal(err)
	}
	defer admin.Close()
	u, err := url.Parse(base)
	if err != nil {
		b.Fatal(err)
	}
	q := u.Query()
	q.Set("search_path", schema)
	u.RawQuery = q.Encode()
	if _, err := admin.Exec(`CREATE SCHEMA IF NOT EXISTS ` + schema); err != nil {
		b.Fatal(err)
	}
	db, err := store.Open(ctx, u.String())
	if err != nil {
		b.Fatal(err)
	}
	b.Cleanup(func() { db.Close() })
	if benchReady(ctx, db) {
		return db
	}
	db.Close()
	if _, err := admin.Exec(`DROP SCHEMA ` + schema + ` CASCADE; CREATE SCHEMA ` + schema); err != nil {
		b.Fatal(err)
	}
	if db, err = store.Open(ctx, u.String()); err != nil {
		b.Fatal(err)
	}
	start := time.Now()
	if err := db.Migrate(ctx); err != nil {
		b.Fatal(err)
	}
	if err := buildBenchEstate(ctx, db); err != nil {
		b.Fatal(err)
	}
	b.Logf("built PostgreSQL estate in schema %s in %v", schema, time.Since(start))
	return db
}

// BenchmarkFindChargers lists chargers of a 100,000-charger estate (2,000
// sites, 50 CPOs) with filters and paging, as a super admin, a CPO admin and a
// host, on SQLite and (with VOLT_TEST_POSTGRES_URL) PostgreSQL. Besides ns/op
// it reports the p50 and p99 latency of one call in microseconds.
//
//	go test ./store -run '^$' -bench FindChargers -benchtime 200x
func BenchmarkFindChargers(b *testing.B) {
	engines := []struct {
		name string
		open func(*testing.B) *store.DB
	}{{"sqlite", openBenchSQLite}}
	if pg := os.Getenv(storetest.PostgresEnv); pg != "" {
		engines = append(engines, struct {
			name string
			open func(*testing.B) *store.DB
		}{"postgres", func(b *testing.B) *store.DB { return openBenchPostgres(b, pg) }})
	} else {
		b.Log(storetest.PostgresEnv + " unset: PostgreSQL benchmark skipped")
	}
	e := benchEstateIDs()
	super := volt.NewContextWithActor(context.Background(), &volt.Actor{UserID: "usr_bench", SuperAdmin: true})
	cpoAdmin := volt.NewContextWithActor(context.Background(), &volt.Actor{UserID: "usr_bench",
		Grants: []volt.Grant{{Role: volt.RoleAdmin, CPOID: e.cpo0}}})
	host := volt.NewContextWithActor(context.Background(), &volt.Actor{UserID: "usr_bench",
		Grants: []volt.Grant{{Role: volt.RoleHost, HostID: "hst_bench", ChargerGroupIDs: e.hostGroups}}})
	online := true
	cases := []struct {
		name string
		ctx  context.Context
		f    volt.ChargerFilter
	}{
		{"super/all/page1", super, volt.ChargerFilter{}},
		{"super/all/page200", super, volt.ChargerFilter{Page: volt.Page{Offset: 10_000, Limit: 50}}},
		{"super/cpo+online", super, volt.ChargerFilter{CPOID: e.cpo0, Online: &online}},
		{"super/site", super, volt.ChargerFilter{SiteID: e.site0}},
		{"super/status", super, volt.ChargerFilter{Status: volt.StatusCharging}},
		{"super/query", super, volt.ChargerFilter{Query: "0421"}},
		{"cpoadmin/all", cpoAdmin, volt.ChargerFilter{}},
		{"host/all", host, volt.ChargerFilter{}},
		{"host/online/page2", host, volt.ChargerFilter{Online: &online, Page: volt.Page{Offset: 20, Limit: 20}}},
	}
	for _, eng := range engines {
		b.Run(eng.name, func(b *testing.B) {
			db := eng.open(b)
			svc := store.NewChargerService(db)
			for _, c := range cases {
				b.Run(c.name, func(b *testing.B) {
					lat := make([]time.Duration, 0, b.N)
					b.ResetTimer()
					for b.Loop() {
						t0 := time.Now()
						got, total, err := svc.FindChargers(c.ctx, c.f)
						lat = append(lat, time.Since(t0))
						if err != nil {
							b.Fatal(err)
						}
						if total == 0 || len(got) == 0 {
							b.Fatalf("empty result: total %d", total)
						}
					}
					reportLatency(b, lat)
				})
			}
		})
	}
}

// reportLatency reports the p50 and p99 of the per-call latencies.
func reportLatency(b *testing.B, lat []time.Duration) {
	if len(lat) == 0 {
		return
	}
	slices.Sort(lat)
	q := func(p float64) float64 {
		i := int(p * float64(len(lat)-1))
		return float64(lat[i].Microseconds())
	}
	b.ReportMetric(q(0.50), "p50-µs")
	b.ReportMetric(q(0.99), "p99-µs")
}
