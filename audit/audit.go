// Package audit records every change and every command into the audit log
// (volt.AuditService) without the surfaces knowing: cmd/voltd hands the API
// and the portal services wrapped by WrapHierarchy, WrapChargers, WrapUsers,
// WrapTariffs, WrapTickets, WrapHelpline and WrapCommander, and mounts them
// behind Middleware, which tells the recorder the surface and the client's
// address.
//
// Each wrapped mutating call reads the resource before (with the caller's
// actor), makes the call, reads it again after, and records one entry with
// both snapshots and the outcome; refused and failed attempts are recorded
// too, with Outcome volt.AuditFailed and the error code. Reads pass through.
//
// Transactions: the entry is written after the service's own transaction has
// committed, in a separate one (best effort after commit). A failed audit
// write never fails or undoes the user's action, and is never silent: the
// Recorder logs it at error level with the whole entry and counts it
// (Failures), for alerting.
package audit

import (
	"context"
	"encoding/json"
	"log/slog"
	"sync/atomic"

	"github.com/volt-ev/volt"
)

// Recorder writes audit entries on behalf of the actor of each call.
type Recorder struct {
	svc      volt.AuditService
	log      *slog.Logger
	failures atomic.Int64
}

// NewRecorder returns a recorder writing to svc and logging failures to
// logger (nil: slog.Default()).
func NewRecorder(svc volt.AuditService, logger *slog.Logger) *Recorder {
	if logger == nil {
		logger = slog.Default()
	}
	return &Recorder{svc: svc, log: logger}
}

// Failures returns how many entries could not be written since start.
func (r *Recorder) Failures() int64 { return r.failures.Load() }

// Record writes e as done by the actor of ctx, through the surface named by
// volt.AuditContextFrom(ctx). It never fails the caller: an entry that cannot
// be written is logged at error level and counted. It runs even when ctx is
// already cancelled (the change it describes has happened).
func (r *Recorder) Record(ctx context.Context, e *volt.AuditEntry) {
	a := volt.ActorFromContext(ctx)
	if a != nil {
		e.ActorID, e.ActorEmail, e.ActorRoles = a.UserID, a.Email, volt.RolesSummary(a)
	}
	if e.ActorID == "" && e.ActorEmail == "" {
		e.ActorEmail = "system"
	}
	ac := volt.AuditContextFrom(ctx)
	if e.Source == "" {
		e.Source = ac.Source
	}
	if e.Source == "" {
		e.Source = volt.AuditSourceSystem
	}
	if e.ClientAddr == "" {
		e.ClientAddr = ac.ClientAddr
	}
	if e.DriverContact == "" {
		e.DriverContact = ac.DriverContact
	}
	if e.CPOID == "" && e.OwnerID == "" && e.ChargerGroupID == "" && a != nil && !a.SuperAdmin {
		e.Place(volt.HomeRef(a))
	}
	sys := volt.NewContextWithActor(context.WithoutCancel(ctx), volt.SystemActor)
	sys = volt.NewContextWithAudit(sys, volt.AuditContext{})
	if err := r.svc.Record(sys, e); err != nil {
		r.failures.Add(1)
		r.log.ErrorContext(ctx, "audit: entry not recorded", "error", err, "action", e.Action,
			"resourceType", e.ResourceType, "resourceId", e.ResourceID, "actor", e.ActorID, "email", e.ActorEmail,
			"outcome", e.Outcome, "before", string(e.Before), "after", string(e.After), "details", string(e.Details))
	}
}

// WithDriverContact returns a context whose audited actions are recorded as
// done for the driver reached at contact (a phone number or e-mail), as the
// helpline console does while it serves a call.
func WithDriverContact(ctx context.Context, contact string) context.Context {
	ac := volt.AuditContextFrom(ctx)
	ac.DriverContact = contact
	return volt.NewContextWithAudit(ctx, ac)
}

// snapshot returns v as JSON for a before/after column; nil for nil.
func snapshot(v any) json.RawMessage {
	if v == nil {
		return nil
	}
	b, err := json.Marshal(v)
	if err != nil {
		b, _ = json.Marshal(map[string]string{"snapshotError": err.Error()})
	}
	return b
}

// tracked describes how to read one kind of resource for its snapshots.
type tracked[T any] struct {
	typ   string
	find  func(ctx context.Context, id string) (T, error)
	place func(T) volt.Ref
}

// mutation is one audited call: the action, the resource id known before
// the call ("" for a create), and the call, which returns the resource's id
// after it (the created id).
type mutation struct {
	action  string
	id      string
	details any
	deletes bool
	call    func() (id string, err error)
}

// run performs m between the before and after reads and records it.
func run[T any](ctx context.Context, r *Recorder, t tracked[T], m mutation) error {
	e := &volt.AuditEntry{Action: m.action, ResourceType: t.typ, ResourceID: m.id}
	if m.id != "" {
		if before, err := t.find(ctx, m.id); err == nil {
			e.Before = snapshot(before)
			e.Place(t.place(before))
		}
	}
	id, err := m.call()
	if err == nil && id != "" {
		e.ResourceID = id
		if !m.deletes {
			if after, ferr := t.find(ctx, id); ferr == nil {
				e.After = snapshot(after)
				e.Place(t.place(after))
			}
		}
	}
	if m.details != nil {
		e.Details = snapshot(m.details)
	}
	e.SetResult(err)
	r.Record(ctx, e)
	return err
}

// idIf returns id when err is nil.
func idIf(id string, err error) (string, error) {
	if err != nil {
		return "", err
	}
	return id, nil
}
