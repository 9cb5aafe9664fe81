package main

import (
	"context"
	"flag"
	"fmt"
	"io"
	"os"
	"strings"
	"time"

	"github.com/volt-ev/volt/sim"
)

// loadSimFlags are the flags `voltd load sim` adds to those of `voltd sim`.
type loadSimFlags struct {
	steady, flood bool
	floodStarts   int
	warmup, drain time.Duration
	window        time.Duration
	transactions  string
}

// splitLoadSimArgs takes the load-only flags out of args and returns them
// with the remaining `voltd sim` flags.
func splitLoadSimArgs(args []string, stderr io.Writer) (loadSimFlags, []string, error) {
	var f loadSimFlags
	fs := flag.NewFlagSet("voltd load sim", flag.ContinueOnError)
	fs.SetOutput(stderr)
	fs.BoolVar(&f.steady, "steady", false, "sessions from the steady state: --session-rate of the connectors charge from the start")
	fs.BoolVar(&f.flood, "meter-flood", false, "every connector starts a transaction and sends MeterValues back to back")
	fs.IntVar(&f.floodStarts, "flood-starts", 2, "meter flood: StartTransactions in flight while the transactions start")
	fs.DurationVar(&f.warmup, "warmup", 0, "leave the calls of the first warmup out of the summary's percentiles")
	fs.DurationVar(&f.window, "window", 0, "also report p50/p99/p999 of the calls in this window after every charger was first on line (e.g. 5m)")
	fs.DurationVar(&f.drain, "drain", 30*time.Second, "at the end, wait this long at most for the chargers' outboxes to empty")
	fs.StringVar(&f.transactions, "transactions", "", "write one CSV line per transaction started (identity,connector,transaction_id,stop_answered)")
	var mine, rest []string
	for i := 0; i < len(args); i++ {
		name, _, hasValue := strings.Cut(strings.TrimLeft(args[i], "-"), "=")
		fl := fs.Lookup(name)
		if !strings.HasPrefix(args[i], "-") || fl == nil {
			rest = append(rest, args[i])
			continue
		}
		mine = append(mine, args[i])
		if _, isBool := fl.Value.(interface{ IsBoolFlag() bool }); !hasValue && !isBool && i+1 < len(args) {
			i++
			mine = append(mine, args[i])
		}
	}
	if err := fs.Parse(mine); err != nil {
		return f, nil, err
	}
	return f, rest, nil
}

// runLoadSim is `voltd load sim`: `voltd sim --load` with the load-test
// modes of sim.LoadOptions (steady sessions, MeterValues flood, warm-up,
// transaction ledger).
func runLoadSim(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	lf, rest, err := splitLoadSimArgs(args, stderr)
	if err != nil {
		return err
	}
	f, err := parseSimFlags(rest, stderr)
	if err != nil {
		return err
	}
	creds, err := simCredentials(f)
	if err != nil {
		return err
	}
	if limit, err := sim.RaiseFileLimit(); err == nil && limit > 0 && uint64(len(creds))+64 > limit {
		fmt.Fprintf(stderr, "voltd load sim: %d chargers need more open files than the limit %d: split them over processes with --offset\n", len(creds), limit)
	}
	o := sim.LoadOptions{URL: f.url, Creds: creds, Every: f.every, Duration: f.duration,
		ReconnectStorm: f.storm, StormAfter: f.stormAfter, EndAfterStorm: f.storm && f.duration == 0,
		SteadySessions: lf.steady, MeterFlood: lf.flood, Version: f.version(), FloodStarts: lf.floodStarts, Warmup: lf.warmup, Window: lf.window, DrainTimeout: lf.drain, Out: stdout,
		Fleet: sim.FleetOptions{
			Connectors: f.connectors, MeterInterval: f.meterInterval, Heartbeat: f.heartbeat,
			SessionLength: f.sessionLength, SessionEvery: sim.SessionShareTimes(f.sessionRate, f.sessionLength),
			NoSessions: f.sessionRate == 0, StartSpread: f.spread, MinBackoff: f.minBackoff, MaxBackoff: f.maxBackoff,
		}}
	if lf.transactions != "" {
		file, err := os.Create(lf.transactions)
		if err != nil {
			return fmt.Errorf("load sim: %w", err)
		}
		defer file.Close()
		o.Transactions = file
	}
	if o.Fleet.TLS, err = f.tlsConfig(); err != nil {
		return err
	}
	_, err = sim.RunLoad(ctx, o)
	return err
}
