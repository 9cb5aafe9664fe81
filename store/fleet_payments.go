package store

import (
	"context"
	"database/sql"
	"errors"
	"fmt"

	"github.com/volt-ev/volt"
)

// Issue 19: the payment of fleet invoices (volt.FleetPaymentService on
// FleetService). What a fleet owes (fleet:ID) falls by each payment the
// owner's admin records against a month's invoice; the invoice shows what
// was paid and what is outstanding.

var _ volt.FleetPaymentService = (*FleetService)(nil)

const fleetPaymentCols = `id, fleet_id, cpo_id, owner_id, month, amount, currency, paid_on, reference, method, recorded_by, created_at`

func scanFleetPayment(s rowScanner) (*volt.FleetInvoicePayment, error) {
	p := &volt.FleetInvoicePayment{}
	var created int64
	if err := s.Scan(&p.ID, &p.FleetID, &p.CPOID, &p.OwnerID, &p.Month, &p.Amount, &p.Currency, &p.PaidOn, &p.Reference,
		&p.Method, &p.RecordedBy, &created); err != nil {
		return nil, err
	}
	p.CreatedAt = fromMS(created)
	return p, nil
}

// RecordFleetPayment records a payment of the fleet's invoice of p.Month:
// the owner's admins only (a fleet manager reads it, may not record it),
// at most what the invoice has outstanding, once per fleet and reference;
// the ledger moves the amount from the fleet's account to the money
// received by the method, in the same transaction.
func (s *FleetService) RecordFleetPayment(ctx context.Context, p *volt.FleetInvoicePayment) (bool, error) {
	a, err := actorOf(ctx)
	if err != nil {
		return false, err
	}
	p.Normalize()
	if err := p.Validate(s.db.Now()); err != nil {
		return false, err
	}
	created := false
	err = s.db.WithTx(ctx, func(tx *Tx) error {
		f, err := readFleet(ctx, tx, a, p.FleetID)
		if err != nil {
			return err
		}
		if !a.Can(volt.PermWrite, volt.Ref{CPOID: f.CPOID, OwnerID: f.OwnerID}) {
			return volt.Errorf(volt.EFORBIDDEN, "Only the owner's admins record the payment of a fleet's invoice.")
		}
		if tx.Dialect() == Postgres { // two payments of one fleet queue here, so the second sees the first
			if _, err := tx.Exec(ctx, `SELECT pg_advisory_xact_lock(hashtext(?))`, "fleet_payment:"+f.ID); err != nil {
				return fmt.Errorf("lock fleet %s payments: %w", f.ID, err)
			}
		}
		old, err := scanFleetPayment(tx.QueryRow(ctx, `SELECT `+fleetPaymentCols+` FROM fleet_invoice_payments WHERE fleet_id = ? AND reference = ?`,
			f.ID, p.Reference))
		switch {
		case err == nil:
			if old.Month != p.Month || old.Amount != p.Amount || old.Method != p.Method || old.PaidOn != p.PaidOn {
				e := volt.Errorf(volt.ECONFLICT, "A different payment with the reference %q is recorded for this fleet (%s, %s %s).",
					p.Reference, old.Month, volt.FormatMinor(old.Amount, old.Currency), old.Currency)
				e.Field = "reference"
				return e
			}
			*p = *old // the same payment again: nothing more
			return nil
		case !errors.Is(err, sql.ErrNoRows):
			return fmt.Errorf("fleet payment %s: %w", p.Reference, err)
		}
		var gross, paid int64
		if err := tx.QueryRow(ctx, `SELECT COALESCE(SUM(gross), 0) FROM fleet_charges WHERE fleet_id = ? AND month = ?`, f.ID, p.Month).Scan(&gross); err != nil {
			return fmt.Errorf("fleet invoice %s: %w", p.Month, err)
		}
		if err := tx.QueryRow(ctx, `SELECT COALESCE(SUM(amount), 0) FROM fleet_invoice_payments WHERE fleet_id = ? AND month = ?`, f.ID, p.Month).Scan(&paid); err != nil {
			return fmt.Errorf("fleet invoice %s: %w", p.Month, err)
		}
		if p.Amount > gross-paid {
			e := volt.Errorf(volt.EUNPROCESSABLE, "The invoice of %s has %s %s outstanding; a payment of %s %s is more.", p.Month,
				volt.FormatMinor(max(gross-paid, 0), f.Currency), f.Currency, volt.FormatMinor(p.Amount, f.Currency), f.Currency)
			e.Field = "amount"
			return e
		}
		p.ID, p.CPOID, p.OwnerID, p.Currency, p.RecordedBy, p.CreatedAt = volt.NewID("fpy"), f.CPOID, f.OwnerID, f.Currency, a.UserID, tx.Now()
		_, err = tx.Exec(ctx, `INSERT INTO fleet_invoice_payments (`+fleetPaymentCols+`) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
			p.ID, p.FleetID, p.CPOID, p.OwnerID, p.Month, p.Amount, p.Currency, p.PaidOn, p.Reference, p.Method, p.RecordedBy, toMS(p.CreatedAt))
		if err != nil {
			return fmt.Errorf("record fleet payment %s: %w", p.Reference, err)
		}
		created = true
		_, err = post(ctx, tx, &volt.Posting{IdempotencyKey: "fleet_payment:" + p.ID, Kind: volt.PostFleetPayment, Currency: p.Currency,
			Ref: p.ID, Memo: "fleet " + f.ID + " invoice " + p.Month + " " + p.Method + " " + p.Reference,
			Entries: volt.FleetPaymentEntries(f.ID, p.Method, p.Amount, p.Currency)})
		return err
	})
	if err != nil {
		created = false
	}
	return created, err
}

// FindFleetPaymentByID returns a payment of a fleet the actor reads.
func (s *FleetService) FindFleetPaymentByID(ctx context.Context, id string) (*volt.FleetInvoicePayment, error) {
	a, err := actorOf(ctx)
	if err != nil {
		return nil, err
	}
	p, err := scanFleetPayment(s.db.QueryRow(ctx, `SELECT `+fleetPaymentCols+` FROM fleet_invoice_payments WHERE id = ?`, id))
	if err != nil {
		return nil, notFound(err, "Fleet payment", id)
	}
	if _, err := readFleet(ctx, s.db, a, p.FleetID); err != nil {
		return nil, volt.Errorf(volt.ENOTFOUND, "Fleet payment %q not found.", id)
	}
	return p, nil
}

// fleetInvoicePayments adds the payments of the invoice's month, what was
// paid and what is outstanding.
func fleetInvoicePayments(ctx context.Context, q querier, inv *volt.FleetInvoice) error {
	rows, err := q.Query(ctx, `SELECT `+fleetPaymentCols+` FROM fleet_invoice_payments WHERE fleet_id = ? AND month = ?
		ORDER BY paid_on, created_at, id`, inv.FleetID, inv.Month)
	if err != nil {
		return fmt.Errorf("fleet invoice payments: %w", err)
	}
	defer rows.Close()
	inv.Payments = []*volt.FleetInvoicePayment{}
	for rows.Next() {
		p, err := scanFleetPayment(rows)
		if err != nil {
			return fmt.Errorf("fleet invoice payments: %w", err)
		}
		inv.Payments = append(inv.Payments, p)
		inv.Paid += p.Amount
	}
	inv.Outstanding = max(inv.Gross-inv.Paid, 0)
	inv.State = volt.FleetInvoiceState(inv.Gross, inv.Paid)
	return rows.Err()
}
