package web

import (
	"net/url"
	"strings"

	volt "github.com/volt-ev/volt"
)

// channelOf guesses the channel of a contact from what was typed: an
// e-mail address came by e-mail, anything else (a number) by phone.
func channelOf(contact string) string {
	if strings.Contains(contact, "@") {
		return volt.ChannelEmail
	}
	return volt.ChannelPhone
}

// sessionPayments loads the payments of the chosen session and picks the
// first one for the refund form: the driver's receipt shows no payment id.
func (a *Admin) sessionPayments(s *sess, v *helplineView) {
	pf, ok := a.cfg.Payments.(volt.PaymentFinder)
	if !ok || a.cfg.Payments == nil {
		return
	}
	list, _, err := pf.FindPayments(s.ctx, volt.PaymentFilter{SessionID: v.Session.ID, Page: volt.Page{Limit: 20}})
	if err != nil {
		return
	}
	v.Payments = list
	if len(list) > 0 && v.Form.PaymentID == "" {
		v.Form.PaymentID = list[0].ID
	}
}

// TicketHref opens the new-ticket form prefilled from the contact being
// served (or an earlier one): who, about which charger and session, and
// what they said.
func (v *helplineView) TicketHref(c *volt.HelplineContact) string {
	q := url.Values{}
	if c != nil {
		q.Set("contact", c.DriverContact)
		q.Set("body", c.Summary)
		q.Set("cpid", c.CPID)
		q.Set("session", c.SessionID)
		q.Set("subject", "Helpline: "+firstWords(c.Summary, 8))
	} else {
		q.Set("contact", v.Form.Contact)
		if v.Charger != nil {
			q.Set("cpid", v.Charger.CPID)
		}
		if v.Session != nil {
			q.Set("session", v.Session.ID)
		}
	}
	return AdminPrefix + "/tickets/new?" + q.Encode()
}

func firstWords(s string, n int) string {
	w := strings.Fields(s)
	if len(w) > n {
		return strings.Join(w[:n], " ") + "…"
	}
	return strings.Join(w, " ")
}
