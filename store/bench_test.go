package store_test

import (
	"context"
	"slices"
	"testing"
	"time"

	"github.com/volt-ev/volt"
	"github.com/volt-ev/volt/store"
	"github.com/volt-ev/volt/store/storetest"
)

// BenchmarkFindChargers lists chargers of the 100,000-charger estate of
// storetest.BenchEstate (2,000 sites, 50 CPOs) with filters and paging, as a
// super admin, a CPO admin and a host, on SQLite and (with
// VOLT_TEST_POSTGRES_URL, storetest.BenchEstatePostgres) PostgreSQL. Besides
// ns/op it reports the p50 and p99 latency of one call in microseconds.
//
//	go test ./store -run '^$' -bench FindChargers -benchtime 200x
func BenchmarkFindChargers(b *testing.B) {
	engines := []struct {
		name string
		open func(testing.TB) (*store.DB, storetest.Estate)
	}{{"sqlite", storetest.BenchEstate}, {"postgres", storetest.BenchEstatePostgres}}
	for _, eng := range engines {
		b.Run(eng.name, func(b *testing.B) {
			db, e := eng.open(b)
			benchFindChargers(b, store.NewChargerService(db), e)
		})
	}
}

// benchFindChargers runs the FindChargers cases against the estate e.
func benchFindChargers(b *testing.B, svc *store.ChargerService, e storetest.Estate) {
	super := volt.NewContextWithActor(context.Background(), &volt.Actor{UserID: "usr_bench", SuperAdmin: true})
	cpoAdmin := volt.NewContextWithActor(context.Background(), &volt.Actor{UserID: "usr_bench",
		Grants: []volt.Grant{{Role: volt.RoleAdmin, CPOID: e.CPOIDs[0]}}})
	host := volt.NewContextWithActor(context.Background(), &volt.Actor{UserID: "usr_bench",
		Grants: []volt.Grant{{Role: volt.RoleHost, HostID: "hst_bench", ChargerGroupIDs: e.HostGroupIDs}}})
	online := true
	cases := []struct {
		name string
		ctx  context.Context
		f    volt.ChargerFilter
	}{
		{"super/all/page1", super, volt.ChargerFilter{}},
		{"super/all/page200", super, volt.ChargerFilter{Page: volt.Page{Offset: 10_000, Limit: 50}}},
		{"super/cpo+online", super, volt.ChargerFilter{CPOID: e.CPOIDs[0], Online: &online}},
		{"super/site", super, volt.ChargerFilter{SiteID: e.SiteID}},
		{"super/status", super, volt.ChargerFilter{Status: volt.StatusCharging}},
		{"super/query", super, volt.ChargerFilter{Query: "0421"}},
		{"cpoadmin/all", cpoAdmin, volt.ChargerFilter{}},
		{"host/all", host, volt.ChargerFilter{}},
		{"host/online/page2", host, volt.ChargerFilter{Online: &online, Page: volt.Page{Offset: 20, Limit: 20}}},
	}
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
