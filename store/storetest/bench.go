package storetest

import (
	"context"
	"crypto/sha256"
	"fmt"
	"os"
	"path/filepath"
	"runtime"
	"strings"
	"testing"
	"time"

	volt "github.com/volt-ev/volt"
	"github.com/volt-ev/volt/store"
)

// Size of the benchmark estate of BenchEstate: the 100,000-charger network
// of issue #5 (2,000 sites of 50 CPOs), with a month of sessions.
const (
	BenchCPOs          = 50
	BenchSitesPerCPO   = 40
	BenchGroupsPerSite = 2
	BenchChargers      = 100_000
	BenchSessions      = 200_000 // completed, each with a CDR, over 30 days
	BenchPassword      = "bench password 0123"
	benchEstateVersion = 1 // bump when the builder changes
)

// Estate names what a benchmark needs of the built estate.
type Estate struct {
	CPOIDs          []string
	SiteID          string   // a site of CPOIDs[0]
	HostGroupIDs    []string // ten charger groups of CPOIDs[0], for a host's grant
	SuperAdminEmail string   // a Super Admin
	CPOAdminEmail   string   // an admin of CPOIDs[0]
	BusyCPID        string   // a charger of CPOIDs[0] with sessions
	// BuiltAt is the time the sessions were laid out from (the newest
	// session started shortly before it): pass it as the clock of "today".
	BuiltAt time.Time
}

func benchIDs() (cpos, sites, groups []string) {
	for c := range BenchCPOs {
		cpos = append(cpos, fmt.Sprintf("cpo_web%02d", c))
		for s := range BenchSitesPerCPO {
			sites = append(sites, fmt.Sprintf("sit_web%02d_%02d", c, s))
			for g := range BenchGroupsPerSite {
				groups = append(groups, fmt.Sprintf("cgr_web%02d_%02d_%d", c, s, g))
			}
		}
	}
	return cpos, sites, groups
}

// benchEstate names the parts of the estate the builder lays out.
func benchEstate() Estate {
	cpos, sites, groups := benchIDs()
	return Estate{CPOIDs: cpos, SiteID: sites[0], HostGroupIDs: groups[:10],
		SuperAdminEmail: "super@bench.test", CPOAdminEmail: "admin@bench.test", BusyCPID: volt.FormatCPID(8)}
}

// BenchEstate returns the 100,000-charger benchmark database on SQLite,
// built once under os.TempDir (a few minutes) and reused while the schema
// and this builder stay the same. The database is shared: do not write to it
// in ways later runs would notice.
func BenchEstate(tb testing.TB) (*store.DB, Estate) {
	tb.Helper()
	ctx := context.Background()
	e := benchEstate()
	path := filepath.Join(os.TempDir(), "volt-bench-web-"+benchKey(tb)+".db")
	if db, err := store.Open(ctx, path); err == nil {
		if builtAt, ok := benchBuilt(ctx, db); ok {
			tb.Cleanup(func() { db.Close() })
			e.BuiltAt = builtAt
			return db, e
		}
		db.Close()
	}
	tmp := path + ".building"
	for _, p := range []string{tmp, tmp + "-wal", tmp + "-shm"} {
		os.Remove(p)
	}
	db, err := store.Open(ctx, tmp)
	if err != nil {
		tb.Fatal(err)
	}
	start := time.Now()
	if err := db.Migrate(ctx); err != nil {
		tb.Fatal(err)
	}
	if err := buildEstate(ctx, db, e, start.UTC()); err != nil {
		tb.Fatal(err)
	}
	if _, err := db.Exec(ctx, `PRAGMA wal_checkpoint(TRUNCATE)`); err != nil {
		tb.Fatal(err)
	}
	db.Close()
	if err := os.Rename(tmp, path); err != nil {
		tb.Fatal(err)
	}
	tb.Logf("built the benchmark estate %s in %v", path, time.Since(start).Round(time.Second))
	if db, err = store.Open(ctx, path); err != nil {
		tb.Fatal(err)
	}
	tb.Cleanup(func() { db.Close() })
	builtAt, _ := benchBuilt(ctx, db)
	e.BuiltAt = builtAt
	return db, e
}

// benchKey names the cached estate by schema version, a hash of the
// migration files (found beside this source file) and the builder's version.
func benchKey(tb testing.TB) string {
	h := sha256.New()
	_, self, _, _ := runtime.Caller(0)
	files, _ := filepath.Glob(filepath.Join(filepath.Dir(self), "..", "migrations", "*.sql"))
	for _, f := range files {
		b, err := os.ReadFile(f)
		if err != nil {
			tb.Fatalf("bench key: %v", err)
		}
		h.Write(b)
	}
	return fmt.Sprintf("v%d_%x_b%d", store.KnownSchemaVersion(), h.Sum(nil)[:4], benchEstateVersion)
}

// benchBuilt reports whether the estate is complete, and when it was built.
func benchBuilt(ctx context.Context, db *store.DB) (time.Time, bool) {
	var n, ms int64
	if err := db.QueryRow(ctx, `SELECT count(*) FROM chargers`).Scan(&n); err != nil || n != BenchChargers {
		return time.Time{}, false
	}
	if err := db.QueryRow(ctx, `SELECT value FROM counters WHERE name = 'bench_built_at'`).Scan(&ms); err != nil {
		return time.Time{}, false
	}
	return time.UnixMilli(ms).UTC(), true
}

// bulkInsert inserts rows in multi-row statements of 500.
func bulkInsert(ctx context.Context, db *store.DB, table, cols string, rows [][]any) error {
	n := len(strings.Split(cols, ","))
	one := "(" + strings.TrimSuffix(strings.Repeat("?, ", n), ", ") + ")"
	for len(rows) > 0 {
		k := min(500, len(rows))
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
