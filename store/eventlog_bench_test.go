package store_test

import (
	"context"
	"slices"
	"sync"
	"testing"
	"time"

	"github.com/volt-ev/volt"
	"github.com/volt-ev/volt/store"
	"github.com/volt-ev/volt/store/storetest"
)

// BenchmarkJournalWritersWithConsumers measures what journal consumers cost
// the transactions that write events on PostgreSQL (SQLite has no journal
// lock): 16 writers commit one event each per transaction while 3
// consumers (a node's webhook, alert and alert-mail consumers) read the
// journal back to back. It reports the writers' p50 and p99 commit time.
//
//	VOLT_TEST_POSTGRES_URL=... go test ./store -run '^$' -bench JournalWritersWithConsumers -benchtime 4000x
func BenchmarkJournalWritersWithConsumers(b *testing.B) {
	for _, e := range storetest.Engines(b) {
		if e.Name != "postgres" {
			continue
		}
		b.Run(e.Name, func(b *testing.B) {
			db := e.Open(b)
			ctx, cancel := context.WithCancel(context.Background())
			var consumers sync.WaitGroup
			for _, name := range []string{"bench-webhooks", "bench-alerts", "bench-mail"} {
				consumers.Add(1)
				go func() {
					defer consumers.Done()
					for ctx.Err() == nil {
						_, _ = db.ConsumeEvents(ctx, name, 100, func(context.Context, *store.Tx, []store.LoggedEvent) error { return nil })
					}
				}()
			}
			const writers = 16
			lat := make([][]time.Duration, writers)
			var wg sync.WaitGroup
			b.ResetTimer()
			for w := range writers {
				wg.Add(1)
				go func() {
					defer wg.Done()
					for i := w; i < b.N; i += writers {
						t0 := time.Now()
						err := db.WithTx(ctx, func(tx *store.Tx) error {
							return tx.Emit(ctx, volt.Event{Type: volt.EventTicketCreated, CPOID: "cpo_bench", Data: i})
						})
						if err != nil {
							b.Error(err)
							return
						}
						lat[w] = append(lat[w], time.Since(t0))
					}
				}()
			}
			wg.Wait()
			b.StopTimer()
			cancel()
			consumers.Wait()
			all := slices.Concat(lat...)
			slices.Sort(all)
			if len(all) > 0 {
				b.ReportMetric(float64(all[len(all)/2].Microseconds())/1000, "p50-ms")
				b.ReportMetric(float64(all[len(all)*99/100].Microseconds())/1000, "p99-ms")
			}
		})
	}
}
