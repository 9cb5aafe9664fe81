package store

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"time"

	"github.com/volt-ev/volt"
)

// ReimburseHome credits a driver's wallet with the home reimbursement a
// company (owner) owes for a month: the energy of the driver's CDRs on the
// owner's chargers (the home charger the company installed) stopped in that
// calendar month (UTC), at rate per kWh (VAT included, stated at the 5 %
// domestic rate). One statement per (owner, driver, month): running it again
// returns the first statement and posts nothing. Owner admins only.
func (m *MoneyService) ReimburseHome(ctx context.Context, ownerID, userID string, month time.Time, rate volt.Decimal) (*volt.ReimbursementStatement, error) {
	a, err := actorOf(ctx)
	if err != nil {
		return nil, err
	}
	var cpoID, currency string
	err = m.db.QueryRow(ctx, `SELECT o.cpo_id, c.currency FROM owners o JOIN cpos c ON c.id = o.cpo_id WHERE o.id = ?`, ownerID).Scan(&cpoID, &currency)
	if err != nil || !a.Can(volt.PermRead, volt.Ref{CPOID: cpoID, OwnerID: ownerID}) {
		return nil, volt.Errorf(volt.ENOTFOUND, "Owner %q not found.", ownerID)
	}
	if !a.Can(volt.PermWrite, volt.Ref{CPOID: cpoID, OwnerID: ownerID}) {
		return nil, forbidden("owner's reimbursements")
	}
	key, start, end := feePeriod(volt.FeeMonthly, month)
	st := &volt.ReimbursementStatement{OwnerID: ownerID, UserID: userID, Month: key, Rate: rate, VATRate: volt.DomesticVATRate, Currency: currency}
	err = m.db.WithTx(ctx, func(tx *Tx) error {
		var id string
		var created int64
		err := tx.QueryRow(ctx, `SELECT id, sessions, energy_wh, amount, created_at FROM reimbursement_statements WHERE owner_id = ? AND user_id = ? AND month = ?`,
			ownerID, userID, key).Scan(&id, &st.Sessions, &st.EnergyWh, &st.Amount, &created)
		if err == nil {
			st.ID, st.CreatedAt = id, fromMS(created)
			return nil
		} else if !errors.Is(err, sql.ErrNoRows) {
			return fmt.Errorf("find statement: %w", err)
		}
		err = tx.QueryRow(ctx, `SELECT count(*), COALESCE(SUM(energy_wh), 0) FROM cdrs WHERE owner_id = ? AND user_id = ? AND stopped_at >= ? AND stopped_at < ?`,
			ownerID, userID, toMS(start), toMS(end)).Scan(&st.Sessions, &st.EnergyWh)
		if err != nil {
			return fmt.Errorf("home sessions: %w", err)
		}
		if st.Amount, err = volt.ReimbursementAmount(st.EnergyWh, rate, volt.CurrencyExponent(currency)); err != nil {
			return err
		}
		st.ID, st.CreatedAt = volt.NewID("rst"), tx.Now()
		st.VAT = volt.VATIncluded(st.Amount, volt.DomesticVATRate)
		_, err = tx.Exec(ctx, `INSERT INTO reimbursement_statements (id, owner_id, user_id, month, sessions, energy_wh, rate, currency, amount, created_at, cpo_id)
			VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`, st.ID, ownerID, userID, key, st.Sessions, st.EnergyWh, rate.String(), currency, st.Amount, tx.NowMS(), cpoID)
		if err != nil || st.Amount == 0 {
			return err
		}
		_, err = post(ctx, tx, &volt.Posting{IdempotencyKey: "reimburse:" + ownerID + ":" + userID + ":" + key, Kind: volt.PostReimbursement,
			Currency: currency, Ref: st.ID, Memo: fmt.Sprintf("%d Wh at %s", st.EnergyWh, rate),
			Entries: volt.ReimbursementEntries(ownerID, userID, st.Amount, currency)})
		return err
	})
	if err != nil {
		return nil, fmt.Errorf("reimburse %s for %s: %w", userID, key, err)
	}
	return st, nil
}
