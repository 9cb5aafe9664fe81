package app

import (
	"errors"
	"fmt"
	"html/template"
	"net/http"
	"strings"
	"time"

	volt "github.com/volt-ev/volt"
)

// priceRow is one component of a tariff in plain words.
type priceRow struct{ Label, Value string }

// operator is who runs a charger and how to reach them.
type operator struct {
	Name, Phone, Email string
	Tel                template.URL
}

type chargerPageView struct {
	Charger   chargerCard
	Operator  operator
	Prices    []priceRow
	PriceNote string // why there is no price, when there is none
	CanStart  bool
	Quote     *volt.PriceQuote
	Methods   []payMethod
	Active    *volt.Session // the driver's running session here
	Wallet    *volt.Wallet
	Currency  string
	Hold      string // the card pre-authorisation, in words
	Form      startForm
	// StartBlocked says why Start is off: the charger is offline, or no
	// connector is free ("" when a start can be tried).
	StartBlocked string
	BlockedBy    string // "offline" or "busy", for the live page script
	// Reliability is the site's UK reg. 7 figure of the last whole month,
	// in words ("" when there is none).
	Reliability string
}

type payMethod struct {
	Value, Label, Hint string
	Checked            bool
}

// startForm is what the driver entered, kept when a start fails.
type startForm struct {
	Connector   int
	Method      string
	LimitKWh    string
	LimitAmount string
	Email       string
}

// chargerPage shows a charger: connectors, the full price for this driver,
// the operator with a tap-to-call helpline, and the start form.
func (a *App) chargerPage(w http.ResponseWriter, r *http.Request, q *req) {
	v, err := a.chargerView(r, q)
	if errors.Is(err, errPrivate) {
		a.privatePage(w, q, r.PathValue("cpid"))
		return
	}
	if err != nil {
		a.failErr(w, r, q, err)
		return
	}
	a.render(w, q, http.StatusOK, "charger", view{Title: "Charger " + v.Charger.CPID, Nav: "find", Data: v})
}

func (a *App) chargerView(r *http.Request, q *req) (*chargerPageView, error) {
	cpid := r.PathValue("cpid")
	if !volt.ValidCPID(cpid) {
		return nil, volt.Errorf(volt.ENOTFOUND, "No charger has the number %q.", cpid)
	}
	ch, err := a.cfg.Chargers.FindChargerByCPID(a.sys, cpid)
	if err != nil {
		return nil, fmt.Errorf("charger page %s: %w", cpid, err)
	}
	v := &chargerPageView{Charger: a.cardOf(ch, q, map[string]*volt.Site{}), Currency: q.Theme.Currency}
	if v.Charger.Private {
		return nil, errPrivate
	}
	if cpo, err := a.cfg.Hierarchy.FindCPOByID(a.sys, ch.CPOID); err == nil {
		t := themeOf(cpo)
		v.Operator = operator{Name: t.Name, Phone: t.SupportPhone, Email: t.SupportEmail, Tel: t.TelURL()}
		v.Currency = cpo.Currency
	}
	quote, err := a.cfg.Tariffs.PriceFor(a.sys, cpid, q.userID())
	switch {
	case err == nil:
		v.Quote, v.Prices, v.CanStart = quote, priceRows(quote.Tariff), true
	case volt.IsCode(err, volt.EFORBIDDEN):
		v.PriceNote = "This charger is not open to you: " + volt.ErrorMessage(err)
	default:
		return nil, fmt.Errorf("price on %s: %w", cpid, err)
	}
	v.Methods = a.payMethods(q, v)
	v.Hold = formatMoney(volt.DefaultHoldAmount, v.Currency)
	if uid := q.userID(); uid != "" {
		if s := a.activeSession(uid, cpid); q.owns(s) {
			v.Active = s
		}
	}
	v.Form.Connector = firstFree(v.Charger.Connectors)
	v.StartBlocked, v.BlockedBy = startBlocked(v.Charger)
	v.Reliability = a.siteReliability(ch.SiteID)
	return v, nil
}

// siteReliability is the public figure of a site for the last whole month
// (the UK reg. 7 method), or "" when there is none or it cannot be read.
// A past month's figure changes only with an exclusion, so it is kept for
// reliabilityTTL rather than computed on every page view.
func (a *App) siteReliability(siteID string) string {
	if a.cfg.Reliability == nil || siteID == "" {
		return ""
	}
	now := time.Now()
	a.relMu.Lock()
	c, ok := a.relCache[siteID]
	a.relMu.Unlock()
	if ok && now.Sub(c.at) < reliabilityTTL {
		return c.text
	}
	text := ""
	if fig, month, err := a.cfg.Reliability.PublicSiteReliability(a.sys, siteID, now); err == nil && fig != nil {
		text = fig.UKPercent.StringFixed(1) + " % available in " + month
	}
	a.relMu.Lock()
	if a.relCache == nil || len(a.relCache) > 10_000 {
		a.relCache = map[string]cachedFigure{}
	}
	a.relCache[siteID] = cachedFigure{text: text, at: now}
	a.relMu.Unlock()
	return text
}

// reliabilityTTL is how long a site's public figure is kept.
const reliabilityTTL = 10 * time.Minute

type cachedFigure struct {
	text string
	at   time.Time
}

func firstFree(cs []connView) int {
	for _, c := range cs {
		if c.Free {
			return c.ID
		}
	}
	if len(cs) > 0 {
		return cs[0].ID
	}
	return 1
}

// payMethods lists the ways this driver can pay here.
func (a *App) payMethods(q *req, v *chargerPageView) []payMethod {
	var out []payMethod
	if q.User == nil {
		if a.cfg.Payments != nil {
			out = append(out, payMethod{Value: "guest", Label: "Pay by card as a guest", Checked: true, // the only way
				Hint: "No account needed: we hold up to " + formatMoney(volt.DefaultHoldAmount, v.Currency) + " on your card and take only what you use."})
		}
		return out
	}
	if a.cfg.Wallets != nil {
		if wl, err := a.cfg.Wallets.FindWallet(q.ctx, q.User.ID, v.Currency); err == nil {
			v.Wallet = wl
			out = append(out, payMethod{Value: "credit", Label: "Credit (balance " + formatMoney(wl.Balance, wl.Currency) + ")"})
		}
	}
	if a.cfg.Payments != nil {
		out = append(out, payMethod{Value: "card", Label: "Pay by card (PAYG)",
			Hint: "We hold up to " + formatMoney(volt.DefaultHoldAmount, v.Currency) + " on your card and take only what you use."})
	}
	if a.cfg.Payments == nil && a.cfg.Wallets == nil {
		// TODO(app): remove once the payment service is wired in voltd.
		out = append(out, payMethod{Value: "account", Label: "Charge to my account", Hint: "Billed to your account."})
	}
	if len(out) > 0 {
		out[0].Checked = true
	}
	return out
}

// startBlocked says why no start can be tried on the charger now, and
// which kind of reason it is ("" when a connector is free).
func startBlocked(c chargerCard) (string, string) {
	if !c.Online {
		return "Start is off: this charger is offline (no connection to us), so it cannot start a session. Try another charger or call the helpline.", "offline"
	}
	if c.Free == 0 {
		return "Start is off: no connector is free right now (in use, reserved or out of order). It comes back on here when one is free.", "busy"
	}
	return "", ""
}

// activeSession returns the driver's running session on a charger, or nil.
func (a *App) activeSession(userID, cpid string) *volt.Session {
	ss, _, err := a.cfg.Charging.FindSessions(a.sys, volt.SessionFilter{UserID: userID, CPID: cpid, Status: volt.SessionActive, Page: volt.Page{Limit: 1}})
	if err != nil || len(ss) == 0 || ss[0].UserID != userID {
		return nil
	}
	return ss[0]
}

// priceRows breaks a tariff down as it is built, every amount incl. VAT.
func priceRows(t *volt.Tariff) []priceRow {
	if t.FreeVend {
		return []priceRow{{"Price", "Free"}}
	}
	cur := t.Currency
	var rows []priceRow
	add := func(label string, d volt.Decimal, unit string) {
		if !d.IsZero() {
			rows = append(rows, priceRow{label, formatDecimal(d, cur) + unit})
		}
	}
	add("Energy", t.EnergyPricePerKWh, " per kWh")
	add("Charging time", t.TimePricePerHour, " per hour")
	for _, b := range t.Bands {
		name := b.Name
		if name == "" {
			name = "Time band"
		}
		window := fmt.Sprintf(" (%02d:%02d–%02d:%02d%s)", b.StartMinute/60, b.StartMinute%60, b.EndMinute/60, b.EndMinute%60, days(b.DaysOfWeek))
		if b.EnergyPricePerKWh != nil {
			rows = append(rows, priceRow{name + window, formatDecimal(*b.EnergyPricePerKWh, cur) + " per kWh"})
		}
		if b.TimePricePerHour != nil {
			rows = append(rows, priceRow{name + window, formatDecimal(*b.TimePricePerHour, cur) + " per hour"})
		}
	}
	add("Session fee", t.SessionFee, " per session")
	if !t.IdleFeePerMinute.IsZero() {
		rows = append(rows, priceRow{"Idle fee", fmt.Sprintf("%s per minute once the car has stopped charging and stays plugged in for more than %d minutes (grace period)",
			formatDecimal(t.IdleFeePerMinute, cur), t.IdleGraceMinutes)})
	}
	add("Minimum per session", t.MinPrice, "")
	if t.MaxPrice != nil {
		add("Maximum per session", *t.MaxPrice, "")
	}
	if len(rows) == 0 {
		rows = append(rows, priceRow{"Price", "Free"})
	}
	rows = append(rows, priceRow{"VAT", "Included at " + formatRate(t.VATRate)})
	return rows
}

func days(ds []time.Weekday) string {
	if len(ds) == 0 {
		return ""
	}
	names := make([]string, len(ds))
	for i, d := range ds {
		names[i] = d.String()[:3]
	}
	return ", " + strings.Join(names, " ")
}
