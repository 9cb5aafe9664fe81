package store

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"strings"

	"github.com/volt-ev/volt"
)

// rowScanner is a *sql.Rows or a *Row.
type rowScanner interface{ Scan(dest ...any) error }

// where collects AND-ed conditions with their ? arguments.
type where struct {
	parts []string
	args  []any
}

// add appends a condition and its arguments.
func (w *where) add(cond string, args ...any) {
	w.parts = append(w.parts, cond)
	w.args = append(w.args, args...)
}

// eq adds "col = v" when v is set.
func (w *where) eq(col, v string) {
	if v != "" {
		w.add(col+" = ?", v)
	}
}

// contains adds a case-insensitive substring match on one of cols.
func (w *where) contains(q string, cols ...string) {
	q = strings.TrimSpace(q)
	if q == "" {
		return
	}
	pat := "%" + strings.TrimSuffix(likePrefix(q), "%") + "%"
	var ors []string
	for _, c := range cols {
		ors = append(ors, "lower("+c+`) LIKE ? ESCAPE '\'`)
		w.args = append(w.args, pat)
	}
	w.parts = append(w.parts, "("+strings.Join(ors, " OR ")+")")
}

// scope adds the actor's scope fragment for permission p.
func (w *where) scope(a *volt.Actor, p volt.Perm, cols scopeCols) error {
	frag, args, err := scopeWhere(a, p, cols)
	if err != nil {
		return err
	}
	w.add(frag, args...)
	return nil
}

// String returns the conditions joined by AND ("1=1" when there are none).
func (w *where) String() string {
	if len(w.parts) == 0 {
		return "1=1"
	}
	return strings.Join(w.parts, " AND ")
}

// listQuery is one paged list: SELECT cols FROM from WHERE w ORDER BY order.
type listQuery struct {
	cols  string
	from  string
	where *where
	order string
	page  volt.Page
}

// list runs q in one read transaction and returns the page of items and the
// total count before paging.
func list[T any](ctx context.Context, db *DB, q listQuery, scan func(rowScanner) (T, error)) ([]T, int, error) {
	tx, err := db.BeginReadTx(ctx)
	if err != nil {
		return nil, 0, err
	}
	defer tx.Rollback()
	var total int
	if err := tx.QueryRow(ctx, `SELECT count(*) FROM `+q.from+` WHERE `+q.where.String(), q.where.args...).Scan(&total); err != nil {
		return nil, 0, fmt.Errorf("count: %w", err)
	}
	page := q.page.Normalize()
	items := []T{}
	if total == 0 || page.Offset >= total {
		return items, total, nil
	}
	args := append(append([]any{}, q.where.args...), page.Limit, page.Offset)
	rows, err := tx.Query(ctx, `SELECT `+q.cols+` FROM `+q.from+` WHERE `+q.where.String()+
		` ORDER BY `+q.order+` LIMIT ? OFFSET ?`, args...)
	if err != nil {
		return nil, 0, fmt.Errorf("list: %w", err)
	}
	defer rows.Close()
	for rows.Next() {
		it, err := scan(rows)
		if err != nil {
			return nil, 0, err
		}
		items = append(items, it)
	}
	if err := rows.Err(); err != nil {
		return nil, 0, fmt.Errorf("list: %w", mapError(err))
	}
	return items, total, nil
}

// notFound returns ENOTFOUND for err == sql.ErrNoRows and wraps others.
func notFound(err error, what, id string) error {
	if errors.Is(err, sql.ErrNoRows) {
		return volt.Errorf(volt.ENOTFOUND, "%s %q not found.", what, id)
	}
	return fmt.Errorf("find %s %q: %w", strings.ToLower(what), id, err)
}

// querier is a *DB or a *Tx.
type querier interface {
	QueryRow(ctx context.Context, query string, args ...any) *Row
	Query(ctx context.Context, query string, args ...any) (*sql.Rows, error)
}

// findOne reads one row of table by id within the actor's read scope;
// outside the scope it is ENOTFOUND like a missing row.
func findOne[T any](ctx context.Context, q querier, a *volt.Actor, what, cols, from, idCol, id string, sc scopeCols, scan func(rowScanner) (T, error)) (T, error) {
	var zero T
	w := &where{}
	w.add(idCol+" = ?", id)
	if err := w.scope(a, volt.PermRead, sc); err != nil {
		return zero, err
	}
	it, err := scan(q.QueryRow(ctx, `SELECT `+cols+` FROM `+from+` WHERE `+w.String(), w.args...))
	if err != nil {
		return zero, notFound(err, what, id)
	}
	return it, nil
}

// forbidden is the error of a readable resource the actor may not change.
func forbidden(what string) error {
	return volt.Errorf(volt.EFORBIDDEN, "You may not change this %s.", what)
}

// rowsAffected returns ENOTFOUND when an update or delete touched no row.
func rowsAffected(res sql.Result, what, id string) error {
	n, err := res.RowsAffected()
	if err != nil {
		return fmt.Errorf("%s %q: rows affected: %w", what, id, err)
	}
	if n == 0 {
		return volt.Errorf(volt.ENOTFOUND, "%s %q not found.", what, id)
	}
	return nil
}
