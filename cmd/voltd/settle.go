package main

import (
	"context"
	"encoding/json"
	"fmt"
	"strings"
	"time"

	volt "github.com/volt-ev/volt"
	"github.com/volt-ev/volt/store"
)

// settleSweep is the minute job of startSettlement: provider retries, the
// sweep over CDRs whose settlement never ran, and guests' receipts.
func (m *Main) settleSweep(ctx context.Context, money *store.MoneyService) {
	if n, err := money.RetryFailed(ctx); err != nil {
		m.Logger.Error("retry failed payments", "err", err)
	} else if n > 0 {
		m.Logger.Info("retried failed payments", "count", n)
	}
	if n, err := money.SettleUnsettled(ctx, 0); err != nil {
		m.Logger.Warn("settle missed CDRs", "settled", n, "err", err)
	} else if n > 0 {
		m.Logger.Info("settled CDRs the event bus missed", "count", n)
	}
	if n, err := sendReceipts(ctx, money, m.mailer().Send, m.receiptMail); err != nil {
		m.Logger.Error("send receipts", "sent", n, "err", err)
	}
}

// sendReceipts e-mails each guest the receipt of their settled CDR, once:
// a receipt is marked sent after the mail server took it (a crash in
// between sends it again: at least once, never lost).
func sendReceipts(ctx context.Context, money *store.MoneyService, send func(to, subject, body string) error,
	compose func(c *volt.CDR, captured int64) (subject, body string)) (int, error) {
	rs, err := money.PendingReceipts(ctx, 0)
	if err != nil {
		return 0, err
	}
	n := 0
	for _, r := range rs {
		subject, body := r.Operator+": your charging receipt", receiptText(r)
		if compose != nil {
			subject, body = compose(r.CDR, r.Captured)
		}
		if err := send(r.Email, subject, body); err != nil {
			return n, fmt.Errorf("receipt of %s: %w", r.CDR.ID, err)
		}
		if err := money.MarkReceiptSent(ctx, r.CDR.ID, r.Email); err != nil {
			return n, err
		}
		n++
	}
	return n, nil
}

// receiptText is the plain-text receipt of a guest's CDR.
func receiptText(r *store.Receipt) string {
	c := r.CDR
	var b strings.Builder
	fmt.Fprintf(&b, "%s - charging receipt %s\n\n", r.Operator, c.ID)
	fmt.Fprintf(&b, "Charger %s, connector %d\nStarted %s\nStopped %s\nEnergy %d.%03d kWh\n\n", c.CPID, c.ConnectorID,
		c.StartedAt.UTC().Format("2 Jan 2006 15:04 MST"), c.StoppedAt.UTC().Format("2 Jan 2006 15:04 MST"), c.EnergyWh/1000, c.EnergyWh%1000)
	if c.TotalCost != nil {
		cur := c.TotalCost.Currency
		fmt.Fprintf(&b, "Total excl. VAT: %s\nVAT: %s\nTotal incl. VAT: %s\n", money(c.TotalCost.ExclVAT, cur),
			money(c.TotalCost.InclVAT-c.TotalCost.ExclVAT, cur), money(c.TotalCost.InclVAT, cur))
	}
	fmt.Fprintf(&b, "Charged to your card: %s\n", money(r.Captured, currencyOf(c)))
	return b.String()
}

func currencyOf(c *volt.CDR) string {
	if c.TotalCost != nil {
		return c.TotalCost.Currency
	}
	return ""
}

// money formats minor units in a currency: "GBP 4.50".
func money(minor int64, cur string) string {
	exp := volt.CurrencyExponent(cur)
	if exp == 0 {
		return fmt.Sprintf("%s %d", cur, minor)
	}
	p := int64(1)
	for range exp {
		p *= 10
	}
	return fmt.Sprintf("%s %d.%0*d", cur, minor/p, exp, minor%p)
}

// settleEvent settles the CDR of a cdr.created event, whose Data is the
// *volt.CDR (in process) or its JSON (from NATS). OnCDR is idempotent.
func (m *Main) settleEvent(ctx context.Context, money *store.MoneyService, e volt.Event) error {
	if e.Type != volt.EventCDRCreated {
		return nil
	}
	cdr, ok := e.Data.(*volt.CDR)
	if !ok {
		raw, err := json.Marshal(e.Data)
		if err != nil {
			return nil
		}
		cdr = &volt.CDR{}
		if json.Unmarshal(raw, cdr) != nil || cdr.ID == "" {
			m.Logger.Warn("settle: cdr.created without a CDR", "cpid", e.CPID)
			return nil // nothing to retry
		}
	}
	if err := money.OnCDR(ctx, cdr); err != nil {
		m.Logger.Warn("settle CDR", "cdr", cdr.ID, "session", cdr.SessionID, "err", err)
		return err
	}
	return nil
}

// startClusterSettlement is startSettlement on many nodes: CDR events come
// through a durable consumer shared by the nodes (each CDR settled by one
// node, at least once, resumed after restarts), and the minute sweep runs on
// one node per minute.
func (m *Main) startClusterSettlement(ctx context.Context, money *store.MoneyService) {
	ctx, cancel := context.WithCancel(context.WithoutCancel(ctx))
	sys := volt.NewContextWithActor(ctx, volt.SystemActor)
	err := m.Node.Consume(ctx, "settlement", []string{volt.EventCDRCreated}, func(_ context.Context, e volt.Event) error {
		return m.settleEvent(sys, money, e)
	})
	if err != nil {
		// The sweep below still settles every CDR, a minute late.
		m.Logger.Error("settlement consumer; CDRs settle by the minute sweep", "err", err)
	}
	done := make(chan struct{})
	m.onClose(func(context.Context) error { cancel(); <-done; return nil })
	go func() {
		defer close(done)
		t := time.NewTicker(time.Minute)
		defer t.Stop()
		for {
			select {
			case <-ctx.Done():
				return
			case <-t.C:
				if m.once(ctx, "settle-sweep", time.Minute) {
					m.settleSweep(sys, money)
				}
			}
		}
	}()
}
