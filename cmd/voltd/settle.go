package main

import (
	"context"
	"fmt"
	"strings"

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
