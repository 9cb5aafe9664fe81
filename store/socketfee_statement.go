package store

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"time"

	"github.com/volt-ev/volt"
)

// SocketFeeService implements volt.SocketFeeService: statements in
// socket_fee_statements, their owner lines in socket_fee_charges (which the
// income report deducts), the money in the ledger.
type SocketFeeService struct {
	db *DB
}

var _ volt.SocketFeeService = (*SocketFeeService)(nil)

// NewSocketFeeService returns the socket fee service of db.
func NewSocketFeeService(db *DB) *SocketFeeService { return &SocketFeeService{db: db} }

// BillSocketFees bills (or bills again, replacing) a CPO's period.
func (s *SocketFeeService) BillSocketFees(ctx context.Context, cpoID, period string) (*volt.SocketFeeStatement, error) {
	a, err := actorOf(ctx)
	if err != nil {
		return nil, err
	}
	if !a.Can(volt.PermRead, volt.Ref{CPOID: cpoID}) {
		return nil, volt.Errorf(volt.ENOTFOUND, "CPO %q not found.", cpoID)
	}
	if !a.SuperAdmin {
		return nil, volt.Errorf(volt.EFORBIDDEN, "Only the platform bills socket fees.")
	}
	id, _, err := s.bill(ctx, cpoID, period, true)
	if err != nil {
		return nil, err
	}
	return s.FindSocketFeeStatementByID(ctx, id)
}

// RunSocketFees bills, for every CPO with a socket fee, the last whole
// period before at that has no statement yet.
func (s *SocketFeeService) RunSocketFees(ctx context.Context, at time.Time) (int, error) {
	a, err := actorOf(ctx)
	if err != nil {
		return 0, err
	}
	if !a.SuperAdmin {
		return 0, volt.Errorf(volt.EFORBIDDEN, "Only the platform bills socket fees.")
	}
	rows, err := s.db.Query(ctx, `SELECT cpo_id FROM cpo_money_settings WHERE fees <> '' ORDER BY cpo_id`)
	if err != nil {
		return 0, fmt.Errorf("socket fee job: %w", err)
	}
	cpos, err := scanStrings(rows)
	if err != nil {
		return 0, fmt.Errorf("socket fee job: %w", err)
	}
	n := 0
	for _, cpo := range cpos {
		set, err := moneySettings(ctx, s.db, cpo)
		if err != nil {
			return n, err
		}
		if set.Fees == nil {
			continue
		}
		_, billed, err := s.bill(ctx, cpo, volt.BillingPeriodBefore(set.Fees.Socket.Period, at), false)
		if err != nil {
			return n, err
		}
		if billed {
			n++
		}
	}
	return n, nil
}

func scanStrings(rows *sql.Rows) ([]string, error) {
	defer rows.Close()
	var out []string
	for rows.Next() {
		var v string
		if err := rows.Scan(&v); err != nil {
			return nil, mapError(err)
		}
		out = append(out, v)
	}
	return out, mapError(rows.Err())
}

// bill writes the statement of a CPO's period in one transaction. With
// replace false an existing statement is left alone (billed false).
func (s *SocketFeeService) bill(ctx context.Context, cpoID, period string, replace bool) (id string, billed bool, err error) {
	key, kind, start, end, err := volt.ParseBillingPeriod(period)
	if err != nil {
		return "", false, err
	}
	err = s.db.WithTx(ctx, func(tx *Tx) error {
		set, err := moneySettings(ctx, tx, cpoID)
		if err != nil {
			return err
		}
		if set.Fees == nil {
			return volt.FieldError("cpoId", "CPO %q has no socket fee set.", cpoID)
		}
		if set.Fees.Socket.Period == volt.FeeAnnual && kind == volt.FeeMonthly {
			key, start, end = start.Format("2006"), time.Date(start.Year(), 1, 1, 0, 0, 0, 0, time.UTC), time.Date(start.Year()+1, 1, 1, 0, 0, 0, 0, time.UTC)
		} else if set.Fees.Socket.Period == volt.FeeMonthly && kind == volt.FeeAnnual {
			return volt.FieldError("period", "CPO %q pays its socket fee monthly: bill a month YYYY-MM, not %q.", cpoID, period)
		}
		// Claim the statement row first: a concurrent run of the same
		// period waits here (a row lock on PostgreSQL, the one writer on
		// SQLite), then sees this run's revision.
		id = volt.NewID("sfs")
		_, err = tx.Exec(ctx, `INSERT INTO socket_fee_statements (id, cpo_id, period, fee_period, period_start, period_end, currency,
			sockets, income, flat_rate, percent_rate, amount, vat, revision, created_at)
			VALUES (?, ?, ?, ?, ?, ?, ?, 0, 0, '0', '0', 0, 0, 0, ?)
			ON CONFLICT (cpo_id, period) DO UPDATE SET revision = socket_fee_statements.revision`,
			id, cpoID, key, string(set.Fees.Socket.Period), toMS(start), toMS(end), set.Currency, tx.NowMS())
		if err != nil {
			return fmt.Errorf("claim statement: %w", err)
		}
		var rev int
		if err := tx.QueryRow(ctx, `SELECT id, revision FROM socket_fee_statements WHERE cpo_id = ? AND period = ?`, cpoID, key).Scan(&id, &rev); err != nil {
			return fmt.Errorf("claim statement: %w", err)
		}
		if rev > 0 && !replace {
			return nil
		}
		billed = true
		return billPeriod(ctx, tx, set, id, key, rev+1, start, end)
	})
	if err != nil {
		return "", false, fmt.Errorf("socket fees of %s for %s: %w", cpoID, period, err)
	}
	return id, billed, nil
}

// billPeriod computes the owners' lines, replaces them, posts each owner's
// difference to what was billed before and writes the statement.
func billPeriod(ctx context.Context, tx *Tx, set *volt.MoneySettings, id, key string, rev int, start, end time.Time) error {
	lines, err := socketFeeLines(ctx, tx, set, start, end)
	if err != nil {
		return err
	}
	before := map[string]int64{}
	rows, err := tx.Query(ctx, `SELECT owner_id, amount FROM socket_fee_charges WHERE cpo_id = ? AND period = ?`, set.CPOID, key)
	if err != nil {
		return fmt.Errorf("billed lines: %w", err)
	}
	for rows.Next() {
		var o string
		var amt int64
		if err := rows.Scan(&o, &amt); err != nil {
			rows.Close()
			return mapError(err)
		}
		before[o] = amt
	}
	rows.Close()
	if _, err := tx.Exec(ctx, `DELETE FROM socket_fee_charges WHERE cpo_id = ? AND period = ?`, set.CPOID, key); err != nil {
		return fmt.Errorf("replace lines: %w", err)
	}
	st := volt.SocketFeeStatement{Currency: set.Currency}
	now := map[string]int64{}
	for _, l := range lines {
		_, err := tx.Exec(ctx, `INSERT INTO socket_fee_charges (cpo_id, owner_id, period, period_start, sockets, currency, amount, created_at, income)
			VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)`, set.CPOID, l.OwnerID, key, toMS(start), l.Sockets, set.Currency, l.Amount, tx.NowMS(), l.Income)
		if err != nil {
			return fmt.Errorf("line of %s: %w", l.OwnerID, err)
		}
		now[l.OwnerID] = l.Amount
		st.Sockets += l.Sockets
		st.Income += l.Income
		st.Amount += l.Amount
	}
	for o := range before {
		if _, ok := now[o]; !ok {
			now[o] = 0
		}
	}
	for o, amt := range now {
		delta := amt - before[o]
		if delta == 0 {
			continue
		}
		_, err := post(ctx, tx, &volt.Posting{IdempotencyKey: fmt.Sprintf("socketfee:%s:%s:r%d", o, key, rev), Kind: volt.PostSocketFee,
			Currency: set.Currency, Ref: id, Memo: fmt.Sprintf("socket fees %s, statement revision %d", key, rev),
			Entries: volt.SocketFeeEntries(set.CPOID, delta, set.Currency)})
		if err != nil {
			return err
		}
	}
	_, vat := volt.VATOf(st.Amount, set.Fees.VATRate)
	_, err = tx.Exec(ctx, `UPDATE socket_fee_statements SET sockets = ?, income = ?, flat_rate = ?, percent_rate = ?, amount = ?, vat = ?,
		revision = ?, fee_period = ?, currency = ?, created_at = ? WHERE id = ?`,
		st.Sockets, st.Income, set.Fees.Socket.Rule.Flat.String(), set.Fees.Socket.Rule.Percent.String(), st.Amount, vat,
		rev, string(set.Fees.Socket.Period), set.Currency, tx.NowMS(), id)
	if err != nil {
		return fmt.Errorf("write statement: %w", err)
	}
	return nil
}

// socketFeeLines are the owners' sockets (connectors of live chargers now)
// and income (CDRs stopped in the period) with the fee on them.
func socketFeeLines(ctx context.Context, tx *Tx, set *volt.MoneySettings, start, end time.Time) ([]volt.SocketFeeLine, error) {
	rows, err := tx.Query(ctx, `SELECT o.id,
		(SELECT count(*) FROM connectors k JOIN chargers c ON c.cpid = k.cpid WHERE c.owner_id = o.id AND c.deleted_at IS NULL AND k.connector_id > 0),
		(SELECT COALESCE(SUM(incl_vat), 0) FROM income_lines i WHERE i.owner_id = o.id AND i.stopped_at >= ? AND i.stopped_at < ?)
		FROM owners o WHERE o.cpo_id = ? ORDER BY o.id`, toMS(start), toMS(end), set.CPOID)
	if err != nil {
		return nil, fmt.Errorf("socket fee lines: %w", err)
	}
	defer rows.Close()
	exp := volt.CurrencyExponent(set.Currency)
	var out []volt.SocketFeeLine
	for rows.Next() {
		var l volt.SocketFeeLine
		if err := rows.Scan(&l.OwnerID, &l.Sockets, &l.Income); err != nil {
			return nil, mapError(err)
		}
		l.Amount = set.Fees.Socket.Charge(l.Sockets, l.Income, exp)
		out = append(out, l)
	}
	return out, mapError(rows.Err())
}

const socketFeeCols = `id, cpo_id, period, fee_period, period_start, period_end, currency, sockets, income, flat_rate, percent_rate,
	amount, vat, revision, created_at`

func scanSocketFeeStatement(r rowScanner) (*volt.SocketFeeStatement, error) {
	st := &volt.SocketFeeStatement{}
	var from, to, created int64
	var flat, pct, kind string
	err := r.Scan(&st.ID, &st.CPOID, &st.Period, &kind, &from, &to, &st.Currency, &st.Sockets, &st.Income, &flat, &pct,
		&st.Amount, &st.VAT, &st.Revision, &created)
	if err != nil {
		return nil, err
	}
	st.FeePeriod, st.From, st.To, st.CreatedAt = volt.FeePeriod(kind), fromMS(from), fromMS(to), fromMS(created)
	if st.Flat, err = volt.ParseDecimal(flat); err != nil {
		return nil, fmt.Errorf("statement %s flat rate: %w", st.ID, err)
	}
	if st.Percent, err = volt.ParseDecimal(pct); err != nil {
		return nil, fmt.Errorf("statement %s percentage: %w", st.ID, err)
	}
	st.Lines = []volt.SocketFeeLine{}
	return st, nil
}

// FindSocketFeeStatements lists the billed statements of CPOs the actor
// reads, newest period first.
func (s *SocketFeeService) FindSocketFeeStatements(ctx context.Context, f volt.SocketFeeFilter) ([]*volt.SocketFeeStatement, int, error) {
	a, err := actorOf(ctx)
	if err != nil {
		return nil, 0, err
	}
	w := &where{}
	if err := w.scope(a, volt.PermRead, scopeCols{CPO: "cpo_id"}); err != nil {
		return nil, 0, err
	}
	w.add("revision > 0")
	w.eq("cpo_id", f.CPOID)
	w.eq("period", f.Period)
	return list(ctx, s.db, listQuery{cols: socketFeeCols, from: "socket_fee_statements", where: w,
		order: "period_start DESC, cpo_id", page: f.Page}, scanSocketFeeStatement)
}

// FindSocketFeeStatementByID returns a statement with its lines to an
// actor who reads its CPO.
func (s *SocketFeeService) FindSocketFeeStatementByID(ctx context.Context, id string) (*volt.SocketFeeStatement, error) {
	a, err := actorOf(ctx)
	if err != nil {
		return nil, err
	}
	st, err := scanSocketFeeStatement(s.db.QueryRow(ctx, `SELECT `+socketFeeCols+` FROM socket_fee_statements WHERE id = ? AND revision > 0`, id))
	if err != nil && !errors.Is(err, sql.ErrNoRows) {
		return nil, fmt.Errorf("find statement %s: %w", id, err)
	}
	if err != nil || !a.Can(volt.PermRead, volt.Ref{CPOID: st.CPOID}) {
		return nil, volt.Errorf(volt.ENOTFOUND, "Socket fee statement %q not found.", id)
	}
	rows, err := s.db.Query(ctx, `SELECT owner_id, sockets, income, amount FROM socket_fee_charges WHERE cpo_id = ? AND period = ? ORDER BY owner_id`,
		st.CPOID, st.Period)
	if err != nil {
		return nil, fmt.Errorf("statement %s lines: %w", id, err)
	}
	defer rows.Close()
	for rows.Next() {
		var l volt.SocketFeeLine
		if err := rows.Scan(&l.OwnerID, &l.Sockets, &l.Income, &l.Amount); err != nil {
			return nil, mapError(err)
		}
		st.Lines = append(st.Lines, l)
	}
	return st, mapError(rows.Err())
}
