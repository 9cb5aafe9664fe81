package store_test

import (
	"context"
	"database/sql"
	"fmt"
	"net/url"
	"os"
	"testing"
	"time"

	"github.com/volt-ev/volt"
	"github.com/volt-ev/volt/store"
	"github.com/volt-ev/volt/store/storetest"
)

// TestMessageLogOwnConnection (PostgreSQL): the message log writes through
// a connection of its own, so a flood that keeps every pooled connection
// busy does not make it wait for one (issue 12, item 6: the gateway's
// batches timed out and were dropped); when PostgreSQL closes that
// connection the next batch opens another; a batch given again after a
// commit whose answer was lost keeps its ids and is refused as a conflict,
// never stored twice.
func TestMessageLogOwnConnection(t *testing.T) {
	if os.Getenv(storetest.PostgresEnv) == "" {
		t.Skip(storetest.PostgresEnv + " unset: PostgreSQL only (SQLite has one writer, no pool)")
	}
	ctx := context.Background()
	dsn := storetest.PostgresDSN(t)
	app := fmt.Sprintf("volt_framelog_%d", time.Now().UnixNano())
	u, err := url.Parse(dsn)
	if err != nil {
		t.Fatal(err)
	}
	q := u.Query()
	q.Set("application_name", app)
	u.RawQuery = q.Encode()
	db, err := store.Open(ctx, u.String())
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	must(t, db.Migrate(ctx))
	f := newChargingFixture(t, db)
	frame := func(i int) volt.FrameLog {
		return volt.FrameLog{CPID: f.cpidA, Direction: "in", Action: "Heartbeat", UniqueID: fmt.Sprint(i), Frame: `[2,"` + fmt.Sprint(i) + `","Heartbeat",{}]`}
	}
	must(t, f.svc.LogFrames(ctx, []volt.FrameLog{frame(0)})) // the log takes its connection

	// Every connection of a pool of 4 that the pool hands out held busy
	// (the log keeps the fourth: a fourth request waits in vain).
	db.SetPool(4, 4)
	var held []*sql.Conn
	for range 4 {
		short, cancel := context.WithTimeout(ctx, 300*time.Millisecond)
		c, err := db.SQL().Conn(short)
		cancel()
		if err != nil {
			break
		}
		held = append(held, c)
	}
	if len(held) == 0 {
		t.Fatal("no pooled connection held: the test would prove nothing")
	}
	batch := make([]volt.FrameLog, 1000)
	for i := range batch {
		batch[i] = frame(i + 1)
	}
	busy, cancel := context.WithTimeout(ctx, 20*time.Second)
	defer cancel()
	if err := f.svc.LogFrames(busy, batch); err != nil {
		t.Fatalf("1,000 frames with every pooled connection busy: %v", err)
	}
	for _, c := range held {
		c.Close()
	}

	// PostgreSQL ends every connection of the node: the next batch gets a
	// fresh one.
	admin, err := sql.Open("pgx", os.Getenv(storetest.PostgresEnv))
	if err != nil {
		t.Fatal(err)
	}
	defer admin.Close()
	var cut int
	if err := admin.QueryRow(`SELECT count(pg_terminate_backend(pid)) FROM pg_stat_activity WHERE application_name = $1`, app).Scan(&cut); err != nil {
		t.Fatal(err)
	}
	if cut == 0 {
		t.Fatal("no connection was cut: the test would prove nothing")
	}
	last := []volt.FrameLog{frame(1001)}
	must(t, f.svc.LogFrames(ctx, last))

	// The same batch again (a retry after a lost answer): refused, not doubled.
	if err := f.svc.LogFrames(ctx, last); volt.ErrorCode(err) != volt.ECONFLICT {
		t.Fatalf("the same batch again: %v, want a conflict", err)
	}
	if n := f.count(t, `SELECT count(*) FROM frame_log WHERE cpid = ?`, f.cpidA); n != 1002 {
		t.Fatalf("%d frames stored, want 1,002", n)
	}
}

// BenchmarkLogFrames stores the message log in the gateway's batches of 256
// frames on each configured engine and reports frames per second:
//
//	VOLT_TEST_POSTGRES_URL=... go test ./store -run '^$' -bench LogFrames -benchtime 200x
func BenchmarkLogFrames(b *testing.B) {
	for _, e := range storetest.Engines(b) {
		b.Run(e.Name, func(b *testing.B) {
			db := e.Open(b)
			f := newChargingFixture(b, db)
			const batch = 256
			frame := `[2,"19223201","MeterValues",{"connectorId":1,"transactionId":1001,"meterValue":[{"timestamp":"2026-12-07T03:00:00Z","sampledValue":[{"value":"12345","measurand":"Energy.Active.Import.Register","unit":"Wh"}]}]}]`
			b.ResetTimer()
			for i := 0; i < b.N; i++ {
				frames := make([]volt.FrameLog, batch)
				for j := range frames {
					frames[j] = volt.FrameLog{CPID: f.cpidA, Identity: f.cpidA, Direction: "in", Action: "MeterValues", UniqueID: fmt.Sprint(i*batch + j), Frame: frame}
				}
				if err := f.svc.LogFrames(context.Background(), frames); err != nil {
					b.Fatal(err)
				}
			}
			b.ReportMetric(float64(b.N*batch)/b.Elapsed().Seconds(), "frames/s")
		})
	}
}
