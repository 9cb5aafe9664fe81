package sim

import (
	"context"
	"fmt"
	"io"
	"math"
	"sync"
	"sync/atomic"
	"time"

	"github.com/volt-ev/volt/ocpp"
)

// Histogram counts durations in logarithmic buckets 4 % wide, from 1µs to
// hours, without locks. Quantiles are accurate to one bucket.
type Histogram struct {
	buckets [histBuckets]atomic.Int64
	count   atomic.Int64
}

const (
	histBuckets = 640
	histGrowth  = 1.04
)

var logGrowth = math.Log(histGrowth)

func histIndex(d time.Duration) int {
	us := float64(d) / float64(time.Microsecond)
	if us <= 1 {
		return 0
	}
	return min(int(math.Log(us)/logGrowth)+1, histBuckets-1)
}

// histUpper is the upper bound of bucket i.
func histUpper(i int) time.Duration {
	return time.Duration(math.Pow(histGrowth, float64(i)) * float64(time.Microsecond))
}

// Record adds one duration.
func (h *Histogram) Record(d time.Duration) {
	h.buckets[histIndex(d)].Add(1)
	h.count.Add(1)
}

// Count returns the number of recorded durations.
func (h *Histogram) Count() int64 { return h.count.Load() }

// Quantile returns the duration below which q (0..1) of the recorded ones
// fall, 0 when empty.
func (h *Histogram) Quantile(q float64) time.Duration {
	total := h.count.Load()
	if total == 0 {
		return 0
	}
	want := int64(math.Ceil(q * float64(total)))
	var seen int64
	for i := range h.buckets {
		seen += h.buckets[i].Load()
		if seen >= want {
			return histUpper(i)
		}
	}
	return histUpper(histBuckets - 1)
}

// Swap moves the counts into a new histogram and returns it, leaving h empty
// (counts recorded meanwhile may land in either).
func (h *Histogram) Swap() *Histogram {
	out := &Histogram{}
	var total int64
	for i := range h.buckets {
		n := h.buckets[i].Swap(0)
		out.buckets[i].Store(n)
		total += n
	}
	h.count.Add(-total)
	out.count.Store(total)
	return out
}

// LoadOptions configure RunLoad.
type LoadOptions struct {
	URL   string
	Creds []Credentials
	Fleet FleetOptions // OnCall is set by RunLoad
	// Every is the report period (default 5s); Duration ends the run (0:
	// when ctx ends).
	Every, Duration time.Duration
	// ReconnectStorm drops every connection at once StormAfter after all
	// chargers are first on line (default 10s) and reports how long until
	// all are back.
	ReconnectStorm bool
	StormAfter     time.Duration
	// EndAfterStorm ends the run once the storm is over.
	EndAfterStorm bool
	// SteadySessions plays sessions from the steady state (see
	// steadyDriver) instead of the Fleet's drivers: the share of connectors
	// given by Fleet.SessionLength and SessionEvery charges from the start.
	SteadySessions bool
	// MeterFlood makes every connector start a transaction and send
	// MeterValues back to back, each once the previous one is answered
	// (Fleet sessions are off). The MeterValues begin once every connector
	// has its transaction; FloodStarts bounds the StartTransactions in
	// flight meanwhile (default 2). At the end the transactions are stopped.
	MeterFlood  bool
	FloodStarts int
	// Warmup leaves the calls of the first Warmup out of the summary's
	// percentiles (the periodic lines show every call).
	Warmup time.Duration
	// Window, when set, also reports p50/p99/p999 of the calls answered in
	// the Window after every charger was first on line (booted): "the
	// first 5 minutes after boot" of issue 12 is Window 5m.
	Window time.Duration
	// Transactions, when set, receives at the end one CSV line per
	// transaction the chargers started (see txLedger.writeCSV), after the
	// chargers' outboxes drained (at most DrainTimeout, default 30s).
	Transactions io.Writer
	DrainTimeout time.Duration
	Out          io.Writer
	// Version is the OCPP version the chargers speak: "" or ocpp.V16, or
	// ocpp.V201 / ocpp.V21 for 2.x stations (load_2x.go). With 2.x the
	// meter flood sends TransactionEvent Updated instead of MeterValues and
	// the transactions CSV names the charger's transactionId.
	Version ocpp.Version
}

// LoadReport is the outcome of RunLoad.
type LoadReport struct {
	Chargers, Online int
	Calls, Failures  int64
	P50, P99, P999   time.Duration
	Elapsed          time.Duration
	AllOnlineAfter   time.Duration // from start until every charger was on line; 0 if never
	StormRecovery    time.Duration // reconnect storm: until every charger was back; 0 if not run or not recovered
	// Transactions started by the chargers, answered with a transactionId,
	// and stops answered.
	TxStarted, TxAnswered, TxStopsAnswered int
	// The calls and percentiles of LoadOptions.Window (zero without one).
	WindowCalls                      int64
	WindowP50, WindowP99, WindowP999 time.Duration
}

// RunLoad runs a fleet and prints, every period, the chargers on line,
// CALLs per second, the p50/p99/p999 round trip from CALL sent to answer
// read, and failures; then a summary, which it also returns.
func RunLoad(ctx context.Context, o LoadOptions) (LoadReport, error) {
	o.defaults()
	// The report loop and the flood driver both print progress.
	o.Out = &lockedWriter{w: o.Out}
	r := &loadRun{o: o, ledger: newTxLedger()}
	r.ledger.v2 = o.Version.Is2x()
	r.hook()
	o = r.o
	// The fleet outlives the measured period so that, at its end, the
	// outboxes can drain before the chargers are closed.
	fleetCtx, cancelFleet := context.WithCancel(context.WithoutCancel(ctx))
	defer cancelFleet()
	if o.Duration > 0 {
		var cancel context.CancelFunc
		ctx, cancel = context.WithTimeout(ctx, o.Duration)
		defer cancel()
	}
	r.start = time.Now()
	if o.Version.Is2x() {
		return r.run2x(ctx, fleetCtx)
	}
	f, err := StartFleet(fleetCtx, o.URL, o.Creds, o.Fleet)
	if err != nil {
		return LoadReport{}, err
	}
	var d *drivers
	switch {
	case o.MeterFlood:
		connectors := 0
		for _, c := range f.chargers {
			connectors += c.cfg.Connectors
		}
		d = startDrivers(fleetCtx, f, newFlood(connectors, o.FloodStarts, o.DrainTimeout, func() {
			fmt.Fprintf(o.Out, "meter flood: %d transactions started after %s, MeterValues begin\n", f.Charging(), time.Since(r.start).Round(time.Millisecond))
		}).play)
	case o.SteadySessions:
		share := float64(o.Fleet.SessionLength) / float64(o.Fleet.SessionLength+o.Fleet.SessionEvery)
		d = startDrivers(fleetCtx, f, steadyDriver(share, o.Fleet.SessionLength, o.Fleet.SessionEvery))
	}
	rep := r.loop(ctx, f)
	d.stop()
	if o.Transactions != nil {
		drain(f, o.DrainTimeout)
	}
	rep.Online = f.Online()
	f.Close()
	return r.summary(rep)
}

func (o *LoadOptions) defaults() {
	if o.Every <= 0 {
		o.Every = 5 * time.Second
	}
	if o.StormAfter <= 0 {
		o.StormAfter = 10 * time.Second
	}
	if o.FloodStarts <= 0 {
		o.FloodStarts = 2
	}
	if o.DrainTimeout <= 0 {
		o.DrainTimeout = 30 * time.Second
	}
	if o.Out == nil {
		o.Out = io.Discard
	}
	if o.Fleet.SessionEvery <= 0 {
		o.Fleet.SessionEvery = 5 * time.Minute
	}
	if o.Fleet.SessionLength <= 0 {
		o.Fleet.SessionLength = 20 * time.Minute
	}
	if o.MeterFlood || o.SteadySessions {
		o.Fleet.NoSessions = true
	}
}

// loadRun is the state of one RunLoad.
type loadRun struct {
	o                  LoadOptions
	start              time.Time
	total, period      Histogram
	window             Histogram
	onlineAt           atomic.Int64 // UnixNano when every charger was first on line; 0 before
	fails, periodFails atomic.Int64
	ledger             *txLedger
}

// hook chains the run's counters and ledger in front of the fleet's hooks.
func (r *loadRun) hook() {
	onCall, onEvent := r.o.Fleet.OnCall, r.o.Fleet.OnEvent
	r.o.Fleet.OnCall = func(s CallStat) {
		if onCall != nil {
			onCall(s)
		}
		if s.Err != nil {
			r.fails.Add(1)
			r.periodFails.Add(1)
			return
		}
		if time.Since(r.start) >= r.o.Warmup {
			r.total.Record(s.RTT)
		}
		if at := r.onlineAt.Load(); r.o.Window > 0 && at != 0 {
			if since := time.Since(time.Unix(0, at)); since >= 0 && since < r.o.Window {
				r.window.Record(s.RTT)
			}
		}
		r.period.Record(s.RTT)
	}
	r.o.Fleet.OnEvent = func(ev Event) {
		r.ledger.onEvent(ev)
		if onEvent != nil {
			onEvent(ev)
		}
	}
}

// loop reports every period until ctx ends (or the storm is over, with
// EndAfterStorm).
func (r *loadRun) loop(ctx context.Context, f loadFleet) LoadReport {
	o := r.o
	rep := LoadReport{Chargers: len(o.Creds)}
	storm := newStorm(o.ReconnectStorm, o.StormAfter)
	tick := time.NewTicker(o.Every)
	defer tick.Stop()
	poll := time.NewTicker(100 * time.Millisecond)
	defer poll.Stop()
	last := r.start
	for {
		select {
		case <-ctx.Done():
			r.printPeriod(f, time.Now(), &last)
			return rep
		case now := <-poll.C:
			online := f.Online()
			if rep.AllOnlineAfter == 0 && online == len(o.Creds) {
				rep.AllOnlineAfter = now.Sub(r.start)
				r.onlineAt.Store(now.UnixNano())
				fmt.Fprintf(o.Out, "all %d chargers on line after %s\n", online, rep.AllOnlineAfter.Round(time.Millisecond))
			}
			storm.step(now, f, rep.AllOnlineAfter > 0, &rep, o.Out)
			if storm.done && o.EndAfterStorm {
				return rep
			}
		case now := <-tick.C:
			r.printPeriod(f, now, &last)
		}
	}
}

// printPeriod prints the line of the period from *last to now.
func (r *loadRun) printPeriod(f loadFleet, now time.Time, last *time.Time) {
	h := r.period.Swap()
	secs := now.Sub(*last).Seconds()
	*last = now
	fmt.Fprintf(r.o.Out, "%6.0fs online=%d/%d charging=%d calls/s=%.1f p50=%s p99=%s p999=%s failures=%d (total %d)\n",
		now.Sub(r.start).Seconds(), f.Online(), len(r.o.Creds), f.Charging(), float64(h.Count())/secs,
		fmtDur(h.Quantile(0.5)), fmtDur(h.Quantile(0.99)), fmtDur(h.Quantile(0.999)), r.periodFails.Swap(0), r.fails.Load())
}

// drain waits until every charger's outbox is empty, at most timeout.
func drain(f loadFleet, timeout time.Duration) {
	deadline := time.Now().Add(timeout)
	for time.Now().Before(deadline) {
		busy := false
		for _, c := range f.stations() {
			if c.QueueLen() > 0 {
				busy = true
				break
			}
		}
		if !busy {
			return
		}
		time.Sleep(100 * time.Millisecond)
	}
}

// summary completes rep, prints it and writes the transactions.
func (r *loadRun) summary(rep LoadReport) (LoadReport, error) {
	o := r.o
	rep.Elapsed = time.Since(r.start)
	rep.Failures = r.fails.Load()
	rep.Calls = r.total.Count() + rep.Failures
	rep.P50, rep.P99, rep.P999 = r.total.Quantile(0.5), r.total.Quantile(0.99), r.total.Quantile(0.999)
	lc := r.ledger.counts()
	rep.TxStarted, rep.TxAnswered, rep.TxStopsAnswered = lc.Started, lc.Answered, lc.StopsAnswered
	fmt.Fprintf(o.Out, "summary: chargers=%d online-at-end=%d elapsed=%s calls=%d (%.1f/s) failures=%d p50=%s p99=%s p999=%s all-online-after=%s",
		rep.Chargers, rep.Online, rep.Elapsed.Round(time.Millisecond), rep.Calls, float64(rep.Calls)/rep.Elapsed.Seconds(), rep.Failures,
		fmtDur(rep.P50), fmtDur(rep.P99), fmtDur(rep.P999), fmtDur(rep.AllOnlineAfter))
	if o.ReconnectStorm {
		fmt.Fprintf(o.Out, " storm-recovery=%s", fmtDur(rep.StormRecovery))
	}
	if o.Warmup > 0 {
		fmt.Fprintf(o.Out, " (percentiles after %s warm-up)", o.Warmup)
	}
	if o.Window > 0 {
		rep.WindowCalls = r.window.Count()
		rep.WindowP50, rep.WindowP99, rep.WindowP999 = r.window.Quantile(0.5), r.window.Quantile(0.99), r.window.Quantile(0.999)
		fmt.Fprintf(o.Out, " window: first %s after all on line calls=%d p50=%s p99=%s p999=%s",
			o.Window, rep.WindowCalls, fmtDur(rep.WindowP50), fmtDur(rep.WindowP99), fmtDur(rep.WindowP999))
	}
	fmt.Fprintf(o.Out, " transactions: started=%d answered=%d stops-queued=%d stops-answered=%d\n",
		lc.Started, lc.Answered, lc.StopsQueued, lc.StopsAnswered)
	if o.Transactions != nil {
		if err := r.ledger.writeCSV(o.Transactions); err != nil {
			return rep, err
		}
	}
	return rep, nil
}

func fmtDur(d time.Duration) string {
	switch {
	case d == 0:
		return "-"
	case d < time.Millisecond:
		return d.Round(time.Microsecond).String()
	case d < time.Second:
		return d.Round(10 * time.Microsecond).String()
	}
	return d.Round(time.Millisecond).String()
}

// storm runs one reconnect storm: drop every connection at once, then wait
// until every charger has booted again.
type storm struct {
	enabled bool
	after   time.Duration
	ready   time.Time // when all chargers were first seen on line
	started time.Time
	boots   []int
	done    bool
}

func newStorm(enabled bool, after time.Duration) *storm {
	return &storm{enabled: enabled, after: after}
}

func (s *storm) step(now time.Time, f loadFleet, allOnline bool, rep *LoadReport, out io.Writer) {
	if !s.enabled || s.done || !allOnline {
		return
	}
	if s.ready.IsZero() {
		s.ready = now
	}
	if s.started.IsZero() {
		if now.Sub(s.ready) < s.after {
			return
		}
		all := f.stations()
		s.boots = make([]int, len(all))
		for i, c := range all {
			s.boots[i] = c.Boots()
		}
		s.started = time.Now()
		for _, c := range all {
			c.Disconnect()
		}
		fmt.Fprintf(out, "reconnect storm: dropped %d connections\n", len(all))
		return
	}
	all := f.stations()
	for i, c := range all {
		if !c.Online() || c.Boots() <= s.boots[i] {
			return
		}
	}
	s.done = true
	rep.StormRecovery = time.Since(s.started)
	fmt.Fprintf(out, "reconnect storm: all %d chargers back after %s\n", len(all), fmtDur(rep.StormRecovery))
}

// lockedWriter serialises writes from the goroutines that report progress.
type lockedWriter struct {
	mu sync.Mutex
	w  io.Writer
}

func (l *lockedWriter) Write(p []byte) (int, error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.w.Write(p)
}
