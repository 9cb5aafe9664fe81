package main

import (
	"context"
	"fmt"
	"strings"
	"time"

	"github.com/volt-ev/volt/store"
	"github.com/volt-ev/volt/webhook"
)

// Outgoing webhooks and alerts (issue #17 items 5 and 6): background loops
// over the durable event journal. Every node runs them; the consumers'
// cursors and the deliveries' leases live in the database, so on a cluster
// the nodes share the work without doing any of it twice.

// startWebhooks starts the webhook dispatcher: journal events fanned out to
// deliveries, due deliveries sent over the SSRF-safe client. Private
// addresses in VOLT_WEBHOOK_ALLOW_NETS are reachable (tests, operators'
// internal receivers).
func (m *Main) startWebhooks(ctx context.Context, svc *store.WebhookService) error {
	allow, err := webhook.ParseAllowList(m.Config.WebhookAllowNets)
	if err != nil {
		return fmt.Errorf("VOLT_WEBHOOK_ALLOW_NETS: %w", err)
	}
	d := &webhook.Dispatcher{
		Outbox: svc,
		Client: webhook.NewClient(webhook.ClientConfig{Allow: allow}),
		Mail:   m.mailer().Send,
		Logger: m.Logger.With("component", "webhooks"),
	}
	svc.Wake = d.Wake
	m.loop(ctx, func(ctx context.Context) { d.Run(ctx) })
	return nil
}

// startAlerts evaluates alert rules from the journal (every second), mails
// opened alerts, sweeps the time-driven rules (once a minute across the
// cluster), sends the daily digest (once a day across the cluster and
// restarts) and prunes the journal of what every consumer has passed.
func (m *Main) startAlerts(ctx context.Context, svc *store.AlertService) {
	log := m.Logger.With("component", "alerts")
	send := m.mailer().Send
	m.loop(ctx, func(ctx context.Context) {
		tick := time.NewTicker(time.Second)
		defer tick.Stop()
		var lastSweep, lastPrune time.Time
		for {
			if _, err := svc.EvaluateAlertEvents(ctx, 500); err != nil && ctx.Err() == nil {
				log.Warn("evaluate alert rules", "err", err)
			}
			if _, err := svc.MailOpenedAlerts(ctx, 100, send); err != nil && ctx.Err() == nil {
				log.Warn("mail alerts", "err", err)
			}
			now := time.Now()
			if now.Sub(lastSweep) >= time.Minute && m.once(ctx, "alert-sweep", time.Minute) {
				lastSweep = now
				if err := svc.SweepAlerts(ctx, now); err != nil && ctx.Err() == nil {
					log.Warn("alert sweep", "err", err)
				}
				m.alertDigest(ctx, svc, now, send)
			}
			if now.Sub(lastPrune) >= time.Hour {
				lastPrune = now
				if n, err := m.DB.PruneEventLog(ctx, now.Add(-24*time.Hour)); err != nil && ctx.Err() == nil {
					log.Warn("prune event journal", "err", err)
				} else if n > 0 {
					log.Info("pruned event journal", "events", n)
				}
			}
			select {
			case <-ctx.Done():
				return
			case <-tick.C:
			}
		}
	})
}

// alertDigest mails each CPO with an alert address its daily digest, once
// per UTC day.
func (m *Main) alertDigest(ctx context.Context, svc *store.AlertService, now time.Time, send func(to, subject, body string) error) {
	day := now.UTC().Truncate(24 * time.Hour)
	if !m.once(ctx, "alert-digest", 24*time.Hour) {
		return
	}
	ok, err := svc.ClaimAlertDigest(ctx, day)
	if err != nil || !ok {
		return
	}
	ds, err := svc.AlertDigests(ctx, day.Add(-24*time.Hour))
	if err != nil {
		m.Logger.Warn("alert digest", "err", err)
		return
	}
	for _, d := range ds {
		if err := send(d.Email, fmt.Sprintf("Volt daily alert digest: %d active", len(d.Active)), digestBody(d)); err != nil {
			m.Logger.Warn("alert digest mail", "cpo", d.CPOID, "err", err)
		}
	}
}

func digestBody(d store.AlertDigest) string {
	var b strings.Builder
	fmt.Fprintf(&b, "Active alerts: %d. Resolved since yesterday: %d.\n\n", len(d.Active), d.Resolved)
	for _, a := range d.Active {
		fmt.Fprintf(&b, "- [%s] %s (since %s)\n", a.State, a.Message, a.OpenedAt.Format(time.RFC1123))
	}
	return b.String()
}

// loop runs fn in a goroutine until the node closes.
func (m *Main) loop(ctx context.Context, fn func(ctx context.Context)) {
	ctx, cancel := context.WithCancel(context.WithoutCancel(ctx))
	done := make(chan struct{})
	m.onClose(func(context.Context) error { cancel(); <-done; return nil })
	go func() {
		defer close(done)
		fn(ctx)
	}()
}
