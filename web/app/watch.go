package app

import (
	"context"
	"strings"
	"time"

	volt "github.com/volt-ev/volt"
)

// watch follows the bus: a session that starts with the idTag of a start
// intent is bound to it (payment, limit); a session that reaches its limit
// is stopped with RemoteStopTransaction. A subscription the bus closes for
// being slow is renewed.
func (a *App) watch(ctx context.Context) {
	defer close(a.done)
	for ctx.Err() == nil {
		events, cancel := a.cfg.Bus.Subscribe()
		a.follow(ctx, events)
		cancel()
		select {
		case <-ctx.Done():
		case <-time.After(100 * time.Millisecond):
		}
	}
}

func (a *App) follow(ctx context.Context, events <-chan volt.Event) {
	for {
		select {
		case <-ctx.Done():
			return
		case e, ok := <-events:
			if !ok {
				a.log.Warn("app: bus subscription lost, renewing")
				return
			}
			a.onEvent(ctx, e)
		}
	}
}

func (a *App) onEvent(ctx context.Context, e volt.Event) {
	if e.Type == volt.EventCDRCreated {
		var c volt.CDR
		if !a.cfg.ReceiptsBySettlement && decode(e.Data, &c) && c.UserID != "" {
			go a.mailGuestReceipt(&c)
		}
		return
	}
	switch e.Type {
	case volt.EventSessionStarted, volt.EventSessionStopped:
	case volt.EventSessionUpdated:
		if a.cfg.Limits != nil {
			// Every meter reading of the network, on every node: the
			// guard enforces stored limits, nothing to decode here.
			return
		}
	case volt.EventAuthorization:
		var d volt.AuthorizationDecision
		if decode(e.Data, &d) {
			a.refuseIntent(d)
		}
		return
	default:
		return
	}
	var s volt.Session
	if !decode(e.Data, &s) || s.ID == "" {
		return
	}
	switch e.Type {
	case volt.EventSessionStarted:
		a.bindIntent(ctx, &s)
	case volt.EventSessionUpdated:
		a.enforceLimit(ctx, &s)
	case volt.EventSessionStopped:
		a.mu.Lock()
		delete(a.limits, s.ID)
		delete(a.stopped, s.ID)
		a.mu.Unlock()
	}
}

// refuseIntent marks the driver's waiting start refused when the charger's
// Authorize (or StartTransaction) of its idTag was refused: the wait page
// then says why instead of waiting for a car that will not charge.
func (a *App) refuseIntent(d volt.AuthorizationDecision) {
	if d.Status == volt.AuthAccepted {
		return
	}
	tag := volt.NormalizeIDTag(d.IDTag)
	a.mu.Lock()
	defer a.mu.Unlock()
	for _, x := range a.intents {
		if x.SessionID == "" && x.Refused == "" && x.CPID == d.CPID && volt.NormalizeIDTag(x.IDTag) == tag {
			x.Refused = refusalText(d)
		}
	}
}

// refusalText says in plain words why a card was refused.
func refusalText(d volt.AuthorizationDecision) string {
	switch {
	case strings.HasPrefix(d.Reason, "payment: "):
		return "We could not take payment for this charge (" + strings.TrimPrefix(d.Reason, "payment: ") + "). Top up your wallet or add a card, then try again."
	case d.Status == volt.AuthConcurrentTx:
		return "You are already charging elsewhere. Stop that session first."
	case d.Status == volt.AuthExpired:
		return "Your card or account has expired."
	case d.Reason != "":
		return "The charger refused to start: " + d.Reason + "."
	}
	return "The charger refused to start (" + string(d.Status) + ")."
}

// bindIntent matches a started session to the driver's start intent.
func (a *App) bindIntent(ctx context.Context, s *volt.Session) {
	tag := volt.NormalizeIDTag(s.IDTag)
	a.mu.Lock()
	var in *intent
	for _, x := range a.intents {
		if x.SessionID == "" && x.CPID == s.CPID && volt.NormalizeIDTag(x.IDTag) == tag {
			in = x
			break
		}
	}
	var bound intent
	if in != nil {
		in.SessionID = s.ID
		if in.Limit != nil {
			a.limits[s.ID] = in.Limit
		}
		bound = *in
	}
	a.mu.Unlock()
	if in != nil && bound.Base != "" {
		a.rememberBase(s.ID, bound.Base)
		go a.mailSessionLink(&bound, s)
	}
	if in != nil && in.Limit != nil && a.cfg.Limits != nil {
		l := &volt.SessionLimit{SessionID: s.ID, EnergyWh: in.Limit.Wh, Amount: in.Limit.Amount, Currency: in.Limit.Cur}
		if err := a.cfg.Limits.SetSessionLimit(a.sys, l); err != nil {
			a.log.Error("app: keep session limit", "session", s.ID, "err", err)
		}
	}
	if in == nil || in.PaymentID == "" || a.cfg.Payments == nil {
		return
	}
	if err := a.cfg.Payments.BindSession(a.sys, in.PaymentID, s.ID); err != nil {
		a.log.Error("app: bind payment to session", "payment", in.PaymentID, "session", s.ID, "err", err)
	}
}

// enforceLimit stops a session that reached the driver's limit, once,
// when limits are kept in memory (with Config.Limits the guard does).
func (a *App) enforceLimit(ctx context.Context, s *volt.Session) {
	if a.cfg.Limits != nil {
		return
	}
	a.mu.Lock()
	rule := a.limits[s.ID]
	hit := rule.reached(s) && !a.stopped[s.ID]
	if hit {
		a.stopped[s.ID] = true
	}
	a.mu.Unlock()
	if !hit {
		return
	}
	go func() {
		cctx, cancel := context.WithTimeout(a.sys, a.cfg.StartTimeout)
		defer cancel()
		_, err := a.cfg.Commander.Call(cctx, s.CPID, "RemoteStopTransaction", map[string]any{"transactionId": s.TransactionID})
		if err != nil {
			a.log.Error("app: stop at limit", "session", s.ID, "err", err)
			a.mu.Lock()
			delete(a.stopped, s.ID) // try again on the next reading
			a.mu.Unlock()
			return
		}
		a.log.Info("app: session stopped at the driver's limit", "session", s.ID, "limit", rule.String())
	}()
}

// limitOf returns the limit of a session, or nil: from memory, else from
// the store (a limit set before a restart, or on another node).
func (a *App) limitOf(sessionID string) *limitRule {
	a.mu.Lock()
	l := a.limits[sessionID]
	a.mu.Unlock()
	if l != nil || a.cfg.Limits == nil {
		return l
	}
	kept, err := a.cfg.Limits.FindSessionLimit(a.sys, sessionID)
	if err != nil {
		return nil
	}
	return &limitRule{Wh: kept.EnergyWh, Amount: kept.Amount, Cur: kept.Currency}
}

// mailGuestReceipt e-mails the receipt of a guest's session to the address
// given at checkout: a guest has no account to find it in.
// Without Config.ReceiptsBySettlement every node's watcher sees the CDR and
// sends it: voltd sets it (settlement e-mails, once per CDR cluster-wide).
func (a *App) mailGuestReceipt(c *volt.CDR) {
	u, err := a.cfg.Users.FindUserByID(a.sys, c.UserID)
	if err != nil || !u.Guest || c.TotalCost == nil {
		return
	}
	subject, body := a.ReceiptMail(c, -1)
	a.mail(u.Email, subject, body)
}
