// Command voltd is the Volt EV-charging platform in one binary: the OCPP
// central system, the REST API, the Admin Portal and the Driver Web App.
//
//	voltd [serve] [flags]   serve everything (the default)
//	voltd demo [flags]      serve with a seeded demo network and simulated chargers
//	voltd migrate [flags]   apply database migrations and exit
//	voltd sim [flags]       play simulated chargers against an OCPP URL
//	voltd load provision    create load-test chargers and their credentials (BENCHMARKS.md)
//	voltd pnc-pool [flags]  a TEST contract certificate pool (pnc.TestEXI) for labs and demos
//	voltd version           print the version
package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"os"
	"os/signal"
	"syscall"
)

// Version is set at build time with -ldflags "-X main.Version=...".
var Version = "dev"

func main() {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	if err := run(ctx, os.Args[1:], os.Getenv, os.Stdout, os.Stderr); err != nil {
		if !errors.Is(err, errUsage) {
			fmt.Fprintln(os.Stderr, "voltd:", err)
		}
		os.Exit(1)
	}
}

var errUsage = errors.New("usage")

func run(ctx context.Context, args []string, getenv func(string) string, stdout, stderr io.Writer) error {
	cmd := "serve"
	if len(args) > 0 && len(args[0]) > 0 && args[0][0] != '-' {
		cmd, args = args[0], args[1:]
	}
	switch cmd {
	case "version":
		fmt.Fprintln(stdout, "voltd", Version)
		return nil
	case "sim":
		return runSim(ctx, args, stdout, stderr)
	case "load":
		return runLoadCmd(ctx, args, getenv, stdout, stderr)
	case "pnc-pool": // issue 18: pnc_labpool.go
		return runPnCPool(ctx, args, getenv, stdout, stderr)
	case "serve", "demo", "migrate":
	default:
		fmt.Fprintf(stderr, "voltd: unknown command %q\ncommands: serve (default), demo, migrate, sim, pnc-pool, version\n", cmd)
		return errUsage
	}
	cfg, err := parseConfig("voltd "+cmd, args, getenv)
	if err != nil {
		return err
	}
	logger := newLogger(cfg, stderr)
	startPprof(getenv, stderr)
	m := NewMain(cfg, logger, stdout)
	if cmd == "migrate" {
		return m.Migrate(ctx)
	}
	m.Demo = cmd == "demo"
	if err := m.Run(ctx); err != nil {
		_ = m.Close(context.Background())
		return err
	}
	<-ctx.Done()
	logger.Info("shutting down")
	shutdownCtx, cancel := context.WithTimeout(context.Background(), shutdownTimeout)
	defer cancel()
	return m.Close(shutdownCtx)
}

func newLogger(cfg Config, w io.Writer) *slog.Logger {
	var level slog.Level
	if err := level.UnmarshalText([]byte(cfg.LogLevel)); err != nil {
		level = slog.LevelInfo
	}
	opts := &slog.HandlerOptions{Level: level}
	if cfg.LogFormat == "json" {
		return slog.New(slog.NewJSONHandler(w, opts))
	}
	return slog.New(slog.NewTextHandler(w, opts))
}
