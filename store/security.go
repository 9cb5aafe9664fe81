package store

import (
	"context"
	"database/sql"
	"encoding/json"
	"errors"
	"fmt"
	"time"

	volt "github.com/volt-ev/volt"
)

// SecurityService implements volt.ChargerSecurityService (issue 18).
type SecurityService struct{ db *DB }

// NewSecurityService returns the security service over db.
func NewSecurityService(db *DB) *SecurityService { return &SecurityService{db: db} }

var _ volt.ChargerSecurityService = (*SecurityService)(nil)

// charger returns the charger if the actor may act on it with p
// (ENOTFOUND outside its read scope, EFORBIDDEN inside it without p).
func (s *SecurityService) charger(ctx context.Context, cpid string, p volt.Perm) (*volt.Charger, error) {
	a, err := actorOf(ctx)
	if err != nil {
		return nil, err
	}
	c, err := findCharger(ctx, s.db, a, "cpid", cpid)
	if err != nil {
		return nil, fmt.Errorf("charger %s: %w", cpid, err)
	}
	if p != volt.PermRead && !a.Can(p, c.Ref()) {
		return nil, volt.Errorf(volt.EFORBIDDEN, "You may not change the security of charger %s.", cpid)
	}
	return c, nil
}

// FindChargerByIdentity implements volt.ChargerSecurityService.
func (s *SecurityService) FindChargerByIdentity(ctx context.Context, identity string) (*volt.Charger, error) {
	c, err := findCharger(ctx, s.db, volt.SystemActor, "ocpp_identity", identity)
	if err != nil {
		return nil, fmt.Errorf("charger with identity %q: %w", identity, err)
	}
	return c, nil
}

// FindChargerSecurity implements volt.ChargerSecurityService.
func (s *SecurityService) FindChargerSecurity(ctx context.Context, cpid string) (*volt.ChargerSecurity, error) {
	if _, err := s.charger(ctx, cpid, volt.PermRead); err != nil {
		return nil, err
	}
	return s.security(ctx, cpid)
}

func (s *SecurityService) security(ctx context.Context, cpid string) (*volt.ChargerSecurity, error) {
	sec := &volt.ChargerSecurity{CPID: cpid, SecurityProfile: volt.SecurityProfileBasic}
	var until sql.NullInt64
	err := s.db.QueryRow(ctx, `SELECT security_profile, connected_profile, pending_profile, pending_until, upgrade_status
		FROM charger_security WHERE cpid = ?`, cpid).Scan(&sec.SecurityProfile, &sec.ConnectedProfile,
		&sec.PendingProfile, &until, &sec.UpgradeStatus)
	if errors.Is(err, sql.ErrNoRows) {
		return sec, nil
	} else if err != nil {
		return nil, fmt.Errorf("security of %s: %w", cpid, err)
	}
	if until.Valid {
		t := fromMS(until.Int64)
		sec.PendingUntil = &t
	}
	return sec, nil
}

// SetSecurityProfile implements volt.ChargerSecurityService.
func (s *SecurityService) SetSecurityProfile(ctx context.Context, cpid string, profile int) (*volt.ChargerSecurity, error) {
	if profile < volt.SecurityProfileBasic || profile > volt.SecurityProfileTLSClient {
		return nil, volt.FieldError("securityProfile", "The security profile must be 1, 2 or 3.")
	}
	if _, err := s.charger(ctx, cpid, volt.PermCommand); err != nil {
		return nil, err
	}
	if _, err := s.db.Exec(ctx, `INSERT INTO charger_security (cpid, security_profile, updated_at) VALUES (?, ?, ?)
		ON CONFLICT (cpid) DO UPDATE SET security_profile = excluded.security_profile, updated_at = excluded.updated_at`,
		cpid, profile, toMS(s.db.Now())); err != nil {
		return nil, fmt.Errorf("set security profile of %s: %w", cpid, err)
	}
	return s.security(ctx, cpid)
}

// StartUpgrade implements volt.ChargerSecurityService.
func (s *SecurityService) StartUpgrade(ctx context.Context, cpid string, profile int, until time.Time) error {
	status, u := "Pending", sql.NullInt64{Int64: toMS(until), Valid: true}
	if profile == 0 {
		status, u = "RolledBack", sql.NullInt64{}
	}
	_, err := s.db.Exec(ctx, `INSERT INTO charger_security (cpid, pending_profile, pending_until, upgrade_status, updated_at)
		VALUES (?, ?, ?, ?, ?) ON CONFLICT (cpid) DO UPDATE SET pending_profile = excluded.pending_profile,
		pending_until = excluded.pending_until, upgrade_status = excluded.upgrade_status, updated_at = excluded.updated_at`,
		cpid, profile, u, status, toMS(s.db.Now()))
	if err != nil {
		return fmt.Errorf("start upgrade of %s: %w", cpid, err)
	}
	return nil
}

// RecordConnectedProfile implements volt.ChargerSecurityService.
func (s *SecurityService) RecordConnectedProfile(ctx context.Context, cpid string, profile int) error {
	now := toMS(s.db.Now())
	return s.db.WithTx(ctx, func(tx *Tx) error {
		res, err := tx.Exec(ctx, `UPDATE charger_security SET
			security_profile = CASE WHEN pending_profile > security_profile THEN pending_profile ELSE security_profile END,
			pending_profile = 0, pending_until = NULL, upgrade_status = 'Done', updated_at = ?
			WHERE cpid = ? AND pending_profile > 0 AND pending_profile <= ? AND pending_until >= ?`, now, cpid, profile, now)
		if err != nil {
			return fmt.Errorf("complete upgrade of %s: %w", cpid, err)
		}
		// A raised minimum profile is committed durably; the connected
		// profile alone lazily, as the charger states it again at its next
		// connection.
		if n, _ := res.RowsAffected(); n == 0 {
			if err := tx.Lazy(ctx); err != nil {
				return err
			}
		}
		if _, err := tx.Exec(ctx, `INSERT INTO charger_security (cpid, connected_profile, updated_at) VALUES (?, ?, ?)
			ON CONFLICT (cpid) DO UPDATE SET connected_profile = excluded.connected_profile, updated_at = excluded.updated_at`,
			cpid, profile, now); err != nil {
			return fmt.Errorf("record profile of %s: %w", cpid, err)
		}
		return nil
	})
}

// RollBackUpgrades implements volt.ChargerSecurityService.
func (s *SecurityService) RollBackUpgrades(ctx context.Context, now time.Time) ([]string, error) {
	rows, err := s.db.Query(ctx, `SELECT cpid FROM charger_security WHERE pending_profile > 0 AND pending_until < ?`, toMS(now))
	if err != nil {
		return nil, fmt.Errorf("find lapsed upgrades: %w", err)
	}
	var out []string
	for rows.Next() {
		var cpid string
		if err := rows.Scan(&cpid); err != nil {
			rows.Close()
			return nil, err
		}
		out = append(out, cpid)
	}
	rows.Close()
	for _, cpid := range out {
		if err := s.StartUpgrade(ctx, cpid, 0, time.Time{}); err != nil {
			return nil, err
		}
	}
	return out, rows.Err()
}

// RecordCertificate implements volt.ChargerSecurityService.
func (s *SecurityService) RecordCertificate(ctx context.Context, c volt.ChargerCertificate) error {
	if c.Kind == "" {
		c.Kind = volt.CertificateKindChargingStation
	}
	hash := ""
	if c.HashData != nil {
		b, _ := json.Marshal(c.HashData)
		hash = string(b)
	}
	_, err := s.db.Exec(ctx, `INSERT INTO charger_certificates (serial, cpid, identity, not_before, not_after, chain_pem, issued_at,
		kind, subject, issuer, hash_data) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`, c.Serial, c.CPID, c.Identity, toMS(c.NotBefore),
		toMS(c.NotAfter), c.ChainPEM, toMS(c.IssuedAt), c.Kind, c.Subject, c.Issuer, hash)
	if err != nil {
		return fmt.Errorf("record certificate %s of %s: %w", c.Serial, c.CPID, err)
	}
	return nil
}

const certCols = `serial, cpid, identity, not_before, not_after, chain_pem, issued_at, revoked_at, revocation_reason,
	kind, subject, issuer, hash_data`

func (s *SecurityService) certs(ctx context.Context, where string, args ...any) ([]volt.ChargerCertificate, error) {
	rows, err := s.db.Query(ctx, `SELECT `+certCols+` FROM charger_certificates WHERE `+where, args...)
	if err != nil {
		return nil, fmt.Errorf("find certificates: %w", err)
	}
	defer rows.Close()
	out := []volt.ChargerCertificate{}
	for rows.Next() {
		var (
			c              volt.ChargerCertificate
			nb, na, issued int64
			revoked        sql.NullInt64
			hash           string
		)
		if err := rows.Scan(&c.Serial, &c.CPID, &c.Identity, &nb, &na, &c.ChainPEM, &issued, &revoked, &c.Reason,
			&c.Kind, &c.Subject, &c.Issuer, &hash); err != nil {
			return nil, err
		}
		if hash != "" {
			c.HashData = &volt.CertificateHashData{}
			if err := json.Unmarshal([]byte(hash), c.HashData); err != nil {
				return nil, fmt.Errorf("certificate %s hash data: %w", c.Serial, err)
			}
		}
		c.NotBefore, c.NotAfter, c.IssuedAt = fromMS(nb), fromMS(na), fromMS(issued)
		if revoked.Valid {
			t := fromMS(revoked.Int64)
			c.RevokedAt = &t
		}
		out = append(out, c)
	}
	return out, rows.Err()
}

// FindCertificates implements volt.ChargerSecurityService.
func (s *SecurityService) FindCertificates(ctx context.Context, cpid string) ([]volt.ChargerCertificate, error) {
	if _, err := s.charger(ctx, cpid, volt.PermRead); err != nil {
		return nil, err
	}
	return s.certs(ctx, `cpid = ? ORDER BY issued_at DESC, serial`, cpid)
}

// RevokeCertificate implements volt.ChargerSecurityService.
func (s *SecurityService) RevokeCertificate(ctx context.Context, cpid, serial, reason string) error {
	if _, err := s.charger(ctx, cpid, volt.PermCommand); err != nil {
		return err
	}
	res, err := s.db.Exec(ctx, `UPDATE charger_certificates SET revoked_at = ?, revocation_reason = ?
		WHERE cpid = ? AND serial = ? AND revoked_at IS NULL`, toMS(s.db.Now()), reason, cpid, serial)
	if err != nil {
		return fmt.Errorf("revoke %s: %w", serial, err)
	}
	if n, _ := res.RowsAffected(); n == 0 {
		return volt.Errorf(volt.ENOTFOUND, "Charger %s has no live certificate %s.", cpid, serial)
	}
	return nil
}

// IsRevoked implements volt.ChargerSecurityService.
func (s *SecurityService) IsRevoked(ctx context.Context, serial string) (bool, error) {
	var n int
	// Only client certificates authenticate a connection; an SECC
	// certificate's serial comes from another CA.
	if err := s.db.QueryRow(ctx, `SELECT count(*) FROM charger_certificates WHERE serial = ? AND revoked_at IS NOT NULL
		AND kind = ?`, serial, volt.CertificateKindChargingStation).Scan(&n); err != nil {
		return false, fmt.Errorf("revocation of %s: %w", serial, err)
	}
	return n > 0, nil
}

// CertificatesExpiring implements volt.ChargerSecurityService.
func (s *SecurityService) CertificatesExpiring(ctx context.Context, before time.Time) ([]volt.ChargerCertificate, error) {
	return s.certs(ctx, `revoked_at IS NULL AND not_after < ? AND issued_at = (SELECT max(c2.issued_at)
		FROM charger_certificates c2 WHERE c2.cpid = charger_certificates.cpid AND c2.kind = charger_certificates.kind
		AND c2.revoked_at IS NULL) ORDER BY not_after`, toMS(before))
}

// RecordSecurityEvent implements volt.ChargerSecurityService.
func (s *SecurityService) RecordSecurityEvent(ctx context.Context, e volt.SecurityEvent) (*volt.SecurityEvent, error) {
	if e.CPOID == "" {
		if c, err := findCharger(ctx, s.db, volt.SystemActor, "cpid", e.CPID); err == nil {
			e.CPOID = c.CPOID
		}
	}
	// A critical event is journaled with the row (security.critical), so
	// the alert rule sees each exactly once, whatever restarts.
	err := s.db.WithTx(ctx, func(tx *Tx) error {
		err := tx.QueryRow(ctx, `INSERT INTO security_events (cpid, type, tech_info, critical, at, received_at)
			VALUES (?, ?, ?, ?, ?, ?) RETURNING id`, e.CPID, e.Type, e.TechInfo, e.Critical, toMS(e.At), toMS(e.ReceivedAt)).Scan(&e.ID)
		if err != nil || !e.Critical || e.CPOID == "" {
			return err
		}
		return tx.emit(ctx, volt.Event{Type: volt.EventSecurityCritical, CPID: e.CPID, CPOID: e.CPOID, At: e.At, Data: e})
	})
	if err != nil {
		return nil, fmt.Errorf("record security event of %s: %w", e.CPID, err)
	}
	if e.Critical {
		if err := s.auditCritical(ctx, &e); err != nil {
			return nil, err
		}
	}
	return &e, nil
}

// auditCritical writes a critical security event to the audit log, as the
// system, on the charger, so an operator's audit view shows it.
func (s *SecurityService) auditCritical(ctx context.Context, e *volt.SecurityEvent) error {
	details, _ := json.Marshal(e)
	entry := &volt.AuditEntry{At: e.ReceivedAt, Source: volt.AuditSourceSystem, Action: "security_event." + e.Type,
		ResourceType: "charger", ResourceID: e.CPID, CPOID: e.CPOID, Details: details, Outcome: volt.AuditOK}
	if c, err := findCharger(ctx, s.db, volt.SystemActor, "cpid", e.CPID); err == nil {
		entry.OwnerID, entry.ChargerGroupID = c.OwnerID, c.ChargerGroupID
	}
	if err := NewAuditService(s.db).Record(volt.NewContextWithActor(ctx, volt.SystemActor), entry); err != nil {
		return fmt.Errorf("audit security event of %s: %w", e.CPID, err)
	}
	return nil
}

// FindSecurityEvents implements volt.ChargerSecurityService: the newest
// first.
func (s *SecurityService) FindSecurityEvents(ctx context.Context, cpid string, limit int) ([]volt.SecurityEvent, error) {
	if _, err := s.charger(ctx, cpid, volt.PermRead); err != nil {
		return nil, err
	}
	if limit <= 0 || limit > 500 {
		limit = 100
	}
	rows, err := s.db.Query(ctx, `SELECT id, type, tech_info, critical, at, received_at FROM security_events
		WHERE cpid = ? ORDER BY id DESC LIMIT ?`, cpid, limit)
	if err != nil {
		return nil, fmt.Errorf("find security events of %s: %w", cpid, err)
	}
	defer rows.Close()
	out := []volt.SecurityEvent{}
	for rows.Next() {
		e := volt.SecurityEvent{CPID: cpid}
		var at, rec int64
		if err := rows.Scan(&e.ID, &e.Type, &e.TechInfo, &e.Critical, &at, &rec); err != nil {
			return nil, err
		}
		e.At, e.ReceivedAt = fromMS(at), fromMS(rec)
		out = append(out, e)
	}
	return out, rows.Err()
}

// FindAuthority returns the stored CA of a scope ("platform"): its
// certificate and its sealed key, or ENOTFOUND.
func (s *SecurityService) FindAuthority(ctx context.Context, scope string) (certPEM, keySealed string, err error) {
	err = s.db.QueryRow(ctx, `SELECT cert_pem, key_sealed FROM pki_authorities WHERE scope = ?`, scope).Scan(&certPEM, &keySealed)
	if errors.Is(err, sql.ErrNoRows) {
		return "", "", volt.Errorf(volt.ENOTFOUND, "No certificate authority for %s.", scope)
	}
	return certPEM, keySealed, err
}

// SaveAuthority stores a CA for a scope unless one is there already (a
// node that lost the race reads the winner's with FindAuthority).
func (s *SecurityService) SaveAuthority(ctx context.Context, scope, certPEM, keySealed string) error {
	_, err := s.db.Exec(ctx, `INSERT INTO pki_authorities (scope, cert_pem, key_sealed, created_at) VALUES (?, ?, ?, ?)
		ON CONFLICT (scope) DO NOTHING`, scope, certPEM, keySealed, toMS(s.db.Now()))
	if err != nil {
		return fmt.Errorf("save authority %s: %w", scope, err)
	}
	return nil
}
