package lms

import (
	"context"
	"log/slog"
	"math"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/volt-ev/volt"
)

// GridMeter turns MeterValues on connector 0 of a charger that a site
// names as its grid meter (meter source "charger") into that site's meter
// readings, from Current.Import per phase (OCPP 1.6 §7.31, phases L1..L3,
// in A). The gateway hands it every report after storing it
// (gateway.Config.AfterMeterReport). Which charger meters which site is
// re-read at most every Refresh (default 30 s).
type GridMeter struct {
	Sites    Sites
	Recorder ReadingRecorder
	Logger   *slog.Logger
	Refresh  time.Duration
	Now      func() time.Time

	mu     sync.Mutex
	meters map[string]gridMeter // CPID → its site
	readAt time.Time
	busy   chan struct{}
	wg     sync.WaitGroup
}

// maxGridWorkers bounds the reports handled at once; more are dropped (the
// next one comes within a metering interval).
const maxGridWorkers = 4

// AfterMeterReport is the gateway hook: it returns at once and handles a
// connector-0 report in the background.
func (g *GridMeter) AfterMeterReport(ctx context.Context, r volt.MeterReport) {
	if r.ConnectorID != 0 {
		return
	}
	g.mu.Lock()
	if g.busy == nil {
		g.busy = make(chan struct{}, maxGridWorkers)
	}
	busy := g.busy
	g.mu.Unlock()
	select {
	case busy <- struct{}{}:
	default:
		return
	}
	g.wg.Add(1)
	go func() {
		defer g.wg.Done()
		defer func() { <-busy }()
		g.OnMeterReport(context.WithoutCancel(ctx), r)
	}()
}

// Wait waits for the reports in hand (tests, shutdown).
func (g *GridMeter) Wait() { g.wg.Wait() }

type gridMeter struct {
	site   string
	phases int
}

// OnMeterReport records a grid meter's reading from a stored report
// (synchronously).
func (g *GridMeter) OnMeterReport(ctx context.Context, r volt.MeterReport) {
	if r.ConnectorID != 0 {
		return
	}
	m, ok := g.meterOf(ctx, r.CPID)
	if !ok {
		return
	}
	a, at, ok := phaseCurrents(r.Samples, m.phases)
	if !ok {
		return
	}
	sys := volt.NewContextWithActor(ctx, volt.SystemActor)
	if now := g.now(); at.IsZero() || at.After(now) {
		at = now
	}
	if err := g.Recorder.RecordMeterReading(sys, &volt.SiteMeterReading{SiteID: m.site, CurrentA: a, At: at, Source: volt.MeterSourceCharger}); err != nil {
		g.logger().Warn("lms: grid meter reading refused", "cpid", r.CPID, "site", m.site, "err", err)
	}
}

func (g *GridMeter) now() time.Time {
	if g.Now == nil {
		return time.Now()
	}
	return g.Now()
}

func (g *GridMeter) logger() *slog.Logger {
	if g.Logger == nil {
		return slog.Default()
	}
	return g.Logger
}

// meterOf returns the site a charger meters, re-reading the managed sites'
// meters when the table is older than Refresh.
func (g *GridMeter) meterOf(ctx context.Context, cpid string) (gridMeter, bool) {
	g.mu.Lock()
	defer g.mu.Unlock()
	refresh := g.Refresh
	if refresh <= 0 {
		refresh = 30 * time.Second
	}
	if g.meters == nil || g.now().Sub(g.readAt) > refresh {
		sys := volt.NewContextWithActor(ctx, volt.SystemActor)
		meters := map[string]gridMeter{}
		ids, err := g.Sites.FindLoadManagedSites(sys)
		if err != nil {
			g.logger().Warn("lms: managed sites", "err", err)
		}
		for _, id := range ids {
			lm, err := g.Sites.FindLoadManagement(sys, id)
			if err == nil && lm.Meter.Source == volt.MeterSourceCharger && lm.Meter.CPID != "" {
				meters[lm.Meter.CPID] = gridMeter{site: id, phases: lm.Phases}
			}
		}
		g.meters, g.readAt = meters, g.now()
	}
	m, ok := g.meters[cpid]
	return m, ok
}

// phaseCurrents picks Current.Import per phase (L1, L2, L3 or L1-N ...)
// from the newest timestamp of the samples: ok when every phase of the
// site is there, in A.
func phaseCurrents(samples []volt.MeterSample, phases int) ([]float64, time.Time, bool) {
	var newest time.Time
	for _, x := range samples {
		if x.Measurand == "Current.Import" && x.Timestamp.After(newest) {
			newest = x.Timestamp
		}
	}
	a := make([]float64, phases)
	seen := 0
	for _, x := range samples {
		if x.Measurand != "Current.Import" || !x.Timestamp.Equal(newest) || (x.Unit != "" && x.Unit != "A") {
			continue
		}
		i, v, ok := phaseValue(x)
		if !ok || i >= phases || seen&(1<<i) != 0 {
			continue
		}
		a[i] = v
		seen |= 1 << i
	}
	return a, newest, seen == 1<<phases-1
}

// phaseValue reads a per-phase sample: its phase index (L1 or L1-N is 0)
// and its finite, non-negative value.
func phaseValue(x volt.MeterSample) (int, float64, bool) {
	p := strings.TrimSuffix(x.Phase, "-N")
	if len(p) != 2 || p[0] != 'L' || p[1] < '1' || p[1] > '3' {
		return 0, 0, false
	}
	v, err := strconv.ParseFloat(x.Value, 64)
	if err != nil || math.IsNaN(v) || math.IsInf(v, 0) || v < 0 {
		return 0, 0, false
	}
	return int(p[1] - '1'), v, true
}
