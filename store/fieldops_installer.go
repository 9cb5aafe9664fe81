package store

import (
	"context"
	"fmt"
	"slices"
	"time"

	"github.com/volt-ev/volt"
)

// InstallJobService implements volt.InstallJobService: installers, their
// engineers and install jobs (issue 16 item 3).
type InstallJobService struct{ db *DB }

var _ volt.InstallJobService = (*InstallJobService)(nil)

// NewInstallJobService returns the service over db.
func NewInstallJobService(db *DB) *InstallJobService { return &InstallJobService{db: db} }

const installerCols = `id, cpo_id, name, ozev_number, details, created_at, updated_at`

type installerDetails struct {
	Address volt.Address `json:"address"`
	Regions []string     `json:"regions"`
	Email   string       `json:"email"`
	Phone   string       `json:"phone"`
}

func scanInstaller(r rowScanner) (*volt.Installer, error) {
	i := &volt.Installer{}
	var details string
	var created, updated int64
	if err := r.Scan(&i.ID, &i.CPOID, &i.Name, &i.OZEVNumber, &details, &created, &updated); err != nil {
		return nil, err
	}
	var d installerDetails
	if err := decodeJSON(details, &d); err != nil {
		return nil, fmt.Errorf("installer %s: %w", i.ID, err)
	}
	i.Address, i.Regions, i.Email, i.Phone = d.Address, d.Regions, d.Email, d.Phone
	if i.Regions == nil {
		i.Regions = []string{}
	}
	i.CreatedAt, i.UpdatedAt = fromMS(created), fromMS(updated)
	return i, nil
}

func installerDetailsJSON(i *volt.Installer) (string, error) {
	return encodeJSON(installerDetails{Address: i.Address, Regions: i.Regions, Email: i.Email, Phone: i.Phone})
}

func insertInstaller(ctx context.Context, tx *Tx, i *volt.Installer) error {
	if err := i.Validate(); err != nil {
		return err
	}
	details, err := installerDetailsJSON(i)
	if err != nil {
		return err
	}
	i.ID = volt.NewID("ins")
	i.CreatedAt, i.UpdatedAt = tx.Now(), tx.Now()
	if i.EngineerIDs == nil {
		i.EngineerIDs = []string{}
	}
	if _, err := tx.Exec(ctx, `INSERT INTO installers (`+installerCols+`) VALUES (?, ?, ?, ?, ?, ?, ?)`,
		i.ID, i.CPOID, i.Name, i.OZEVNumber, details, tx.NowMS(), tx.NowMS()); err != nil {
		return fmt.Errorf("create installer: %w", err)
	}
	return nil
}

// installerWhere is the actor's read scope on installers: its CPOs', and
// the installers it is an engineer of.
func installerWhere(a *volt.Actor) (*where, error) {
	frag, args, err := scopeWhere(a, volt.PermRead, scopeCols{CPO: "cpo_id"})
	if err != nil {
		return nil, err
	}
	w := &where{}
	w.add("("+frag+" OR id IN (SELECT installer_id FROM installer_engineers WHERE user_id = ?))", append(args, a.UserID)...)
	return w, nil
}

func (s *InstallJobService) findInstaller(ctx context.Context, q querier, a *volt.Actor, id string) (*volt.Installer, error) {
	w, err := installerWhere(a)
	if err != nil {
		return nil, err
	}
	w.add("id = ?", id)
	i, err := scanInstaller(q.QueryRow(ctx, `SELECT `+installerCols+` FROM installers WHERE `+w.String(), w.args...))
	if err != nil {
		return nil, notFound(err, "Installer", id)
	}
	if i.EngineerIDs, err = idList(ctx, q, `SELECT user_id FROM installer_engineers WHERE installer_id = ? ORDER BY user_id`, id); err != nil {
		return nil, err
	}
	return i, nil
}

func idList(ctx context.Context, q querier, query string, args ...any) ([]string, error) {
	rows, err := q.Query(ctx, query, args...)
	if err != nil {
		return nil, fmt.Errorf("ids: %w", err)
	}
	defer rows.Close()
	ids := []string{}
	for rows.Next() {
		var id string
		if err := rows.Scan(&id); err != nil {
			return nil, fmt.Errorf("ids: %w", mapError(err))
		}
		ids = append(ids, id)
	}
	return ids, mapError(rows.Err())
}

// FindInstallers lists the installers the actor reads.
func (s *InstallJobService) FindInstallers(ctx context.Context, f volt.Filter) ([]*volt.Installer, int, error) {
	a, err := actorOf(ctx)
	if err != nil {
		return nil, 0, err
	}
	w, err := installerWhere(a)
	if err != nil {
		return nil, 0, err
	}
	w.eq("cpo_id", f.CPOID)
	w.contains(f.Query, "name")
	items, total, err := list(ctx, s.db, listQuery{cols: installerCols, from: "installers", where: w, order: "name, id", page: f.Page}, scanInstaller)
	if err != nil {
		return nil, 0, err
	}
	for _, i := range items {
		if i.EngineerIDs, err = idList(ctx, s.db, `SELECT user_id FROM installer_engineers WHERE installer_id = ? ORDER BY user_id`, i.ID); err != nil {
			return nil, 0, err
		}
	}
	return items, total, nil
}

// FindInstallerByID returns one installer the actor reads.
func (s *InstallJobService) FindInstallerByID(ctx context.Context, id string) (*volt.Installer, error) {
	a, err := actorOf(ctx)
	if err != nil {
		return nil, err
	}
	return s.findInstaller(ctx, s.db, a, id)
}

// CreateInstaller adds an installer to a CPO the actor administers.
func (s *InstallJobService) CreateInstaller(ctx context.Context, i *volt.Installer) error {
	a, err := actorOf(ctx)
	if err != nil {
		return err
	}
	if err := i.Validate(); err != nil {
		return err
	}
	return s.db.WithTx(ctx, func(tx *Tx) error {
		if _, err := findOne(ctx, tx, a, "CPO", cpoCols, "cpos", "id", i.CPOID, cpoScope, scanCPO); err != nil {
			return err
		}
		if !a.Can(volt.PermWrite, volt.Ref{CPOID: i.CPOID}) {
			return volt.Errorf(volt.EFORBIDDEN, "Only the CPO's admins add installers.")
		}
		return insertInstaller(ctx, tx, i)
	})
}

func (s *InstallJobService) writableInstaller(ctx context.Context, tx *Tx, a *volt.Actor, id string) (*volt.Installer, error) {
	i, err := s.findInstaller(ctx, tx, a, id)
	if err != nil {
		return nil, err
	}
	if !a.Can(volt.PermWrite, volt.Ref{CPOID: i.CPOID}) {
		return nil, forbidden("installer")
	}
	return i, nil
}

// UpdateInstaller changes an installer's own fields.
func (s *InstallJobService) UpdateInstaller(ctx context.Context, in *volt.Installer) error {
	a, err := actorOf(ctx)
	if err != nil {
		return err
	}
	return s.db.WithTx(ctx, func(tx *Tx) error {
		cur, err := s.writableInstaller(ctx, tx, a, in.ID)
		if err != nil {
			return err
		}
		in.CPOID, in.CreatedAt, in.EngineerIDs = cur.CPOID, cur.CreatedAt, cur.EngineerIDs
		if err := in.Validate(); err != nil {
			return err
		}
		details, err := installerDetailsJSON(in)
		if err != nil {
			return err
		}
		in.UpdatedAt = tx.Now()
		_, err = tx.Exec(ctx, `UPDATE installers SET name = ?, ozev_number = ?, details = ?, updated_at = ? WHERE id = ?`,
			in.Name, in.OZEVNumber, details, tx.NowMS(), in.ID)
		return err
	})
}

// DeleteInstaller removes an installer without jobs.
func (s *InstallJobService) DeleteInstaller(ctx context.Context, id string) error {
	a, err := actorOf(ctx)
	if err != nil {
		return err
	}
	return s.db.WithTx(ctx, func(tx *Tx) error {
		if _, err := s.writableInstaller(ctx, tx, a, id); err != nil {
			return err
		}
		var n int
		if err := tx.QueryRow(ctx, `SELECT count(*) FROM install_jobs WHERE installer_id = ?`, id).Scan(&n); err != nil {
			return fmt.Errorf("jobs of installer %s: %w", id, err)
		}
		if n > 0 {
			return volt.Errorf(volt.ECONFLICT, "The installer has %d install jobs: it cannot be deleted.", n)
		}
		_, err := tx.Exec(ctx, `DELETE FROM installers WHERE id = ?`, id)
		return err
	})
}

// AddEngineer makes a user of the installer's CPO one of its engineers.
func (s *InstallJobService) AddEngineer(ctx context.Context, installerID, userID string) error {
	a, err := actorOf(ctx)
	if err != nil {
		return err
	}
	return s.db.WithTx(ctx, func(tx *Tx) error {
		i, err := s.writableInstaller(ctx, tx, a, installerID)
		if err != nil {
			return err
		}
		var cpo string
		if err := tx.QueryRow(ctx, `SELECT COALESCE(cpo_id, '') FROM users WHERE id = ?`, userID).Scan(&cpo); err != nil || cpo != i.CPOID {
			return &volt.Error{Code: volt.ENOTFOUND, Field: "userId", Message: fmt.Sprintf("User %q not found.", userID)}
		}
		if slices.Contains(i.EngineerIDs, userID) {
			return nil
		}
		_, err = tx.Exec(ctx, `INSERT INTO installer_engineers (installer_id, user_id) VALUES (?, ?)`, installerID, userID)
		return err
	})
}

// RemoveEngineer ends a user's engineering for the installer and its jobs.
func (s *InstallJobService) RemoveEngineer(ctx context.Context, installerID, userID string) error {
	a, err := actorOf(ctx)
	if err != nil {
		return err
	}
	return s.db.WithTx(ctx, func(tx *Tx) error {
		if _, err := s.writableInstaller(ctx, tx, a, installerID); err != nil {
			return err
		}
		if _, err := tx.Exec(ctx, `DELETE FROM install_job_engineers WHERE user_id = ? AND job_id IN (SELECT id FROM install_jobs WHERE installer_id = ?)`,
			userID, installerID); err != nil {
			return err
		}
		res, err := tx.Exec(ctx, `DELETE FROM installer_engineers WHERE installer_id = ? AND user_id = ?`, installerID, userID)
		if err != nil {
			return err
		}
		return rowsAffected(res, "Engineer", userID)
	})
}

// fieldGrants returns the user's engineer grants from installers (reach
// nothing but the user's jobs) and from install jobs in progress at now
// (reach the job's commissioned chargers).
func fieldGrants(ctx context.Context, q querier, userID string, now time.Time) ([]volt.Grant, error) {
	installers, err := idList(ctx, q, `SELECT installer_id FROM installer_engineers WHERE user_id = ? ORDER BY installer_id`, userID)
	if err != nil {
		return nil, err
	}
	if len(installers) == 0 {
		return nil, nil // a job's engineers are its installer's: no installer, no job
	}
	var grants []volt.Grant
	for _, id := range installers {
		grants = append(grants, volt.Grant{Role: volt.RoleEngineer, InstallerID: id})
	}
	jobs, err := idList(ctx, q, `SELECT j.id FROM install_jobs j JOIN install_job_engineers e ON e.job_id = j.id
		WHERE e.user_id = ? AND j.starts_at <= ? AND j.ends_at > ? AND j.status <> ? ORDER BY j.id`,
		userID, toMS(now), toMS(now), string(volt.JobSignedOff))
	if err != nil {
		return nil, err
	}
	for _, id := range jobs {
		cpids, err := idList(ctx, q, `SELECT cpid FROM install_job_chargers WHERE job_id = ? ORDER BY cpid`, id)
		if err != nil {
			return nil, err
		}
		grants = append(grants, volt.Grant{Role: volt.RoleEngineer, JobID: id, CPIDs: cpids})
	}
	return grants, nil
}
