package main

import (
	"context"
	"fmt"
	"io"
	"strings"
	"time"

	volt "github.com/volt-ev/volt"
	"github.com/volt-ev/volt/ocpp"
	"github.com/volt-ev/volt/sim"
	"github.com/volt-ev/volt/store"
)

// startRetention prunes the OCPP message log hourly, keeping
// Config.FrameRetention of it.
func (m *Main) startRetention(ctx context.Context, charging *store.ChargingService) {
	m.periodic(ctx, "retention", time.Hour, func(ctx context.Context) {
		m.maintainPartitions(ctx)
		n, err := charging.PruneFrames(volt.NewContextWithActor(ctx, volt.SystemActor), time.Now().Add(-m.Config.FrameRetention))
		if err != nil && ctx.Err() == nil {
			m.Logger.Error("prune message log", "err", err)
		} else if n > 0 {
			m.Logger.Info("pruned message log", "frames", n)
		}
		m.downsampleMeterValues(ctx, charging)
	})
}

// meterThinPeriod is what VOLT_METER_DOWNSAMPLE_AFTER thins meter values
// to: one reading per period per session, besides the first and last.
const meterThinPeriod = 15 * time.Minute

// downsampleMeterValues thins the meter values of sessions that ended
// more than Config.MeterDownsampleAfter ago (off when 0), a batch of
// sessions at a time, for at most ten minutes per run (the rest waits for
// the next hour). Part of the retention job: once per hour on a cluster.
func (m *Main) downsampleMeterValues(ctx context.Context, charging *store.ChargingService) {
	if m.Config.MeterDownsampleAfter <= 0 {
		return
	}
	ctx = volt.NewContextWithActor(ctx, volt.SystemActor)
	until := time.Now().Add(10 * time.Minute)
	var sessions int
	var rows int64
	for time.Now().Before(until) && ctx.Err() == nil {
		n, d, err := charging.DownsampleMeterValues(ctx, time.Now().Add(-m.Config.MeterDownsampleAfter), meterThinPeriod, 500)
		sessions, rows = sessions+n, rows+d
		if err != nil {
			if ctx.Err() == nil {
				m.Logger.Error("downsample meter values", "err", err)
			}
			break
		}
		if n < 500 {
			break
		}
	}
	if sessions > 0 {
		m.Logger.Info("downsampled meter values of ended sessions", "sessions", sessions, "rows_deleted", rows)
	}
}

// startDemo seeds the demo network and starts simulated chargers against this
// node, so the demo network is alive: chargers boot, heartbeat, and drivers
// start and stop sessions with their RFID cards now and then.
func (m *Main) startDemo(ctx context.Context) error {
	net, err := seedDemo(ctx, m.Services)
	if err != nil {
		return err
	}
	creds := make([]sim.Credentials, 0, len(net.Credentials))
	for i, c := range net.Credentials {
		if i >= m.Config.DemoChargers {
			break
		}
		creds = append(creds, sim.Credentials{Identity: c.OCPPIdentity, Password: c.OCPPPassword})
	}
	// The 2.x stations (startDemo2x) each get a card of their own, so the
	// 1.6 fleet's drivers never hold every card (ConcurrentTx).
	tags16, tags2x := net.IDTags, [][]string{net.IDTags, net.IDTags}
	if n := len(net.IDTags); n > 2 && len(net.Credentials) > len(creds) {
		tags16, tags2x = net.IDTags[:n-2], [][]string{net.IDTags[n-2 : n-1], net.IDTags[n-1:]}
	}
	fleetCtx, cancel := context.WithCancel(context.WithoutCancel(ctx))
	fleet, err := sim.StartFleet(fleetCtx, "ws://"+m.Addr()+"/ocpp", creds, sim.FleetOptions{
		Connectors:    2,
		MeterInterval: 30 * time.Second,
		Heartbeat:     60 * time.Second,
		IDTags:        tags16,
		SessionEvery:  4 * time.Minute,
		SessionLength: 10 * time.Minute,
		StartSpread:   time.Second,
		// Charging shows at once, and the first short sessions end with a
		// priced CDR so Income is not empty.
		FirstSessionWithin: 2 * time.Second,
		FirstSessionLength: 12 * time.Second,
		Logger:             m.Logger.With("component", "demo-sim"),
	})
	if err != nil {
		cancel()
		return fmt.Errorf("start simulated chargers: %w", err)
	}
	m.onClose(func(context.Context) error { cancel(); fleet.Close(); return nil })
	simulated := len(creds) + m.startDemo2x(fleetCtx, net.Credentials[len(creds):], tags2x)
	// A printable sticker and poster of the demo network (issue #16 item 7).
	if files, err := m.writeDemoSignage(ctx, net); err != nil {
		m.Logger.Warn("demo: signage not written", "err", err)
	} else if len(files) > 0 {
		m.Logger.Info("demo: sticker and poster written", "files", files)
	}
	printDemo(m.logOut, m.URL(), net, simulated, m.firstAdmin)
	return nil
}

// startDemo2x runs the next demo chargers as an OCPP 2.0.1 and an OCPP 2.1
// station beside the 1.6 ones, charging with the same cards and priced by
// the same tariffs. It returns how many it started.
func (m *Main) startDemo2x(ctx context.Context, creds []volt.ChargerCredentials, idTags [][]string) int {
	n := 0
	for i, v := range []ocpp.Version{ocpp.V201, ocpp.V21} {
		if i >= len(creds) {
			break
		}
		fleet, err := sim.StartFleet2x(ctx, "ws://"+m.Addr()+"/ocpp", v,
			[]sim.Credentials{{Identity: creds[i].OCPPIdentity, Password: creds[i].OCPPPassword}}, sim.FleetOptions{
				Connectors: 1, MeterInterval: 30 * time.Second, Heartbeat: 60 * time.Second, IDTags: idTags[i],
				SessionEvery: 4 * time.Minute, SessionLength: 10 * time.Minute,
				Logger: m.Logger.With("component", "demo-sim", "ocpp", string(v)),
			})
		if err != nil {
			m.Logger.Error("demo: start simulated station", "ocpp", v, "err", err)
			continue
		}
		m.onClose(func(context.Context) error { fleet.Close(); return nil })
		n++
	}
	return n
}

// printDemo writes the one block a newcomer reads: where Volt runs (with
// the real port), who to sign in as first, and every demo login by role.
func printDemo(w io.Writer, url string, net *demoNetwork, simulated int, firstAdmin [2]string) {
	var b strings.Builder
	line := strings.Repeat("─", 72)
	fmt.Fprintf(&b, "\n%s\n  Volt demo is running at %s\n%s\n", line, url, line)
	fmt.Fprintf(&b, "  Admin Portal    %s/admin/\n  Driver Web App  %s/app/\n  API reference   %s/api/docs\n\n", url, url, url)
	if len(net.Logins) > 0 {
		fmt.Fprintf(&b, "  Sign in first:  %s  password %s\n", net.Logins[0].Email, demoPassword)
		fmt.Fprintf(&b, "                  (%s)\n\n", net.Logins[0].Sees)
	}
	fmt.Fprintf(&b, "  Every demo login (password %s):\n", demoPassword)
	for _, l := range net.Logins {
		fmt.Fprintf(&b, "    %-36s %-28s %s\n", l.Who, l.Email, l.Sees)
	}
	if firstAdmin[0] != "" {
		fmt.Fprintf(&b, "\n  Platform Super Admin: %s  one-time password %s\n", firstAdmin[0], firstAdmin[1])
		fmt.Fprintf(&b, "    (asked for a new password at first sign-in)\n")
	}
	port := url[strings.LastIndexByte(url, ':')+1:]
	fmt.Fprintf(&b, "\n  %d chargers, %d simulated: the first sessions start within seconds.\n", len(net.Credentials), simulated)
	fmt.Fprintf(&b, "  RFID cards: %s\n", strings.Join(net.IDTags, ", "))
	fmt.Fprintf(&b, "  Whitelabel theme: http://%s:%s/admin/ (%s)\n%s\n\n", demoHostSuffix, port, demoCPOName, line)
	_, _ = io.WriteString(w, b.String())
}

// startSettlement settles each CDR as soon as it is created (capture of a
// card hold, or the wallet charge for credit) and, every minute, retries
// failed provider calls, settles the CDRs whose event was lost (the bus
// dropped this subscriber, or the node stopped between the CDR commit and
// OnCDR: SettleUnsettled) and e-mails guests' receipts once their payment
// is settled (settleSweep). OnCDR is idempotent, so an event seen twice, or
// the sweep racing it, settles once.
func (m *Main) startSettlement(ctx context.Context, money *store.MoneyService) {
	if m.Node != nil {
		m.startClusterSettlement(ctx, money)
		return
	}
	events, unsubscribe := m.Bus.Subscribe()
	ctx, cancel := context.WithCancel(context.WithoutCancel(ctx))
	done := make(chan struct{})
	m.onClose(func(context.Context) error { cancel(); <-done; return nil })
	sys := volt.NewContextWithActor(ctx, volt.SystemActor)
	go func() {
		defer close(done)
		defer func() { unsubscribe() }() // the latest subscription
		t := time.NewTicker(time.Minute)
		defer t.Stop()
		for {
			select {
			case <-ctx.Done():
				return
			case e, ok := <-events:
				if !ok {
					m.Logger.Error("settlement fell behind the event bus; resubscribing")
					events, unsubscribe = m.Bus.Subscribe()
					continue
				}
				_ = m.settleEvent(sys, money, e)
			case <-t.C:
				if m.once(ctx, "settle-sweep", time.Minute) {
					m.settleSweep(sys, money)
				}
			}
		}
	}()
}
