package store

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"time"

	"github.com/volt-ev/volt"
)

// HoldTTL is how long a pre-authorisation waits for its session: an older
// unbound hold is no longer bound to a start and RetryFailed releases it.
const HoldTTL = 30 * time.Minute

// SaveCard stores the user's card on file (a provider payment-method token)
// for RFID starts against the account, and charges it once what the user
// owes for partner networks' CDRs (PayRoamingDebts).
func (m *MoneyService) SaveCard(ctx context.Context, userID, token, label string) error {
	a, err := actorOf(ctx)
	if err != nil {
		return err
	}
	if err := canSeeWallet(a, userID); err != nil {
		return err
	}
	if token == "" {
		return volt.FieldError("card", "A card token is required.")
	}
	_, err = m.db.Exec(ctx, `INSERT INTO payment_cards (user_id, provider, token, label, created_at) VALUES (?, ?, ?, ?, ?)
		ON CONFLICT (user_id) DO UPDATE SET provider = excluded.provider, token = excluded.token, label = excluded.label`,
		userID, m.def, token, label, toMS(m.db.Now()))
	if err != nil {
		return fmt.Errorf("save card of %s: %w", userID, err)
	}
	// Issue 14: a roaming debt is charged to the new card once; a refusal
	// (or an outage, retried later) leaves the card saved and the debt.
	if _, err := m.PayRoamingDebts(ctx, userID, ""); err != nil && !volt.IsCode(err, volt.EUNPROCESSABLE) && !volt.IsCode(err, volt.EUNAVAILABLE) {
		return fmt.Errorf("card of %s saved; paying its roaming debt: %w", userID, err)
	}
	return nil
}

// PrepareRFIDStart decides how an RFID start against an account on the
// connector is paid, before the start is accepted: credit when the wallet
// holds the CPO's minimum; otherwise a pre-authorisation of the card on
// file (bound to the session by connector); otherwise EUNPROCESSABLE with
// the reason. The gateway calls it at Authorize/RemoteStart time.
func (m *MoneyService) PrepareRFIDStart(ctx context.Context, userID, cpid string, connector int) (string, *volt.Payment, error) {
	var cpoID string
	if err := m.db.QueryRow(ctx, `SELECT cpo_id FROM chargers WHERE cpid = ? AND deleted_at IS NULL`, cpid).Scan(&cpoID); err != nil {
		return "", nil, notFound(err, "Charger", cpid)
	}
	credit := m.CheckCreditStart(ctx, userID, cpoID)
	if credit == nil {
		return MethodCredit, nil, nil
	} else if !volt.IsCode(credit, volt.EUNPROCESSABLE) {
		return "", nil, credit
	}
	var token string
	err := m.db.QueryRow(ctx, `SELECT token FROM payment_cards WHERE user_id = ? AND provider = ?`, userID, m.def).Scan(&token)
	if errors.Is(err, sql.ErrNoRows) {
		return "", nil, volt.Errorf(volt.EUNPROCESSABLE, "%s No card on file either.", volt.ErrorMessage(credit))
	} else if err != nil {
		return "", nil, fmt.Errorf("card of %s: %w", userID, err)
	}
	key := fmt.Sprintf("rfid:%s:%s:%d:%d", userID, cpid, connector, m.db.Now().Unix()/60)
	p, err := m.PreAuthorize(volt.NewContextWithActor(ctx, volt.SystemActor), volt.PreAuthRequest{Kind: volt.PaymentCardOnFile,
		UserID: userID, CPID: cpid, ConnectorID: connector, Card: token, IdempotencyKey: key})
	if err != nil {
		return "", p, err
	}
	return string(volt.PaymentCardOnFile), p, nil
}

// releaseStaleHolds releases pre-authorisations no session started with
// within HoldTTL, so a driver who never plugged in is not left with a hold.
func (m *MoneyService) releaseStaleHolds(ctx context.Context) (int, error) {
	// A session started on the connector in the hold's window uses it
	// (bound at its CDR): not stale.
	rows, err := m.db.Query(ctx, `SELECT `+paymentCols+` FROM payments p WHERE state = ? AND session_id = '' AND created_at < ?
		AND NOT EXISTS (SELECT 1 FROM sessions s WHERE s.cpid = p.cpid AND s.connector_id = p.connector_id
			AND s.started_at >= p.created_at - 60000 AND s.started_at <= p.created_at + ?) LIMIT 500`,
		string(volt.PaymentAuthorized), toMS(m.db.Now().Add(-HoldTTL)), HoldTTL.Milliseconds())
	if err != nil {
		return 0, fmt.Errorf("stale holds: %w", err)
	}
	var stale []*volt.Payment
	for rows.Next() {
		p, err := scanPayment(rows)
		if err != nil {
			rows.Close()
			return 0, mapError(err)
		}
		stale = append(stale, p)
	}
	rows.Close()
	n := 0
	for _, p := range stale {
		var at *attempt
		err := m.db.WithTx(ctx, func(tx *Tx) error {
			var err error
			at, err = recordAttempt(ctx, tx, p.ID, opRelease, "release:"+p.ID, 0)
			return err
		})
		if err == nil && at.State != attemptSucceeded && m.rerun(ctx, at, p) == nil {
			n++
		}
	}
	return n, nil
}
