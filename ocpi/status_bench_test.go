package ocpi_test

import (
	"context"
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"os"
	"slices"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/volt-ev/volt"
	"github.com/volt-ev/volt/inmem"
	"github.com/volt-ev/volt/ocpi"
	"github.com/volt-ev/volt/store/storetest"
)

// BenchmarkStatusPushes measures issue 14's "1,000 status changes/s pushed
// to 10 partners without moving the OCPP p99": VOLT_BENCH_RATE changes a
// second (default 1,000) for VOLT_BENCH_SECONDS (default 2) over
// VOLT_BENCH_CHARGERS chargers (default 200) on SQLite, each change as
// the gateway records it (RecordStatus, then the bus), while
// FollowStatuses queues and RunPushes delivers PATCHes to 10 partner
// eMSPs over real HTTP. "baseline" records the same changes with no
// partner; "pushing" with 10. Reported: the p99 of the OCPP-side record,
// and the seconds from the last change until every partner holds the
// latest status of every EVSE.
func BenchmarkStatusPushes(b *testing.B) {
	rate, secs, n := envInt("VOLT_BENCH_RATE", 1000), envInt("VOLT_BENCH_SECONDS", 2), envInt("VOLT_BENCH_CHARGERS", 200)
	for _, partners := range []int{0, 10} {
		name := "baseline"
		if partners > 0 {
			name = "pushing"
		}
		b.Run(name, func(b *testing.B) {
			for i := 0; i < b.N; i++ {
				statusBench(b, rate, secs, n, partners)
			}
		})
	}
}

func envInt(name string, def int) int {
	if v, err := strconv.Atoi(os.Getenv(name)); err == nil && v > 0 {
		return v
	}
	return def
}

// benchPartner is an eMSP that keeps the last status PATCHed per EVSE.
type benchPartner struct {
	mu     sync.Mutex
	status map[string]string
	srv    *httptest.Server
}

func newBenchPartner(b *testing.B) *benchPartner {
	p := &benchPartner{status: map[string]string{}}
	p.srv = httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		var body struct {
			Status string `json:"status"`
		}
		_ = json.NewDecoder(r.Body).Decode(&body)
		parts := strings.Split(r.URL.Path, "/")
		p.mu.Lock()
		p.status[parts[len(parts)-1]] = body.Status
		p.mu.Unlock()
		w.Header().Set("Content-Type", "application/json")
		_, _ = w.Write([]byte(`{"status_code":1000,"timestamp":"2026-01-01T00:00:00Z"}`))
	}))
	b.Cleanup(p.srv.Close)
	return p
}

func statusBench(b *testing.B, rate, secs, n, partners int) {
	b.StopTimer()
	db := storetest.SQLite(b)
	v := newVolt(b, db, nil, "Bench", "GB", "BEN")
	own := &volt.Owner{CPOID: v.cpo, Name: "O"}
	must(b, v.hierarchy.CreateOwner(sys(), own))
	s := &volt.Site{OwnerID: own.ID, Name: "Site", Latitude: 51.5, Longitude: -0.1, Address: volt.Address{Line1: "1 Road", City: "London"}}
	must(b, v.hierarchy.CreateSite(sys(), s))
	g := &volt.ChargerGroup{SiteID: s.ID, Name: "G"}
	must(b, v.hierarchy.CreateChargerGroup(sys(), g))
	ccs := volt.ConnectorCCS2
	cpids := make([]string, n)
	for j := range cpids {
		cred, err := v.chargers.CreateCharger(sys(), &volt.Charger{ChargerGroupID: g.ID}, 1)
		must(b, err)
		_, err = v.chargers.UpdateConnector(sys(), cred.CPID, 1, volt.ConnectorUpdate{Type: &ccs})
		must(b, err)
		must(b, v.charging.RecordConnection(sys(), cred.CPID, true, "ocpp1.6", time.Now()))
		cpids[j] = cred.CPID
	}
	var eMSPs []*benchPartner
	for i := 0; i < partners; i++ {
		bp := newBenchPartner(b)
		eMSPs = append(eMSPs, bp)
		p := &volt.OCPIPartner{CPOID: v.cpo, Name: "P" + strconv.Itoa(i), CountryCode: "NL", PartyID: "P" + strconv.Itoa(10+i), Role: volt.OCPIRoleEMSP}
		_, err := v.store.CreateOCPIPartner(v.admin, p)
		must(b, err)
		_, err = v.store.CompleteOCPIRegistration(sys(), volt.OCPIRegistration{PartnerID: p.ID, TheirToken: "t" + strconv.Itoa(i), OurToken: "bench-" + strconv.Itoa(i),
			Endpoints: []volt.OCPIEndpoint{{Identifier: "locations", Role: "RECEIVER", URL: bp.srv.URL + "/ocpi/emsp/2.2.1/locations"}}})
		must(b, err)
	}
	bus := inmem.NewBus()
	ctx, cancel := context.WithCancel(sys())
	var wg sync.WaitGroup
	tick := make(chan struct{})
	wg.Add(3)
	go func() { defer wg.Done(); v.srv.FollowStatuses(ctx, bus, 500*time.Millisecond) }()
	go func() { defer wg.Done(); v.srv.RunPushes(ctx, tick) }()
	go func() {
		defer wg.Done()
		t := time.NewTicker(200 * time.Millisecond)
		defer t.Stop()
		for {
			select {
			case <-ctx.Done():
				return
			case <-t.C:
				select {
				case tick <- struct{}{}:
				default:
				}
			}
		}
	}()
	defer func() { cancel(); wg.Wait() }()

	statuses := []volt.ConnectorStatus{volt.StatusAvailable, volt.StatusPreparing, volt.StatusCharging, volt.StatusFaulted, volt.StatusUnavailable}
	want := map[string]string{}
	var lat []time.Duration
	b.StartTimer()
	start := time.Now()
	total := rate * secs
	for k := 0; k < total; k++ {
		// Paced: change k is due at start + k/rate.
		if d := time.Until(start.Add(time.Duration(k) * time.Second / time.Duration(rate))); d > 0 {
			time.Sleep(d)
		}
		cpid := cpids[k%n]
		st := statuses[(k/n+k)%len(statuses)]
		t0 := time.Now()
		must(b, v.charging.RecordStatus(sys(), volt.StatusReport{CPID: cpid, ConnectorID: 1, Status: st, ErrorCode: "NoError", At: t0}))
		bus.Publish(sys(), volt.Event{Type: volt.EventConnectorStatus, CPID: cpid, CPOID: v.cpo, At: t0,
			Data: volt.Connector{CPID: cpid, ConnectorID: 1, Status: st, StatusAt: t0}})
		lat = append(lat, time.Since(t0))
		want[cpid+"-1"] = ocpi.EVSEStatus(true, st)
	}
	sent := time.Since(start)
	last := time.Now()
	for _, p := range eMSPs {
		for deadline := time.Now().Add(60 * time.Second); ; time.Sleep(20 * time.Millisecond) {
			p.mu.Lock()
			same := len(p.status) == len(want)
			for k, st := range want {
				same = same && p.status[k] == st
			}
			p.mu.Unlock()
			if same {
				break
			}
			if time.Now().After(deadline) {
				b.Fatalf("a partner did not converge in 60 s")
			}
		}
	}
	converge := time.Since(last)
	b.StopTimer()
	slices.Sort(lat)
	b.ReportMetric(float64(lat[len(lat)*99/100].Microseconds())/1000, "ocpp-p99-ms")
	b.ReportMetric(float64(total)/sent.Seconds(), "changes/s")
	if partners > 0 {
		b.ReportMetric(converge.Seconds(), "s-to-converge")
	}
}
