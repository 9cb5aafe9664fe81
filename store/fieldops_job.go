package store

import (
	"context"
	"database/sql"
	"encoding/base64"
	"fmt"
	"slices"
	"strings"
	"time"

	"github.com/volt-ev/volt"
)

const jobCols = `id, cpo_id, owner_id, site_id, charger_group_id, installer_id, starts_at, ends_at, external_ref, status,
	chargers, checklist, created_at, updated_at`

var jobScope = scopeCols{CPO: "cpo_id", Owner: "owner_id", Group: "charger_group_id"}

func scanJob(r rowScanner) (*volt.InstallJob, error) {
	j := &volt.InstallJob{}
	var chargers, checklist string
	var starts, ends, created, updated int64
	if err := r.Scan(&j.ID, &j.CPOID, &j.OwnerID, &j.SiteID, &j.ChargerGroupID, &j.InstallerID, &starts, &ends, &j.ExternalRef,
		&j.Status, &chargers, &checklist, &created, &updated); err != nil {
		return nil, err
	}
	if err := decodeJSON(chargers, &j.Chargers); err != nil {
		return nil, fmt.Errorf("install job %s chargers: %w", j.ID, err)
	}
	if err := decodeJSON(checklist, &j.Checklist); err != nil {
		return nil, fmt.Errorf("install job %s checklist: %w", j.ID, err)
	}
	j.StartsAt, j.EndsAt, j.CreatedAt, j.UpdatedAt = fromMS(starts), fromMS(ends), fromMS(created), fromMS(updated)
	return j, nil
}

// jobWhere is the actor's read scope on jobs: its estate's, and the jobs it
// is an engineer on.
func jobWhere(a *volt.Actor) (*where, error) {
	frag, args, err := scopeWhere(a, volt.PermRead, jobScope)
	if err != nil {
		return nil, err
	}
	w := &where{}
	w.add("("+frag+" OR id IN (SELECT job_id FROM install_job_engineers WHERE user_id = ?))", append(args, a.UserID)...)
	return w, nil
}

// findJob reads one job in the actor's read scope, with engineers, notes,
// photos (without bytes) and commissioned chargers' first boots.
func (s *InstallJobService) findJob(ctx context.Context, q querier, a *volt.Actor, id string) (*volt.InstallJob, error) {
	w, err := jobWhere(a)
	if err != nil {
		return nil, err
	}
	w.add("id = ?", id)
	j, err := scanJob(q.QueryRow(ctx, `SELECT `+jobCols+` FROM install_jobs WHERE `+w.String(), w.args...))
	if err != nil {
		return nil, notFound(err, "Install job", id)
	}
	return j, s.fill(ctx, q, j)
}

func (s *InstallJobService) fill(ctx context.Context, q querier, j *volt.InstallJob) error {
	var err error
	if j.EngineerIDs, err = idList(ctx, q, `SELECT user_id FROM install_job_engineers WHERE job_id = ? ORDER BY user_id`, j.ID); err != nil {
		return err
	}
	j.Notes, j.Photos = []volt.JobNote{}, []volt.JobPhoto{}
	rows, err := q.Query(ctx, `SELECT id, author_id, body, at FROM install_job_notes WHERE job_id = ? ORDER BY at, id`, j.ID)
	if err != nil {
		return fmt.Errorf("notes of %s: %w", j.ID, err)
	}
	for rows.Next() {
		var n volt.JobNote
		var at int64
		if err := rows.Scan(&n.ID, &n.AuthorID, &n.Body, &at); err != nil {
			rows.Close()
			return mapError(err)
		}
		n.At = fromMS(at)
		j.Notes = append(j.Notes, n)
	}
	rows.Close()
	rows, err = q.Query(ctx, `SELECT id, content_type, size, caption, author_id, at FROM install_job_photos WHERE job_id = ? ORDER BY at, id`, j.ID)
	if err != nil {
		return fmt.Errorf("photos of %s: %w", j.ID, err)
	}
	for rows.Next() {
		var p volt.JobPhoto
		var at int64
		if err := rows.Scan(&p.ID, &p.ContentType, &p.Size, &p.Caption, &p.AuthorID, &at); err != nil {
			rows.Close()
			return mapError(err)
		}
		p.At = fromMS(at)
		j.Photos = append(j.Photos, p)
	}
	rows.Close()
	boots := map[string]*int64{}
	rows, err = q.Query(ctx, `SELECT cpid, first_boot_at FROM install_job_chargers WHERE job_id = ?`, j.ID)
	if err != nil {
		return fmt.Errorf("chargers of %s: %w", j.ID, err)
	}
	for rows.Next() {
		var cpid string
		var at sql.NullInt64
		if err := rows.Scan(&cpid, &at); err != nil {
			rows.Close()
			return mapError(err)
		}
		if at.Valid {
			boots[cpid] = &at.Int64
		}
	}
	rows.Close()
	for i := range j.Chargers {
		if ms := boots[j.Chargers[i].CPID]; ms != nil {
			t := fromMS(*ms)
			j.Chargers[i].FirstBootAt = &t
		}
	}
	return nil
}

// FindInstallJobs lists the jobs the actor reads, soonest first.
func (s *InstallJobService) FindInstallJobs(ctx context.Context, f volt.InstallJobFilter) ([]*volt.InstallJob, int, error) {
	a, err := actorOf(ctx)
	if err != nil {
		return nil, 0, err
	}
	w, err := jobWhere(a)
	if err != nil {
		return nil, 0, err
	}
	w.eq("cpo_id", f.CPOID)
	w.eq("installer_id", f.InstallerID)
	w.eq("status", string(f.Status))
	items, total, err := list(ctx, s.db, listQuery{cols: jobCols, from: "install_jobs", where: w, order: "starts_at, id", page: f.Page}, scanJob)
	if err != nil {
		return nil, 0, err
	}
	for _, j := range items {
		if err := s.fill(ctx, s.db, j); err != nil {
			return nil, 0, err
		}
	}
	return items, total, nil
}

// FindInstallJobByID returns one job the actor reads.
func (s *InstallJobService) FindInstallJobByID(ctx context.Context, id string) (*volt.InstallJob, error) {
	a, err := actorOf(ctx)
	if err != nil {
		return nil, err
	}
	return s.findJob(ctx, s.db, a, id)
}

// checkJobParties checks the installer (same CPO as the group) and that the
// engineers are the installer's.
func checkJobParties(ctx context.Context, tx *Tx, j *volt.InstallJob) error {
	var cpo string
	if err := tx.QueryRow(ctx, `SELECT cpo_id FROM installers WHERE id = ?`, j.InstallerID).Scan(&cpo); err != nil || cpo != j.CPOID {
		return &volt.Error{Code: volt.ENOTFOUND, Field: "installerId", Message: fmt.Sprintf("Installer %q not found.", j.InstallerID)}
	}
	engineers, err := idList(ctx, tx, `SELECT user_id FROM installer_engineers WHERE installer_id = ?`, j.InstallerID)
	if err != nil {
		return err
	}
	slices.Sort(j.EngineerIDs)
	j.EngineerIDs = slices.Compact(j.EngineerIDs)
	for _, e := range j.EngineerIDs {
		if !slices.Contains(engineers, e) {
			return &volt.Error{Code: volt.EINVALID, Field: "engineerIds", Message: fmt.Sprintf("User %q is not an engineer of the installer.", e)}
		}
	}
	return nil
}

func (s *InstallJobService) writeJob(ctx context.Context, tx *Tx, j *volt.InstallJob, create bool) error {
	chargers, err := encodeJSON(j.Chargers)
	if err != nil {
		return err
	}
	checklist, err := encodeJSON(j.Checklist)
	if err != nil {
		return err
	}
	j.UpdatedAt = tx.Now()
	if create {
		_, err = tx.Exec(ctx, `INSERT INTO install_jobs (`+jobCols+`) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
			j.ID, j.CPOID, j.OwnerID, j.SiteID, j.ChargerGroupID, j.InstallerID, toMS(j.StartsAt), toMS(j.EndsAt), j.ExternalRef,
			string(j.Status), chargers, checklist, toMS(j.CreatedAt), tx.NowMS())
	} else {
		_, err = tx.Exec(ctx, `UPDATE install_jobs SET starts_at = ?, ends_at = ?, external_ref = ?, status = ?, chargers = ?, checklist = ?, updated_at = ?
			WHERE id = ?`, toMS(j.StartsAt), toMS(j.EndsAt), j.ExternalRef, string(j.Status), chargers, checklist, tx.NowMS(), j.ID)
	}
	if err != nil {
		return fmt.Errorf("write install job: %w", err)
	}
	if _, err := tx.Exec(ctx, `DELETE FROM install_job_engineers WHERE job_id = ?`, j.ID); err != nil {
		return err
	}
	for _, e := range j.EngineerIDs {
		if _, err := tx.Exec(ctx, `INSERT INTO install_job_engineers (job_id, user_id) VALUES (?, ?)`, j.ID, e); err != nil {
			return fmt.Errorf("job engineer: %w", err)
		}
	}
	return nil
}

// CreateInstallJob plans a job into a charger group the actor may write
// (an owner's or the CPO's admins).
func (s *InstallJobService) CreateInstallJob(ctx context.Context, j *volt.InstallJob) error {
	a, err := actorOf(ctx)
	if err != nil {
		return err
	}
	j.Status, j.Checklist = volt.JobRequested, nil
	if err := j.Validate(); err != nil {
		return err
	}
	for i := range j.Chargers {
		j.Chargers[i].CPID, j.Chargers[i].FirstBootAt = "", nil
	}
	return s.db.WithTx(ctx, func(tx *Tx) error {
		g, err := findOne(ctx, tx, a, "Charger group", groupCols, "charger_groups", "id", j.ChargerGroupID, groupScope, scanGroup)
		if err != nil {
			return err
		}
		if !a.Can(volt.PermWrite, g.Ref()) {
			return volt.Errorf(volt.EFORBIDDEN, "You may not plan install jobs in this charger group.")
		}
		j.CPOID, j.OwnerID, j.SiteID = g.CPOID, g.OwnerID, g.SiteID
		if err := checkJobParties(ctx, tx, j); err != nil {
			return err
		}
		j.ID, j.CreatedAt = volt.NewID("job"), tx.Now()
		j.Notes, j.Photos = []volt.JobNote{}, []volt.JobPhoto{}
		return s.writeJob(ctx, tx, j, true)
	})
}

// jobForWork reads a job the actor may work on: its writers, or one of its
// engineers (write false).
func (s *InstallJobService) jobForWork(ctx context.Context, tx *Tx, a *volt.Actor, id string) (j *volt.InstallJob, writer bool, err error) {
	if j, err = s.findJob(ctx, tx, a, id); err != nil {
		return nil, false, err
	}
	if a.Can(volt.PermWrite, j.Ref()) {
		return j, true, nil
	}
	if slices.Contains(j.EngineerIDs, a.UserID) {
		return j, false, nil
	}
	return nil, false, forbidden("install job")
}

// UpdateInstallJob changes a job: its writers change everything (planned
// chargers only before commissioning); its engineers only the checklist.
func (s *InstallJobService) UpdateInstallJob(ctx context.Context, in *volt.InstallJob) error {
	a, err := actorOf(ctx)
	if err != nil {
		return err
	}
	return s.db.WithTx(ctx, func(tx *Tx) error {
		j, writer, err := s.jobForWork(ctx, tx, a, in.ID)
		if err != nil {
			return err
		}
		if in.Checklist != nil {
			if len(in.Checklist) > 50 {
				return volt.FieldError("checklist", "At most 50 checklist items.")
			}
			for _, c := range in.Checklist {
				if strings.TrimSpace(c.Label) == "" || len(c.Label) > 200 {
					return volt.FieldError("checklist", "A checklist item has a label of 1 to 200 characters.")
				}
			}
			j.Checklist = in.Checklist
		}
		if writer {
			j.StartsAt, j.EndsAt, j.ExternalRef, j.EngineerIDs = in.StartsAt, in.EndsAt, in.ExternalRef, in.EngineerIDs
			if in.Chargers != nil && !slices.Equal(chargerPlan(in.Chargers), chargerPlan(j.Chargers)) {
				if j.Status == volt.JobCommissioned || j.Status == volt.JobSignedOff {
					return &volt.Error{Code: volt.EUNPROCESSABLE, Field: "chargers", Message: "The chargers of a commissioned job are onboarded: change them on their own pages."}
				}
				j.Chargers = in.Chargers
			}
			if err := j.Validate(); err != nil {
				return err
			}
			if err := checkJobParties(ctx, tx, j); err != nil {
				return err
			}
		} else if engineerChangesPlan(in, j) {
			return volt.Errorf(volt.EFORBIDDEN, "An engineer changes a job's checklist, status, notes and photos, not its plan.")
		}
		if err := s.writeJob(ctx, tx, j, false); err != nil {
			return err
		}
		*in = *j
		return nil
	})
}

// engineerChangesPlan reports whether in changes more of j than an
// engineer may (fields left zero are not changes).
func engineerChangesPlan(in, j *volt.InstallJob) bool {
	switch {
	case !in.StartsAt.IsZero() && !in.StartsAt.Equal(j.StartsAt), !in.EndsAt.IsZero() && !in.EndsAt.Equal(j.EndsAt):
		return true
	case in.ExternalRef != "" && in.ExternalRef != j.ExternalRef:
		return true
	case in.EngineerIDs != nil && !slices.Equal(sortedIDs(in.EngineerIDs), j.EngineerIDs):
		return true
	case in.Chargers != nil && !slices.Equal(chargerPlan(in.Chargers), chargerPlan(j.Chargers)):
		return true
	}
	return false
}

func sortedIDs(ids []string) []string {
	out := slices.Clone(ids)
	slices.Sort(out)
	return out
}

func chargerPlan(cs []volt.PlannedCharger) []string {
	out := make([]string, len(cs))
	for i, c := range cs {
		out[i] = fmt.Sprintf("%s|%s|%d|%d|%s", c.Vendor, c.Model, c.Connectors, c.MaxPowerW, c.OCPPIdentity)
	}
	return out
}

// DeleteInstallJob removes a job that commissioned nothing.
func (s *InstallJobService) DeleteInstallJob(ctx context.Context, id string) error {
	a, err := actorOf(ctx)
	if err != nil {
		return err
	}
	return s.db.WithTx(ctx, func(tx *Tx) error {
		j, writer, err := s.jobForWork(ctx, tx, a, id)
		if err != nil {
			return err
		}
		if !writer {
			return forbidden("install job")
		}
		if j.Status == volt.JobCommissioned || j.Status == volt.JobSignedOff {
			return volt.Errorf(volt.EUNPROCESSABLE, "A commissioned job stays on record.")
		}
		_, err = tx.Exec(ctx, `DELETE FROM install_jobs WHERE id = ?`, id)
		return err
	})
}

// SetInstallJobStatus moves a job one step; signing off is its writers'.
func (s *InstallJobService) SetInstallJobStatus(ctx context.Context, id string, status volt.JobStatus) (*volt.InstallJob, error) {
	a, err := actorOf(ctx)
	if err != nil {
		return nil, err
	}
	var j *volt.InstallJob
	err = s.db.WithTx(ctx, func(tx *Tx) error {
		var writer bool
		if j, writer, err = s.jobForWork(ctx, tx, a, id); err != nil {
			return err
		}
		if err := j.Status.CheckTransition(status); err != nil {
			return err
		}
		if status == volt.JobSignedOff && !writer {
			return volt.Errorf(volt.EFORBIDDEN, "The owner or the CPO signs a job off, not its engineers.")
		}
		j.Status = status
		return s.writeJob(ctx, tx, j, false)
	})
	if err != nil {
		return nil, err
	}
	return j, nil
}

// AddInstallJobNote adds a note by the actor.
func (s *InstallJobService) AddInstallJobNote(ctx context.Context, id, body string) (*volt.JobNote, error) {
	a, err := actorOf(ctx)
	if err != nil {
		return nil, err
	}
	body = strings.TrimSpace(body)
	if body == "" || len(body) > 5000 {
		return nil, volt.FieldError("body", "A note is 1 to 5000 characters.")
	}
	var n *volt.JobNote
	err = s.db.WithTx(ctx, func(tx *Tx) error {
		if _, _, err := s.jobForWork(ctx, tx, a, id); err != nil {
			return err
		}
		n = &volt.JobNote{ID: volt.NewID("jnt"), AuthorID: a.UserID, Body: body, At: tx.Now()}
		_, err := tx.Exec(ctx, `INSERT INTO install_job_notes (id, job_id, author_id, body, at) VALUES (?, ?, ?, ?, ?)`,
			n.ID, id, a.UserID, body, tx.NowMS())
		return err
	})
	if err != nil {
		return nil, err
	}
	return n, nil
}

// AddInstallJobPhoto checks the photo's size and type from its bytes before
// anything is written: a refused photo is stored nowhere.
func (s *InstallJobService) AddInstallJobPhoto(ctx context.Context, id, caption string, data []byte) (*volt.JobPhoto, error) {
	a, err := actorOf(ctx)
	if err != nil {
		return nil, err
	}
	typ, err := volt.SniffPhoto(data)
	if err != nil {
		return nil, err
	}
	caption = strings.TrimSpace(caption)
	if len(caption) > 200 {
		return nil, volt.FieldError("caption", "A caption is at most 200 characters.")
	}
	var p *volt.JobPhoto
	err = s.db.WithTx(ctx, func(tx *Tx) error {
		if _, _, err := s.jobForWork(ctx, tx, a, id); err != nil {
			return err
		}
		p = &volt.JobPhoto{ID: volt.NewID("jph"), ContentType: typ, Size: len(data), Caption: caption, AuthorID: a.UserID, At: tx.Now()}
		_, err := tx.Exec(ctx, `INSERT INTO install_job_photos (id, job_id, content_type, size, caption, author_id, data, at) VALUES (?, ?, ?, ?, ?, ?, ?, ?)`,
			p.ID, id, typ, len(data), caption, a.UserID, base64.StdEncoding.EncodeToString(data), tx.NowMS())
		return err
	})
	if err != nil {
		return nil, err
	}
	return p, nil
}

// InstallJobPhoto returns a photo of a job the actor reads, with its bytes.
func (s *InstallJobService) InstallJobPhoto(ctx context.Context, jobID, photoID string) (*volt.JobPhoto, []byte, error) {
	a, err := actorOf(ctx)
	if err != nil {
		return nil, nil, err
	}
	if _, err := s.findJob(ctx, s.db, a, jobID); err != nil {
		return nil, nil, err
	}
	p := &volt.JobPhoto{ID: photoID}
	var data string
	var at int64
	err = s.db.QueryRow(ctx, `SELECT content_type, size, caption, author_id, data, at FROM install_job_photos WHERE id = ? AND job_id = ?`, photoID, jobID).
		Scan(&p.ContentType, &p.Size, &p.Caption, &p.AuthorID, &data, &at)
	if err != nil {
		return nil, nil, notFound(err, "Photo", photoID)
	}
	p.At = fromMS(at)
	b, err := base64.StdEncoding.DecodeString(data)
	if err != nil {
		return nil, nil, fmt.Errorf("photo %s: %w", photoID, err)
	}
	return p, b, nil
}

// Commission onboards the job's planned chargers into its charger group:
// a CPID each, the OCPP password shown once. The job must be in progress
// and, for an engineer, inside its dates.
func (s *InstallJobService) Commission(ctx context.Context, id string) ([]volt.CommissionedCharger, error) {
	a, err := actorOf(ctx)
	if err != nil {
		return nil, err
	}
	var out []volt.CommissionedCharger
	err = s.db.WithTx(ctx, func(tx *Tx) error {
		j, writer, err := s.jobForWork(ctx, tx, a, id)
		if err != nil {
			return err
		}
		if j.Status != volt.JobInProgress {
			return &volt.Error{Code: volt.EUNPROCESSABLE, Field: "status", Message: "Only a job in progress is commissioned; this one is " + string(j.Status) + "."}
		}
		if !writer && !j.Active(tx.Now()) {
			return volt.Errorf(volt.EFORBIDDEN, "The job's dates are %s to %s: an engineer commissions inside them.",
				j.StartsAt.Format("2 Jan 2006 15:04"), j.EndsAt.Format("2 Jan 2006 15:04"))
		}
		g, err := findOne(ctx, tx, volt.SystemActor, "Charger group", groupCols, "charger_groups", "id", j.ChargerGroupID, groupScope, scanGroup)
		if err != nil {
			return err
		}
		out = nil
		for i := range j.Chargers {
			pc := &j.Chargers[i]
			if pc.OCPPIdentity != "" {
				if !validIdentity(pc.OCPPIdentity) {
					return volt.FieldError("chargers", "OCPP identity %q is not valid.", pc.OCPPIdentity)
				}
				if err := identityFree(ctx, tx, a, pc.OCPPIdentity, ""); err != nil {
					return err
				}
			}
			password := newChargerPassword()
			hash, err := HashSecret(password)
			if err != nil {
				return err
			}
			cpid, err := nextCPID(ctx, tx)
			if err != nil {
				return err
			}
			c := &volt.Charger{ChargerGroupID: g.ID, OCPPIdentity: pc.OCPPIdentity, Vendor: pc.Vendor, Model: pc.Model,
				Name: strings.TrimSpace(pc.Vendor + " " + pc.Model)}
			if err := insertCharger(ctx, tx, c, g, cpid, hash, pc.Connectors); err != nil {
				return err
			}
			if pc.MaxPowerW > 0 {
				if _, err := tx.Exec(ctx, `UPDATE connectors SET max_power_w = ? WHERE cpid = ?`, pc.MaxPowerW, cpid); err != nil {
					return fmt.Errorf("connector power of %s: %w", cpid, err)
				}
			}
			if _, err := tx.Exec(ctx, `INSERT INTO install_job_chargers (cpid, job_id) VALUES (?, ?)`, cpid, j.ID); err != nil {
				return fmt.Errorf("job charger %s: %w", cpid, err)
			}
			pc.CPID, pc.OCPPIdentity = c.CPID, c.OCPPIdentity
			out = append(out, volt.CommissionedCharger{Model: pc.Model,
				ChargerCredentials: volt.ChargerCredentials{CPID: c.CPID, OCPPIdentity: c.OCPPIdentity, OCPPPassword: password}})
		}
		j.Status = volt.JobCommissioned
		return s.writeJob(ctx, tx, j, false)
	})
	if err != nil {
		return nil, err
	}
	return out, nil
}

// RecordFirstBoot notes the first boot of a charger a job commissioned.
func (s *InstallJobService) RecordFirstBoot(ctx context.Context, cpid string, at time.Time) (bool, error) {
	a, err := actorOf(ctx)
	if err != nil {
		return false, err
	}
	if !a.System {
		return false, volt.Errorf(volt.EFORBIDDEN, "Only the platform records boots.")
	}
	res, err := s.db.Exec(ctx, `UPDATE install_job_chargers SET first_boot_at = ? WHERE cpid = ? AND first_boot_at IS NULL`, toMS(at), cpid)
	if err != nil {
		return false, fmt.Errorf("first boot of %s: %w", cpid, err)
	}
	n, _ := res.RowsAffected()
	return n > 0, nil
}
