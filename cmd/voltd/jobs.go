package main

import (
	"context"
	"fmt"
	"io"
	"strings"
	"time"

	volt "github.com/volt-ev/volt"
	"github.com/volt-ev/volt/sim"
	"github.com/volt-ev/volt/store"
)

// startRetention prunes the OCPP message log hourly, keeping
// Config.FrameRetention of it.
func (m *Main) startRetention(ctx context.Context, charging *store.ChargingService) {
	ctx, cancel := context.WithCancel(context.WithoutCancel(ctx))
	done := make(chan struct{})
	m.onClose(func(context.Context) error { cancel(); <-done; return nil })
	go func() {
		defer close(done)
		t := time.NewTicker(time.Hour)
		defer t.Stop()
		for {
			n, err := charging.PruneFrames(volt.NewContextWithActor(ctx, volt.SystemActor), time.Now().Add(-m.Config.FrameRetention))
			if err != nil && ctx.Err() == nil {
				m.Logger.Error("prune message log", "err", err)
			} else if n > 0 {
				m.Logger.Info("pruned message log", "frames", n)
			}
			select {
			case <-ctx.Done():
				return
			case <-t.C:
			}
		}
	}()
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
	fleetCtx, cancel := context.WithCancel(context.WithoutCancel(ctx))
	fleet, err := sim.StartFleet(fleetCtx, "ws://"+m.Addr()+"/ocpp", creds, sim.FleetOptions{
		Connectors:    2,
		MeterInterval: 30 * time.Second,
		Heartbeat:     60 * time.Second,
		IDTags:        net.IDTags,
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
	printDemo(m.logOut, m.URL(), net, len(creds), m.firstAdmin)
	return nil
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
				cdr, isCDR := e.Data.(*volt.CDR)
				if e.Type != volt.EventCDRCreated || !isCDR {
					continue
				}
				if err := money.OnCDR(sys, cdr); err != nil {
					m.Logger.Warn("settle CDR", "cdr", cdr.ID, "session", cdr.SessionID, "err", err)
				}
			case <-t.C:
				m.settleSweep(sys, money)
			}
		}
	}()
}
