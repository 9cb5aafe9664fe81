package web

import (
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"strconv"
	"strings"
	"time"

	volt "github.com/volt-ev/volt"
	"github.com/volt-ev/volt/audit"
)

// helplineActions names the console's actions as they are logged.
var helplineActions = map[string]string{
	"note": "", "reset": "reset", "unlock": "unlock connector", "stop": "remote stop", "refund": "refund", "block": "block card",
}

// helplineAct performs one helpful action for the driver on the line and
// logs the contact (HelplineService.RecordContact) with what was done. The
// driver's phone or e-mail and a summary are required before anything is
// done; the action's own audit entry carries the driver contact
// (audit.WithDriverContact).
func (a *Admin) helplineAct(w http.ResponseWriter, r *http.Request, s *sess) {
	v := &helplineView{Q: r.PostFormValue("q"), Kind: r.PostFormValue("kind"), ID: r.PostFormValue("id")}
	fm := helplineForm{Channel: r.PostFormValue("channel"), Contact: r.PostFormValue("contact"), Summary: r.PostFormValue("summary"),
		ConnectorID: r.PostFormValue("connectorId"), ResetType: r.PostFormValue("resetType"), TransactionID: r.PostFormValue("transactionId"),
		PaymentID: strings.TrimSpace(r.PostFormValue("paymentId")), Amount: strings.TrimSpace(r.PostFormValue("amount")),
		Reason: strings.TrimSpace(r.PostFormValue("reason")), CardID: r.PostFormValue("cardId"), Key: r.PostFormValue("key")}
	do := r.PostFormValue("do")
	back := helplineURL(v.Q, v.Kind, v.ID)
	redo := func(err error) {
		status := a.loadHelpline(s, v)
		v.Form, v.Error = fm, errText(err)
		if status == http.StatusOK {
			status = httpStatus(err)
		}
		a.renderStatus(w, r, s, status, "helpline", "Helpline", v)
	}
	label, known := helplineActions[do]
	if !known {
		redo(volt.FieldError("do", "Unknown action %q.", do))
		return
	}
	if fm.Channel == "" || fm.Channel == "auto" {
		fm.Channel = channelOf(fm.Contact)
	}
	c := &volt.HelplineContact{Channel: fm.Channel, DriverContact: fm.Contact, Summary: fm.Summary, Actions: []string{}}
	a.placeContact(s, v, c)
	if err := c.Validate(); err != nil {
		redo(err)
		return
	}
	if do == "refund" && fm.Reason == "" {
		redo(volt.FieldError("reason", "A refund needs a reason."))
		return
	}
	ctx := audit.WithDriverContact(s.ctx, c.DriverContact)
	outcome, err := a.helplineDo(ctx, s, do, fm, c)
	if err != nil && volt.IsCode(err, volt.EINVALID) {
		redo(err) // nothing was done: let them correct the form
		return
	}
	if label != "" {
		if err != nil {
			c.Actions = append(c.Actions, label+" failed: "+volt.ErrorMessage(err))
		} else {
			c.Actions = append(c.Actions, label+": "+outcome)
		}
	}
	if rerr := a.cfg.Helpline.RecordContact(ctx, c); rerr != nil {
		if err == nil {
			a.refused(w, r, back, fmt.Errorf("%s done (%s), but the contact was not logged: %w", label, outcome, rerr))
			return
		}
		a.log.Error("helpline contact not logged", "err", rerr)
	}
	switch {
	case err != nil:
		a.refused(w, r, back, err)
	case label == "":
		a.done(w, r, back, "Contact logged.")
	default:
		a.done(w, r, back, capitalize(label)+": "+outcome+". Contact logged.")
	}
}

// placeContact links the contact to what the console is showing.
func (a *Admin) placeContact(s *sess, v *helplineView, c *volt.HelplineContact) {
	switch v.Kind {
	case volt.HitCharger:
		c.CPID = v.ID
	case volt.HitSession:
		c.SessionID = v.ID
		if a.cfg.Charging != nil {
			if se, err := a.cfg.Charging.FindSessionByID(s.ctx, v.ID); err == nil {
				c.CPID = se.CPID
				c.DriverUserID = se.UserID
			}
		}
	case volt.HitDriver:
		c.DriverUserID = v.ID
		if u, err := a.cfg.Users.FindUserByID(s.ctx, v.ID); err == nil {
			c.CPOID = u.CPOID
		}
	case volt.HitRFIDCard:
		if card, err := a.cfg.Users.FindRFIDCardByID(s.ctx, v.ID); err == nil {
			c.DriverUserID, c.CPOID = card.UserID, card.CPOID
		}
	default: // a call about nothing found: filed under the support user's CPO
		c.CPOID = volt.HomeRef(s.actor).CPOID
	}
}

// helplineDo performs the action and says in words how it ended.
func (a *Admin) helplineDo(ctx context.Context, s *sess, do string, fm helplineForm, c *volt.HelplineContact) (string, error) {
	switch do {
	case "note":
		return "", nil
	case "reset":
		if fm.ResetType != "Soft" && fm.ResetType != "Hard" {
			return "", volt.FieldError("resetType", "Choose Soft or Hard.")
		}
		return a.helplineCommand(ctx, s, c.CPID, "reset", map[string]any{"type": fm.ResetType})
	case "unlock":
		n, err := positiveInt(fm.ConnectorID, "connectorId", "Connector")
		if err != nil {
			return "", err
		}
		return a.helplineCommand(ctx, s, c.CPID, "unlock-connector", map[string]any{"connectorId": n})
	case "stop":
		n, err := positiveInt(fm.TransactionID, "transactionId", "Transaction id")
		if err != nil {
			return "", err
		}
		return a.helplineCommand(ctx, s, c.CPID, "remote-stop", map[string]any{"transactionId": n})
	case "refund":
		return a.helplineRefund(ctx, fm)
	case "block":
		card, err := a.cfg.Users.FindRFIDCardByID(ctx, fm.CardID)
		if err != nil {
			return "", err
		}
		card.Blocked = true
		if err := a.cfg.Users.UpdateRFIDCard(ctx, card); err != nil {
			return "", err
		}
		return "card " + card.UID + " blocked", nil
	}
	return "", volt.FieldError("do", "Unknown action %q.", do)
}

func positiveInt(raw, field, label string) (int64, error) {
	n, err := strconv.ParseInt(strings.TrimSpace(raw), 10, 64)
	if err != nil || n <= 0 {
		return 0, volt.FieldError(field, "%s must be a whole number above 0.", label)
	}
	return n, nil
}

// helplineCommand sends a remote command for the console and reads the
// charger's answer.
func (a *Admin) helplineCommand(ctx context.Context, s *sess, cpid, name string, req map[string]any) (string, error) {
	if cpid == "" {
		return "", volt.FieldError("cpid", "Choose a charger or a session first.")
	}
	action, ok := "", false
	if a.cfg.Commander != nil && a.cfg.Commands != nil {
		action, ok = a.cfg.Commands(name)
	}
	if !ok {
		return "", volt.Errorf(volt.ENOTIMPLEMENTED, "Remote commands are not available on this server.")
	}
	ch, err := a.cfg.Chargers.FindChargerByCPID(ctx, cpid)
	if err != nil {
		return "", err
	}
	if !s.actor.Can(volt.PermCommand, ch.Ref()) {
		return "", volt.Errorf(volt.EFORBIDDEN, "No command rights on charger %s.", cpid)
	}
	cctx, cancel := context.WithTimeout(ctx, 60*time.Second)
	defer cancel()
	answer, err := a.cfg.Commander.Call(cctx, cpid, action, req)
	if err != nil {
		return "", err
	}
	var body struct {
		Status string `json:"status"`
	}
	_ = json.Unmarshal(answer, &body)
	switch body.Status {
	case "Accepted", "Unlocked":
		return "the charger answered " + body.Status, nil
	case "":
		return "sent", nil
	}
	return "", volt.Errorf(volt.EUNPROCESSABLE, "The charger answered %s.", body.Status)
}

// helplineRefund refunds part or all of a captured payment
// (PaymentService.Refund) and records "payment.refund" with the reason.
func (a *Admin) helplineRefund(ctx context.Context, fm helplineForm) (string, error) {
	if a.cfg.Payments == nil {
		return "", volt.Errorf(volt.ENOTIMPLEMENTED, "Refunds are not available on this server.")
	}
	// The console offers the chosen session's payments (sessionPayments,
	// through volt.PaymentFinder); a payment id can still be typed when the
	// server's payment service cannot list.
	if fm.PaymentID == "" {
		return "", volt.FieldError("paymentId", "The payment id is required (it is on the driver's receipt).")
	}
	p, err := a.cfg.Payments.FindPaymentByID(ctx, fm.PaymentID)
	if err != nil {
		return "", err
	}
	amount, err := parseMinor(fm.Amount, p.Currency)
	if err != nil {
		return "", err
	}
	if fm.Key == "" {
		fm.Key = newIdemKey()
	}
	before := *p
	after, err := a.cfg.Payments.Refund(ctx, p.ID, amount, "helpline:"+fm.Key)
	if a.cfg.Audit != nil {
		e := &volt.AuditEntry{Action: "payment.refund", ResourceType: "payment", ResourceID: p.ID, CPOID: p.CPOID,
			Before: mustJSON(before), Details: mustJSON(map[string]any{"amount": amount, "currency": p.Currency, "reason": fm.Reason})}
		if after != nil {
			e.After = mustJSON(after)
		}
		e.SetResult(err)
		audit.NewRecorder(a.cfg.Audit, a.log).Record(ctx, e)
	}
	if err != nil {
		return "", err
	}
	return fmtMinor(amount, p.Currency) + " refunded (" + fm.Reason + ")", nil
}

// parseMinor reads an amount typed in major units ("5.20") as minor units of
// currency, exactly.
func parseMinor(raw, currency string) (int64, error) {
	d, err := volt.ParseDecimal(raw)
	if err != nil || d.Sign() <= 0 {
		return 0, volt.FieldError("amount", "Amount must be a number above 0, like 5.20.")
	}
	exp := volt.CurrencyExponent(currency)
	micro := d.Micro() // millionths
	div := int64(1_000_000)
	for range exp {
		div /= 10
	}
	if micro%div != 0 {
		return 0, volt.FieldError("amount", "Amount has more decimals than %s allows.", currency)
	}
	return micro / div, nil
}

func mustJSON(v any) json.RawMessage {
	b, err := json.Marshal(v)
	if err != nil {
		return nil
	}
	return b
}

func capitalize(s string) string {
	if s == "" {
		return s
	}
	return strings.ToUpper(s[:1]) + s[1:]
}
