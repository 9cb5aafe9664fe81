package store

import (
	"context"
	"fmt"
	"time"

	"github.com/volt-ev/volt"
)

var (
	_ StartGate         = (*MoneyService)(nil)
	_ volt.HoldReleaser = (*MoneyService)(nil)
)

// AdmitStart implements StartGate for ChargingService.Gate: whether a start
// of userID on the charger's connector will be paid. A hold already placed
// on the connector for the user (PAYG or guest from the app, contactless)
// pays; a free-vend tariff, or none at all (the session is not priced),
// needs nothing; otherwise PrepareRFIDStart: credit at the CPO's minimum, or
// a pre-authorisation of the card on file. For an Authorize (connector 0)
// nothing is held: a card on file is enough. A refusal (no credit and no
// card, a declined card, a provider outage) is the reason, never an error.
func (m *MoneyService) AdmitStart(ctx context.Context, userID, cpid string, connectorID int) (string, error) {
	now := m.db.Now()
	if connectorID > 0 {
		p, err := pendingPayment(ctx, m.db, cpid, connectorID, userID, now)
		if err != nil || p != nil {
			return "", err
		}
	} else if held, err := guestHoldOnCharger(ctx, m.db, cpid, userID, now); err != nil || held {
		// A charger that authorises remote starts (AuthorizeRemoteTxRequests)
		// sends Authorize for the guest's or terminal's idTag before
		// StartTransaction: the hold placed for that start admits it.
		return "", err
	}
	var groupID, cpoID string
	err := m.db.QueryRow(ctx, `SELECT charger_group_id, cpo_id FROM chargers WHERE cpid = ? AND deleted_at IS NULL`, cpid).Scan(&groupID, &cpoID)
	if err != nil {
		return "", notFound(err, "Charger", cpid)
	}
	in, err := tariffChoice(ctx, m.db, groupID, userID, now)
	if err != nil {
		return "", err
	}
	q, err := volt.SelectTariff(*in)
	if volt.IsCode(err, volt.EFORBIDDEN) || (err == nil && (q.FreeVend || (q.Tariff != nil && q.Tariff.FreeVend))) {
		return "", nil
	} else if err != nil {
		return "", err
	}
	if connectorID <= 0 {
		return m.creditOrCard(ctx, userID, cpoID)
	}
	_, _, err = m.PrepareRFIDStart(ctx, userID, cpid, connectorID)
	switch volt.ErrorCode(err) {
	case "":
		return "", nil
	case volt.EUNPROCESSABLE, volt.EUNAVAILABLE:
		return volt.ErrorMessage(err), nil
	}
	return "", err
}

// creditOrCard admits an Authorize for a user with the CPO's minimum credit
// or a card on file (held at StartTransaction).
func (m *MoneyService) creditOrCard(ctx context.Context, userID, cpoID string) (string, error) {
	credit := m.CheckCreditStart(ctx, userID, cpoID)
	if credit == nil {
		return "", nil
	} else if !volt.IsCode(credit, volt.EUNPROCESSABLE) {
		return "", credit
	}
	var n int
	if err := m.db.QueryRow(ctx, `SELECT count(*) FROM payment_cards WHERE user_id = ? AND provider = ?`, userID, m.def).Scan(&n); err != nil {
		return "", fmt.Errorf("card of %s: %w", userID, err)
	}
	if n > 0 {
		return "", nil
	}
	return volt.ErrorMessage(credit) + " No card on file either.", nil
}

// Release cancels a pre-authorisation no session will use (the charger
// refused the start) at once: the provider releases the hold and the ledger
// records it. The payment's user, or support staff of its CPO, may release
// it; a payment bound to a session is settled at its CDR instead
// (ECONFLICT). Releasing again changes nothing. A provider outage leaves
// the release to RetryFailed and returns EUNAVAILABLE.
func (m *MoneyService) Release(ctx context.Context, paymentID string) (*volt.Payment, error) {
	a, err := actorOf(ctx)
	if err != nil {
		return nil, err
	}
	p, err := paymentWhere(ctx, m.db, `id = ?`, paymentID)
	if err != nil {
		return nil, err
	}
	if p == nil || !(a.Can(volt.PermSupport, volt.Ref{CPOID: p.CPOID}) || (a.UserID != "" && a.UserID == p.UserID)) {
		return nil, volt.Errorf(volt.ENOTFOUND, "Payment %q not found.", paymentID)
	}
	switch {
	case p.State == volt.PaymentReleased:
		return p, nil
	case p.State != volt.PaymentAuthorized && p.State != volt.PaymentPending:
		return nil, volt.Errorf(volt.ECONFLICT, "Payment %q is %s: there is no hold to release.", paymentID, p.State)
	case p.SessionID != "":
		return nil, volt.Errorf(volt.ECONFLICT, "Payment %q pays session %s: it is settled at its CDR.", paymentID, p.SessionID)
	}
	if p.State == volt.PaymentPending {
		// The authorisation is still in flight (or to be retried): a hold
		// that goes through is unbound and released after HoldTTL.
		// TODO(money): release it as soon as its retry succeeds.
		return p, nil
	}
	var at *attempt
	err = m.db.WithTx(ctx, func(tx *Tx) error {
		at, err = recordAttempt(ctx, tx, p.ID, opRelease, "release:"+p.ID, 0)
		return err
	})
	if err != nil {
		return nil, fmt.Errorf("release payment %s: %w", p.ID, err)
	}
	if at.State != attemptSucceeded {
		if err := m.rerun(ctx, at, p); err != nil {
			return nil, fmt.Errorf("release payment %s: %w", p.ID, err)
		}
	}
	return paymentWhere(ctx, m.db, `id = ?`, p.ID)
}

// FindPayments implements volt.PaymentFinder: the payments of the CPOs (or
// owners' and charger groups' chargers) in the actor's read scope, and its
// own, newest first.
func (m *MoneyService) FindPayments(ctx context.Context, f volt.PaymentFilter) ([]*volt.Payment, int, error) {
	a, err := actorOf(ctx)
	if err != nil {
		return nil, 0, err
	}
	frag, args, err := scopeWhere(a, volt.PermRead, scopeCols{CPO: "cpo_id",
		Owner: "(SELECT ch.owner_id FROM chargers ch WHERE ch.cpid = payments.cpid)",
		Group: "(SELECT ch.charger_group_id FROM chargers ch WHERE ch.cpid = payments.cpid)"})
	if err != nil {
		return nil, 0, err
	}
	w := &where{}
	w.add("("+frag+" OR (user_id <> '' AND user_id = ?))", append(args, a.UserID)...)
	w.eq("id", f.ID)
	w.eq("user_id", f.UserID)
	w.eq("cpo_id", f.CPOID)
	w.eq("cpid", f.CPID)
	w.eq("session_id", f.SessionID)
	w.eq("kind", string(f.Kind))
	w.eq("state", string(f.State))
	return list(ctx, m.db, listQuery{cols: paymentCols, from: "payments", where: w,
		order: "created_at DESC, id DESC", page: f.Page}, scanPayment)
}

// guestHoldOnCharger reports whether userID is a guest (an app guest or a
// contactless terminal's user) with an authorised, unbound hold on some
// connector of the charger made in the HoldTTL before at: an Authorize
// (connector 0) of theirs is then paid for. Registered drivers are not
// admitted by another's user-less hold.
func guestHoldOnCharger(ctx context.Context, q querier, cpid, userID string, at time.Time) (bool, error) {
	var n int
	err := q.QueryRow(ctx, `SELECT count(*) FROM payments p JOIN users u ON u.id = ? AND u.guest
		WHERE p.cpid = ? AND p.state = ? AND p.session_id = '' AND p.created_at <= ? AND p.created_at >= ?
		AND (p.user_id = '' OR p.user_id = u.id)`, userID, cpid, string(volt.PaymentAuthorized),
		toMS(at.Add(time.Minute)), toMS(at.Add(-HoldTTL))).Scan(&n)
	if err != nil {
		return false, fmt.Errorf("guest hold on %s: %w", cpid, err)
	}
	return n > 0, nil
}
