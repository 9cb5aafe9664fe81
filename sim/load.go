package sim

import (
	"context"
	"fmt"
	"io"
	"math"
	"sync/atomic"
	"time"
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
	Out           io.Writer
}

// LoadReport is the outcome of RunLoad.
type LoadReport struct {
	Chargers, Online int
	Calls, Failures  int64
	P50, P99, P999   time.Duration
	Elapsed          time.Duration
	AllOnlineAfter   time.Duration // from start until every charger was on line; 0 if never
	StormRecovery    time.Duration // reconnect storm: until every charger was back; 0 if not run or not recovered
}

// RunLoad runs a fleet and prints, every period, the chargers on line,
// CALLs per second, the p50/p99/p999 round trip from CALL sent to answer
// read, and failures; then a summary, which it also returns.
func RunLoad(ctx context.Context, o LoadOptions) (LoadReport, error) {
	if o.Every <= 0 {
		o.Every = 5 * time.Second
	}
	if o.StormAfter <= 0 {
		o.StormAfter = 10 * time.Second
	}
	if o.Out == nil {
		o.Out = io.Discard
	}
	var total, period Histogram
	var fails, periodFails atomic.Int64
	o.Fleet.OnCall = func(s CallStat) {
		if s.Err != nil {
			fails.Add(1)
			periodFails.Add(1)
			return
		}
		total.Record(s.RTT)
		period.Record(s.RTT)
	}
	if o.Duration > 0 {
		var cancel context.CancelFunc
		ctx, cancel = context.WithTimeout(ctx, o.Duration)
		defer cancel()
	}
	start := time.Now()
	f, err := StartFleet(ctx, o.URL, o.Creds, o.Fleet)
	if err != nil {
		return LoadReport{}, err
	}
	rep := LoadReport{Chargers: len(o.Creds)}
	storm := newStorm(o.ReconnectStorm, o.StormAfter)
	tick := time.NewTicker(o.Every)
	poll := time.NewTicker(100 * time.Millisecond)
	last := start
	for done := false; !done; {
		select {
		case <-ctx.Done():
			done = true
		case now := <-poll.C:
			online := f.Online()
			if rep.AllOnlineAfter == 0 && online == len(o.Creds) {
				rep.AllOnlineAfter = now.Sub(start)
				fmt.Fprintf(o.Out, "all %d chargers on line after %s\n", online, rep.AllOnlineAfter.Round(time.Millisecond))
			}
			storm.step(now, f, rep.AllOnlineAfter > 0, &rep, o.Out)
			done = storm.done && o.EndAfterStorm
		case now := <-tick.C:
			h := period.Swap()
			secs := now.Sub(last).Seconds()
			last = now
			fmt.Fprintf(o.Out, "%6.0fs online=%d/%d charging=%d calls/s=%.1f p50=%s p99=%s p999=%s failures=%d (total %d)\n",
				now.Sub(start).Seconds(), f.Online(), len(o.Creds), f.Charging(), float64(h.Count())/secs,
				fmtDur(h.Quantile(0.5)), fmtDur(h.Quantile(0.99)), fmtDur(h.Quantile(0.999)), periodFails.Swap(0), fails.Load())
		}
	}
	tick.Stop()
	poll.Stop()
	rep.Online = f.Online()
	f.Close()
	rep.Elapsed = time.Since(start)
	rep.Calls, rep.Failures = total.Count()+fails.Load(), fails.Load()
	rep.P50, rep.P99, rep.P999 = total.Quantile(0.5), total.Quantile(0.99), total.Quantile(0.999)
	fmt.Fprintf(o.Out, "summary: chargers=%d online-at-end=%d elapsed=%s calls=%d (%.1f/s) failures=%d p50=%s p99=%s p999=%s all-online-after=%s",
		rep.Chargers, rep.Online, rep.Elapsed.Round(time.Millisecond), rep.Calls, float64(rep.Calls)/rep.Elapsed.Seconds(), rep.Failures,
		fmtDur(rep.P50), fmtDur(rep.P99), fmtDur(rep.P999), fmtDur(rep.AllOnlineAfter))
	if o.ReconnectStorm {
		fmt.Fprintf(o.Out, " storm-recovery=%s", fmtDur(rep.StormRecovery))
	}
	fmt.Fprintln(o.Out)
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

func (s *storm) step(now time.Time, f *Fleet, allOnline bool, rep *LoadReport, out io.Writer) {
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
		s.boots = make([]int, len(f.chargers))
		for i, c := range f.chargers {
			s.boots[i] = c.Boots()
		}
		s.started = time.Now()
		for _, c := range f.chargers {
			c.Disconnect()
		}
		fmt.Fprintf(out, "reconnect storm: dropped %d connections\n", len(f.chargers))
		return
	}
	for i, c := range f.chargers {
		if !c.Online() || c.Boots() <= s.boots[i] {
			return
		}
	}
	s.done = true
	rep.StormRecovery = time.Since(s.started)
	fmt.Fprintf(out, "reconnect storm: all %d chargers back after %s\n", len(f.chargers), fmtDur(rep.StormRecovery))
}
