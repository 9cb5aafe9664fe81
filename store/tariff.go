package store

import (
	"context"
	"database/sql"
	"errors"
	"fmt"

	"github.com/volt-ev/volt"
)

// TariffService implements volt.TariffService on a DB. Tariffs belong to a
// CPO: CPO-level grants read them (PermRead) and admins write them
// (PermWrite); Staff read only. Assignments are also visible to the owner of
// their charger group.
type TariffService struct {
	db *DB
}

var _ volt.TariffService = (*TariffService)(nil)

// NewTariffService returns the tariff service of db.
func NewTariffService(db *DB) *TariffService { return &TariffService{db: db} }

var (
	tariffScope     = scopeCols{CPO: "cpo_id"}
	assignmentScope = scopeCols{CPO: "cpo_id", Owner: "owner_id", Group: "charger_group_id"}
)

const tariffCols = `doc, id, cpo_id, created_at, updated_at`

func scanTariff(s rowScanner) (*volt.Tariff, error) {
	var doc string
	t := &volt.Tariff{}
	var id, cpo string
	var created, updated int64
	if err := s.Scan(&doc, &id, &cpo, &created, &updated); err != nil {
		return nil, err
	}
	if err := decodeJSON(doc, t); err != nil {
		return nil, fmt.Errorf("tariff %s: %w", id, err)
	}
	t.ID, t.CPOID, t.CreatedAt, t.UpdatedAt = id, cpo, fromMS(created), fromMS(updated)
	if t.Bands == nil {
		t.Bands = []volt.TariffBand{}
	}
	return t, nil
}

// FindTariffByID returns a tariff the actor can read.
func (s *TariffService) FindTariffByID(ctx context.Context, id string) (*volt.Tariff, error) {
	a, err := actorOf(ctx)
	if err != nil {
		return nil, err
	}
	return findOne(ctx, s.db, a, "Tariff", tariffCols, "tariffs", "id", id, tariffScope, scanTariff)
}

// FindTariffs lists the tariffs the actor can read.
func (s *TariffService) FindTariffs(ctx context.Context, f volt.TariffFilter) ([]*volt.Tariff, int, error) {
	a, err := actorOf(ctx)
	if err != nil {
		return nil, 0, err
	}
	w := &where{}
	if err := w.scope(a, volt.PermRead, tariffScope); err != nil {
		return nil, 0, err
	}
	w.eq("id", f.ID)
	w.eq("cpo_id", f.CPOID)
	w.eq("currency", f.Currency)
	return list(ctx, s.db, listQuery{cols: tariffCols, from: "tariffs", where: w, order: "name, id", page: f.Page}, scanTariff)
}

// cpoForWrite reads the CPO the actor writes a tariff for: ENOTFOUND when
// the actor cannot see it, EFORBIDDEN when they may only read it.
func cpoForWrite(ctx context.Context, tx *Tx, a *volt.Actor, cpoID string) (*volt.CPO, error) {
	if cpoID == "" {
		return nil, volt.FieldError("cpoId", "Tariff requires a CPO.")
	}
	c, err := scanCPO(tx.QueryRow(ctx, `SELECT `+cpoCols+` FROM cpos WHERE id = ?`, cpoID))
	if err != nil || !a.Can(volt.PermRead, volt.Ref{CPOID: cpoID}) {
		if err != nil && !errors.Is(err, sql.ErrNoRows) {
			return nil, fmt.Errorf("find cpo %s: %w", cpoID, err)
		}
		return nil, volt.Errorf(volt.ENOTFOUND, "CPO %q not found.", cpoID)
	}
	if !a.Can(volt.PermWrite, volt.Ref{CPOID: cpoID}) {
		return nil, forbidden("CPO's tariffs")
	}
	return c, nil
}

// CreateTariff validates the tariff (in the CPO's currency) and stores it.
func (s *TariffService) CreateTariff(ctx context.Context, t *volt.Tariff) error {
	a, err := actorOf(ctx)
	if err != nil {
		return err
	}
	if err := t.Validate(); err != nil {
		return err
	}
	return s.db.WithTx(ctx, func(tx *Tx) error {
		c, err := cpoForWrite(ctx, tx, a, t.CPOID)
		if err != nil {
			return err
		}
		if err := t.ValidateForCPO(c); err != nil {
			return err
		}
		t.ID = volt.NewID(volt.PrefixTariff)
		t.CreatedAt, t.UpdatedAt = tx.Now(), tx.Now()
		doc, err := encodeJSON(t)
		if err != nil {
			return err
		}
		_, err = tx.Exec(ctx, `INSERT INTO tariffs (id, cpo_id, name, currency, doc, created_at, updated_at)
			VALUES (?, ?, ?, ?, ?, ?, ?)`, t.ID, t.CPOID, t.Name, t.Currency, doc, tx.NowMS(), tx.NowMS())
		if err != nil {
			return fmt.Errorf("create tariff: %w", err)
		}
		return nil
	})
}

// UpdateTariff replaces a tariff's fields; its CPO never changes. Sessions in
// progress keep their snapshot.
func (s *TariffService) UpdateTariff(ctx context.Context, t *volt.Tariff) error {
	a, err := actorOf(ctx)
	if err != nil {
		return err
	}
	if err := t.Validate(); err != nil {
		return err
	}
	return s.db.WithTx(ctx, func(tx *Tx) error {
		old, err := findOne(ctx, tx, a, "Tariff", tariffCols, "tariffs", "id", t.ID, tariffScope, scanTariff)
		if err != nil {
			return err
		}
		t.CPOID, t.CreatedAt, t.UpdatedAt = old.CPOID, old.CreatedAt, tx.Now()
		c, err := cpoForWrite(ctx, tx, a, t.CPOID)
		if err != nil {
			return err
		}
		if err := t.ValidateForCPO(c); err != nil {
			return err
		}
		doc, err := encodeJSON(t)
		if err != nil {
			return err
		}
		res, err := tx.Exec(ctx, `UPDATE tariffs SET name = ?, currency = ?, doc = ?, updated_at = ? WHERE id = ?`,
			t.Name, t.Currency, doc, tx.NowMS(), t.ID)
		if err != nil {
			return fmt.Errorf("update tariff %s: %w", t.ID, err)
		}
		return rowsAffected(res, "Tariff", t.ID)
	})
}

// DeleteTariff deletes a tariff that no charger group uses (ECONFLICT
// otherwise: delete its assignments first).
func (s *TariffService) DeleteTariff(ctx context.Context, id string) error {
	a, err := actorOf(ctx)
	if err != nil {
		return err
	}
	return s.db.WithTx(ctx, func(tx *Tx) error {
		t, err := findOne(ctx, tx, a, "Tariff", tariffCols, "tariffs", "id", id, tariffScope, scanTariff)
		if err != nil {
			return err
		}
		if !a.Can(volt.PermWrite, volt.Ref{CPOID: t.CPOID}) {
			return forbidden("tariff")
		}
		var n int
		if err := tx.QueryRow(ctx, `SELECT count(*) FROM tariff_assignments WHERE tariff_id = ?`, id).Scan(&n); err != nil {
			return fmt.Errorf("count assignments of tariff %s: %w", id, err)
		}
		if n > 0 {
			return volt.Errorf(volt.ECONFLICT, "Tariff %q is assigned to %d charger group(s); remove the assignments first.", t.Name, n)
		}
		res, err := tx.Exec(ctx, `DELETE FROM tariffs WHERE id = ?`, id)
		if err != nil {
			return fmt.Errorf("delete tariff %s: %w", id, err)
		}
		return rowsAffected(res, "Tariff", id)
	})
}
