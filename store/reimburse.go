package store

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"time"

	"github.com/volt-ev/volt"
)

// ReimbursementService implements volt.ReimbursementService on a DB: home
// reimbursement agreements of owners (companies) with their drivers, and
// the monthly statements that credit the drivers' wallets through the
// ledger (one posting per driver and month, keyed like ReimburseHome's).
type ReimbursementService struct {
	db *DB
}

var _ volt.ReimbursementService = (*ReimbursementService)(nil)

// NewReimbursementService returns the reimbursement service.
func NewReimbursementService(db *DB) *ReimbursementService { return &ReimbursementService{db: db} }

const agreementCols = `id, owner_id, cpo_id, user_id, cpid, rate, currency, created_at`

func scanAgreement(s rowScanner) (*volt.ReimbursementAgreement, error) {
	a := &volt.ReimbursementAgreement{}
	var rate string
	var created int64
	if err := s.Scan(&a.ID, &a.OwnerID, &a.CPOID, &a.UserID, &a.CPID, &rate, &a.Currency, &created); err != nil {
		return nil, err
	}
	r, err := volt.ParseDecimal(rate)
	if err != nil {
		return nil, fmt.Errorf("agreement %s rate: %w", a.ID, err)
	}
	a.Rate, a.CreatedAt = r, fromMS(created)
	return a, nil
}

// CreateReimbursementAgreement records an owner's agreement with a driver:
// owner admins (and above) only; the home charger must be one of the
// owner's (the company installed it); the driver a user of the owner's CPO
// (another tenant's user is ENOTFOUND, as an unknown id; super admins name
// any user); one agreement per
// owner and driver.
func (s *ReimbursementService) CreateReimbursementAgreement(ctx context.Context, ag *volt.ReimbursementAgreement) error {
	a, err := actorOf(ctx)
	if err != nil {
		return err
	}
	if err := ag.Validate(); err != nil {
		return err
	}
	return s.db.WithTx(ctx, func(tx *Tx) error {
		err := tx.QueryRow(ctx, `SELECT o.cpo_id, c.currency FROM owners o JOIN cpos c ON c.id = o.cpo_id WHERE o.id = ?`, ag.OwnerID).
			Scan(&ag.CPOID, &ag.Currency)
		ref := volt.Ref{CPOID: ag.CPOID, OwnerID: ag.OwnerID}
		if err != nil || !a.Can(volt.PermRead, ref) {
			return notFound(errors.Join(err, sql.ErrNoRows), "Owner", ag.OwnerID)
		}
		if !a.Can(volt.PermWrite, ref) {
			return forbidden("owner's reimbursements")
		}
		var n int
		if err := tx.QueryRow(ctx, `SELECT count(*) FROM chargers WHERE cpid = ? AND owner_id = ? AND deleted_at IS NULL`, ag.CPID, ag.OwnerID).Scan(&n); err != nil {
			return fmt.Errorf("home charger: %w", err)
		}
		if n == 0 {
			return volt.FieldError("homeChargerCpid", "Charger %s is not one of this owner's chargers.", ag.CPID)
		}
		var guest bool
		// The driver must be one of the owner's CPO's own users (signed up
		// with it; any user for a super admin): another tenant's user is not
		// found, exactly like an id that does not exist, so the answer tells
		// nothing about it.
		if err := tx.QueryRow(ctx, `SELECT guest FROM users WHERE id = ? AND NOT disabled AND (cpo_id = ? OR ?)`,
			ag.UserID, ag.CPOID, a.SuperAdmin).Scan(&guest); err != nil || guest {
			return notFound(errors.Join(err, sql.ErrNoRows), "User", ag.UserID)
		}
		ag.ID, ag.CreatedAt = volt.NewID("rag"), tx.Now()
		_, err = tx.Exec(ctx, `INSERT INTO reimbursement_agreements (`+agreementCols+`) VALUES (?, ?, ?, ?, ?, ?, ?, ?)`,
			ag.ID, ag.OwnerID, ag.CPOID, ag.UserID, ag.CPID, ag.Rate.String(), ag.Currency, tx.NowMS())
		if volt.IsCode(err, volt.ECONFLICT) {
			return volt.Errorf(volt.ECONFLICT, "This owner already reimburses this driver: delete that agreement first.")
		}
		return err
	})
}

// FindReimbursementAgreements lists the agreements of owners in the
// actor's read scope, and the actor's own as a driver.
func (s *ReimbursementService) FindReimbursementAgreements(ctx context.Context, f volt.ReimbursementFilter) ([]*volt.ReimbursementAgreement, int, error) {
	w, err := reimburseWhere(ctx, f)
	if err != nil {
		return nil, 0, err
	}
	return list(ctx, s.db, listQuery{cols: agreementCols, from: "reimbursement_agreements", where: w,
		order: "created_at DESC, id DESC", page: f.Page}, scanAgreement)
}

func reimburseWhere(ctx context.Context, f volt.ReimbursementFilter) (*where, error) {
	a, err := actorOf(ctx)
	if err != nil {
		return nil, err
	}
	frag, args, err := scopeWhere(a, volt.PermRead, scopeCols{CPO: "cpo_id", Owner: "owner_id"})
	if err != nil {
		return nil, err
	}
	w := &where{}
	w.add("("+frag+" OR (user_id <> '' AND user_id = ?))", append(args, a.UserID)...)
	w.eq("owner_id", f.OwnerID)
	w.eq("user_id", f.UserID)
	return w, nil
}

// DeleteReimbursementAgreement ends an agreement; its statements stay.
func (s *ReimbursementService) DeleteReimbursementAgreement(ctx context.Context, id string) error {
	a, err := actorOf(ctx)
	if err != nil {
		return err
	}
	return s.db.WithTx(ctx, func(tx *Tx) error {
		ag, err := scanAgreement(tx.QueryRow(ctx, `SELECT `+agreementCols+` FROM reimbursement_agreements WHERE id = ?`, id))
		if err != nil || !a.Can(volt.PermRead, volt.Ref{CPOID: ag.CPOID, OwnerID: ag.OwnerID}) {
			return notFound(errors.Join(err, sql.ErrNoRows), "Reimbursement agreement", id)
		}
		if !a.Can(volt.PermWrite, volt.Ref{CPOID: ag.CPOID, OwnerID: ag.OwnerID}) {
			return forbidden("owner's reimbursements")
		}
		_, err = tx.Exec(ctx, `DELETE FROM reimbursement_agreements WHERE id = ?`, id)
		return err
	})
}

// RunReimbursements is the monthly job (the platform only): for every
// agreement, the statement of month, credited once. It returns how many
// statements are new; a failing agreement does not stop the others.
func (s *ReimbursementService) RunReimbursements(ctx context.Context, month time.Time) (int, error) {
	a, err := actorOf(ctx)
	if err != nil {
		return 0, err
	}
	if !a.SuperAdmin {
		return 0, volt.Errorf(volt.EFORBIDDEN, "Only the platform runs the reimbursement job.")
	}
	ags, err := s.allAgreements(ctx)
	if err != nil {
		return 0, err
	}
	n := 0
	var errs []error
	for _, ag := range ags {
		created, err := s.reimburse(ctx, ag, month)
		if err != nil {
			errs = append(errs, fmt.Errorf("agreement %s: %w", ag.ID, err))
		} else if created {
			n++
		}
	}
	return n, errors.Join(errs...)
}

func (s *ReimbursementService) allAgreements(ctx context.Context) ([]*volt.ReimbursementAgreement, error) {
	rows, err := s.db.Query(ctx, `SELECT `+agreementCols+` FROM reimbursement_agreements ORDER BY id`)
	if err != nil {
		return nil, fmt.Errorf("agreements: %w", err)
	}
	defer rows.Close()
	var out []*volt.ReimbursementAgreement
	for rows.Next() {
		ag, err := scanAgreement(rows)
		if err != nil {
			return nil, err
		}
		out = append(out, ag)
	}
	return out, rows.Err()
}
