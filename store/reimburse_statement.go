package store

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"time"

	"github.com/volt-ev/volt"
)

// reimburse writes the statement of one agreement for a month and credits
// the wallet, once: the energy of the driver's CDRs on the home charger
// stopped in that calendar month (UTC). created is false when the statement
// existed (the job ran before, or ReimburseHome did).
func (s *ReimbursementService) reimburse(ctx context.Context, ag *volt.ReimbursementAgreement, month time.Time) (created bool, err error) {
	key, start, end := feePeriod(volt.FeeMonthly, month)
	err = s.db.WithTx(ctx, func(tx *Tx) error {
		var n int
		err := tx.QueryRow(ctx, `SELECT count(*) FROM reimbursement_statements WHERE owner_id = ? AND user_id = ? AND month = ?`,
			ag.OwnerID, ag.UserID, key).Scan(&n)
		if err != nil || n > 0 {
			return err
		}
		// Issue 19: a driver with a company vehicle of the owner is paid
		// through the telematics-checked claim (FleetService.ApproveClaim),
		// never blindly for every session here.
		if err := tx.QueryRow(ctx, `SELECT count(*) FROM vehicles WHERE owner_id = ? AND driver_id = ? AND deleted_at IS NULL`,
			ag.OwnerID, ag.UserID).Scan(&n); err != nil || n > 0 {
			return err
		}
		st := &volt.ReimbursementStatement{ID: volt.NewID("rst"), OwnerID: ag.OwnerID, UserID: ag.UserID, Month: key, Rate: ag.Rate, Currency: ag.Currency}
		err = tx.QueryRow(ctx, `SELECT count(*), COALESCE(SUM(energy_wh), 0) FROM cdrs WHERE cpid = ? AND user_id = ? AND credits_cdr_id = ''
			AND stopped_at >= ? AND stopped_at < ?`, ag.CPID, ag.UserID, toMS(start), toMS(end)).Scan(&st.Sessions, &st.EnergyWh)
		if err != nil {
			return fmt.Errorf("home sessions: %w", err)
		}
		if st.Amount, err = volt.ReimbursementAmount(st.EnergyWh, ag.Rate, volt.CurrencyExponent(ag.Currency)); err != nil {
			return err
		}
		_, err = tx.Exec(ctx, `INSERT INTO reimbursement_statements (id, owner_id, user_id, month, sessions, energy_wh, rate, currency, amount, created_at, cpid, cpo_id)
			VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`, st.ID, ag.OwnerID, ag.UserID, key, st.Sessions, st.EnergyWh, ag.Rate.String(),
			ag.Currency, st.Amount, tx.NowMS(), ag.CPID, ag.CPOID)
		if err != nil {
			return fmt.Errorf("statement: %w", err)
		}
		created = true
		if st.Amount == 0 {
			return nil
		}
		_, err = post(ctx, tx, &volt.Posting{IdempotencyKey: "reimburse:" + ag.OwnerID + ":" + ag.UserID + ":" + key, Kind: volt.PostReimbursement,
			Currency: ag.Currency, Ref: st.ID, Memo: fmt.Sprintf("%d Wh at %s on %s", st.EnergyWh, ag.Rate, ag.CPID),
			Entries: volt.ReimbursementEntries(ag.OwnerID, ag.UserID, st.Amount, ag.Currency)})
		return err
	})
	if err != nil {
		return false, fmt.Errorf("reimburse %s for %s: %w", ag.UserID, key, err)
	}
	return created, nil
}

const statementCols = `id, owner_id, user_id, month, sessions, energy_wh, rate, currency, amount, created_at, cpid`

func scanStatement(s rowScanner) (*volt.ReimbursementStatement, error) {
	st := &volt.ReimbursementStatement{VATRate: volt.DomesticVATRate}
	var rate string
	var created int64
	err := s.Scan(&st.ID, &st.OwnerID, &st.UserID, &st.Month, &st.Sessions, &st.EnergyWh, &rate, &st.Currency, &st.Amount, &created, &st.CPID)
	if err != nil {
		return nil, err
	}
	if st.Rate, err = volt.ParseDecimal(rate); err != nil {
		return nil, fmt.Errorf("statement %s rate: %w", st.ID, err)
	}
	st.CreatedAt, st.VAT = fromMS(created), volt.VATIncluded(st.Amount, volt.DomesticVATRate)
	return st, nil
}

// FindReimbursementStatements lists statements, newest month first: the
// driver's own, and those of owners in the actor's read scope.
func (s *ReimbursementService) FindReimbursementStatements(ctx context.Context, f volt.ReimbursementFilter) ([]*volt.ReimbursementStatement, int, error) {
	w, err := reimburseWhere(ctx, f)
	if err != nil {
		return nil, 0, err
	}
	w.eq("month", f.Month)
	return list(ctx, s.db, listQuery{cols: statementCols, from: "reimbursement_statements", where: w,
		order: "month DESC, id DESC", page: f.Page}, scanStatement)
}

// FindReimbursementStatementByID returns a statement to its driver or to
// an actor who may read its owner.
func (s *ReimbursementService) FindReimbursementStatementByID(ctx context.Context, id string) (*volt.ReimbursementStatement, error) {
	a, err := actorOf(ctx)
	if err != nil {
		return nil, err
	}
	var cpoID string
	row := s.db.QueryRow(ctx, `SELECT `+statementCols+`, cpo_id FROM reimbursement_statements WHERE id = ?`, id)
	st, err := scanStatement(scanPlus{row, &cpoID})
	if err != nil && !errors.Is(err, sql.ErrNoRows) {
		return nil, fmt.Errorf("find statement %s: %w", id, err)
	}
	if err != nil || !(a.Can(volt.PermRead, volt.Ref{CPOID: cpoID, OwnerID: st.OwnerID}) || (a.UserID != "" && a.UserID == st.UserID)) {
		return nil, volt.Errorf(volt.ENOTFOUND, "Reimbursement statement %q not found.", id)
	}
	return st, nil
}

// scanPlus scans a row with extra trailing columns into extra.
type scanPlus struct {
	row   rowScanner
	extra any
}

func (s scanPlus) Scan(dest ...any) error { return s.row.Scan(append(dest, s.extra)...) }
