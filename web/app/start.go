package app

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"strconv"
	"strings"
	"time"

	volt "github.com/volt-ev/volt"
)

// intent is a start the driver asked for: waiting for the charger's
// session to begin (the car may not be plugged in yet).
type intent struct {
	ID        string
	CPID      string
	Connector int
	IDTag     string
	UserID    string
	PaymentID string
	Limit     *limitRule
	Created   time.Time
	SessionID string // set when the session started
	// Refused is why the charger will not start after all (its Authorize
	// of the idTag was refused), from the authorization.decided event.
	Refused string
	Base    string // scheme and host for links in e-mails
}

// limitRule is where Volt stops a session for the driver: at an energy, or
// at a cost (incl. VAT, minor units). Zero fields are not set.
// With Config.Limits it is kept in the store once the session starts.
type limitRule struct {
	Wh     int64
	Amount int64
	Cur    string
}

// String says the limit in words.
func (l *limitRule) String() string {
	if l == nil {
		return ""
	}
	if l.Wh > 0 {
		return "Stops at " + formatKWh(l.Wh)
	}
	return "Stops at " + formatMoney(l.Amount, l.Cur)
}

func (l *limitRule) reached(s *volt.Session) bool {
	if l == nil {
		return false
	}
	if l.Wh > 0 && s.EnergyWh >= l.Wh {
		return true
	}
	return l.Amount > 0 && s.LiveCost != nil && s.LiveCost.InclVAT >= l.Amount
}

// parseLimit reads the optional limit: kWh ("20" or "12.5") or an amount
// ("15" or "7.50") in the charger's currency; at most one.
func parseLimit(f startForm, cur string) (*limitRule, error) {
	kwh, amt := strings.TrimSpace(f.LimitKWh), strings.TrimSpace(f.LimitAmount)
	switch {
	case kwh == "" && amt == "":
		return nil, nil
	case kwh != "" && amt != "":
		return nil, volt.FieldError("limit", "Choose one limit: energy or amount, not both.")
	case kwh != "":
		d, err := volt.ParseDecimal(kwh)
		if err != nil || d.Sign() <= 0 || d.Cmp(volt.NewDecimalInt(1000)) > 0 {
			return nil, volt.FieldError("limitKwh", "The energy limit must be a number of kWh from 0.1 to 1000.")
		}
		return &limitRule{Wh: d.RoundMinor(3)}, nil
	}
	d, err := volt.ParseDecimal(amt)
	exp := volt.CurrencyExponent(cur)
	if err != nil || d.Sign() <= 0 || d.Cmp(volt.NewDecimalInt(10000)) > 0 {
		return nil, volt.FieldError("limitAmount", "The amount limit must be a positive amount, like 15.00.")
	}
	return &limitRule{Amount: d.RoundMinor(exp), Cur: cur}, nil
}

func readStartForm(r *http.Request) startForm {
	n, _ := strconv.Atoi(r.PostFormValue("connector"))
	return startForm{Connector: n, Method: r.PostFormValue("method"),
		LimitKWh: r.PostFormValue("limitKwh"), LimitAmount: r.PostFormValue("limitAmount"),
		Email: strings.TrimSpace(r.PostFormValue("email"))}
}

// start asks the charger to start a session for the driver, after checking
// everything that can be checked first, and says in plain words why not.
func (a *App) start(w http.ResponseWriter, r *http.Request, q *req) {
	v, err := a.chargerView(r, q)
	if errors.Is(err, errPrivate) {
		a.privatePage(w, q, r.PathValue("cpid"))
		return
	}
	if err != nil {
		a.failErr(w, r, q, err)
		return
	}
	v.Form = readStartForm(r)
	refuse := func(status int, msg string) {
		a.render(w, q, status, "charger", view{Title: "Charger " + v.Charger.CPID, Nav: "find", Error: msg, Data: v})
	}
	in, status, msg := a.prepareStart(w, r, q, v)
	if msg != "" {
		refuse(status, msg)
		return
	}
	ctx, cancel := context.WithTimeout(r.Context(), a.cfg.StartTimeout)
	defer cancel()
	raw, err := a.cfg.Commander.Call(ctx, in.CPID, "RemoteStartTransaction", map[string]any{"connectorId": in.Connector, "idTag": in.IDTag})
	if msg := startRefusal(raw, err); msg != "" {
		a.dropIntent(in.ID)
		if in.PaymentID != "" {
			a.releaseHold(in)
		}
		if err != nil && volt.ErrorCode(err) == volt.EINTERNAL {
			a.log.Error("app: remote start", "cpid", in.CPID, "err", err)
		}
		refuse(http.StatusConflict, msg)
		return
	}
	http.Redirect(w, r, "/app/wait/"+in.ID, http.StatusSeeOther)
}

// releaseHold cancels the card hold of a start the charger refused, so the
// driver's money is not held until it lapses.
func (a *App) releaseHold(in *intent) {
	r, ok := a.cfg.Payments.(volt.HoldReleaser)
	if !ok {
		a.log.Warn("app: start failed after pre-authorisation; the hold lapses", "payment", in.PaymentID, "cpid", in.CPID)
		return
	}
	if _, err := r.Release(a.sys, in.PaymentID); err != nil {
		a.log.Error("app: release the hold of a refused start", "payment", in.PaymentID, "cpid", in.CPID, "err", err)
	}
}

// startRefusal turns the charger's answer into the reason a start failed,
// or "" when it was accepted.
func startRefusal(raw json.RawMessage, err error) string {
	switch volt.ErrorCode(err) {
	case "":
	case volt.ECHARGEROFFLINE:
		return "The charger is offline: it has no connection to us right now. Try another charger or call the helpline."
	case volt.ETIMEOUT:
		return "The charger did not answer in time. It may have a poor connection: try again in a minute."
	case volt.ECALLERROR:
		return "The charger could not start a session (it reported an error). Try another connector or call the helpline."
	case volt.ENOTFOUND:
		return "This charger is not connected to us."
	default:
		return "We could not reach the charger. Try again in a minute."
	}
	var ans struct {
		Status string `json:"status"`
	}
	_ = json.Unmarshal(raw, &ans)
	if ans.Status != "Accepted" {
		return "The charger refused to start: it may be in use, reserved or out of order. Try another connector."
	}
	return ""
}

// prepareStart checks the request, pays or holds, and registers the intent;
// a refusal comes back as a status and a message.
func (a *App) prepareStart(w http.ResponseWriter, r *http.Request, q *req, v *chargerPageView) (*intent, int, string) {
	f := v.Form
	if !v.CanStart {
		return nil, http.StatusForbidden, "You cannot charge here. " + v.PriceNote
	}
	var conn *connView
	for i := range v.Charger.Connectors {
		if v.Charger.Connectors[i].ID == f.Connector {
			conn = &v.Charger.Connectors[i]
		}
	}
	switch {
	case conn == nil:
		return nil, http.StatusBadRequest, "Choose a connector."
	case !v.Charger.Online:
		return nil, http.StatusConflict, "The charger is offline: it has no connection to us right now. Try another charger or call the helpline."
	case !conn.Free:
		return nil, http.StatusConflict, fmt.Sprintf("Connector %d is %s. Choose another one.", conn.ID, strings.ToLower(conn.Label))
	}
	limit, err := parseLimit(f, v.Currency)
	if err != nil {
		return nil, http.StatusBadRequest, volt.ErrorMessage(err)
	}
	method := ""
	for _, m := range v.Methods {
		if m.Value == f.Method {
			method = m.Value
		}
	}
	if method == "" {
		if q.User == nil {
			return nil, http.StatusUnauthorized, "Sign in, or pay by card as a guest, to charge here."
		}
		return nil, http.StatusBadRequest, "Choose how to pay."
	}
	userID, email := "", ""
	if q.User != nil {
		userID, email = q.User.ID, q.User.Email
	} else {
		u, msg := a.guestUser(f.Email, q.Theme.CPOID)
		if msg != "" {
			return nil, http.StatusBadRequest, msg
		}
		userID, email = u.ID, u.Email
		a.setGuest(w, r, u.ID, a.now())
	}
	idTag, err := a.appIDTag(userID)
	if err != nil {
		a.log.Error("app: app idTag", "user", userID, "err", err)
		return nil, http.StatusInternalServerError, "We could not set up your app token. Try again."
	}
	in := &intent{ID: randomHex(16), CPID: v.Charger.CPID, Connector: conn.ID, IDTag: idTag, UserID: userID, Limit: limit, Created: a.now(),
		Base: a.baseURL(r, q)}
	if limit != nil && limit.Amount > 0 {
		limit.Cur = v.Currency
	}
	if status, msg := a.pay(r, q, v, in, method, email); msg != "" {
		return nil, status, msg
	}
	a.addIntent(in)
	return in, 0, ""
}

// pay checks credit or pre-authorises the card before the start.
func (a *App) pay(r *http.Request, q *req, v *chargerPageView, in *intent, method, email string) (int, string) {
	switch method {
	case "credit":
		err := a.cfg.Wallets.CheckCreditStart(q.ctx, in.UserID, chargerCPO(v))
		if volt.IsCode(err, volt.EUNPROCESSABLE) {
			return http.StatusPaymentRequired, "Your credit is below the minimum needed to start. Top up on your account page, or pay by card."
		} else if err != nil {
			a.log.Error("app: credit check", "user", in.UserID, "err", err)
			return http.StatusServiceUnavailable, "We could not check your credit right now. Try again, or pay by card."
		}
	case "card", "guest":
		card := strings.ReplaceAll(r.PostFormValue("card"), " ", "")
		if card == "" {
			return http.StatusBadRequest, "Enter your card."
		}
		kind, userID := volt.PaymentPAYG, in.UserID
		if method == "guest" {
			kind, userID = volt.PaymentGuest, "" // a guest payment has no account, only the receipt e-mail
		}
		p, err := a.cfg.Payments.PreAuthorize(a.sys, volt.PreAuthRequest{Kind: kind, UserID: userID, Email: email,
			CPID: in.CPID, ConnectorID: in.Connector, Card: card, IdempotencyKey: "app-start-" + in.ID})
		switch volt.ErrorCode(err) {
		case "":
			in.PaymentID = p.ID
		case volt.EUNPROCESSABLE:
			return http.StatusPaymentRequired, "Payment declined: " + volt.ErrorMessage(err) + " Try another card."
		case volt.EINVALID:
			return http.StatusBadRequest, "We could not take this card: " + volt.ErrorMessage(err)
		case volt.EUNAVAILABLE:
			return http.StatusServiceUnavailable, "Card payments are not working right now. Nothing was charged: try again in a few minutes."
		default:
			a.log.Error("app: pre-authorise", "cpid", in.CPID, "err", err)
			return http.StatusServiceUnavailable, "We could not take your card right now. Nothing was charged: try again."
		}
	}
	return 0, ""
}

func chargerCPO(v *chargerPageView) string {
	if v.Quote != nil && v.Quote.Tariff != nil {
		return v.Quote.Tariff.CPOID
	}
	return ""
}

// guestUser finds or creates the guest user for a checkout e-mail; the
// message says what is wrong with the address.
func (a *App) guestUser(email, cpoID string) (*volt.User, string) {
	u := &volt.User{Email: email, Guest: true, CPOID: cpoID}
	if err := u.Validate(); err != nil {
		return nil, "Enter the e-mail address your receipt should go to."
	}
	err := a.cfg.Users.CreateUser(a.sys, u, "")
	if err == nil {
		return u, ""
	}
	if !volt.IsCode(err, volt.ECONFLICT) {
		a.log.Error("app: create guest", "err", err)
		return nil, "We could not set up your checkout. Try again."
	}
	found, _, ferr := a.cfg.Users.FindUsers(a.sys, volt.UserFilter{Email: u.Email, Page: volt.Page{Limit: 1}})
	if ferr != nil || len(found) == 0 {
		return nil, "We could not set up your checkout. Try again."
	}
	if !found[0].Guest {
		return nil, "An account uses this e-mail address: sign in to charge with it."
	}
	return found[0], ""
}

// AppCardLabel labels the RFID card record that holds a driver's app
// token: the idTag the app sends in RemoteStartTransaction.
const AppCardLabel = "App"

// appIDTag returns the driver's app token, creating it on first use.
func (a *App) appIDTag(userID string) (string, error) {
	cards, _, err := a.cfg.Users.FindRFIDCards(a.sys, volt.UserFilter{ID: userID, Page: volt.Page{Limit: 500}})
	if err != nil {
		return "", fmt.Errorf("cards of %s: %w", userID, err)
	}
	for _, c := range cards {
		if c.UserID == userID && c.Label == AppCardLabel && !c.Blocked {
			return c.UID, nil
		}
	}
	c := &volt.RFIDCard{UID: "APP" + strings.ToUpper(randomHex(8)), UserID: userID, Label: AppCardLabel}
	if err := a.cfg.Users.CreateRFIDCard(a.sys, c); err != nil {
		return "", fmt.Errorf("create app token for %s: %w", userID, err)
	}
	return c.UID, nil
}

func (a *App) addIntent(in *intent) {
	a.mu.Lock()
	defer a.mu.Unlock()
	for id, old := range a.intents { // forget intents long past
		if a.now().Sub(old.Created) > a.cfg.PlugTimeout+time.Hour {
			delete(a.intents, id)
		}
	}
	a.intents[in.ID] = in
}

func (a *App) dropIntent(id string) {
	a.mu.Lock()
	delete(a.intents, id)
	a.mu.Unlock()
}

func (a *App) intent(id string) (intent, bool) {
	a.mu.Lock()
	defer a.mu.Unlock()
	in, ok := a.intents[id]
	if !ok {
		return intent{}, false
	}
	return *in, true
}

type waitView struct {
	Intent  intent
	Expired bool
}

// waitPage waits for the car to be plugged in and the session to begin; it
// refreshes itself (no script needed) and moves on to the session page.
func (a *App) waitPage(w http.ResponseWriter, r *http.Request, q *req) {
	in, ok := a.intent(r.PathValue("id"))
	if !ok || in.UserID != q.userID() {
		a.fail(w, r, q, http.StatusNotFound, "This start is over. Open the charger again to start a new session.")
		return
	}
	if in.SessionID != "" {
		http.Redirect(w, r, "/app/s/"+in.SessionID, http.StatusSeeOther)
		return
	}
	expired := a.now().Sub(in.Created) > a.cfg.PlugTimeout
	a.render(w, q, http.StatusOK, "wait", view{Title: "Plug in", Nav: "find", Data: waitView{Intent: in, Expired: expired}})
}
