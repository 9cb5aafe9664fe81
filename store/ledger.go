package store

import (
	"context"
	"fmt"

	"github.com/volt-ev/volt"
)

// Ledger is the double-entry ledger on a DB (see volt.Posting). Postings are
// written only inside the money services' transactions; the ledger itself
// offers reads and the audit of its invariants. It is a system component:
// callers authorise before reading balances.
type Ledger struct {
	db *DB
}

// NewLedger returns the ledger of db.
func NewLedger(db *DB) *Ledger { return &Ledger{db: db} }

// post records p in tx unless a posting with its idempotency key exists. It
// reports whether it recorded it. The posting is validated (balanced, one
// currency) first: an unbalanced posting is never written.
func post(ctx context.Context, tx *Tx, p *volt.Posting) (bool, error) {
	if err := p.Validate(); err != nil {
		return false, fmt.Errorf("posting %s: %w", p.Kind, err)
	}
	if p.ID == "" {
		p.ID = volt.NewID("pst")
	}
	p.CreatedAt = tx.Now()
	res, err := tx.Exec(ctx, `INSERT INTO ledger_postings (id, idempotency_key, kind, currency, ref, memo, created_at)
		VALUES (?, ?, ?, ?, ?, ?, ?) ON CONFLICT (idempotency_key) DO NOTHING`,
		p.ID, p.IdempotencyKey, string(p.Kind), p.Currency, p.Ref, p.Memo, tx.NowMS())
	if err != nil {
		return false, fmt.Errorf("insert posting %s: %w", p.IdempotencyKey, err)
	}
	if n, err := res.RowsAffected(); err != nil {
		return false, fmt.Errorf("insert posting %s: %w", p.IdempotencyKey, err)
	} else if n == 0 {
		return false, nil
	}
	for i, e := range p.Entries {
		_, err := tx.Exec(ctx, `INSERT INTO ledger_entries (posting_id, seq, account, amount, currency, created_at)
			VALUES (?, ?, ?, ?, ?, ?)`, p.ID, i, e.Account, e.Amount, e.Currency, tx.NowMS())
		if err != nil {
			return false, fmt.Errorf("insert entry %d of posting %s: %w", i, p.IdempotencyKey, err)
		}
	}
	return true, nil
}

// Post records a posting in its own transaction (for jobs and tools); it
// reports false when the idempotency key was posted before.
func (l *Ledger) Post(ctx context.Context, p *volt.Posting) (bool, error) {
	var posted bool
	err := l.db.WithTx(ctx, func(tx *Tx) error {
		var err error
		posted, err = post(ctx, tx, p)
		return err
	})
	return posted, err
}

// accountSum returns the sum of an account's entries in a currency.
func accountSum(ctx context.Context, q querier, account, currency string) (int64, error) {
	var sum int64
	err := q.QueryRow(ctx, `SELECT COALESCE(SUM(amount), 0) FROM ledger_entries WHERE account = ? AND currency = ?`,
		account, currency).Scan(&sum)
	if err != nil {
		return 0, fmt.Errorf("balance of %s: %w", account, err)
	}
	return sum, nil
}

// Balance returns the sum of an account's entries in a currency (debits
// positive).
func (l *Ledger) Balance(ctx context.Context, account, currency string) (int64, error) {
	return accountSum(ctx, l.db, account, currency)
}

// Unbalanced returns the ids of postings whose entries do not sum to zero,
// and the sum over the whole ledger per currency: an audit that must find
// none and zero.
func (l *Ledger) Unbalanced(ctx context.Context) ([]string, map[string]int64, error) {
	rows, err := l.db.Query(ctx, `SELECT posting_id FROM ledger_entries GROUP BY posting_id, currency HAVING SUM(amount) <> 0`)
	if err != nil {
		return nil, nil, fmt.Errorf("audit ledger: %w", err)
	}
	var bad []string
	for rows.Next() {
		var id string
		if err := rows.Scan(&id); err != nil {
			rows.Close()
			return nil, nil, mapError(err)
		}
		bad = append(bad, id)
	}
	rows.Close()
	totals := map[string]int64{}
	rows, err = l.db.Query(ctx, `SELECT currency, SUM(amount) FROM ledger_entries GROUP BY currency`)
	if err != nil {
		return nil, nil, fmt.Errorf("audit ledger: %w", err)
	}
	defer rows.Close()
	for rows.Next() {
		var c string
		var s int64
		if err := rows.Scan(&c, &s); err != nil {
			return nil, nil, mapError(err)
		}
		totals[c] = s
	}
	return bad, totals, mapError(rows.Err())
}

// PostingsFor returns the postings about ref (a payment, session or CDR), in
// order, with their entries.
func (l *Ledger) PostingsFor(ctx context.Context, ref string) ([]*volt.Posting, error) {
	rows, err := l.db.Query(ctx, `SELECT p.id, p.idempotency_key, p.kind, p.currency, p.memo, p.created_at, e.account, e.amount
		FROM ledger_postings p JOIN ledger_entries e ON e.posting_id = p.id WHERE p.ref = ? ORDER BY p.created_at, p.id, e.seq`, ref)
	if err != nil {
		return nil, fmt.Errorf("postings of %s: %w", ref, err)
	}
	defer rows.Close()
	var out []*volt.Posting
	for rows.Next() {
		var p volt.Posting
		var kind string
		var at int64
		var e volt.Entry
		if err := rows.Scan(&p.ID, &p.IdempotencyKey, &kind, &p.Currency, &p.Memo, &at, &e.Account, &e.Amount); err != nil {
			return nil, mapError(err)
		}
		e.Currency = p.Currency
		if len(out) == 0 || out[len(out)-1].ID != p.ID {
			p.Kind, p.Ref, p.CreatedAt = volt.PostingKind(kind), ref, fromMS(at)
			out = append(out, &p)
		}
		last := out[len(out)-1]
		last.Entries = append(last.Entries, e)
	}
	return out, mapError(rows.Err())
}
