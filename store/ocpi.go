package store

import (
	"context"
	"crypto/rand"
	"crypto/sha256"
	"database/sql"
	"encoding/base64"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"slices"
	"strings"
	"time"

	"github.com/volt-ev/volt"
)

// OCPIService implements volt.OCPIPartnerService (operators, scoped by
// the actor) and volt.OCPIStore (the OCPI endpoints, as the system):
// roaming partners, their tokens, tokens they pushed, the push queue and
// the objects they sent (issue 14).
type OCPIService struct {
	db *DB
	// Cards charges a roaming CDR the wallet cannot cover to the card on
	// file (issue 14); nil leaves the charge to its RetryFailed.
	Cards *MoneyService
}

var (
	_ volt.OCPIPartnerService = (*OCPIService)(nil)
	_ volt.OCPIStore          = (*OCPIService)(nil)
)

// NewOCPIService returns the service over db.
func NewOCPIService(db *DB) *OCPIService { return &OCPIService{db: db} }

const partnerCols = `id, cpo_id, name, country_code, party_id, role, status, their_token, versions_url, version, endpoints,
	margin_micro, last_error, last_error_at, created_at, updated_at, charger_group_ids, tariff_id`

var partnerScope = scopeCols{CPO: "cpo_id"}

func scanPartner(s rowScanner) (*volt.OCPIPartner, error) {
	p := &volt.OCPIPartner{}
	var endpoints, groups string
	var margin, created, updated int64
	var errAt sql.NullInt64
	if err := s.Scan(&p.ID, &p.CPOID, &p.Name, &p.CountryCode, &p.PartyID, &p.Role, &p.Status, &p.TheirToken, &p.VersionsURL,
		&p.Version, &endpoints, &margin, &p.LastError, &errAt, &created, &updated, &groups, &p.TariffID); err != nil {
		return nil, err
	}
	if err := decodeJSON(groups, &p.ChargerGroupIDs); err != nil {
		return nil, fmt.Errorf("charger groups of partner %s: %w", p.ID, err)
	}
	if p.ChargerGroupIDs == nil {
		p.ChargerGroupIDs = []string{}
	}
	if err := decodeJSON(endpoints, &p.Endpoints); err != nil {
		return nil, fmt.Errorf("endpoints of partner %s: %w", p.ID, err)
	}
	if p.Endpoints == nil {
		p.Endpoints = []volt.OCPIEndpoint{}
	}
	p.RoamingMarginPercent = volt.NewDecimalMicro(margin)
	p.LastErrorAt = fromNullMS(errAt)
	p.CreatedAt, p.UpdatedAt = fromMS(created), fromMS(updated)
	return p, nil
}

// tokenSHA is the lookup key of a credentials token.
func tokenSHA(token string) string {
	sum := sha256.Sum256([]byte(token))
	return hex.EncodeToString(sum[:])
}

// NewOCPIToken returns a new random credentials token: 32 random bytes,
// URL-safe base64 (43 printable characters, OCPI allows 64).
func NewOCPIToken() string {
	var b [32]byte
	if _, err := rand.Read(b[:]); err != nil {
		panic(fmt.Sprintf("store: crypto/rand failed: %v", err))
	}
	return base64.RawURLEncoding.EncodeToString(b[:])
}

// FindOCPIParty returns a CPO's own OCPI party.
func (s *OCPIService) FindOCPIParty(ctx context.Context, cpoID string) (*volt.OCPIParty, error) {
	a, err := actorOf(ctx)
	if err != nil {
		return nil, err
	}
	if !a.Can(volt.PermRead, volt.Ref{CPOID: cpoID}) {
		return nil, volt.Errorf(volt.ENOTFOUND, "CPO %q not found.", cpoID)
	}
	return s.OCPIPartyOf(ctx, cpoID)
}

// OCPIPartyOf returns a CPO's party whatever the actor (the OCPI side).
func (s *OCPIService) OCPIPartyOf(ctx context.Context, cpoID string) (*volt.OCPIParty, error) {
	p := &volt.OCPIParty{CPOID: cpoID}
	err := s.db.QueryRow(ctx, `SELECT country_code, party_id FROM ocpi_parties WHERE cpo_id = ?`, cpoID).Scan(&p.CountryCode, &p.PartyID)
	if err != nil {
		return nil, notFound(err, "OCPI party of CPO", cpoID)
	}
	return p, nil
}

// SetOCPIParty sets a CPO's country code and party id (admins of the CPO).
func (s *OCPIService) SetOCPIParty(ctx context.Context, p *volt.OCPIParty) error {
	a, err := actorOf(ctx)
	if err != nil {
		return err
	}
	if !a.Can(volt.PermRead, volt.Ref{CPOID: p.CPOID}) {
		return volt.Errorf(volt.ENOTFOUND, "CPO %q not found.", p.CPOID)
	}
	if err := canWrite(a, volt.Ref{CPOID: p.CPOID}); err != nil {
		return err
	}
	if err := p.Validate(); err != nil {
		return err
	}
	_, err = s.db.Exec(ctx, `INSERT INTO ocpi_parties (cpo_id, country_code, party_id, updated_at) VALUES (?, ?, ?, ?)
		ON CONFLICT (cpo_id) DO UPDATE SET country_code = excluded.country_code, party_id = excluded.party_id, updated_at = excluded.updated_at`,
		p.CPOID, p.CountryCode, p.PartyID, toMS(s.db.Now()))
	if volt.IsCode(mapError(err), volt.ECONFLICT) {
		return &volt.Error{Code: volt.ECONFLICT, Field: "partyId", Message: fmt.Sprintf("Party %s*%s is another CPO's.", p.CountryCode, p.PartyID)}
	}
	if err != nil && volt.ErrorCode(mapError(err)) == volt.ENOTFOUND {
		return volt.Errorf(volt.ENOTFOUND, "CPO %q not found.", p.CPOID)
	}
	if err != nil {
		return fmt.Errorf("set OCPI party of %s: %w", p.CPOID, mapError(err))
	}
	return nil
}

// FindOCPIPartners lists the partners the actor may read.
func (s *OCPIService) FindOCPIPartners(ctx context.Context, f volt.OCPIPartnerFilter) ([]*volt.OCPIPartner, int, error) {
	a, err := actorOf(ctx)
	if err != nil {
		return nil, 0, err
	}
	w := &where{}
	w.eq("cpo_id", f.CPOID)
	if err := w.scope(a, volt.PermRead, partnerScope); err != nil {
		return nil, 0, err
	}
	return list(ctx, s.db, listQuery{cols: partnerCols, from: "ocpi_partners", where: w, order: "name, id", page: f.Page}, scanPartner)
}

// FindOCPIPartnerByID returns a partner the actor may read.
func (s *OCPIService) FindOCPIPartnerByID(ctx context.Context, id string) (*volt.OCPIPartner, error) {
	a, err := actorOf(ctx)
	if err != nil {
		return nil, err
	}
	return findOne(ctx, s.db, a, "OCPI partner", partnerCols, "ocpi_partners", "id", id, partnerScope, scanPartner)
}

// FindOCPIPartnerSystem reads any partner (the OCPI side).
func (s *OCPIService) FindOCPIPartnerSystem(ctx context.Context, id string) (*volt.OCPIPartner, error) {
	p, err := scanPartner(s.db.QueryRow(ctx, `SELECT `+partnerCols+` FROM ocpi_partners WHERE id = ?`, id))
	if err != nil {
		return nil, notFound(err, "OCPI partner", id)
	}
	return p, nil
}

// CreateOCPIPartner adds a partner in the pending state and returns its
// Token A. The handshake needs the CPO's own party (PUT
// /api/v1/cpos/{id}/ocpi-party); until it is set the partner's calls are
// refused with a message saying so.
func (s *OCPIService) CreateOCPIPartner(ctx context.Context, p *volt.OCPIPartner) (string, error) {
	a, err := actorOf(ctx)
	if err != nil {
		return "", err
	}
	if p.CPOID != "" && !a.Can(volt.PermRead, volt.Ref{CPOID: p.CPOID}) {
		return "", volt.Errorf(volt.ENOTFOUND, "CPO %q not found.", p.CPOID)
	}
	if err := p.Validate(); err != nil {
		return "", err
	}
	if err := canWrite(a, p.Ref()); err != nil {
		return "", err
	}
	groups, err := s.checkPublishing(ctx, p)
	if err != nil {
		return "", err
	}
	tokenA := NewOCPIToken()
	now := s.db.Now()
	p.ID, p.Status, p.CreatedAt, p.UpdatedAt = volt.NewID("ocp"), volt.OCPIPending, now, now
	if p.Endpoints == nil {
		p.Endpoints = []volt.OCPIEndpoint{}
	}
	_, err = s.db.Exec(ctx, `INSERT INTO ocpi_partners (id, cpo_id, name, country_code, party_id, role, status, token_a_sha,
		margin_micro, created_at, updated_at, charger_group_ids, tariff_id) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
		p.ID, p.CPOID, p.Name, p.CountryCode, p.PartyID, string(p.Role), string(p.Status), tokenSHA(tokenA),
		p.RoamingMarginPercent.Micro(), toMS(now), toMS(now), groups, p.TariffID)
	if err != nil {
		if volt.IsCode(mapError(err), volt.ECONFLICT) {
			return "", &volt.Error{Code: volt.ECONFLICT, Field: "partyId", Message: fmt.Sprintf("The CPO already has partner %s*%s as %s.", p.CountryCode, p.PartyID, p.Role)}
		}
		return "", fmt.Errorf("create OCPI partner: %w", mapError(err))
	}
	return tokenA, nil
}

// UpdateOCPIPartner renames, suspends (or resumes) a partner or changes
// its roaming margin.
func (s *OCPIService) UpdateOCPIPartner(ctx context.Context, id string, u volt.OCPIPartnerUpdate) (*volt.OCPIPartner, error) {
	a, err := actorOf(ctx)
	if err != nil {
		return nil, err
	}
	p, err := s.FindOCPIPartnerByID(ctx, id)
	if err != nil {
		return nil, err
	}
	if err := canWrite(a, p.Ref()); err != nil {
		return nil, err
	}
	if u.Name != nil {
		p.Name = *u.Name
	}
	if u.RoamingMarginPercent != nil {
		p.RoamingMarginPercent = *u.RoamingMarginPercent
	}
	if u.ChargerGroupIDs != nil {
		p.ChargerGroupIDs = *u.ChargerGroupIDs
	}
	if u.TariffID != nil {
		p.TariffID = *u.TariffID
	}
	if u.Suspended != nil {
		switch {
		case *u.Suspended && p.Status != volt.OCPIUnregistered:
			p.Status = volt.OCPISuspended
		case !*u.Suspended && p.Status == volt.OCPISuspended:
			p.Status = volt.OCPIPending
			if p.TheirToken != "" {
				p.Status = volt.OCPIConnected
			}
		}
	}
	if err := p.Validate(); err != nil {
		return nil, err
	}
	groups, err := s.checkPublishing(ctx, p)
	if err != nil {
		return nil, err
	}
	p.UpdatedAt = s.db.Now()
	_, err = s.db.Exec(ctx, `UPDATE ocpi_partners SET name = ?, status = ?, margin_micro = ?, charger_group_ids = ?, tariff_id = ?,
		updated_at = ? WHERE id = ?`,
		p.Name, string(p.Status), p.RoamingMarginPercent.Micro(), groups, p.TariffID, toMS(p.UpdatedAt), p.ID)
	if err != nil {
		return nil, fmt.Errorf("update OCPI partner %s: %w", id, mapError(err))
	}
	return p, nil
}

// DeleteOCPIPartner removes a partner with everything it sent.
func (s *OCPIService) DeleteOCPIPartner(ctx context.Context, id string) error {
	a, err := actorOf(ctx)
	if err != nil {
		return err
	}
	p, err := s.FindOCPIPartnerByID(ctx, id)
	if err != nil {
		return err
	}
	if err := canWrite(a, p.Ref()); err != nil {
		return err
	}
	return s.db.WithTx(ctx, func(tx *Tx) error {
		for _, t := range []string{"ocpi_tokens", "ocpi_pushes", "ocpi_partner_objects", "ocpi_status_feeds"} {
			if _, err := tx.Exec(ctx, `DELETE FROM `+t+` WHERE partner_id = ?`, id); err != nil {
				return fmt.Errorf("delete OCPI partner %s: %w", id, err)
			}
		}
		res, err := tx.Exec(ctx, `DELETE FROM ocpi_partners WHERE id = ?`, id)
		if err != nil {
			return fmt.Errorf("delete OCPI partner %s: %w", id, err)
		}
		return rowsAffected(res, "OCPI partner", id)
	})
}

// OCPIPartnerByToken finds whose token this is: Token A of a pending
// partner, the current Token C, or the previous one during a rotation.
// Suspended and unregistered partners are refused like unknown tokens.
func (s *OCPIService) OCPIPartnerByToken(ctx context.Context, token string) (*volt.OCPIPartner, volt.OCPITokenKind, error) {
	if token == "" {
		return nil, "", volt.Errorf(volt.EUNAUTHORIZED, "No credentials token.")
	}
	sha := tokenSHA(token)
	var a, c, prev sql.NullString
	var id string
	var rotating bool
	err := s.db.QueryRow(ctx, `SELECT id, token_a_sha, token_c_sha, token_prev_sha, rotating FROM ocpi_partners
		WHERE token_a_sha = ? OR token_c_sha = ? OR token_prev_sha = ?`, sha, sha, sha).Scan(&id, &a, &c, &prev, &rotating)
	if errors.Is(err, sql.ErrNoRows) {
		return nil, "", volt.Errorf(volt.EUNAUTHORIZED, "Unknown credentials token.")
	} else if err != nil {
		return nil, "", fmt.Errorf("OCPI token: %w", err)
	}
	p, err := s.FindOCPIPartnerSystem(ctx, id)
	if err != nil {
		return nil, "", err
	}
	if p.Status == volt.OCPISuspended || p.Status == volt.OCPIUnregistered {
		return nil, "", volt.Errorf(volt.EUNAUTHORIZED, "The credentials of this partner are not valid now.")
	}
	if a.Valid && a.String == sha {
		return p, volt.OCPITokenA, nil
	}
	if prev.Valid && !rotating && c.Valid && c.String == sha {
		// The partner uses its new token after a completed exchange: the
		// old one is void. (While Volt's own rotation is under way the
		// partner calls back with the new token before it has stored it:
		// that use proves nothing.)
		if _, err := s.db.Exec(ctx, `UPDATE ocpi_partners SET token_prev_sha = NULL WHERE id = ? AND token_c_sha = ?`, p.ID, sha); err != nil {
			return nil, "", fmt.Errorf("complete OCPI token rotation of %s: %w", p.ID, err)
		}
	}
	return p, volt.OCPITokenC, nil
}

// CompleteOCPIRegistration stores one credentials exchange in one
// transaction: their token, their endpoints and identity, our new token
// (Token A is spent). KeepPrevious keeps the token they used until now
// valid as well (a rotation Volt started: they may not have switched yet).
func (s *OCPIService) CompleteOCPIRegistration(ctx context.Context, r volt.OCPIRegistration) (*volt.OCPIPartner, error) {
	endpoints, err := encodeJSON(r.Endpoints)
	if err != nil {
		return nil, err
	}
	err = s.db.WithTx(ctx, func(tx *Tx) error {
		var cur, prev sql.NullString
		if err := tx.QueryRow(ctx, `SELECT token_c_sha, token_prev_sha FROM ocpi_partners WHERE id = ?`, r.PartnerID).Scan(&cur, &prev); err != nil {
			return notFound(err, "OCPI partner", r.PartnerID)
		}
		switch {
		case !r.KeepPrevious:
			prev = sql.NullString{}
		case cur.String != tokenSHA(r.OurToken):
			prev = cur // not staged: the token in use now stays valid until the new one is used
		}
		res, err := tx.Exec(ctx, `UPDATE ocpi_partners SET token_a_sha = NULL, token_c_sha = ?, token_prev_sha = ?, rotating = FALSE, their_token = ?,
			versions_url = ?, version = ?, endpoints = ?, country_code = COALESCE(NULLIF(?, ''), country_code),
			party_id = COALESCE(NULLIF(?, ''), party_id), status = ?, last_error = '', last_error_at = NULL, updated_at = ? WHERE id = ?`,
			tokenSHA(r.OurToken), prev, r.TheirToken, r.VersionsURL, r.Version, endpoints, strings.ToUpper(r.CountryCode),
			strings.ToUpper(r.PartyID), string(volt.OCPIConnected), tx.NowMS(), r.PartnerID)
		if err != nil {
			return fmt.Errorf("complete OCPI registration of %s: %w", r.PartnerID, mapError(err))
		}
		return rowsAffected(res, "OCPI partner", r.PartnerID)
	})
	if err != nil {
		return nil, err
	}
	return s.FindOCPIPartnerSystem(ctx, r.PartnerID)
}

// StageOCPIToken makes token valid for the partner's calls to Volt before
// Volt sends it in a credentials POST or PUT (the partner calls back with
// it before answering). keepPrevious keeps the current token valid too.
func (s *OCPIService) StageOCPIToken(ctx context.Context, partnerID, token string, keepPrevious bool) error {
	q := `UPDATE ocpi_partners SET token_c_sha = ?, updated_at = ? WHERE id = ?`
	if keepPrevious {
		q = `UPDATE ocpi_partners SET token_prev_sha = COALESCE(token_prev_sha, token_c_sha), token_c_sha = ?, rotating = TRUE,
			updated_at = ? WHERE id = ?`
	}
	res, err := s.db.Exec(ctx, q, tokenSHA(token), toMS(s.db.Now()), partnerID)
	if err != nil {
		return fmt.Errorf("stage OCPI token of %s: %w", partnerID, mapError(err))
	}
	return rowsAffected(res, "OCPI partner", partnerID)
}

// UnregisterOCPIPartner drops every token of the partner (DELETE
// credentials): it must be added again to roam.
func (s *OCPIService) UnregisterOCPIPartner(ctx context.Context, partnerID string) error {
	res, err := s.db.Exec(ctx, `UPDATE ocpi_partners SET token_a_sha = NULL, token_c_sha = NULL, token_prev_sha = NULL, their_token = '',
		status = ?, updated_at = ? WHERE id = ?`, string(volt.OCPIUnregistered), toMS(s.db.Now()), partnerID)
	if err != nil {
		return fmt.Errorf("unregister OCPI partner %s: %w", partnerID, err)
	}
	return rowsAffected(res, "OCPI partner", partnerID)
}

// RecordOCPIError keeps the last error of talking to a partner.
func (s *OCPIService) RecordOCPIError(ctx context.Context, partnerID, msg string) error {
	var at any
	if msg != "" {
		at = toMS(s.db.Now())
	}
	if len(msg) > 500 {
		msg = msg[:500]
	}
	_, err := s.db.Exec(ctx, `UPDATE ocpi_partners SET last_error = ?, last_error_at = ? WHERE id = ?`, msg, at, partnerID)
	if err != nil {
		return fmt.Errorf("record OCPI error of %s: %w", partnerID, err)
	}
	return nil
}

// PutOCPIToken stores a token an eMSP partner pushed (insert or replace).
func (s *OCPIService) PutOCPIToken(ctx context.Context, t *volt.OCPIToken) error {
	var cpoID string
	if err := s.db.QueryRow(ctx, `SELECT cpo_id FROM ocpi_partners WHERE id = ?`, t.PartnerID).Scan(&cpoID); err != nil {
		return notFound(err, "OCPI partner", t.PartnerID)
	}
	_, err := s.db.Exec(ctx, `INSERT INTO ocpi_tokens (partner_id, cpo_id, uid, uid_norm, type, country_code, party_id, contract_id, valid,
		whitelist, data, last_updated) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)
		ON CONFLICT (partner_id, uid, type) DO UPDATE SET country_code = excluded.country_code, party_id = excluded.party_id,
		contract_id = excluded.contract_id, valid = excluded.valid, whitelist = excluded.whitelist, data = excluded.data,
		last_updated = excluded.last_updated`,
		t.PartnerID, cpoID, t.UID, volt.NormalizeIDTag(t.UID), t.Type, t.CountryCode, t.PartyID, t.ContractID, t.Valid, t.Whitelist,
		string(t.Data), toMS(t.LastUpdated))
	if err != nil {
		return fmt.Errorf("put OCPI token %s: %w", t.UID, mapError(err))
	}
	return nil
}

const ocpiTokenCols = `partner_id, country_code, party_id, uid, type, contract_id, valid, whitelist, data, last_updated`

func scanOCPIToken(s rowScanner) (*volt.OCPIToken, error) {
	t := &volt.OCPIToken{}
	var data string
	var updated int64
	if err := s.Scan(&t.PartnerID, &t.CountryCode, &t.PartyID, &t.UID, &t.Type, &t.ContractID, &t.Valid, &t.Whitelist, &data, &updated); err != nil {
		return nil, err
	}
	t.Data, t.LastUpdated = json.RawMessage(data), fromMS(updated)
	return t, nil
}

// FindOCPIToken reads a token a partner pushed.
func (s *OCPIService) FindOCPIToken(ctx context.Context, partnerID, uid, tokenType string) (*volt.OCPIToken, error) {
	t, err := scanOCPIToken(s.db.QueryRow(ctx, `SELECT `+ocpiTokenCols+` FROM ocpi_tokens WHERE partner_id = ? AND uid = ? AND type = ?`,
		partnerID, uid, tokenType))
	if err != nil {
		return nil, notFound(err, "Token", uid)
	}
	return t, nil
}

// FindRoamingToken finds a token of any connected eMSP partner of the CPO
// by the uid a charger sends.
func (s *OCPIService) FindRoamingToken(ctx context.Context, cpoID, uid string) (*volt.OCPIToken, error) {
	t, err := scanOCPIToken(s.db.QueryRow(ctx, `SELECT `+ocpiTokenCols+` FROM ocpi_tokens t WHERE t.cpo_id = ? AND t.uid_norm = ?
		AND EXISTS (SELECT 1 FROM ocpi_partners p WHERE p.id = t.partner_id AND p.status = ?) ORDER BY t.last_updated DESC LIMIT 1`,
		cpoID, volt.NormalizeIDTag(uid), string(volt.OCPIConnected)))
	if err != nil {
		return nil, notFound(err, "Roaming token", uid)
	}
	return t, nil
}

// EnqueueOCPIPush adds a request owed to a partner, due now.
func (s *OCPIService) EnqueueOCPIPush(ctx context.Context, p *volt.OCPIPush) error {
	if p.ID == "" {
		p.ID = volt.NewID("opu")
	}
	now := s.db.Now()
	if p.NextAt.IsZero() {
		p.NextAt = now
	}
	_, err := s.db.Exec(ctx, `INSERT INTO ocpi_pushes (id, partner_id, module, object_id, method, url, body, attempts, next_at, created_at, to_party)
		VALUES (?, ?, ?, ?, ?, ?, ?, 0, ?, ?, ?)`, p.ID, p.PartnerID, p.Module, p.ObjectID, p.Method, p.URL, string(p.Body), toMS(p.NextAt), toMS(now), p.To)
	if err != nil {
		return fmt.Errorf("enqueue OCPI push %s %s: %w", p.Module, p.ObjectID, mapError(err))
	}
	return nil
}

// DueOCPIPushes returns the pushes due at now, oldest first.
func (s *OCPIService) DueOCPIPushes(ctx context.Context, now time.Time, limit int) ([]*volt.OCPIPush, error) {
	rows, err := s.db.Query(ctx, `SELECT id, partner_id, module, object_id, method, url, body, attempts, next_at, last_error, to_party
		FROM ocpi_pushes WHERE next_at <= ? ORDER BY next_at, created_at LIMIT ?`, toMS(now), limit)
	if err != nil {
		return nil, fmt.Errorf("due OCPI pushes: %w", err)
	}
	defer rows.Close()
	var out []*volt.OCPIPush
	for rows.Next() {
		p := &volt.OCPIPush{}
		var body string
		var next int64
		if err := rows.Scan(&p.ID, &p.PartnerID, &p.Module, &p.ObjectID, &p.Method, &p.URL, &body, &p.Attempts, &next, &p.LastError, &p.To); err != nil {
			return nil, fmt.Errorf("due OCPI pushes: %w", err)
		}
		p.Body, p.NextAt = json.RawMessage(body), fromMS(next)
		out = append(out, p)
	}
	return out, rows.Err()
}

// FinishOCPIPush records an attempt: delivered removes the row, failed
// counts it and sets when it is due again.
func (s *OCPIService) FinishOCPIPush(ctx context.Context, id, errMsg string, next time.Time) error {
	var err error
	if errMsg == "" {
		_, err = s.db.Exec(ctx, `DELETE FROM ocpi_pushes WHERE id = ?`, id)
	} else {
		if len(errMsg) > 500 {
			errMsg = errMsg[:500]
		}
		_, err = s.db.Exec(ctx, `UPDATE ocpi_pushes SET attempts = attempts + 1, last_error = ?, next_at = ? WHERE id = ?`, errMsg, toMS(next), id)
	}
	if err != nil {
		return fmt.Errorf("finish OCPI push %s: %w", id, err)
	}
	return nil
}

// PutPartnerObject stores what a partner sent; CDRs are stored once and
// never replaced.
func (s *OCPIService) PutPartnerObject(ctx context.Context, partnerID, module, id string, data json.RawMessage, lastUpdated time.Time) (bool, error) {
	conflict := `DO UPDATE SET data = excluded.data, last_updated = excluded.last_updated, received_at = excluded.received_at`
	if module == "cdrs" {
		conflict = `DO NOTHING`
	}
	res, err := s.db.Exec(ctx, `INSERT INTO ocpi_partner_objects (partner_id, module, object_id, data, last_updated, received_at)
		VALUES (?, ?, ?, ?, ?, ?) ON CONFLICT (partner_id, module, object_id) `+conflict,
		partnerID, module, id, string(data), toMS(lastUpdated), toMS(s.db.Now()))
	if err != nil {
		return false, fmt.Errorf("put %s %s of partner %s: %w", module, id, partnerID, mapError(err))
	}
	if module != "cdrs" {
		return true, nil
	}
	n, err := res.RowsAffected()
	if err != nil {
		return false, fmt.Errorf("put cdr %s: %w", id, err)
	}
	return n == 1, nil
}

// FindPartnerObjects returns every object of a module a partner sent.
func (s *OCPIService) FindPartnerObjects(ctx context.Context, partnerID, module string) ([]json.RawMessage, error) {
	rows, err := s.db.Query(ctx, `SELECT data FROM ocpi_partner_objects WHERE partner_id = ? AND module = ? ORDER BY object_id`, partnerID, module)
	if err != nil {
		return nil, fmt.Errorf("%s of partner %s: %w", module, partnerID, err)
	}
	defer rows.Close()
	out := []json.RawMessage{}
	for rows.Next() {
		var d string
		if err := rows.Scan(&d); err != nil {
			return nil, fmt.Errorf("%s of partner %s: %w", module, partnerID, err)
		}
		out = append(out, json.RawMessage(d))
	}
	return out, rows.Err()
}

// checkPublishing checks a partner's charger groups and roaming tariff:
// each must be the partner's CPO's (another CPO's is unknown, never
// forbidden), the groups sorted without repeats. It returns the groups as
// stored.
func (s *OCPIService) checkPublishing(ctx context.Context, p *volt.OCPIPartner) (string, error) {
	ids := slices.Clone(p.ChargerGroupIDs)
	slices.Sort(ids)
	ids = slices.Compact(ids)
	for _, id := range ids {
		var n int
		if err := s.db.QueryRow(ctx, `SELECT COUNT(*) FROM charger_groups WHERE id = ? AND cpo_id = ?`, id, p.CPOID).Scan(&n); err != nil {
			return "", fmt.Errorf("charger group %s of partner: %w", id, err)
		}
		if n == 0 {
			return "", &volt.Error{Code: volt.EINVALID, Field: "chargerGroupIds", Message: fmt.Sprintf("Charger group %q not found.", id)}
		}
	}
	if p.TariffID != "" {
		var n int
		if err := s.db.QueryRow(ctx, `SELECT COUNT(*) FROM tariffs WHERE id = ? AND cpo_id = ?`, p.TariffID, p.CPOID).Scan(&n); err != nil {
			return "", fmt.Errorf("roaming tariff %s: %w", p.TariffID, err)
		}
		if n == 0 {
			return "", &volt.Error{Code: volt.EINVALID, Field: "tariffId", Message: fmt.Sprintf("Tariff %q not found.", p.TariffID)}
		}
	}
	if ids == nil {
		ids = []string{}
	}
	p.ChargerGroupIDs = ids
	raw, err := json.Marshal(ids)
	return string(raw), err
}
