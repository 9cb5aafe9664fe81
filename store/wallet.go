package store

import (
	"context"
	"fmt"

	"github.com/volt-ev/volt"
)

// canSeeWallet allows the user themself and super admins (system jobs): the
// rule for moving money in or out (top-up, card on file).
func canSeeWallet(a *volt.Actor, userID string) error {
	if a.SuperAdmin || (a.UserID != "" && a.UserID == userID) {
		return nil
	}
	return volt.Errorf(volt.ENOTFOUND, "Wallet of %q not found.", userID)
}

// canReadWallet allows what canSeeWallet allows, and CPO admins and support
// staff reading the wallet of one of their drivers: a user whose home CPO (a
// whitelabel driver, a guest) they have support rights on. A wallet is the
// person's: another tenant whose usergroup the user joined sees the
// membership, not the money (volt.MayManageAccount). Anyone else gets
// ENOTFOUND.
func canReadWallet(ctx context.Context, q querier, a *volt.Actor, userID string) error {
	if canSeeWallet(a, userID) == nil {
		return nil
	}
	rows, err := q.Query(ctx, `SELECT cpo_id FROM users WHERE id = ? AND cpo_id IS NOT NULL`, userID)
	if err != nil {
		return fmt.Errorf("CPOs of %s: %w", userID, err)
	}
	defer rows.Close()
	for rows.Next() {
		var cpo string
		if err := rows.Scan(&cpo); err != nil {
			return fmt.Errorf("CPOs of %s: %w", userID, mapError(err))
		}
		if cpo != "" && a.Can(volt.PermSupport, volt.Ref{CPOID: cpo}) {
			return nil
		}
	}
	if err := rows.Err(); err != nil {
		return fmt.Errorf("CPOs of %s: %w", userID, mapError(err))
	}
	return canSeeWallet(a, userID)
}

// FindWallet returns a user's wallet in a currency: its balance is the sum of
// its ledger entries.
func (m *MoneyService) FindWallet(ctx context.Context, userID, currency string) (*volt.Wallet, error) {
	a, err := actorOf(ctx)
	if err != nil {
		return nil, err
	}
	if err := canReadWallet(ctx, m.db, a, userID); err != nil {
		return nil, err
	}
	if !volt.ValidCurrency(currency) {
		return nil, volt.FieldError("currency", "Unknown currency %q.", currency)
	}
	sum, err := accountSum(ctx, m.db, volt.AccountWallet(userID), currency)
	if err != nil {
		return nil, err
	}
	return &volt.Wallet{UserID: userID, Currency: currency, Balance: volt.WalletBalance(sum)}, nil
}

// WalletHistory lists a wallet's movements, newest first.
func (m *MoneyService) WalletHistory(ctx context.Context, userID string, page volt.Page) ([]*volt.WalletLine, int, error) {
	a, err := actorOf(ctx)
	if err != nil {
		return nil, 0, err
	}
	if err := canReadWallet(ctx, m.db, a, userID); err != nil {
		return nil, 0, err
	}
	w := &where{}
	w.add("e.account = ?", volt.AccountWallet(userID))
	return list(ctx, m.db, listQuery{cols: `p.id, p.kind, p.ref, e.amount, e.currency, e.created_at`,
		from: `ledger_entries e JOIN ledger_postings p ON p.id = e.posting_id`, where: w,
		order: "e.created_at DESC, p.id DESC", page: page}, func(s rowScanner) (*volt.WalletLine, error) {
		l := &volt.WalletLine{}
		var kind string
		var at int64
		if err := s.Scan(&l.PostingID, &kind, &l.Ref, &l.Amount, &l.Currency, &at); err != nil {
			return nil, err
		}
		l.Kind, l.Amount, l.At = volt.PostingKind(kind), -l.Amount, fromMS(at)
		return l, nil
	})
}

// TopUp charges the card at once and credits the wallet. The idempotency key
// (per user) makes a retried request charge once; a declined card is
// EUNPROCESSABLE and nothing is credited.
func (m *MoneyService) TopUp(ctx context.Context, userID string, amount volt.Money, card, key string) (*volt.Payment, error) {
	a, err := actorOf(ctx)
	if err != nil {
		return nil, err
	}
	if err := canSeeWallet(a, userID); err != nil {
		return nil, err
	}
	if err := volt.ValidateAmount(amount); err != nil {
		return nil, err
	}
	if key == "" {
		return nil, volt.FieldError("idempotencyKey", "An idempotency key is required.")
	}
	limit, err := maxTopUp(ctx, m.db, userID, amount.Currency)
	if err != nil {
		return nil, err
	}
	if err := volt.CheckTopUp(amount, limit); err != nil {
		return nil, err
	}
	return m.topUp(ctx, userID, amount, card, "topup:"+userID+":"+key)
}

// topUp charges the card amount at once under the payment's idempotency
// key and credits the wallet (TopUp, and a roaming debt paid by card).
func (m *MoneyService) topUp(ctx context.Context, userID string, amount volt.Money, card, key string) (*volt.Payment, error) {
	var p *volt.Payment
	var at *attempt
	err := m.db.WithTx(ctx, func(tx *Tx) error {
		var err error
		if p, err = paymentWhere(ctx, tx, `idempotency_key = ?`, key); err != nil || p != nil {
			return err
		}
		p = &volt.Payment{ID: volt.NewID("pay"), Kind: volt.PaymentTopUp, State: volt.PaymentPending, Provider: m.def,
			UserID: userID, Currency: amount.Currency, Amount: amount.Amount, IdempotencyKey: key,
			CreatedAt: tx.Now(), UpdatedAt: tx.Now()}
		if replay, err := insertPayment(ctx, tx, p, card); err != nil || replay {
			return err
		}
		at, err = recordAttempt(ctx, tx, p.ID, opAuthorize, "authorize:"+p.ID, p.Amount)
		return err
	})
	if err != nil {
		return nil, fmt.Errorf("top up wallet of %s: %w", userID, err)
	}
	if at == nil {
		return p, refusal(p)
	}
	perr := m.call(ctx, at, p, func(pr volt.PaymentProvider) (*volt.ProviderResult, error) {
		return pr.Authorize(ctx, authRequest(p, card, at.Key))
	}, applyTopUp)
	if cur, err := paymentWhere(ctx, m.db, `id = ?`, p.ID); err == nil && cur != nil {
		p = cur
	}
	if perr != nil {
		return p, fmt.Errorf("top up payment %s: %w", p.ID, perr)
	}
	return p, nil
}

// applyTopUp credits the wallet for a top-up the provider charged: pending,
// or failed earlier for an outage and found charged by a retry.
func applyTopUp(tx *Tx, p *volt.Payment, r *volt.ProviderResult) error {
	ctx := context.Background()
	if p.State != volt.PaymentPending && p.State != volt.PaymentFailed {
		return nil
	}
	if _, err := tx.Exec(ctx, `UPDATE payments SET state = ?, provider_ref = ?, captured = amount, updated_at = ? WHERE id = ?`,
		string(volt.PaymentSucceeded), r.Ref, tx.NowMS(), p.ID); err != nil {
		return fmt.Errorf("top-up %s: %w", p.ID, err)
	}
	if _, err := post(ctx, tx, &volt.Posting{IdempotencyKey: "topup:" + p.ID, Kind: volt.PostTopUp, Currency: p.Currency,
		Ref: p.ID, Entries: volt.TopUpEntries(p.Provider, p.UserID, p.Amount, p.Currency)}); err != nil {
		return err
	}
	return settleRoamingDebts(ctx, tx, p.UserID, p.Currency) // issue 14: the wallet now covers what was owed
}

// CheckCreditStart refuses (EUNPROCESSABLE) a start on credit when the
// user's wallet, in the CPO's currency, is below the CPO's minimum balance.
// The charging side calls it before accepting a start on credit.
func (m *MoneyService) CheckCreditStart(ctx context.Context, userID, cpoID string) error {
	if fp, err := fleetPayerOf(ctx, m.db, userID, cpoID); err != nil || fp != nil { // issue 19: the fleet pays, up to the limit
		if err != nil {
			return err
		}
		return fp.admit(ctx, m.db, userID, m.db.Now())
	}
	set, err := moneySettings(ctx, m.db, cpoID)
	if err != nil {
		return err
	}
	sum, err := accountSum(ctx, m.db, volt.AccountWallet(userID), set.Currency)
	if err != nil {
		return err
	}
	if ok, why := volt.CanStartOnCredit(volt.WalletBalance(sum), set.MinBalance); !ok {
		return volt.Errorf(volt.EUNPROCESSABLE, "Cannot start: %s (%d < %d %s).", why, volt.WalletBalance(sum), set.MinBalance, set.Currency)
	}
	return nil
}

// GuardSession applies volt.CreditGuard to a session on credit after a meter
// reading: true means the gateway should send RemoteStopTransaction now.
// Sessions paid by card or free vend are never stopped by it.
func (m *MoneyService) GuardSession(ctx context.Context, s *volt.Session, lastInterval int64) (bool, error) {
	if s.PaymentMethod != MethodCredit || s.UserID == "" || s.LiveCost == nil {
		return false, nil
	}
	if fp, err := fleetPayerOf(ctx, m.db, s.UserID, s.CPOID); err != nil || fp != nil { // issue 19
		if err != nil || fp.Limit == nil {
			return false, err
		}
		spent, err := fp.spent(ctx, m.db, s.UserID, m.db.Now())
		return err == nil && volt.CreditGuard(*fp.Limit-spent, s.LiveCost.InclVAT, lastInterval), err
	}
	sum, err := accountSum(ctx, m.db, volt.AccountWallet(s.UserID), s.LiveCost.Currency)
	if err != nil {
		return false, err
	}
	return volt.CreditGuard(volt.WalletBalance(sum), s.LiveCost.InclVAT, lastInterval), nil
}
