package store

import (
	"context"
	"database/sql"
	"encoding/json"
	"errors"
	"fmt"
	"strings"

	"github.com/volt-ev/volt"
)

func encodeRaw(v any) (json.RawMessage, error) {
	b, err := json.Marshal(v)
	if err != nil {
		return nil, fmt.Errorf("encode: %w", err)
	}
	return b, nil
}

// Register uses a magic link once, in one transaction: the link is claimed
// (used, not revoked, not expired at the commit's time) together with every
// record it creates, so a refused, raced or failed registration leaves no
// account behind.
func (s *InvitationService) Register(ctx context.Context, r volt.Registration) (*volt.User, error) {
	inv, err := s.OpenInvitation(ctx, r.Token)
	if err != nil {
		return nil, err
	}
	if err := r.Validate(inv.Kind); err != nil {
		return nil, err
	}
	hash, err := HashPassword(r.Password)
	if err != nil {
		return nil, err
	}
	u := &volt.User{Email: inv.Email, Name: strings.TrimSpace(r.Name), Phone: strings.TrimSpace(r.Phone), PasswordHash: hash}
	if err := u.Validate(); err != nil {
		return nil, err
	}
	err = s.db.WithTx(ctx, func(tx *Tx) error {
		res, err := tx.Exec(ctx, `UPDATE invitations SET used_at = ? WHERE token_hash = ? AND used_at IS NULL AND revoked_at IS NULL AND expires_at > ?`,
			tx.NowMS(), hashToken(r.Token), tx.NowMS())
		if err != nil {
			return fmt.Errorf("claim invitation: %w", err)
		}
		if n, _ := res.RowsAffected(); n != 1 {
			cur, err := s.byToken(ctx, tx, r.Token)
			if err != nil {
				return err
			}
			return linkError(cur.StateAt(tx.Now()))
		}
		onb, err := s.registerIn(ctx, tx, inv, u, strings.TrimSpace(r.OrganisationName))
		if err != nil {
			return err
		}
		_, err = tx.Exec(ctx, `UPDATE invitations SET user_id = ?, onboarding_id = ? WHERE id = ?`, u.ID, nullString(onb), inv.ID)
		return err
	})
	if err != nil {
		return nil, err
	}
	return u, nil
}

// registerIn creates what the invitation's kind registers and returns the
// onboarding's id ("" for a kind that is not held).
func (s *InvitationService) registerIn(ctx context.Context, tx *Tx, inv *volt.Invitation, u *volt.User, org string) (string, error) {
	now := tx.NowMS()
	adminGroup := func(cpo, owner string) error {
		gid := volt.NewID(volt.PrefixUsergroup)
		if _, err := tx.Exec(ctx, `INSERT INTO usergroups (id, name, role, cpo_id, owner_id, host_id, private, created_at, updated_at)
			VALUES (?, ?, ?, ?, ?, NULL, ?, ?, ?)`, gid, org+" admins", string(volt.RoleAdmin), cpo, nullString(owner), false, now, now); err != nil {
			return fmt.Errorf("admin usergroup: %w", err)
		}
		return member(ctx, tx, gid, u.ID)
	}
	onb := &volt.Onboarding{InvitationID: inv.ID, Kind: inv.Kind, InvitedBy: inv.InvitedBy, Status: volt.OnboardingOpen,
		CompanyName: org, VATNumber: inv.Prefill["vatNumber"], CompanyNumber: inv.Prefill["companyNumber"]}
	switch inv.Kind {
	case volt.InviteCPO:
		c := &volt.CPO{Name: org}
		if err := c.Validate(); err != nil {
			return "", err
		}
		c.ID = volt.NewID(volt.PrefixCPO)
		theme, err := cpoTheme(c)
		if err != nil {
			return "", err
		}
		if _, err := tx.Exec(ctx, `INSERT INTO cpos (id, name, whitelabel, theme, currency, created_at, updated_at, max_concurrent_sessions_per_card, legal_name, legal_address, vat_number)
			VALUES (?, ?, ?, ?, ?, ?, ?, ?, '', '', '')`, c.ID, c.Name, false, theme, c.Currency, now, now, c.MaxConcurrentSessionsPerCard); err != nil {
			return "", fmt.Errorf("register cpo: %w", err)
		}
		u.CPOID, onb.CPOID = c.ID, c.ID
		if err := insertUser(ctx, tx, u); err != nil {
			return "", err
		}
		if err := adminGroup(c.ID, ""); err != nil {
			return "", err
		}
	case volt.InviteOwner:
		o := &volt.Owner{ID: volt.NewID(volt.PrefixOwner), CPOID: inv.CPOID, Name: org, Email: inv.Email}
		if _, err := tx.Exec(ctx, `INSERT INTO owners (`+ownerCols+`) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)`,
			o.ID, o.CPOID, o.Name, o.Email, u.Phone, "{}", "", now, now); err != nil {
			return "", fmt.Errorf("register owner: %w", err)
		}
		u.CPOID, onb.CPOID, onb.OwnerID = inv.CPOID, inv.CPOID, o.ID
		if err := insertUser(ctx, tx, u); err != nil {
			return "", err
		}
		if err := adminGroup(inv.CPOID, o.ID); err != nil {
			return "", err
		}
	case volt.InviteInstaller:
		u.CPOID = inv.CPOID
		if err := insertUser(ctx, tx, u); err != nil {
			return "", err
		}
		in := &volt.Installer{CPOID: inv.CPOID, Name: org, OZEVNumber: inv.Prefill["ozevNumber"], Email: inv.Email, Phone: u.Phone}
		if err := insertInstaller(ctx, tx, in); err != nil {
			return "", err
		}
		_, err := tx.Exec(ctx, `INSERT INTO installer_engineers (installer_id, user_id) VALUES (?, ?)`, in.ID, u.ID)
		return "", err
	default: // host, staff, driver: join the usergroup
		u.CPOID = inv.CPOID
		if err := insertUser(ctx, tx, u); err != nil {
			return "", err
		}
		return "", member(ctx, tx, inv.UsergroupID, u.ID)
	}
	onb.ID, onb.UserID = volt.NewID("onb"), u.ID
	onb.CreatedAt, onb.UpdatedAt = tx.Now(), tx.Now()
	details, err := encodeJSON(onb)
	if err != nil {
		return "", err
	}
	if _, err := tx.Exec(ctx, `INSERT INTO onboardings (id, invitation_id, kind, cpo_id, owner_id, user_id, invited_by, status, details, created_at, updated_at)
		VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`, onb.ID, inv.ID, string(inv.Kind), onb.CPOID, nullString(onb.OwnerID), u.ID, inv.InvitedBy,
		string(onb.Status), details, now, now); err != nil {
		return "", fmt.Errorf("create onboarding: %w", err)
	}
	return onb.ID, nil
}

func member(ctx context.Context, tx *Tx, groupID, userID string) error {
	if _, err := tx.Exec(ctx, `INSERT INTO memberships (usergroup_id, user_id, created_at) VALUES (?, ?, ?)`, groupID, userID, tx.NowMS()); err != nil {
		return fmt.Errorf("membership: %w", err)
	}
	return nil
}

const onboardingCols = `id, invitation_id, kind, cpo_id, owner_id, user_id, invited_by, status, details, first_site_id,
	submitted_at, decided_at, decided_by, reason, created_at, updated_at`

var onboardingScope = scopeCols{CPO: "cpo_id", Owner: "owner_id"}

func scanOnboarding(r rowScanner) (*volt.Onboarding, error) {
	o := &volt.Onboarding{}
	var id, invID, kind, cpo, user, by, status, details, reason string
	var owner, site, decidedBy sql.NullString
	var submitted, decided sql.NullInt64
	var created, updated int64
	if err := r.Scan(&id, &invID, &kind, &cpo, &owner, &user, &by, &status, &details, &site, &submitted, &decided, &decidedBy,
		&reason, &created, &updated); err != nil {
		return nil, err
	}
	if err := decodeJSON(details, o); err != nil {
		return nil, fmt.Errorf("onboarding %s: %w", id, err)
	}
	o.ID, o.InvitationID, o.Kind, o.CPOID, o.OwnerID, o.UserID, o.InvitedBy = id, invID, volt.InvitationKind(kind), cpo, owner.String, user, by
	o.Status, o.FirstSiteID, o.Reason, o.DecidedBy = volt.OnboardingStatus(status), site.String, reason, decidedBy.String
	o.SubmittedAt, o.DecidedAt, o.CreatedAt, o.UpdatedAt = fromNullMS(submitted), fromNullMS(decided), fromMS(created), fromMS(updated)
	return o, nil
}

// MyOnboarding returns the actor's own latest onboarding.
func (s *InvitationService) MyOnboarding(ctx context.Context) (*volt.Onboarding, error) {
	a, err := actorOf(ctx)
	if err != nil {
		return nil, err
	}
	return myOnboarding(ctx, s.db, a.UserID)
}

func myOnboarding(ctx context.Context, q querier, userID string) (*volt.Onboarding, error) {
	o, err := scanOnboarding(q.QueryRow(ctx, `SELECT `+onboardingCols+` FROM onboardings WHERE user_id = ? ORDER BY created_at DESC, id LIMIT 1`, userID))
	if err != nil {
		return nil, notFound(err, "Onboarding", "of "+userID)
	}
	return o, nil
}

// SaveOnboarding stores the actor's form; with submit, the complete form
// also fills the organisation's legal facts, creates the first site (and,
// for a CPO, the owner that holds it) and waits for the inviter.
func (s *InvitationService) SaveOnboarding(ctx context.Context, in *volt.Onboarding, submit bool) error {
	a, err := actorOf(ctx)
	if err != nil {
		return err
	}
	var o *volt.Onboarding
	err = s.db.WithTx(ctx, func(tx *Tx) error {
		if o, err = myOnboarding(ctx, tx, a.UserID); err != nil {
			return err
		}
		if o.Status != volt.OnboardingOpen && o.Status != volt.OnboardingRejected {
			return &volt.Error{Code: volt.EUNPROCESSABLE, Field: "status", Message: "This onboarding is " + string(o.Status) + ": it can no longer be changed."}
		}
		o.CompanyName, o.CompanyNumber, o.VATNumber = strings.TrimSpace(in.CompanyName), strings.TrimSpace(in.CompanyNumber), strings.TrimSpace(in.VATNumber)
		o.Address, o.Bank, o.FirstSite = in.Address, in.Bank, in.FirstSite
		if in.TermsAccepted && o.TermsAcceptedAt == nil {
			now := tx.Now()
			o.TermsAcceptedAt = &now
		}
		o.TermsAccepted = in.TermsAccepted
		if err := o.ValidateDetails(); err != nil {
			return err
		}
		o.Status, o.UpdatedAt = volt.OnboardingOpen, tx.Now()
		if submit {
			if err := s.submit(ctx, tx, o); err != nil {
				return err
			}
		}
		details, err := encodeJSON(o)
		if err != nil {
			return err
		}
		_, err = tx.Exec(ctx, `UPDATE onboardings SET status = ?, details = ?, first_site_id = ?, owner_id = ?, submitted_at = ?, updated_at = ? WHERE id = ?`,
			string(o.Status), details, nullString(o.FirstSiteID), nullString(o.OwnerID), toNullMS(o.SubmittedAt), tx.NowMS(), o.ID)
		return err
	})
	if err != nil {
		return err
	}
	*in = *o
	if submit {
		var email string
		if s.db.QueryRow(ctx, `SELECT email FROM users WHERE id = ?`, o.InvitedBy).Scan(&email) == nil {
			s.send(ctx, email, "An onboarding waits for your approval: "+o.CompanyName,
				fmt.Sprintf("%s completed its onboarding on Volt. Review and approve it in the Admin Portal under Invitations.\n", o.CompanyName))
		}
	}
	return nil
}

func (s *InvitationService) submit(ctx context.Context, tx *Tx, o *volt.Onboarding) error {
	if m := o.Missing(); len(m) > 0 {
		return volt.FieldError(m[0], "Fill in %s before submitting (still missing: %s).", m[0], strings.Join(m, ", "))
	}
	addr, err := encodeJSON(o.Address)
	if err != nil {
		return err
	}
	if o.Kind == volt.InviteCPO {
		legal := strings.Join(nonEmpty(o.Address.Line1, o.Address.Line2, o.Address.City, o.Address.Postcode), ", ")
		if _, err := tx.Exec(ctx, `UPDATE cpos SET legal_name = ?, legal_address = ?, vat_number = ?, updated_at = ? WHERE id = ?`,
			o.CompanyName, legal, o.VATNumber, tx.NowMS(), o.CPOID); err != nil {
			return fmt.Errorf("cpo legal facts: %w", err)
		}
		if o.OwnerID == "" {
			o.OwnerID = volt.NewID(volt.PrefixOwner)
			if _, err := tx.Exec(ctx, `INSERT INTO owners (`+ownerCols+`) VALUES (?, ?, ?, '', '', ?, ?, ?, ?)`,
				o.OwnerID, o.CPOID, o.CompanyName, addr, o.VATNumber, tx.NowMS(), tx.NowMS()); err != nil {
				return fmt.Errorf("cpo's owner: %w", err)
			}
		}
	} else if _, err := tx.Exec(ctx, `UPDATE owners SET name = ?, address = ?, vat_number = ?, updated_at = ? WHERE id = ?`,
		o.CompanyName, addr, o.VATNumber, tx.NowMS(), o.OwnerID); err != nil {
		return fmt.Errorf("owner facts: %w", err)
	}
	if o.FirstSiteID == "" {
		st := &volt.Site{OwnerID: o.OwnerID, CPOID: o.CPOID, Name: o.FirstSite.Name, Address: o.FirstSite.Address,
			Latitude: o.FirstSite.Latitude, Longitude: o.FirstSite.Longitude, Amenities: []string{}}
		if err := st.Validate(); err != nil {
			var ve *volt.Error
			if errors.As(err, &ve) {
				return &volt.Error{Code: volt.EINVALID, Field: "firstSite." + ve.Field, Message: ve.Message}
			}
			return err
		}
		st.ID = volt.NewID(volt.PrefixSite)
		saddr, err := encodeJSON(st.Address)
		if err != nil {
			return err
		}
		if _, err := tx.Exec(ctx, `INSERT INTO sites (`+siteCols+`) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
			st.ID, st.CPOID, st.OwnerID, st.Name, saddr, st.Latitude, st.Longitude, "[]", st.TimeZone, tx.NowMS(), tx.NowMS(), "[]"); err != nil {
			return fmt.Errorf("first site: %w", err)
		}
		o.FirstSiteID = st.ID
	}
	now := tx.Now()
	o.Status, o.SubmittedAt, o.Reason = volt.OnboardingSubmitted, &now, ""
	return nil
}

func nonEmpty(ss ...string) []string {
	var out []string
	for _, s := range ss {
		if s = strings.TrimSpace(s); s != "" {
			out = append(out, s)
		}
	}
	return out
}

// FindOnboardings lists the onboardings in the actor's read scope.
func (s *InvitationService) FindOnboardings(ctx context.Context, f volt.InvitationFilter) ([]*volt.Onboarding, int, error) {
	a, err := actorOf(ctx)
	if err != nil {
		return nil, 0, err
	}
	w := &where{}
	if err := w.scope(a, volt.PermRead, onboardingScope); err != nil {
		return nil, 0, err
	}
	w.eq("cpo_id", f.CPOID)
	w.eq("status", string(f.Status))
	return list(ctx, s.db, listQuery{cols: onboardingCols, from: "onboardings", where: w, order: "updated_at DESC, id", page: f.Page}, scanOnboarding)
}

// FindOnboardingByID returns one onboarding in the actor's read scope.
func (s *InvitationService) FindOnboardingByID(ctx context.Context, id string) (*volt.Onboarding, error) {
	a, err := actorOf(ctx)
	if err != nil {
		return nil, err
	}
	return findOne(ctx, s.db, a, "Onboarding", onboardingCols, "onboardings", "id", id, onboardingScope, scanOnboarding)
}

// DecideOnboarding approves or rejects a submitted onboarding: super admins
// decide CPOs', the CPO's admins its owners'; never the account itself.
func (s *InvitationService) DecideOnboarding(ctx context.Context, id string, approve bool, reason string) (*volt.Onboarding, error) {
	a, err := actorOf(ctx)
	if err != nil {
		return nil, err
	}
	reason = strings.TrimSpace(reason)
	if !approve && reason == "" {
		return nil, volt.FieldError("reason", "Say why the onboarding is rejected: the applicant reads it.")
	}
	var o *volt.Onboarding
	err = s.db.WithTx(ctx, func(tx *Tx) error {
		if o, err = findOne(ctx, tx, a, "Onboarding", onboardingCols, "onboardings", "id", id, onboardingScope, scanOnboarding); err != nil {
			return err
		}
		may := a.SuperAdmin || (o.Kind == volt.InviteOwner && a.Can(volt.PermWrite, volt.Ref{CPOID: o.CPOID}))
		if !may || a.UserID == o.UserID {
			return volt.Errorf(volt.EFORBIDDEN, "Only the inviter's side (super admins for a CPO, the CPO's admins for an owner) decides an onboarding.")
		}
		if o.Status != volt.OnboardingSubmitted {
			return &volt.Error{Code: volt.EUNPROCESSABLE, Field: "status", Message: "Only a submitted onboarding can be decided; this one is " + string(o.Status) + "."}
		}
		now := tx.Now()
		o.Status, o.DecidedAt, o.DecidedBy, o.Reason = volt.OnboardingApproved, &now, a.UserID, reason
		if !approve {
			o.Status = volt.OnboardingRejected
		}
		details, err := encodeJSON(o)
		if err != nil {
			return err
		}
		_, err = tx.Exec(ctx, `UPDATE onboardings SET status = ?, details = ?, decided_at = ?, decided_by = ?, reason = ?, updated_at = ? WHERE id = ?`,
			string(o.Status), details, tx.NowMS(), a.UserID, reason, tx.NowMS(), id)
		return err
	})
	action := "onboarding.reject"
	if approve {
		action = "onboarding.approve"
	}
	ref := volt.Ref{}
	if o != nil {
		ref = volt.Ref{CPOID: o.CPOID, OwnerID: o.OwnerID}
	}
	s.audit(ctx, action, "onboarding", id, ref, o, err)
	if err != nil {
		return nil, err
	}
	var email string
	if s.db.QueryRow(ctx, `SELECT email FROM users WHERE id = ?`, o.UserID).Scan(&email) == nil {
		if approve {
			s.send(ctx, email, "Your Volt account is approved", "Your onboarding of "+o.CompanyName+" was approved: the whole Admin Portal is open to you now.\n")
		} else {
			s.send(ctx, email, "Your Volt onboarding needs changes", "Your onboarding of "+o.CompanyName+" was not approved:\n\n"+reason+"\n\nCorrect it in the Admin Portal and submit it again.\n")
		}
	}
	return o, nil
}

// heldOnboarding returns the id of the user's onboarding that keeps it in
// the holding area ("" when none).
func heldOnboarding(ctx context.Context, q querier, userID string) (string, error) {
	var id string
	err := q.QueryRow(ctx, `SELECT id FROM onboardings WHERE user_id = ? AND status <> ? LIMIT 1`, userID, string(volt.OnboardingApproved)).Scan(&id)
	if err != nil && !isNoRows(err) {
		return "", fmt.Errorf("onboarding of %s: %w", userID, err)
	}
	return id, nil
}

func isNoRows(err error) bool { return errors.Is(err, sql.ErrNoRows) }
