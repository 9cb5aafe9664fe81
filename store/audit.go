package store

import (
	"context"
	"database/sql"
	"encoding/json"
	"errors"
	"fmt"
	"strings"
	"sync"

	"github.com/volt-ev/volt"
)

// AuditService implements volt.AuditService on a DB.
//
// Each entry is one INSERT in its own short transaction, written after the
// audited change committed (see volt.AuditService). Entries are append-only.
//
// Placement: an entry is read by the actors whose read scope covers its
// cpo_id, owner_id or charger_group_id. Record completes a partial placement
// (an owner or a charger group without its CPO) from the hierarchy, so a CPO
// admin sees every entry about anything below the CPO. Only the system actor
// (the audit recorder, which records on behalf of the acting user) may place
// an entry anywhere; another actor's entry is placed where it reads, or else
// under its own home tenant (volt.HomeRef), so no one can write into another
// tenant's log.
type AuditService struct {
	db *DB
}

var _ volt.AuditService = (*AuditService)(nil)

// NewAuditService returns the audit service of db.
func NewAuditService(db *DB) *AuditService { return &AuditService{db: db} }

var auditScope = scopeCols{CPO: "cpo_id", Owner: "owner_id", Group: "charger_group_id"}

const auditCols = `id, at, actor_id, actor_email, actor_roles, source, client_addr, action, resource_type, resource_id,
	cpo_id, owner_id, charger_group_id, before_json, after_json, details, outcome, error_code, error_message, driver_contact`

func scanAudit(s rowScanner) (*volt.AuditEntry, error) {
	e := &volt.AuditEntry{}
	var at int64
	var before, after, details sql.NullString
	var source string
	if err := s.Scan(&e.ID, &at, &e.ActorID, &e.ActorEmail, &e.ActorRoles, &source, &e.ClientAddr, &e.Action,
		&e.ResourceType, &e.ResourceID, &e.CPOID, &e.OwnerID, &e.ChargerGroupID, &before, &after, &details,
		&e.Outcome, &e.ErrorCode, &e.ErrorMessage, &e.DriverContact); err != nil {
		return nil, err
	}
	e.At, e.Source = fromMS(at), volt.AuditSource(source)
	e.Before, e.After, e.Details = rawJSON(before), rawJSON(after), rawJSON(details)
	return e, nil
}

func rawJSON(s sql.NullString) json.RawMessage {
	if !s.Valid || s.String == "" {
		return nil
	}
	return json.RawMessage(s.String)
}

func nullJSON(raw json.RawMessage) any {
	if len(raw) == 0 {
		return nil
	}
	return string(raw)
}

// Record stores e, setting its ID and time. See AuditService for who may
// place an entry where.
func (s *AuditService) Record(ctx context.Context, e *volt.AuditEntry) error {
	a, err := actorOf(ctx)
	if err != nil {
		return err
	}
	fillAuditActor(ctx, a, e)
	if err := e.Validate(); err != nil {
		return err
	}
	return s.db.WithTx(ctx, func(tx *Tx) error {
		if err := placeEntry(ctx, tx, a, e); err != nil {
			return err
		}
		e.ID = auditIDs.next(tx.NowMS())
		if e.At.IsZero() {
			e.At = tx.Now()
		}
		_, err := tx.Exec(ctx, `INSERT INTO audit_log (`+auditCols+`)
			VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
			e.ID, toMS(e.At), e.ActorID, e.ActorEmail, e.ActorRoles, string(e.Source), e.ClientAddr, e.Action,
			e.ResourceType, e.ResourceID, e.CPOID, e.OwnerID, e.ChargerGroupID,
			nullJSON(e.Before), nullJSON(e.After), nullJSON(e.Details),
			e.Outcome, e.ErrorCode, e.ErrorMessage, e.DriverContact)
		if err != nil {
			return fmt.Errorf("record audit %s: %w", e.Action, err)
		}
		return nil
	})
}

// fillAuditActor sets who and through what from ctx: a user records only as
// itself; the system may record on behalf of the actor the entry names.
func fillAuditActor(ctx context.Context, a *volt.Actor, e *volt.AuditEntry) {
	if !a.System || e.ActorID == "" && e.ActorEmail == "" {
		e.ActorID, e.ActorEmail, e.ActorRoles = a.UserID, a.Email, volt.RolesSummary(a)
	}
	ac := volt.AuditContextFrom(ctx)
	if e.Source == "" {
		e.Source = ac.Source
	}
	if e.ClientAddr == "" {
		e.ClientAddr = ac.ClientAddr
	}
	if e.DriverContact == "" {
		e.DriverContact = ac.DriverContact
	}
}

// placeEntry checks and completes the entry's hierarchy placement.
func placeEntry(ctx context.Context, tx *Tx, a *volt.Actor, e *volt.AuditEntry) error {
	ref := volt.Ref{CPOID: e.CPOID, OwnerID: e.OwnerID, ChargerGroupID: e.ChargerGroupID}
	if !a.System && !a.SuperAdmin && (ref == volt.Ref{} || !a.Can(volt.PermRead, ref)) {
		ref = volt.HomeRef(a)
	}
	ref, err := completeRef(ctx, tx, ref)
	if err != nil {
		return err
	}
	e.Place(ref)
	return nil
}

// completeRef fills the CPO (and owner) of a ref that names only a lower
// level, from the hierarchy tables. An unknown id leaves the ref as it is.
func completeRef(ctx context.Context, q querier, ref volt.Ref) (volt.Ref, error) {
	if ref.ChargerGroupID != "" && (ref.CPOID == "" || ref.OwnerID == "") {
		var cpo, owner string
		err := q.QueryRow(ctx, `SELECT cpo_id, owner_id FROM charger_groups WHERE id = ?`, ref.ChargerGroupID).Scan(&cpo, &owner)
		if err == nil {
			ref.CPOID, ref.OwnerID = cpo, owner
		} else if !errors.Is(err, sql.ErrNoRows) {
			return ref, fmt.Errorf("place audit entry: %w", err)
		}
	}
	if ref.OwnerID != "" && ref.CPOID == "" {
		var cpo string
		err := q.QueryRow(ctx, `SELECT cpo_id FROM owners WHERE id = ?`, ref.OwnerID).Scan(&cpo)
		if err == nil {
			ref.CPOID = cpo
		} else if !errors.Is(err, sql.ErrNoRows) {
			return ref, fmt.Errorf("place audit entry: %w", err)
		}
	}
	return ref, nil
}

// auditIDs issues audit entry ids that sort in recording order within a
// process: entries recorded in the same millisecond still list in order.
var auditIDs = &auditIDSource{}

type auditIDSource struct {
	mu     sync.Mutex
	lastMS int64
	seq    int64
}

// next returns "aud_" + 12 hex digits of time + 6 of sequence + a random
// suffix (volt.NewID's, so ids stay unguessable).
func (s *auditIDSource) next(ms int64) string {
	s.mu.Lock()
	if ms <= s.lastMS {
		ms, s.seq = s.lastMS, s.seq+1
	} else {
		s.lastMS, s.seq = ms, 0
	}
	id := fmt.Sprintf("%s_%012x%06x", volt.PrefixAudit, ms, s.seq&0xffffff)
	s.mu.Unlock()
	_, random, _ := strings.Cut(volt.NewID(volt.PrefixAudit), "_")
	return id + random
}

// FindAuditEntries lists the entries in the actor's read scope, newest first.
func (s *AuditService) FindAuditEntries(ctx context.Context, f volt.AuditFilter) ([]*volt.AuditEntry, int, error) {
	a, err := actorOf(ctx)
	if err != nil {
		return nil, 0, err
	}
	w := &where{}
	if err := w.scope(a, volt.PermRead, auditScope); err != nil {
		return nil, 0, err
	}
	w.eq("actor_id", f.ActorID)
	if strings.HasSuffix(f.Action, ".") {
		w.add(`action LIKE ? ESCAPE '\'`, likePrefix(f.Action))
	} else {
		w.eq("action", f.Action)
	}
	w.eq("resource_type", f.ResourceType)
	w.eq("resource_id", f.ResourceID)
	w.eq("cpo_id", f.CPOID)
	w.eq("outcome", f.Outcome)
	if f.From != nil {
		w.add("at >= ?", toMS(*f.From))
	}
	if f.To != nil {
		w.add("at < ?", toMS(*f.To))
	}
	w.contains(f.Query, "actor_email", "action", "resource_id", "driver_contact")
	return list(ctx, s.db, listQuery{cols: auditCols, from: "audit_log", where: w, order: "at DESC, id DESC", page: f.Page}, scanAudit)
}
