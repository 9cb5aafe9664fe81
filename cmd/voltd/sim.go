package main

import (
	"bufio"
	"context"
	"crypto/tls"
	"crypto/x509"
	"encoding/csv"
	"errors"
	"flag"
	"fmt"
	"io"
	"log/slog"
	"os"
	"strings"
	"time"

	"github.com/volt-ev/volt/ocpp"
	"github.com/volt-ev/volt/sim"
)

// simFlags are the flags of `voltd sim`.
type simFlags struct {
	url, prefix, password, credentials, idTags, logLevel string
	ocppVersion, caFile                                  string
	chargers, connectors, offset                         int
	meterInterval, heartbeat, sessionLength              time.Duration
	sessionRate                                          float64
	load, storm                                          bool
	every, duration, stormAfter, spread                  time.Duration
	minBackoff, maxBackoff                               time.Duration
}

func parseSimFlags(args []string, stderr io.Writer) (simFlags, error) {
	var f simFlags
	fs := flag.NewFlagSet("voltd sim", flag.ContinueOnError)
	fs.SetOutput(stderr)
	fs.StringVar(&f.url, "url", "ws://127.0.0.1:8080/ocpp", "OCPP endpoint; the identity is appended (or replaces {identity})")
	fs.IntVar(&f.chargers, "chargers", 1, "number of chargers (with --credentials: at most this many, 0 = all)")
	fs.IntVar(&f.connectors, "connectors", 1, "connectors per charger")
	fs.StringVar(&f.prefix, "identity-prefix", "SIM", "identities are this prefix and a 6-digit number")
	fs.IntVar(&f.offset, "offset", 0, "first identity number (or first line of --credentials), to split a load over processes")
	fs.StringVar(&f.password, "password", "", "Basic auth password of every charger")
	fs.StringVar(&f.credentials, "credentials", "", "CSV file of identity,password lines")
	fs.StringVar(&f.idTags, "id-tags", "", "comma-separated idTags drivers swipe (default: one per charger)")
	fs.DurationVar(&f.meterInterval, "meter-interval", time.Minute, "MeterValues sample interval")
	fs.DurationVar(&f.heartbeat, "heartbeat", 0, "heartbeat interval (0: as the central system says)")
	fs.Float64Var(&f.sessionRate, "session-rate", 0.3, "share of connectors charging at any time (0 = no sessions)")
	fs.DurationVar(&f.sessionLength, "session-length", 20*time.Minute, "mean session length")
	fs.BoolVar(&f.load, "load", false, "load mode: print connected chargers, calls/s, round-trip percentiles and failures")
	fs.DurationVar(&f.every, "report-every", 5*time.Second, "load mode: report period")
	fs.DurationVar(&f.duration, "duration", 0, "stop after this long (0: until interrupted)")
	fs.BoolVar(&f.storm, "reconnect-storm", false, "load mode: drop every connection at once and time the recovery")
	fs.DurationVar(&f.stormAfter, "storm-after", 10*time.Second, "load mode: wait this long after all chargers are on line before the storm")
	fs.DurationVar(&f.spread, "start-spread", 0, "start the chargers spread over this duration")
	fs.DurationVar(&f.minBackoff, "min-backoff", time.Second, "first reconnect delay")
	fs.DurationVar(&f.maxBackoff, "max-backoff", time.Minute, "longest reconnect delay")
	fs.StringVar(&f.logLevel, "log-level", "info", "debug shows every frame; info, warn, error")
	fs.StringVar(&f.ocppVersion, "ocpp", "1.6", "OCPP version the chargers speak: 1.6, 2.0.1 or 2.1")
	fs.StringVar(&f.caFile, "ca-file", "", "with a wss:// --url: PEM root certificates trusted for the server (default: the system's); the chargers use security profile 2")
	if err := fs.Parse(args); err != nil {
		if errors.Is(err, flag.ErrHelp) {
			return f, errUsage
		}
		return f, err
	}
	if fs.NArg() > 0 {
		return f, fmt.Errorf("sim: unexpected arguments: %v", fs.Args())
	}
	switch f.ocppVersion {
	case "1.6", "2.0.1", "2.1":
	default:
		return f, fmt.Errorf("sim: --ocpp %q is not 1.6, 2.0.1 or 2.1", f.ocppVersion)
	}
	if f.sessionRate < 0 || f.sessionRate > 1 {
		return f, fmt.Errorf("sim: --session-rate %v is not between 0 and 1", f.sessionRate)
	}
	return f, nil
}

// tlsConfig is the chargers' TLS client configuration: the roots of
// --ca-file, or nil (the system's roots).
func (f simFlags) tlsConfig() (*tls.Config, error) {
	if f.caFile == "" {
		return nil, nil
	}
	b, err := os.ReadFile(f.caFile)
	if err != nil {
		return nil, fmt.Errorf("sim: --ca-file: %w", err)
	}
	pool := x509.NewCertPool()
	if !pool.AppendCertsFromPEM(b) {
		return nil, fmt.Errorf("sim: --ca-file %s holds no PEM certificate", f.caFile)
	}
	return &tls.Config{RootCAs: pool}, nil
}

// version is the OCPP version of --ocpp.
func (f simFlags) version() ocpp.Version { return ocpp.Version("ocpp" + f.ocppVersion) }

// runSim is `voltd sim`: simulated OCPP 1.6J chargers against --url, or
// 2.0.1 or 2.1 stations with --ocpp.
func runSim(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	f, err := parseSimFlags(args, stderr)
	if err != nil {
		return err
	}
	creds, err := simCredentials(f)
	if err != nil {
		return err
	}
	if limit, err := sim.RaiseFileLimit(); err == nil && limit > 0 && uint64(len(creds))+64 > limit {
		fmt.Fprintf(stderr, "voltd sim: %d chargers need more open files than the limit %d: split them over processes with --offset\n", len(creds), limit)
	}
	var level slog.Level
	_ = level.UnmarshalText([]byte(f.logLevel))
	logger := slog.New(slog.NewTextHandler(stderr, &slog.HandlerOptions{Level: level}))
	opts := sim.FleetOptions{
		Connectors: f.connectors, MeterInterval: f.meterInterval, Heartbeat: f.heartbeat,
		SessionLength: f.sessionLength, SessionEvery: sim.SessionShareTimes(f.sessionRate, f.sessionLength),
		NoSessions: f.sessionRate == 0, StartSpread: f.spread,
		MinBackoff: f.minBackoff, MaxBackoff: f.maxBackoff, Logger: logger,
	}
	if opts.TLS, err = f.tlsConfig(); err != nil {
		return err
	}
	if f.idTags != "" {
		opts.IDTags = strings.Split(f.idTags, ",")
	}
	if f.load {
		_, err := sim.RunLoad(ctx, sim.LoadOptions{URL: f.url, Creds: creds, Fleet: opts, Every: f.every,
			Duration: f.duration, ReconnectStorm: f.storm, StormAfter: f.stormAfter, Out: stdout, Version: f.version()})
		return err
	}
	if level <= slog.LevelDebug {
		opts.OnEvent = func(ev sim.Event) { printEvent(stdout, ev) }
	} else {
		opts.OnEvent = func(ev sim.Event) {
			if ev.Kind != sim.EventSent && ev.Kind != sim.EventReceived {
				printEvent(stdout, ev)
			}
		}
	}
	if f.duration > 0 {
		var cancel context.CancelFunc
		ctx, cancel = context.WithTimeout(ctx, f.duration)
		defer cancel()
	}
	if f.ocppVersion != "1.6" {
		fleet, err := sim.StartFleet2x(ctx, f.url, ocpp.Version("ocpp"+f.ocppVersion), creds, opts)
		if err != nil {
			return err
		}
		fmt.Fprintf(stdout, "voltd sim: %d OCPP %s chargers against %s; interrupt to stop\n", len(creds), f.ocppVersion, f.url)
		<-ctx.Done()
		fleet.Close()
		return nil
	}
	fleet, err := sim.StartFleet(ctx, f.url, creds, opts)
	if err != nil {
		return err
	}
	fmt.Fprintf(stdout, "voltd sim: %d chargers against %s; interrupt to stop\n", len(creds), f.url)
	<-ctx.Done()
	fleet.Close()
	return nil
}

// printEvent writes one event line; the OnEvent hook must be quick, and a
// line write is.
func printEvent(w io.Writer, ev sim.Event) {
	line := fmt.Sprintf("%s %s %s", ev.Time.Format("15:04:05.000"), ev.Identity, ev.Kind)
	if ev.Connector > 0 {
		line += fmt.Sprintf(" connector=%d", ev.Connector)
	}
	if ev.Action != "" {
		line += " " + ev.Action
	}
	if ev.Detail != "" {
		line += " " + ev.Detail
	}
	if ev.Frame != nil {
		line += " " + string(ev.Frame)
	}
	fmt.Fprintln(w, line)
}

// simCredentials returns the chargers' identities and passwords: from the
// CSV file, or prefix + number with the shared password.
func simCredentials(f simFlags) ([]sim.Credentials, error) {
	if f.credentials == "" {
		if f.chargers < 1 {
			return nil, errors.New("sim: --chargers must be at least 1")
		}
		out := make([]sim.Credentials, f.chargers)
		for i := range out {
			out[i] = sim.Credentials{Identity: fmt.Sprintf("%s%06d", f.prefix, f.offset+i+1), Password: f.password}
		}
		return out, nil
	}
	file, err := os.Open(f.credentials)
	if err != nil {
		return nil, fmt.Errorf("sim: credentials: %w", err)
	}
	defer file.Close()
	all, err := readCredentials(file)
	if err != nil {
		return nil, fmt.Errorf("sim: %s: %w", f.credentials, err)
	}
	if f.offset > len(all) {
		return nil, fmt.Errorf("sim: --offset %d is past the %d chargers of %s", f.offset, len(all), f.credentials)
	}
	all = all[f.offset:]
	if f.chargers > 0 && f.chargers < len(all) {
		all = all[:f.chargers]
	}
	if len(all) == 0 {
		return nil, fmt.Errorf("sim: %s: no chargers", f.credentials)
	}
	return all, nil
}

// readCredentials reads identity,password lines; blank lines, lines
// starting with # and an "identity,password" header are skipped.
func readCredentials(r io.Reader) ([]sim.Credentials, error) {
	cr := csv.NewReader(bufio.NewReader(r))
	cr.FieldsPerRecord = -1
	cr.Comment = '#'
	cr.TrimLeadingSpace = true
	var out []sim.Credentials
	for line := 1; ; line++ {
		rec, err := cr.Read()
		if errors.Is(err, io.EOF) {
			return out, nil
		}
		if err != nil {
			return nil, err
		}
		if len(rec) == 0 || (len(rec) == 1 && strings.TrimSpace(rec[0]) == "") {
			continue
		}
		if strings.EqualFold(strings.TrimSpace(rec[0]), "identity") {
			continue
		}
		if len(rec) < 2 {
			return nil, fmt.Errorf("line %d: want identity,password", line)
		}
		out = append(out, sim.Credentials{Identity: strings.TrimSpace(rec[0]), Password: strings.TrimSpace(rec[1])})
	}
}
