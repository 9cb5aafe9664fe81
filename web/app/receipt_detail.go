package app

import (
	"fmt"
	"strings"

	volt "github.com/volt-ev/volt"
)

// issuer is who a receipt is from: the operator's brand and, when set in
// the CPO's settings, its legal name, registered address and VAT number.
type issuer struct {
	Name      string
	LegalName string
	Address   []string
	VATNumber string
}

func (a *App) issuerOf(cpoID string) issuer {
	cpo, err := a.cfg.Hierarchy.FindCPOByID(a.sys, cpoID)
	if err != nil {
		return issuer{Name: defaultName}
	}
	is := issuer{Name: themeOf(cpo).Name, LegalName: cpo.LegalName, VATNumber: cpo.VATNumber}
	for _, l := range strings.Split(cpo.LegalAddress, "\n") {
		if l = strings.TrimSpace(l); l != "" {
			is.Address = append(is.Address, l)
		}
	}
	return is
}

// receiptLines are the receipt's lines: each priced component with the
// quantity it was priced on, and the energy once: as its own line only when
// no energy component carries it (free vend, time-only tariffs).
func receiptLines(c *volt.CDR) []priceRow {
	var rows []priceRow
	energyLine := false
	if c.TotalCost != nil {
		for _, l := range c.TotalCost.Components {
			if l.Component == "energy" {
				energyLine = true
			}
			rows = append(rows, priceRow{fmt.Sprintf("%s (%s %s)", componentLabel(l.Component), l.Quantity, l.Unit), formatMoney(l.InclVAT, c.TotalCost.Currency)})
		}
	}
	if !energyLine {
		rows = append([]priceRow{{"Energy", exactKWh(c.EnergyWh) + " kWh"}}, rows...)
	}
	return rows
}

// exactKWh writes Wh as kWh with the three places a meter gives ("12.345"),
// as the pricing quantity does, so the energy reads the same everywhere.
func exactKWh(wh int64) string {
	return volt.DecimalFromMinor(wh, 3).StringFixed(3)
}

// paidWith names the card a session was paid with ("Visa ending 4242"), or
// "" when it was not paid by card or the provider did not say.
func (a *App) paidWith(sessionID string) string {
	f, ok := a.cfg.Payments.(volt.PaymentFinder)
	if !ok || sessionID == "" {
		return ""
	}
	ps, _, err := f.FindPayments(a.sys, volt.PaymentFilter{SessionID: sessionID, Page: volt.Page{Limit: 5}})
	if err != nil {
		return ""
	}
	for _, p := range ps {
		if p.SessionID == sessionID && p.CardLast4 != "" {
			return strings.TrimSpace(volt.CardBrandLabel(p.CardBrand) + " ending " + p.CardLast4)
		}
	}
	return ""
}

// receiptLink is the absolute link to a session's receipt for an e-mail:
// on the host the guest used at start when this node saw it, else the
// brand's first host name, else Config.PublicURL; "" when none is known.
func (a *App) receiptLink(c *volt.CDR) string {
	base := a.linkBase(c.SessionID)
	if base == "" {
		if cpo, err := a.cfg.Hierarchy.FindCPOByID(a.sys, c.CPOID); err == nil && len(cpo.Theme.HostNames) > 0 {
			base = "https://" + cpo.Theme.HostNames[0]
		} else if a.cfg.PublicURL != "" {
			base = strings.TrimRight(a.cfg.PublicURL, "/")
		}
	}
	if base == "" {
		return ""
	}
	return base + "/app/s/" + c.SessionID + "/receipt?" + linkParam + "=" + a.sessionToken(c.SessionID, a.now().Add(linkTTL))
}

// ReceiptMail is the e-mail of a guest's receipt: the operator with its
// legal details, the session, every line with VAT, the card and what it
// was charged, and a link to the receipt (with its PDF) on any device.
// captured < 0 leaves out what the card was charged.
func (a *App) ReceiptMail(c *volt.CDR, captured int64) (subject, body string) {
	is := a.issuerOf(c.CPOID)
	var b strings.Builder
	fmt.Fprintf(&b, "%s - charging receipt %s\n", is.Name, c.ID)
	if is.LegalName != "" {
		fmt.Fprintf(&b, "%s\n", is.LegalName)
	}
	for _, l := range is.Address {
		fmt.Fprintf(&b, "%s\n", l)
	}
	if is.VATNumber != "" {
		fmt.Fprintf(&b, "VAT no. %s\n", is.VATNumber)
	}
	fmt.Fprintf(&b, "\nCharger %s, connector %d\nStarted %s\nStopped %s\n\n", c.CPID, c.ConnectorID,
		c.StartedAt.UTC().Format("2 Jan 2006 15:04 MST"), c.StoppedAt.UTC().Format("2 Jan 2006 15:04 MST"))
	for _, r := range receiptLines(c) {
		fmt.Fprintf(&b, "%s: %s\n", r.Label, r.Value)
	}
	if c.TotalCost != nil {
		cur := c.TotalCost.Currency
		fmt.Fprintf(&b, "\nTotal excl. VAT: %s\nVAT at %s: %s\nTotal incl. VAT: %s\n", formatMoney(c.TotalCost.ExclVAT, cur),
			rateWords(c.TotalCost.VATRate), formatMoney(costVAT(c.TotalCost), cur), formatMoney(c.TotalCost.InclVAT, cur))
		if c.TotalCost.ExportPayout > 0 {
			fmt.Fprintf(&b, "Paid into your wallet, energy given back beyond the cost: %s\n", formatMoney(c.TotalCost.ExportPayout, cur))
		}
		if card := a.paidWith(c.SessionID); card != "" {
			fmt.Fprintf(&b, "Paid by %s", card)
			if captured >= 0 {
				fmt.Fprintf(&b, ": %s charged", formatMoney(captured, cur))
			}
			b.WriteString("\n")
		}
	}
	if link := a.receiptLink(c); link != "" {
		fmt.Fprintf(&b, "\nYour receipt, with a PDF to download, on any device for 30 days:\n%s\n", link)
	}
	return is.Name + ": your charging receipt", b.String()
}

func rateWords(s string) string {
	d, err := volt.ParseDecimal(s)
	if err != nil {
		return s
	}
	return formatRate(d)
}

// rememberBase keeps the scheme and host a session was started from, for
// the links in its e-mails (bounded: an old entry only costs the fallback).
func (a *App) rememberBase(sessionID, base string) {
	a.mu.Lock()
	defer a.mu.Unlock()
	if a.bases == nil || len(a.bases) > 10_000 {
		a.bases = map[string]string{}
	}
	a.bases[sessionID] = base
}

func (a *App) linkBase(sessionID string) string {
	a.mu.Lock()
	defer a.mu.Unlock()
	return a.bases[sessionID]
}
