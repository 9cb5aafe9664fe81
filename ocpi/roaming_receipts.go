package ocpi

import (
	"context"
	"encoding/json"
	"fmt"
	"net/url"
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
		operator, base := "Volt", strings.TrimRight(s.BaseURL, "/")
		if cpo, err := s.Hierarchy.FindCPOByID(system(ctx), d.Bill.CPOID); err == nil {
			if cpo.Name != "" {
				operator = cpo.Name
			}
			if cpo.Whitelabel && len(cpo.Theme.HostNames) > 0 { // the driver's app is on its operator's host
				base = "https://" + cpo.Theme.HostNames[0]
			}
		}
		subject, body := RoamingReceiptMail(operator, r, s.receiptLinks(ctx, base, &d.Bill))
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

// receiptLinks are the app's pages a receipt e-mail links, under base
// (the driver's app host; "" links nothing): the receipt page of a
// session started from the app, and for a debt the account page where
// the driver pays what they owe.
func (s *Server) receiptLinks(ctx context.Context, base string, b *volt.RoamingBill) []string {
	if base == "" {
		return nil
	}
	var out []string
	if starts, ok := s.Store.(interface {
		FindRoamingStartBySession(ctx context.Context, partnerID, sessionID string) (*volt.RoamingStart, error)
	}); ok {
		var c CDR
		if raw, err := s.Store.FindPartnerObject(ctx, b.PartnerID, "cdrs", b.CDRID); err == nil && json.Unmarshal(raw, &c) == nil && c.SessionID != "" {
			if st, err := starts.FindRoamingStartBySession(ctx, b.PartnerID, c.SessionID); err == nil && st.UserID == b.UserID {
				out = append(out, "Your receipt: "+base+"/app/roam/charge/"+url.PathEscape(st.ID)+"/receipt")
			}
		}
	}
	if b.State == volt.RoamingBillDebt {
		out = append(out, "Pay what you owe: "+base+"/app/account")
	}
	return out
}

// RoamingReceiptMail is the plain-text e-mail of a roaming receipt: the
// partner network, location, times, energy, the partner's cost with its
// VAT, the roaming margin, the total and how it was paid, then the links
// (receiptLinks), one a line.
func RoamingReceiptMail(operator string, r *volt.RoamingReceipt, links []string) (subject, body string) {
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
	if len(links) > 0 {
		fmt.Fprintf(&w, "\n%s\n", strings.Join(links, "\n"))
	}
	return operator + ": your charging receipt (" + r.PartnerName + ")", w.String()
}
