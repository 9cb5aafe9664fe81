package ocpi

import (
	"context"
	"fmt"
	"strings"

	"github.com/volt-ev/volt"
)

// SendRoamingReceipts e-mails each driver the receipt of a partner's CDR
// Volt billed them for (issue 14), once: a receipt is marked sent after
// send took it. A card still being charged waits for its outcome. It
// returns how many went out.
func (s *Server) SendRoamingReceipts(ctx context.Context, send func(to, subject, body string) error) (int, error) {
	box, ok := s.Store.(volt.RoamingReceiptOutbox)
	if !ok {
		return 0, nil
	}
	due, err := box.PendingRoamingReceipts(ctx, 100)
	if err != nil {
		return 0, err
	}
	n := 0
	for _, d := range due {
		r, err := s.RoamingReceipt(ctx, &d.Bill)
		if err != nil {
			return n, fmt.Errorf("roaming receipt of %s: %w", d.Bill.CDRID, err)
		}
		operator := "Volt"
		if cpo, err := s.Hierarchy.FindCPOByID(system(ctx), d.Bill.CPOID); err == nil && cpo.Name != "" {
			operator = cpo.Name
		}
		subject, body := RoamingReceiptMail(operator, r)
		if err := send(d.Email, subject, body); err != nil {
			return n, fmt.Errorf("roaming receipt of %s: %w", d.Bill.CDRID, err)
		}
		if err := box.MarkRoamingReceiptSent(ctx, d.Bill.PartnerID, d.Bill.CDRID); err != nil {
			return n, err
		}
		n++
	}
	return n, nil
}

// RoamingReceiptMail is the plain-text e-mail of a roaming receipt: the
// partner network, location, times, energy, the partner's cost with its
// VAT, the roaming margin, the total and how it was paid.
func RoamingReceiptMail(operator string, r *volt.RoamingReceipt) (subject, body string) {
	b, cur := &r.Bill, r.Bill.Currency
	exp := volt.CurrencyExponent(cur)
	m := func(minor int64) string { return cur + " " + volt.DecimalFromMinor(minor, exp).StringFixed(exp) }
	var w strings.Builder
	fmt.Fprintf(&w, "%s - charging receipt %s\n\n", operator, b.CDRID)
	fmt.Fprintf(&w, "Charged on the %s network\n", r.PartnerName)
	if r.LocationName != "" {
		fmt.Fprintf(&w, "Location: %s\n", r.LocationName)
	}
	if r.Address != "" {
		fmt.Fprintf(&w, "Address: %s\n", r.Address)
	}
	if r.EVSEID != "" {
		fmt.Fprintf(&w, "Charge point: %s\n", r.EVSEID)
	}
	if !r.StartedAt.IsZero() {
		fmt.Fprintf(&w, "Started %s\n", r.StartedAt.UTC().Format("2 Jan 2006 15:04 MST"))
	}
	if !r.StoppedAt.IsZero() {
		fmt.Fprintf(&w, "Stopped %s\n", r.StoppedAt.UTC().Format("2 Jan 2006 15:04 MST"))
	}
	fmt.Fprintf(&w, "Energy: %s kWh\n\n", volt.DecimalFromMinor(r.EnergyWh, 3).StringFixed(3))
	fmt.Fprintf(&w, "%s's price excl. VAT: %s\nVAT in %s's price: %s\n%s's price incl. VAT: %s\n", r.PartnerName, m(r.CostExclVAT),
		r.PartnerName, m(r.CostVAT), r.PartnerName, m(b.Cost))
	fmt.Fprintf(&w, "Roaming margin (%s %%): %s\nTotal: %s\n%s\n", r.MarginPercent.String(), m(b.Margin), m(b.Total), volt.RoamingPaidBy(b, r.Card))
	return operator + ": your charging receipt (" + r.PartnerName + ")", w.String()
}
