package store

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"time"

	"github.com/volt-ev/volt"
)

// MoneyService implements volt.PaymentService and volt.WalletService on a
// DB: card pre-authorisations bound to sessions and captured at the CDR,
// wallet top-ups and credit sessions, each movement a balanced ledger
// posting with an idempotency key. Every provider call is first recorded in
// payment_attempts; a call that fails for an outage stays there to be
// retried by RetryFailed, and its effect (ledger, payment state) is applied
// once, whichever of the call, a retry or a webhook learns of it first.
type MoneyService struct {
	db        *DB
	providers map[string]volt.PaymentProvider
	def       string
	// RetryBase is the first retry delay of a failed provider call; each
	// retry doubles it, up to an hour.
	RetryBase time.Duration
}

var (
	_ volt.PaymentService = (*MoneyService)(nil)
	_ volt.WalletService  = (*MoneyService)(nil)
)

// NewMoneyService returns the money service using def for new payments;
// others are known for settling older payments and webhooks.
func NewMoneyService(db *DB, def volt.PaymentProvider, others ...volt.PaymentProvider) *MoneyService {
	m := &MoneyService{db: db, providers: map[string]volt.PaymentProvider{def.Name(): def}, def: def.Name(), RetryBase: time.Minute}
	for _, p := range others {
		m.providers[p.Name()] = p
	}
	return m
}

func (m *MoneyService) provider(name string) (volt.PaymentProvider, error) {
	p := m.providers[name]
	if p == nil {
		return nil, volt.Errorf(volt.EINTERNAL, "payment provider %q not configured", name)
	}
	return p, nil
}

// MoneySettings returns a CPO's money settings, defaults where none are set.
func (m *MoneyService) MoneySettings(ctx context.Context, cpoID string) (*volt.MoneySettings, error) {
	return moneySettings(ctx, m.db, cpoID)
}

func moneySettings(ctx context.Context, q querier, cpoID string) (*volt.MoneySettings, error) {
	s := &volt.MoneySettings{CPOID: cpoID}
	if err := q.QueryRow(ctx, `SELECT currency FROM cpos WHERE id = ?`, cpoID).Scan(&s.Currency); err != nil {
		return nil, notFound(err, "CPO", cpoID)
	}
	var fees string
	err := q.QueryRow(ctx, `SELECT min_balance, hold_amount, max_top_up, fees FROM cpo_money_settings WHERE cpo_id = ?`, cpoID).
		Scan(&s.MinBalance, &s.HoldAmount, &s.MaxTopUp, &fees)
	if errors.Is(err, sql.ErrNoRows) {
		s.MinBalance, s.HoldAmount, s.MaxTopUp = volt.DefaultMinBalance, volt.DefaultHoldAmount, volt.DefaultMaxTopUp(s.Currency)
		return s, nil
	} else if err != nil {
		return nil, fmt.Errorf("money settings of %s: %w", cpoID, err)
	}
	if s.MaxTopUp == 0 {
		s.MaxTopUp = volt.DefaultMaxTopUp(s.Currency)
	}
	if fees != "" {
		s.Fees = &volt.Fees{}
		if err := decodeJSON(fees, s.Fees); err != nil {
			return nil, err
		}
	}
	return s, nil
}

// SetMoneySettings stores a CPO's money settings; CPO admins only, and the
// platform fees super admins only (volt.MoneySettingsService).
func (m *MoneyService) SetMoneySettings(ctx context.Context, s *volt.MoneySettings) error {
	a, err := actorOf(ctx)
	if err != nil {
		return err
	}
	return m.db.WithTx(ctx, func(tx *Tx) error {
		c, err := cpoForWrite(ctx, tx, a, s.CPOID)
		if err != nil {
			return err
		}
		s.Currency = c.Currency
		if !a.SuperAdmin {
			old, err := moneySettings(ctx, tx, s.CPOID)
			if err != nil {
				return err
			}
			if !volt.SameFees(old.Fees, s.Fees) {
				return &volt.Error{Code: volt.EFORBIDDEN, Field: "fees",
					Message: "Transaction and socket fees are set by the platform's super admins; a CPO's admins read them only."}
			}
		}
		if err := s.Validate(); err != nil {
			return err
		}
		fees := ""
		if s.Fees != nil {
			if fees, err = encodeJSON(s.Fees); err != nil {
				return err
			}
		}
		if s.MaxTopUp == 0 {
			s.MaxTopUp = volt.DefaultMaxTopUp(s.Currency)
		}
		_, err = tx.Exec(ctx, `INSERT INTO cpo_money_settings (cpo_id, min_balance, hold_amount, max_top_up, fees, updated_at)
			VALUES (?, ?, ?, ?, ?, ?) ON CONFLICT (cpo_id) DO UPDATE SET min_balance = excluded.min_balance,
			hold_amount = excluded.hold_amount, max_top_up = excluded.max_top_up, fees = excluded.fees,
			updated_at = excluded.updated_at`,
			s.CPOID, s.MinBalance, s.HoldAmount, s.MaxTopUp, fees, tx.NowMS())
		if err != nil {
			return fmt.Errorf("set money settings of %s: %w", s.CPOID, err)
		}
		return nil
	})
}

const paymentCols = `id, kind, state, provider, provider_ref, user_id, email, cpo_id, cpid, connector_id, terminal_id,
	session_id, currency, amount, captured, refunded, idempotency_key, failure, created_at, updated_at, card_brand, card_last4`

func scanPayment(s rowScanner) (*volt.Payment, error) {
	p := &volt.Payment{}
	var kind, state string
	var created, updated int64
	err := s.Scan(&p.ID, &kind, &state, &p.Provider, &p.ProviderRef, &p.UserID, &p.Email, &p.CPOID, &p.CPID,
		&p.ConnectorID, &p.TerminalID, &p.SessionID, &p.Currency, &p.Amount, &p.Captured, &p.Refunded,
		&p.IdempotencyKey, &p.Failure, &created, &updated, &p.CardBrand, &p.CardLast4)
	if err != nil {
		return nil, err
	}
	p.Kind, p.State = volt.PaymentKind(kind), volt.PaymentState(state)
	p.CreatedAt, p.UpdatedAt = fromMS(created), fromMS(updated)
	return p, nil
}

func paymentWhere(ctx context.Context, q querier, cond string, args ...any) (*volt.Payment, error) {
	p, err := scanPayment(q.QueryRow(ctx, `SELECT `+paymentCols+` FROM payments WHERE `+cond, args...))
	if errors.Is(err, sql.ErrNoRows) {
		return nil, nil
	} else if err != nil {
		return nil, fmt.Errorf("find payment: %w", err)
	}
	return p, nil
}

// pendingPayment returns the card payment authorised on a connector for a
// session of userID and not yet bound to a session, the newest made in the
// HoldTTL before at (plus a minute of clock skew), or nil. A payment of a
// user never pays another user's session; one without a user (guest,
// contactless) is bound by its connector alone.
func pendingPayment(ctx context.Context, q querier, cpid string, connector int, userID string, at time.Time) (*volt.Payment, error) {
	return paymentWhere(ctx, q, `cpid = ? AND connector_id = ? AND state = ? AND session_id = '' AND created_at <= ? AND created_at >= ?
		AND (user_id = '' OR user_id = ?) ORDER BY created_at DESC, id DESC LIMIT 1`, cpid, connector, string(volt.PaymentAuthorized),
		toMS(at.Add(time.Minute)), toMS(at.Add(-HoldTTL)), userID)
}

// FindPaymentByID returns a payment: to its user, or to an actor with
// support rights on its CPO.
func (m *MoneyService) FindPaymentByID(ctx context.Context, id string) (*volt.Payment, error) {
	a, err := actorOf(ctx)
	if err != nil {
		return nil, err
	}
	p, err := paymentWhere(ctx, m.db, `id = ?`, id)
	if err != nil {
		return nil, err
	}
	if p == nil || !(a.Can(volt.PermRead, volt.Ref{CPOID: p.CPOID}) || (a.UserID != "" && a.UserID == p.UserID)) {
		return nil, volt.Errorf(volt.ENOTFOUND, "Payment %q not found.", id)
	}
	return p, nil
}

// BindSession binds an authorised payment to a session (the gateway calls
// it when it knows the session a pre-authorisation was for; OnCDR binds by
// connector otherwise).
func (m *MoneyService) BindSession(ctx context.Context, paymentID, sessionID string) error {
	if _, err := actorOf(ctx); err != nil {
		return err
	}
	res, err := m.db.Exec(ctx, `UPDATE payments SET session_id = ?, updated_at = ? WHERE id = ? AND state = ? AND session_id IN ('', ?)`,
		sessionID, toMS(m.db.Now()), paymentID, string(volt.PaymentAuthorized), sessionID)
	if err != nil {
		return fmt.Errorf("bind payment %s to session %s: %w", paymentID, sessionID, err)
	}
	if n, _ := res.RowsAffected(); n == 0 {
		return volt.Errorf(volt.ECONFLICT, "Payment %q is not an unbound pre-authorisation.", paymentID)
	}
	return nil
}

// FindPaymentBySession returns the card payment bound to a session (for its
// receipt; a guest's carries the e-mail to send it to), to its user or an
// actor who may read the payment's CPO.
func (m *MoneyService) FindPaymentBySession(ctx context.Context, sessionID string) (*volt.Payment, error) {
	a, err := actorOf(ctx)
	if err != nil {
		return nil, err
	}
	p, err := paymentWhere(ctx, m.db, `session_id = ?`, sessionID)
	if err != nil {
		return nil, err
	}
	if p == nil || !(a.Can(volt.PermRead, volt.Ref{CPOID: p.CPOID}) || (a.UserID != "" && a.UserID == p.UserID)) {
		return nil, volt.Errorf(volt.ENOTFOUND, "No payment for session %q.", sessionID)
	}
	return p, nil
}
