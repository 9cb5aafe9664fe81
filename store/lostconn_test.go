package store_test

import (
	"context"
	"database/sql"
	"os"
	"sync"
	"testing"

	"github.com/volt-ev/volt/store"
	"github.com/volt-ev/volt/store/storetest"
)

// TestStatementsOutsideTxSurviveTerminatedBackends kills every connection of
// a busy pool and runs reads and a write straight after, within the second
// in which database/sql hands a connection out without pinging it: each
// must succeed on a fresh connection instead of answering the API's caller
// 500 (CI saw "authenticate: FATAL: terminating connection due to
// administrator command" in TestClusterSurvivesPostgresRestart).
func TestStatementsOutsideTxSurviveTerminatedBackends(t *testing.T) {
	base := os.Getenv(storetest.PostgresEnv)
	if base == "" {
		t.Skip(storetest.PostgresEnv + " unset: PostgreSQL only (SQLite has no connection to lose)")
	}
	ctx := context.Background()
	var db *store.DB
	for _, e := range storetest.Engines(t) {
		if e.Name == "postgres" {
			db = e.Open(t)
		}
	}
	admin, err := sql.Open("pgx", base)
	if err != nil {
		t.Fatal(err)
	}
	defer admin.Close()
	if _, err := db.Exec(ctx, `CREATE TABLE lost_probe (n INTEGER)`); err != nil {
		t.Fatal(err)
	}

	for round := range 3 {
		// Fill the pool: six statements at once, each on its own connection,
		// and note which backends they ran on.
		const busy = 6
		pids := make([]int64, busy)
		var wg sync.WaitGroup
		for i := range busy {
			wg.Add(1)
			go func() {
				defer wg.Done()
				if err := db.QueryRow(ctx, `SELECT pg_backend_pid() FROM pg_sleep(0.05)`).Scan(&pids[i]); err != nil {
					t.Error(err)
				}
			}()
		}
		wg.Wait()
		var cut int
		for _, pid := range pids {
			var ok bool
			if err := admin.QueryRow(`SELECT pg_terminate_backend($1)`, pid).Scan(&ok); err != nil {
				t.Fatal(err)
			}
			if ok {
				cut++
			}
		}
		if cut == 0 {
			t.Fatal("no backend was terminated: the test would prove nothing")
		}

		var one int
		if err := db.QueryRow(ctx, `SELECT 1`).Scan(&one); err != nil || one != 1 {
			t.Fatalf("round %d: QueryRow after %d backends were cut: %v", round, cut, err)
		}
		rows, err := db.Query(ctx, `SELECT 2`)
		if err != nil {
			t.Fatalf("round %d: Query after the cut: %v", round, err)
		}
		rows.Close()
		if _, err := db.Exec(ctx, `INSERT INTO lost_probe (n) VALUES (?)`, round); err != nil {
			t.Fatalf("round %d: Exec after the cut: %v", round, err)
		}
	}
	var n int
	if err := db.QueryRow(ctx, `SELECT count(*) FROM lost_probe`).Scan(&n); err != nil || n != 3 {
		t.Fatalf("lost_probe holds %d rows (%v), want 3: one per round, none doubled", n, err)
	}
}
