package store

import (
	"context"
	"database/sql"
	"errors"
	"fmt"

	"github.com/volt-ev/volt"
)

// cdrFacts is what settling needs of a CDR.
type cdrFacts struct {
	ID, SessionID, CPOID, OwnerID, SiteID, UserID, Method string
	StoppedAt, EnergyWh                                   int64
	Cost                                                  volt.Cost
}

func cdrFactsOf(ctx context.Context, q querier, sessionID string) (*cdrFacts, error) {
	f := &cdrFacts{}
	var cost sql.NullString
	err := q.QueryRow(ctx, `SELECT id, session_id, cpo_id, owner_id, site_id, user_id, payment_method, stopped_at, energy_wh, total_cost
		FROM cdrs WHERE session_id = ? AND credits_cdr_id = ''`, sessionID).
		Scan(&f.ID, &f.SessionID, &f.CPOID, &f.OwnerID, &f.SiteID, &f.UserID, &f.Method, &f.StoppedAt, &f.EnergyWh, &cost)
	if err != nil {
		return nil, notFound(err, "CDR of session", sessionID)
	}
	if cost.Valid {
		if err := decodeJSON(cost.String, &f.Cost); err != nil {
			return nil, err
		}
	}
	return f, nil
}

// OnCDR settles a committed CDR's session, idempotently: a card payment bound
// to the session (or pre-authorised on its connector before it started) is
// captured for exactly the CDR cost, the rest released (all of it for a free
// session); a session on credit is charged to the wallet. Each in one
// posting keyed by the payment or CDR, so calling again changes nothing. A
// provider outage leaves the capture to RetryFailed and returns EUNAVAILABLE.
func (m *MoneyService) OnCDR(ctx context.Context, cdr *volt.CDR) error {
	if _, err := actorOf(ctx); err != nil {
		return err
	}
	var p *volt.Payment
	var at *attempt
	var f *cdrFacts
	err := m.db.WithTx(ctx, func(tx *Tx) error {
		if tx.Dialect() == Postgres {
			// Settlements of one session queue here: without the lock a
			// concurrent call could miss a payment being bound and charge
			// the wallet instead (SQLite serialises write transactions).
			if _, err := tx.Exec(ctx, `SELECT id FROM sessions WHERE id = ? FOR UPDATE`, cdr.SessionID); err != nil {
				return fmt.Errorf("lock session %s: %w", cdr.SessionID, err)
			}
		}
		var err error
		if f, err = cdrFactsOf(ctx, tx, cdr.SessionID); err != nil {
			return err
		}
		if p, err = boundPayment(ctx, tx, cdr); err != nil {
			return err
		}
		if err := payExportCredit(ctx, tx, f); err != nil {
			return err
		}
		if p == nil {
			if err := m.chargeCredit(ctx, tx, f); err != nil {
				return err
			}
			if isCardMethod(f.Method) {
				// Its hold is not authorised yet (a retried
				// authorisation): the sweep tries again later.
				return nil
			}
			return markSettled(ctx, tx, f.ID)
		}
		if f.Cost.Currency != "" && f.Cost.Currency != p.Currency {
			return volt.Errorf(volt.EUNPROCESSABLE, "CDR %s is priced in %s, its payment in %s.", f.ID, f.Cost.Currency, p.Currency)
		}
		if f.Cost.InclVAT > 0 {
			at, err = recordAttempt(ctx, tx, p.ID, opCapture, "capture:"+p.ID, min(f.Cost.InclVAT, p.Amount))
		} else {
			at, err = recordAttempt(ctx, tx, p.ID, opRelease, "release:"+p.ID, 0)
		}
		return err
	})
	if err != nil {
		return fmt.Errorf("settle CDR of session %s: %w", cdr.SessionID, err)
	}
	if at == nil {
		return nil
	}
	var perr error
	if at.State != attemptSucceeded && at.State != attemptRefused {
		perr = m.rerun(ctx, at, p)
	}
	// Settled, or left to RetryFailed (an outage): the sweep is done with it.
	if perr == nil || volt.IsCode(perr, volt.EUNAVAILABLE) {
		if err := m.db.WithTx(ctx, func(tx *Tx) error { return markSettled(ctx, tx, f.ID) }); err != nil {
			return errors.Join(perr, err)
		}
	}
	return perr
}

// payExportCredit pays the export credit a session earned beyond its cost
// (V2X, issue 15) into its driver's wallet, once: the posting is keyed by
// the CDR, so settling again (a replayed event, the sweep) posts nothing.
// However the session was paid (wallet or card), the credit goes to the
// wallet.
//
// TODO(issue 15): a guest session (no user, no wallet) earns no payout
// beyond its cost; refunding it to the card is not built.
func payExportCredit(ctx context.Context, tx *Tx, f *cdrFacts) error {
	if f.UserID == "" || f.Cost.ExportPayout <= 0 || !volt.ValidCurrency(f.Cost.Currency) {
		return nil
	}
	_, err := post(ctx, tx, &volt.Posting{IdempotencyKey: "export:" + f.ID, Kind: volt.PostExportCredit, Currency: f.Cost.Currency,
		Ref: f.SessionID, Entries: volt.ExportCreditEntries(f.OwnerID, f.UserID, f.Cost.ExportPayout, f.Cost.Currency)})
	return err
}

// markSettled records that a CDR's settlement ran, so the sweep skips it.
func markSettled(ctx context.Context, tx *Tx, cdrID string) error {
	_, err := tx.Exec(ctx, `INSERT INTO cdr_settlements (cdr_id, settled_at) VALUES (?, ?) ON CONFLICT DO NOTHING`, cdrID, tx.NowMS())
	if err != nil {
		return fmt.Errorf("mark CDR %s settled: %w", cdrID, err)
	}
	return nil
}

// isCardMethod reports whether a session's payment method is a card
// payment (a hold captured at the CDR).
func isCardMethod(method string) bool {
	switch volt.PaymentKind(method) {
	case volt.PaymentPAYG, volt.PaymentGuest, volt.PaymentContactless, volt.PaymentCardOnFile:
		return true
	}
	return false
}

// boundPayment returns the payment of the CDR's session, binding the one
// pre-authorised on its connector when none is bound yet.
func boundPayment(ctx context.Context, tx *Tx, cdr *volt.CDR) (*volt.Payment, error) {
	p, err := paymentWhere(ctx, tx, `session_id = ?`, cdr.SessionID)
	if err != nil || p != nil {
		return p, err
	}
	if p, err = pendingPayment(ctx, tx, cdr.CPID, cdr.ConnectorID, cdr.UserID, cdr.StartedAt); err != nil || p == nil {
		return nil, err
	}
	res, err := tx.Exec(ctx, `UPDATE payments SET session_id = ?, updated_at = ? WHERE id = ? AND session_id = ''`, cdr.SessionID, tx.NowMS(), p.ID)
	if err != nil {
		return nil, fmt.Errorf("bind payment %s: %w", p.ID, err)
	}
	if n, _ := res.RowsAffected(); n == 0 {
		// A concurrent settlement of the same CDR bound it first.
		return paymentWhere(ctx, tx, `session_id = ?`, cdr.SessionID)
	}
	p.SessionID = cdr.SessionID
	return p, nil
}

// chargeCredit charges a session on credit (payment method "credit")
// without a card payment to its user's wallet. Other methods (free vend, a
// card whose payment is missing), unpriced and zero-cost sessions post
// nothing.
func (m *MoneyService) chargeCredit(ctx context.Context, tx *Tx, f *cdrFacts) error {
	if f.UserID == "" || f.Cost.InclVAT <= 0 || f.Method != MethodCredit {
		// TODO(money): a guest session without a payment (method "none") is
		// not billable; it should be flagged for review.
		return nil
	}
	if fp, err := fleetPayerOf(ctx, tx, f.UserID, f.CPOID); err != nil || fp != nil { // issue 19: the fleet pays
		if err != nil {
			return err
		}
		return m.chargeFleet(ctx, tx, f, fp)
	}
	sc, err := m.split(ctx, tx, f, f.Cost.InclVAT)
	if err != nil {
		return err
	}
	if _, err := post(ctx, tx, &volt.Posting{IdempotencyKey: "credit:" + f.ID, Kind: volt.PostCreditCharge, Currency: sc.Currency,
		Ref: f.SessionID, Entries: volt.CreditChargeEntries(f.UserID, sc)}); err != nil {
		return err
	}
	return insertIncome(ctx, tx, f, "credit", sc)
}

// split returns the charge split of amount (≤ the CDR cost) under the CPO's
// fees; VAT of a partial amount is pro rata of the cost's VAT.
func (m *MoneyService) split(ctx context.Context, tx *Tx, f *cdrFacts, amount int64) (volt.SessionCharge, error) {
	set, err := moneySettings(ctx, tx, f.CPOID)
	if err != nil {
		return volt.SessionCharge{}, err
	}
	c := f.Cost
	if amount < c.InclVAT {
		vat := (c.InclVAT - c.ExclVAT) * amount / c.InclVAT
		c.InclVAT, c.ExclVAT = amount, amount-vat
	}
	return volt.ChargeSplit(&c, set.Fees, f.CPOID, f.OwnerID), nil
}

func insertIncome(ctx context.Context, tx *Tx, f *cdrFacts, channel string, sc volt.SessionCharge) error {
	_, err := tx.Exec(ctx, `INSERT INTO income_lines (cdr_id, cpo_id, owner_id, site_id, channel, currency, stopped_at, energy_wh,
		incl_vat, vat, transaction_fee) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?) ON CONFLICT (cdr_id) DO NOTHING`,
		f.ID, f.CPOID, f.OwnerID, f.SiteID, channel, sc.Currency, f.StoppedAt, f.EnergyWh, sc.InclVAT, sc.VAT, sc.TransactionFee)
	if err != nil {
		return fmt.Errorf("income of CDR %s: %w", f.ID, err)
	}
	return nil
}

// channelOf is the income channel of a card payment.
func channelOf(k volt.PaymentKind) string {
	if k == volt.PaymentContactless {
		return "contactless"
	}
	return "app"
}

// applyCapture records a capture of amount: payment captured, the posting
// (owner, VAT, fee, hold released) and the income line.
func (m *MoneyService) applyCapture(amount int64) func(*Tx, *volt.Payment, *volt.ProviderResult) error {
	return func(tx *Tx, p *volt.Payment, _ *volt.ProviderResult) error {
		ctx := context.Background()
		if p.State != volt.PaymentAuthorized {
			return nil
		}
		f, err := cdrFactsOf(ctx, tx, p.SessionID)
		if err != nil {
			return err
		}
		failure := ""
		if f.Cost.InclVAT > amount {
			failure = fmt.Sprintf("shortfall: CDR cost %d exceeds the hold %d", f.Cost.InclVAT, amount)
		}
		if _, err := tx.Exec(ctx, `UPDATE payments SET state = ?, captured = ?, failure = ?, updated_at = ? WHERE id = ?`,
			string(volt.PaymentCaptured), amount, failure, tx.NowMS(), p.ID); err != nil {
			return fmt.Errorf("capture payment %s: %w", p.ID, err)
		}
		if err := emitPayment(ctx, tx, volt.EventPaymentCaptured, p, volt.PaymentCaptured, amount, p.Refunded, 0); err != nil {
			return err
		}
		sc, err := m.split(ctx, tx, f, amount)
		if err != nil {
			return err
		}
		if _, err := post(ctx, tx, &volt.Posting{IdempotencyKey: "capture:" + p.ID, Kind: volt.PostCapture, Currency: p.Currency,
			Ref: p.ID, Entries: volt.CaptureEntries(p.Provider, p.ID, p.Amount, sc)}); err != nil {
			return err
		}
		return insertIncome(ctx, tx, f, channelOf(p.Kind), sc)
	}
}

// Refund gives amount of a captured payment back to the card; support
// actors of the payment's CPO only. The idempotency key makes a repeated
// request refund once.
func (m *MoneyService) Refund(ctx context.Context, paymentID string, amount int64, key string) (*volt.Payment, error) {
	a, err := actorOf(ctx)
	if err != nil {
		return nil, err
	}
	if key == "" {
		return nil, volt.FieldError("idempotencyKey", "An idempotency key is required.")
	}
	p, err := paymentWhere(ctx, m.db, `id = ?`, paymentID)
	if err != nil {
		return nil, err
	}
	if p == nil || !a.Can(volt.PermRead, volt.Ref{CPOID: p.CPOID}) {
		return nil, volt.Errorf(volt.ENOTFOUND, "Payment %q not found.", paymentID)
	}
	if !a.Can(volt.PermSupport, volt.Ref{CPOID: p.CPOID}) {
		return nil, forbidden("payment")
	}
	if amount <= 0 || amount > p.Captured-p.Refunded {
		return nil, volt.FieldError("amount", "Refund must be from 1 to %d, got %d.", p.Captured-p.Refunded, amount)
	}
	var at *attempt
	err = m.db.WithTx(ctx, func(tx *Tx) error {
		at, err = recordAttempt(ctx, tx, p.ID, opRefund, "refund:"+p.ID+":"+key, amount)
		return err
	})
	if err != nil {
		return nil, err
	}
	if at.State != attemptSucceeded {
		if err := m.rerun(ctx, at, p); err != nil {
			return nil, err
		}
	}
	return paymentWhere(ctx, m.db, `id = ?`, p.ID)
}

func (m *MoneyService) applyRefund(amount int64, key string) func(*Tx, *volt.Payment, *volt.ProviderResult) error {
	return func(tx *Tx, p *volt.Payment, _ *volt.ProviderResult) error {
		ctx := context.Background()
		f, err := cdrFactsOf(ctx, tx, p.SessionID)
		if err != nil {
			return err
		}
		var sc volt.SessionCharge
		err = tx.QueryRow(ctx, `SELECT currency, incl_vat, vat, transaction_fee FROM income_lines WHERE cdr_id = ?`, f.ID).
			Scan(&sc.Currency, &sc.InclVAT, &sc.VAT, &sc.TransactionFee)
		if err != nil {
			return notFound(err, "Income of CDR", f.ID)
		}
		sc.CPOID, sc.OwnerID = f.CPOID, f.OwnerID
		posted, err := post(ctx, tx, &volt.Posting{IdempotencyKey: key, Kind: volt.PostRefund, Currency: p.Currency,
			Ref: p.ID, Entries: volt.RefundEntries(p.Provider, amount, sc)})
		if err != nil || !posted {
			return err
		}
		if _, err = tx.Exec(ctx, `UPDATE payments SET refunded = refunded + ?, updated_at = ? WHERE id = ?`, amount, tx.NowMS(), p.ID); err != nil {
			return fmt.Errorf("refund payment %s: %w", p.ID, err)
		}
		return emitPayment(ctx, tx, volt.EventPaymentRefunded, p, p.State, p.Captured, p.Refunded+amount, amount)
	}
}

// HandleWebhook verifies a provider webhook and applies it once: a replayed
// event id is ignored; a capture or cancel the provider confirms completes
// the matching attempt if the call's own answer was lost. A forged or stale
// signature is EUNAUTHORIZED and changes nothing.
func (m *MoneyService) HandleWebhook(ctx context.Context, provider string, payload []byte, signature string) error {
	prov, err := m.provider(provider)
	if err != nil {
		return err
	}
	ev, err := prov.VerifyWebhook(payload, signature)
	if err != nil {
		return fmt.Errorf("webhook from %s: %w", provider, err)
	}
	return m.db.WithTx(ctx, func(tx *Tx) error {
		res, err := tx.Exec(ctx, `INSERT INTO payment_webhooks (provider, event_id, type, created_at) VALUES (?, ?, ?, ?)
			ON CONFLICT (provider, event_id) DO NOTHING`, provider, ev.ID, ev.Type, tx.NowMS())
		if err != nil {
			return fmt.Errorf("record webhook %s: %w", ev.ID, err)
		}
		if n, _ := res.RowsAffected(); n == 0 {
			return nil // a replay
		}
		p, err := paymentWhere(ctx, tx, `provider = ? AND provider_ref = ?`, provider, ev.Ref)
		if err != nil || p == nil {
			return err
		}
		var op string
		var apply func(*Tx, *volt.Payment, *volt.ProviderResult) error
		switch ev.Type {
		case "payment.captured", "payment_intent.succeeded":
			op = opCapture
		case "payment.canceled", "payment_intent.canceled":
			op, apply = opRelease, applyRelease
		default:
			return nil
		}
		var id string
		var amount int64
		err = tx.QueryRow(ctx, `SELECT id, amount FROM payment_attempts WHERE payment_id = ? AND op = ? AND state <> ?`,
			p.ID, op, attemptSucceeded).Scan(&id, &amount)
		if errors.Is(err, sql.ErrNoRows) {
			return nil // nothing awaits it: our own call applied it, or it is not ours
		} else if err != nil {
			return fmt.Errorf("webhook %s: %w", ev.ID, err)
		}
		if apply == nil {
			apply = m.applyCapture(amount)
		}
		if _, err := tx.Exec(ctx, `UPDATE payment_attempts SET state = ?, updated_at = ? WHERE id = ?`, attemptSucceeded, tx.NowMS(), id); err != nil {
			return err
		}
		return apply(tx, p, &volt.ProviderResult{Ref: ev.Ref, Status: ev.Type})
	})
}
