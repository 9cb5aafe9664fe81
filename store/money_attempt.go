package store

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"time"

	"github.com/volt-ev/volt"
)

// Provider operations recorded in payment_attempts.
const (
	opAuthorize = "authorize"
	opCapture   = "capture"
	opRelease   = "release"
	opRefund    = "refund"
)

// Attempt states.
const (
	attemptPending   = "pending"   // recorded, call in flight
	attemptRetry     = "retry"     // failed for an outage: RetryFailed calls again
	attemptSucceeded = "succeeded" // applied
	attemptRefused   = "refused"   // declined or invalid: final, reason in error
)

// attempt is one provider call of a payment.
type attempt struct {
	ID, PaymentID, Op, Key, State string
	Amount                        int64
	Tries                         int
}

// recordAttempt records a provider call before it is made; for a key seen
// before it returns the recorded attempt unchanged.
func recordAttempt(ctx context.Context, tx *Tx, paymentID, op, key string, amount int64) (*attempt, error) {
	_, err := tx.Exec(ctx, `INSERT INTO payment_attempts (id, payment_id, op, amount, idempotency_key, state, created_at, updated_at)
		VALUES (?, ?, ?, ?, ?, ?, ?, ?) ON CONFLICT (idempotency_key) DO NOTHING`,
		volt.NewID("pat"), paymentID, op, amount, key, attemptPending, tx.NowMS(), tx.NowMS())
	if err != nil {
		return nil, fmt.Errorf("record %s attempt of %s: %w", op, paymentID, err)
	}
	at := &attempt{}
	err = tx.QueryRow(ctx, `SELECT id, payment_id, op, idempotency_key, state, amount, tries FROM payment_attempts WHERE idempotency_key = ?`, key).
		Scan(&at.ID, &at.PaymentID, &at.Op, &at.Key, &at.State, &at.Amount, &at.Tries)
	if err != nil {
		return nil, fmt.Errorf("read %s attempt of %s: %w", op, paymentID, err)
	}
	return at, nil
}

// call makes the provider call of an attempt and records its outcome. On
// success apply runs in the same transaction that marks it succeeded; a
// refusal (declined, invalid) is final; an outage schedules a retry. The
// provider error is returned.
func (m *MoneyService) call(ctx context.Context, at *attempt, p *volt.Payment,
	fn func(volt.PaymentProvider) (*volt.ProviderResult, error),
	apply func(tx *Tx, p *volt.Payment, r *volt.ProviderResult) error) error {
	prov, err := m.provider(p.Provider)
	if err != nil {
		return err
	}
	r, perr := fn(prov)
	err = m.db.WithTx(ctx, func(tx *Tx) error {
		var st string
		var tries int
		if err := tx.QueryRow(ctx, `SELECT state, tries FROM payment_attempts WHERE id = ?`, at.ID).Scan(&st, &tries); err != nil {
			return fmt.Errorf("attempt %s: %w", at.ID, err)
		}
		if st == attemptSucceeded {
			return nil // a retry or a webhook applied it already
		}
		state, msg, next := attemptSucceeded, "", sql.NullInt64{}
		switch code := volt.ErrorCode(perr); {
		case perr == nil:
		case code == volt.EUNAVAILABLE || code == volt.EINTERNAL:
			state, msg = attemptRetry, volt.ErrorMessage(perr)
			delay := min(m.RetryBase<<min(tries, 10), time.Hour)
			next = sql.NullInt64{Int64: toMS(tx.Now().Add(delay)), Valid: true}
		default:
			state, msg = attemptRefused, volt.ErrorMessage(perr)
		}
		_, err := tx.Exec(ctx, `UPDATE payment_attempts SET state = ?, error = ?, tries = tries + 1, next_at = ?, updated_at = ? WHERE id = ?`,
			state, msg, next, tx.NowMS(), at.ID)
		if err != nil {
			return fmt.Errorf("record attempt %s: %w", at.ID, err)
		}
		if perr != nil {
			if err := m.recordFailure(ctx, tx, p, at, msg, perr); err != nil || state != attemptRefused || p.Kind != volt.PaymentRoaming {
				return err
			}
			return roamingCardRefused(ctx, tx, p, msg) // issue 14: the card failed, a debt
		}
		cur, err := paymentWhere(ctx, tx, `id = ?`, p.ID)
		if err != nil || cur == nil {
			return fmt.Errorf("payment %s: %w", p.ID, errors.Join(err, sql.ErrNoRows))
		}
		return apply(tx, cur, r)
	})
	if err != nil {
		return err
	}
	return perr
}

// recordFailure notes a failed call on the payment; a failed authorisation
// fails the payment (the start is refused).
func (m *MoneyService) recordFailure(ctx context.Context, tx *Tx, p *volt.Payment, at *attempt, msg string, perr error) error {
	q := `UPDATE payments SET failure = ?, updated_at = ? WHERE id = ?`
	args := []any{at.Op + ": " + msg, tx.NowMS(), p.ID}
	if at.Op == opAuthorize {
		q = `UPDATE payments SET failure = ?, updated_at = ?, state = 'failed' WHERE id = ? AND state = 'pending'`
	}
	if _, err := tx.Exec(ctx, q, args...); err != nil {
		return fmt.Errorf("record failure of payment %s: %w", p.ID, err)
	}
	return nil
}

// RetryFailed retries the provider calls whose retry is due, and calls that
// have stayed pending for more than ten minutes (a crash between the call
// and its record). An authorisation retried after its start was refused is
// released at once: the driver was told no, so no hold may stay. It
// returns how many calls succeeded. It also releases holds no session used
// within HoldTTL.
func (m *MoneyService) RetryFailed(ctx context.Context) (int, error) {
	now := m.db.Now()
	rows, err := m.db.Query(ctx, `SELECT id, payment_id, op, idempotency_key, state, amount, tries FROM payment_attempts
		WHERE (state = ? AND next_at <= ?) OR (state = ? AND updated_at <= ?) ORDER BY created_at LIMIT 500`,
		attemptRetry, toMS(now), attemptPending, toMS(now.Add(-10*time.Minute)))
	if err != nil {
		return 0, fmt.Errorf("due payment attempts: %w", err)
	}
	var due []*attempt
	for rows.Next() {
		at := &attempt{}
		if err := rows.Scan(&at.ID, &at.PaymentID, &at.Op, &at.Key, &at.State, &at.Amount, &at.Tries); err != nil {
			rows.Close()
			return 0, mapError(err)
		}
		due = append(due, at)
	}
	rows.Close()
	ok, err := m.releaseStaleHolds(ctx)
	if err != nil {
		return ok, err
	}
	for _, at := range due {
		p, err := paymentWhere(ctx, m.db, `id = ?`, at.PaymentID)
		if err != nil || p == nil {
			continue
		}
		if err := m.rerun(ctx, at, p); err == nil {
			ok++
		}
	}
	return ok, nil
}

func (m *MoneyService) rerun(ctx context.Context, at *attempt, p *volt.Payment) error {
	money := volt.Money{Amount: at.Amount, Currency: p.Currency}
	switch at.Op {
	case opCapture:
		return m.call(ctx, at, p, func(pr volt.PaymentProvider) (*volt.ProviderResult, error) {
			return pr.Capture(ctx, p.ProviderRef, money, at.Key)
		}, m.applyCapture(at.Amount))
	case opRelease:
		return m.call(ctx, at, p, func(pr volt.PaymentProvider) (*volt.ProviderResult, error) {
			return pr.Release(ctx, p.ProviderRef, at.Key)
		}, applyRelease)
	case opRefund:
		return m.call(ctx, at, p, func(pr volt.PaymentProvider) (*volt.ProviderResult, error) {
			return pr.Refund(ctx, p.ProviderRef, money, at.Key)
		}, m.applyRefund(at.Amount, at.Key))
	case opAuthorize:
		return m.retryAuthorize(ctx, at, p)
	}
	return volt.Errorf(volt.EINTERNAL, "unknown payment op %q", at.Op)
}
