package web

import (
	"fmt"
	"net/http"
	"net/http/httptest"
	"slices"
	"testing"
	"time"

	volt "github.com/volt-ev/volt"
	"github.com/volt-ev/volt/store/storetest"
)

// Size of the large network of BenchmarkPages.
const (
	benchSites    = 100
	benchChargers = 2000
	benchSessions = 4000
)

// BenchmarkPages measures the server time of each main page on a large
// network (2,000 chargers, 4,000 sessions), signed in as a CPO admin, and
// reports the 95th percentile besides the mean:
//
//	go test ./web -run '^$' -bench BenchmarkPages -benchtime 200x
func BenchmarkPages(b *testing.B) {
	f := newFixture(b, storetest.SQLite(b))
	cpid := fillNetwork(b, f)
	token, _, err := f.admin.cfg.Auth.Login(b.Context(), "admin@spark.test", testPassword, "127.0.0.1")
	must(b, err)
	pages := []string{"/admin/", "/admin/dashboard/energy", "/admin/chargers", "/admin/chargers?status=Charging", "/admin/chargers/" + cpid,
		"/admin/network", "/admin/sessions", "/admin/cdrs", "/admin/sites", "/admin/users", "/admin/login"}
	for _, p := range pages {
		b.Run(p, func(b *testing.B) {
			took := make([]time.Duration, 0, b.N)
			for b.Loop() {
				req := httptest.NewRequest(http.MethodGet, p, nil)
				req.AddCookie(&http.Cookie{Name: sessionCookie, Value: token})
				rec := httptest.NewRecorder()
				start := time.Now()
				f.admin.ServeHTTP(rec, req)
				took = append(took, time.Since(start))
				if rec.Code != http.StatusOK {
					b.Fatalf("GET %s: %d", p, rec.Code)
				}
			}
			slices.Sort(took)
			p95 := took[(len(took)*95)/100]
			b.ReportMetric(float64(p95.Microseconds())/1000, "p95-ms")
		})
	}
}

// fillNetwork adds sites, chargers and completed sessions to the fixture's
// CPO and returns a CPID with sessions.
func fillNetwork(b *testing.B, f *fixture) string {
	ctx := sysCtx()
	groups := make([]string, 0, benchSites)
	for i := range benchSites {
		s := &volt.Site{OwnerID: f.owner.ID, Name: fmt.Sprintf("Site %03d", i), Latitude: 50 + float64(i)/50, Longitude: -3 + float64(i)/40}
		must(b, f.hier.CreateSite(ctx, s))
		g := &volt.ChargerGroup{SiteID: s.ID, Name: fmt.Sprintf("Group %03d", i)}
		must(b, f.hier.CreateChargerGroup(ctx, g))
		groups = append(groups, g.ID)
	}
	cpids := make([]string, 0, benchChargers)
	for i := range benchChargers {
		cr, err := f.chargers.CreateCharger(ctx, &volt.Charger{ChargerGroupID: groups[i%len(groups)], Name: fmt.Sprintf("Bay %d", i)}, 2)
		must(b, err)
		cpids = append(cpids, cr.CPID)
	}
	start := time.Now().Add(-48 * time.Hour)
	for i := range benchSessions {
		cpid := cpids[i%50] // sessions concentrate on a few busy chargers
		at := start.Add(time.Duration(i) * 30 * time.Second)
		res, err := f.charging.StartTransaction(ctx, volt.StartRequest{CPID: cpid, ConnectorID: 1 + i%2, IDTag: "BENCH", MeterStart: int64(i) * 10000, At: at, ReceivedAt: at})
		must(b, err)
		if i%10 == 0 {
			continue // some stay active
		}
		_, err = f.charging.StopTransaction(ctx, volt.StopRequest{CPID: cpid, TransactionID: res.TransactionID, MeterStop: int64(i)*10000 + 7000, At: at.Add(20 * time.Minute), Reason: "Local"})
		must(b, err)
	}
	return cpids[0]
}
