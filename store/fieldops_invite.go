package store

import (
	"context"
	"crypto/rand"
	"database/sql"
	"encoding/base64"
	"errors"
	"fmt"
	"log/slog"
	"strings"
	"time"

	"github.com/volt-ev/volt"
)

// InvitationService implements volt.InvitationService: magic links (only
// the SHA-256 of a token is kept) and the holding area's onboardings
// (issue 16 items 1-2).
type InvitationService struct {
	db *DB
	// Mail sends a plain-text e-mail (mail.Sender.Send); nil sends none.
	Mail func(to, subject, body string) error
	// LinkBase returns the portal's base URL for the links in answers and
	// e-mails ("https://volt.example"); nil leaves them relative.
	LinkBase func() string
	// Audit records approvals, rejections, invitations and revocations
	// (audit.Recorder.Record); nil records nothing.
	Audit  func(ctx context.Context, e *volt.AuditEntry)
	Logger *slog.Logger
}

var _ volt.InvitationService = (*InvitationService)(nil)

// NewInvitationService returns the service over db.
func NewInvitationService(db *DB) *InvitationService {
	return &InvitationService{db: db, Logger: slog.Default()}
}

// InvitePath is the portal path of a magic link, before its token.
const InvitePath = "/admin/invite/"

const invitationCols = `id, kind, cpo_id, owner_id, usergroup_id, email, prefill, expires_at, used_at, revoked_at,
	invited_by, user_id, onboarding_id, created_at`

var invitationScope = scopeCols{CPO: "cpo_id"}

func (s *InvitationService) scanInvitation(r rowScanner) (*volt.Invitation, error) {
	i := &volt.Invitation{}
	var cpo, owner, ugr, user, onb sql.NullString
	var prefill string
	var exp, created int64
	var used, revoked sql.NullInt64
	if err := r.Scan(&i.ID, &i.Kind, &cpo, &owner, &ugr, &i.Email, &prefill, &exp, &used, &revoked,
		&i.InvitedBy, &user, &onb, &created); err != nil {
		return nil, err
	}
	i.CPOID, i.OwnerID, i.UsergroupID, i.UserID, i.OnboardingID = cpo.String, owner.String, ugr.String, user.String, onb.String
	i.ExpiresAt, i.CreatedAt, i.UsedAt, i.RevokedAt = fromMS(exp), fromMS(created), fromNullMS(used), fromNullMS(revoked)
	i.Prefill = map[string]string{}
	if err := decodeJSON(prefill, &i.Prefill); err != nil {
		return nil, fmt.Errorf("invitation %s prefill: %w", i.ID, err)
	}
	i.State = i.StateAt(s.db.Now())
	return i, nil
}

func (s *InvitationService) link(token string) string {
	base := ""
	if s.LinkBase != nil {
		base = strings.TrimRight(s.LinkBase(), "/")
	}
	return base + InvitePath + token
}

func (s *InvitationService) send(ctx context.Context, to, subject, body string) {
	if s.Mail == nil {
		return
	}
	if err := s.Mail(to, subject, body); err != nil {
		s.Logger.ErrorContext(ctx, "fieldops: e-mail not sent", "to", to, "subject", subject, "error", err)
	}
}

func (s *InvitationService) audit(ctx context.Context, action, typ, id string, ref volt.Ref, after any, err error) {
	if s.Audit == nil {
		return
	}
	e := &volt.AuditEntry{Action: action, ResourceType: typ, ResourceID: id}
	e.Place(ref)
	if after != nil && err == nil {
		e.After, _ = encodeRaw(after)
	}
	e.SetResult(err)
	s.Audit(ctx, e)
}

// CreateInvitation checks who may invite whom, stores the link's hash and
// e-mails the link: super admins invite CPOs; a CPO's admins invite owners,
// installers, and hosts, staff and drivers into a usergroup of the CPO whose
// role matches.
func (s *InvitationService) CreateInvitation(ctx context.Context, inv *volt.Invitation, ttl time.Duration) error {
	a, err := actorOf(ctx)
	if err != nil {
		return err
	}
	if inv.Kind == volt.InviteCPO {
		inv.CPOID = ""
	}
	if err := inv.Validate(); err != nil {
		return err
	}
	if ttl <= 0 {
		ttl = volt.DefaultInvitationTTL
	}
	if ttl > 90*24*time.Hour {
		return volt.FieldError("expiresInHours", "A link lives at most 90 days.")
	}
	if inv.Prefill == nil {
		inv.Prefill = map[string]string{}
	}
	var b [32]byte
	if _, err := rand.Read(b[:]); err != nil {
		return fmt.Errorf("invitation token: %w", err)
	}
	token := base64.RawURLEncoding.EncodeToString(b[:])
	prefill, err := encodeJSON(inv.Prefill)
	if err != nil {
		return err
	}
	err = s.db.WithTx(ctx, func(tx *Tx) error {
		if err := s.checkInviter(ctx, tx, a, inv); err != nil {
			return err
		}
		inv.ID, inv.InvitedBy = volt.NewID("inv"), a.UserID
		inv.CreatedAt, inv.ExpiresAt = tx.Now(), tx.Now().Add(ttl).Truncate(time.Millisecond)
		_, err := tx.Exec(ctx, `INSERT INTO invitations (id, kind, cpo_id, owner_id, usergroup_id, email, prefill, token_hash,
			expires_at, invited_by, created_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
			inv.ID, string(inv.Kind), nullString(inv.CPOID), nullString(inv.OwnerID), nullString(inv.UsergroupID), inv.Email,
			prefill, hashToken(token), toMS(inv.ExpiresAt), inv.InvitedBy, tx.NowMS())
		if err != nil {
			return fmt.Errorf("create invitation: %w", err)
		}
		return nil
	})
	inv.State, inv.URL = volt.InvitationPending, s.link(token)
	s.audit(ctx, "invitation.create", "invitation", inv.ID, volt.Ref{CPOID: inv.CPOID}, redactedInvitation(inv), err)
	if err != nil {
		return err
	}
	s.send(ctx, inv.Email, "You are invited to Volt",
		fmt.Sprintf("Hello,\n\nyou are invited to register as %s on Volt. Open this link to register (it works once, until %s):\n\n%s\n",
			inv.Kind, inv.ExpiresAt.Format("2 Jan 2006 15:04 MST"), inv.URL))
	return nil
}

// checkInviter refuses an invitation the actor may not send.
func (s *InvitationService) checkInviter(ctx context.Context, tx *Tx, a *volt.Actor, inv *volt.Invitation) error {
	if inv.Kind == volt.InviteCPO {
		if !a.SuperAdmin {
			return volt.Errorf(volt.EFORBIDDEN, "Only platform super admins invite CPOs.")
		}
		return nil
	}
	if _, err := findOne(ctx, tx, a, "CPO", cpoCols, "cpos", "id", inv.CPOID, cpoScope, scanCPO); err != nil {
		return err
	}
	if !a.Can(volt.PermWrite, volt.Ref{CPOID: inv.CPOID}) {
		return volt.Errorf(volt.EFORBIDDEN, "Only the CPO's admins invite into it.")
	}
	if !inv.Kind.JoinsUsergroup() {
		inv.UsergroupID = ""
		return nil
	}
	var role, cpo string
	err := tx.QueryRow(ctx, `SELECT role, cpo_id FROM usergroups WHERE id = ?`, inv.UsergroupID).Scan(&role, &cpo)
	if err != nil || cpo != inv.CPOID {
		return &volt.Error{Code: volt.ENOTFOUND, Field: "usergroupId", Message: fmt.Sprintf("Usergroup %q not found.", inv.UsergroupID)}
	}
	if want := string(inv.Kind); role != want {
		return &volt.Error{Code: volt.EUNPROCESSABLE, Field: "usergroupId",
			Message: fmt.Sprintf("A %s invitation joins a usergroup with the %s role; this one is %s.", want, want, role)}
	}
	return nil
}

// Redacted returns the invitation without its link, for audit snapshots.
func redactedInvitation(i *volt.Invitation) *volt.Invitation { c := *i; c.URL = ""; return &c }

// FindInvitations lists the invitations in the actor's read scope, newest
// first (a CPO's; super admins' CPO invitations are theirs alone).
func (s *InvitationService) FindInvitations(ctx context.Context, f volt.InvitationFilter) ([]*volt.Invitation, int, error) {
	a, err := actorOf(ctx)
	if err != nil {
		return nil, 0, err
	}
	w := &where{}
	if err := w.scope(a, volt.PermRead, invitationScope); err != nil {
		return nil, 0, err
	}
	w.eq("cpo_id", f.CPOID)
	now := toMS(s.db.Now())
	switch f.State {
	case "":
	case volt.InvitationRevoked:
		w.add("revoked_at IS NOT NULL")
	case volt.InvitationUsed:
		w.add("revoked_at IS NULL AND used_at IS NOT NULL")
	case volt.InvitationExpired:
		w.add("revoked_at IS NULL AND used_at IS NULL AND expires_at <= ?", now)
	case volt.InvitationPending:
		w.add("revoked_at IS NULL AND used_at IS NULL AND expires_at > ?", now)
	default:
		return nil, 0, volt.FieldError("state", "Unknown state %q.", f.State)
	}
	return list(ctx, s.db, listQuery{cols: invitationCols, from: "invitations", where: w, order: "created_at DESC, id", page: f.Page}, s.scanInvitation)
}

// FindInvitationByID returns one invitation in the actor's read scope.
func (s *InvitationService) FindInvitationByID(ctx context.Context, id string) (*volt.Invitation, error) {
	a, err := actorOf(ctx)
	if err != nil {
		return nil, err
	}
	return findOne(ctx, s.db, a, "Invitation", invitationCols, "invitations", "id", id, invitationScope, s.scanInvitation)
}

// RevokeInvitation withdraws a pending link: it opens nothing afterwards.
func (s *InvitationService) RevokeInvitation(ctx context.Context, id string) (*volt.Invitation, error) {
	a, err := actorOf(ctx)
	if err != nil {
		return nil, err
	}
	var inv *volt.Invitation
	err = s.db.WithTx(ctx, func(tx *Tx) error {
		if inv, err = findOne(ctx, tx, a, "Invitation", invitationCols, "invitations", "id", id, invitationScope, s.scanInvitation); err != nil {
			return err
		}
		if !a.SuperAdmin && (inv.CPOID == "" || !a.Can(volt.PermWrite, volt.Ref{CPOID: inv.CPOID})) {
			return forbidden("invitation")
		}
		if inv.State != volt.InvitationPending {
			return &volt.Error{Code: volt.EUNPROCESSABLE, Field: "state", Message: "Only a pending invitation can be revoked; this one is " + string(inv.State) + "."}
		}
		if _, err := tx.Exec(ctx, `UPDATE invitations SET revoked_at = ? WHERE id = ?`, tx.NowMS(), id); err != nil {
			return fmt.Errorf("revoke invitation %s: %w", id, err)
		}
		now := tx.Now()
		inv.RevokedAt, inv.State = &now, volt.InvitationRevoked
		return nil
	})
	ref := volt.Ref{}
	if inv != nil {
		ref.CPOID = inv.CPOID
	}
	s.audit(ctx, "invitation.revoke", "invitation", id, ref, inv, err)
	if err != nil {
		return nil, err
	}
	return inv, nil
}

// linkError is what an unusable link answers: which it is, never a form.
func linkError(state volt.InvitationState) error {
	switch state {
	case volt.InvitationUsed:
		return volt.Errorf(volt.EUNPROCESSABLE, "This invitation link has already been used. Sign in with the account it created, or ask for a new invitation.")
	case volt.InvitationExpired:
		return volt.Errorf(volt.EUNPROCESSABLE, "This invitation link has expired. Ask the person who invited you for a new one.")
	case volt.InvitationRevoked:
		return volt.Errorf(volt.EUNPROCESSABLE, "This invitation link was withdrawn by the person who sent it.")
	}
	return volt.Errorf(volt.ENOTFOUND, "This invitation link is not valid. Check that you copied all of it.")
}

func (s *InvitationService) byToken(ctx context.Context, q querier, token string) (*volt.Invitation, error) {
	if token == "" || len(token) > 100 {
		return nil, linkError("")
	}
	inv, err := s.scanInvitation(q.QueryRow(ctx, `SELECT `+invitationCols+` FROM invitations WHERE token_hash = ?`, hashToken(token)))
	if errors.Is(err, sql.ErrNoRows) {
		return nil, linkError("")
	} else if err != nil {
		return nil, fmt.Errorf("open invitation: %w", err)
	}
	return inv, nil
}

// OpenInvitation returns the pending invitation of token.
func (s *InvitationService) OpenInvitation(ctx context.Context, token string) (*volt.Invitation, error) {
	inv, err := s.byToken(ctx, s.db, token)
	if err != nil {
		return nil, err
	}
	if inv.State != volt.InvitationPending {
		return nil, linkError(inv.State)
	}
	return inv, nil
}
