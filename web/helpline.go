package web

import (
	"crypto/rand"
	"encoding/base64"
	"net/http"
	"net/url"
	"strings"

	volt "github.com/volt-ev/volt"
)

// helplineView is the data of the helpline console: the search box and its
// hits, and, once one is chosen, what it is with the actions at hand.
type helplineView struct {
	Q        string
	Searched bool
	Hits     []volt.SearchHit
	Kind, ID string

	Charger  *volt.Charger
	Session  *volt.Session
	Card     *volt.RFIDCard
	Driver   *volt.User
	Active   []*volt.Session // running sessions of the charger or driver
	Cards    []*volt.RFIDCard
	Contacts []*volt.HelplineContact // earlier contacts about this charger or session

	CanCommand bool
	CanRefund  bool
	Payments   []*volt.Payment // of the chosen session, to refund without typing an id
	Form       helplineForm
	Error      string
}

// helplineForm is what the support user typed, echoed back after an error.
type helplineForm struct {
	Channel, Contact, Summary              string
	ConnectorID, ResetType, TransactionID  string
	PaymentID, Amount, Reason, CardID, Key string
}

// HitHref links a search hit to the console with it chosen.
func (v *helplineView) HitHref(h volt.SearchHit) string {
	return helplineURL(v.Q, h.Kind, h.ID)
}

func helplineURL(q, kind, id string) string {
	v := url.Values{}
	if q != "" {
		v.Set("q", q)
	}
	if kind != "" {
		v.Set("kind", kind)
		v.Set("id", id)
	}
	return AdminPrefix + "/helpline?" + v.Encode()
}

// helpline is the support console: one search box over chargers, cards,
// drivers and sessions (HelplineService.SupportSearch, scoped to the actor).
func (a *Admin) helpline(w http.ResponseWriter, r *http.Request, s *sess) {
	q := r.URL.Query()
	v := &helplineView{Q: strings.TrimSpace(q.Get("q")), Kind: q.Get("kind"), ID: q.Get("id")}
	v.Form = helplineForm{Channel: "auto", ResetType: "Soft", Key: newIdemKey()}
	status := a.loadHelpline(s, v)
	a.renderStatus(w, r, s, status, "helpline", "Helpline", v)
}

// loadHelpline runs the search and loads the chosen hit; the status is 200
// unless the chosen hit cannot be read.
func (a *Admin) loadHelpline(s *sess, v *helplineView) int {
	if v.Q != "" {
		v.Searched = true
		hits, err := a.cfg.Helpline.SupportSearch(s.ctx, v.Q)
		if err != nil {
			v.Error = errText(err)
			return httpStatus(err)
		}
		v.Hits = hits
	}
	if v.Kind == "" || v.ID == "" {
		return http.StatusOK
	}
	if err := a.loadHit(s, v); err != nil {
		v.Error = errText(err)
		v.Kind = ""
		return httpStatus(err)
	}
	a.loadContacts(s, v)
	return http.StatusOK
}

func (a *Admin) loadHit(s *sess, v *helplineView) error {
	var err error
	switch v.Kind {
	case volt.HitCharger:
		v.Charger, err = a.cfg.Chargers.FindChargerByCPID(s.ctx, v.ID)
	case volt.HitSession:
		if a.cfg.Charging == nil {
			return volt.Errorf(volt.ENOTIMPLEMENTED, "Sessions are not available on this server.")
		}
		if v.Session, err = a.cfg.Charging.FindSessionByID(s.ctx, v.ID); err == nil {
			v.Charger, _ = a.cfg.Chargers.FindChargerByCPID(s.ctx, v.Session.CPID)
			v.Form.TransactionID = itoa(int(v.Session.TransactionID))
		}
	case volt.HitRFIDCard:
		if v.Card, err = a.cfg.Users.FindRFIDCardByID(s.ctx, v.ID); err == nil {
			v.Driver, _ = a.cfg.Users.FindUserByID(s.ctx, v.Card.UserID)
			v.Form.CardID = v.Card.ID
		}
	case volt.HitDriver:
		if v.Driver, err = a.cfg.Users.FindUserByID(s.ctx, v.ID); err == nil {
			v.Cards, _, _ = a.cfg.Users.FindRFIDCards(s.ctx, volt.UserFilter{ID: v.Driver.ID, Page: volt.Page{Limit: 20}})
			v.Form.Contact = v.Driver.Email
		}
	default:
		return volt.FieldError("kind", "Unknown kind %q.", v.Kind)
	}
	if err != nil {
		return err
	}
	if v.Charger != nil {
		v.CanCommand = s.actor.Can(volt.PermCommand, v.Charger.Ref()) && a.cfg.Commander != nil
	}
	if v.Session != nil {
		v.CanRefund = a.cfg.Payments != nil && s.actor.Can(volt.PermSupport, volt.Ref{CPOID: v.Session.CPOID})
		a.sessionPayments(s, v)
	}
	if a.cfg.Charging != nil && v.Session == nil && (v.Charger != nil || v.Driver != nil) {
		f := volt.SessionFilter{Status: volt.SessionActive, Page: volt.Page{Limit: 10}}
		if v.Charger != nil {
			f.CPID = v.Charger.CPID
		} else {
			f.UserID = v.Driver.ID
		}
		v.Active, _, _ = a.cfg.Charging.FindSessions(s.ctx, f)
		if len(v.Active) > 0 {
			v.Form.TransactionID = itoa(int(v.Active[0].TransactionID))
		}
	}
	return nil
}

// loadContacts lists the earlier helpline contacts about the same charger
// or session, so whoever answers the next call sees the history.
func (a *Admin) loadContacts(s *sess, v *helplineView) {
	f := volt.HelplineFilter{Page: volt.Page{Limit: 10}}
	switch {
	case v.Session != nil:
		f.SessionID = v.Session.ID
	case v.Charger != nil:
		f.CPID = v.Charger.CPID
	default:
		return
	}
	v.Contacts, _, _ = a.cfg.Helpline.FindHelplineContacts(s.ctx, f)
}

// newIdemKey returns a random idempotency key for a form, so submitting it
// twice (a double click, a retry) refunds once.
func newIdemKey() string {
	var b [12]byte
	_, _ = rand.Read(b[:])
	return base64.RawURLEncoding.EncodeToString(b[:])
}
