package store

import (
	"context"
	"crypto/x509"
	"database/sql"
	"encoding/pem"
	"errors"
	"fmt"

	"github.com/volt-ev/volt"
)

// CPOAuthorityStore keeps CPOs' own issuing CAs in pki_authorities (scope =
// the CPO's id; issue 18). The key arrives sealed: generating, importing
// and sealing are the caller's (cmd/voltd), authorisation is here.
type CPOAuthorityStore struct{ db *DB }

// NewCPOAuthorityStore returns the store.
func NewCPOAuthorityStore(db *DB) *CPOAuthorityStore { return &CPOAuthorityStore{db: db} }

// cpo checks that the CPO exists within the actor's read scope
// (ENOTFOUND otherwise) and, for p beyond read, that the actor may act on
// it (EFORBIDDEN).
func (s *CPOAuthorityStore) cpo(ctx context.Context, cpoID string, p volt.Perm) error {
	a, err := actorOf(ctx)
	if err != nil {
		return err
	}
	ref := volt.Ref{CPOID: cpoID}
	notFound := volt.Errorf(volt.ENOTFOUND, "CPO %s not found.", cpoID)
	if !a.Can(volt.PermRead, ref) {
		return notFound
	}
	var one int
	if err := s.db.QueryRow(ctx, `SELECT 1 FROM cpos WHERE id = ?`, cpoID).Scan(&one); errors.Is(err, sql.ErrNoRows) {
		return notFound
	} else if err != nil {
		return fmt.Errorf("find CPO %s: %w", cpoID, err)
	}
	if p != volt.PermRead && !a.Can(p, ref) {
		return volt.Errorf(volt.EFORBIDDEN, "You may not change the certificate authority of CPO %s.", cpoID)
	}
	return nil
}

func authorityOf(cpoID, certPEM string, created int64) *volt.CPOAuthority {
	out := &volt.CPOAuthority{CPOID: cpoID, CertificatePEM: certPEM, CreatedAt: fromMS(created)}
	if b, _ := pem.Decode([]byte(certPEM)); b != nil {
		if c, err := x509.ParseCertificate(b.Bytes); err == nil {
			out.Subject, out.NotAfter = c.Subject.String(), c.NotAfter.UTC()
		}
	}
	return out
}

// FindCPOAuthority returns the CPO's CA (without its key), ENOTFOUND when
// it has none.
func (s *CPOAuthorityStore) FindCPOAuthority(ctx context.Context, cpoID string) (*volt.CPOAuthority, error) {
	if err := s.cpo(ctx, cpoID, volt.PermRead); err != nil {
		return nil, err
	}
	var (
		certPEM string
		created int64
	)
	err := s.db.QueryRow(ctx, `SELECT cert_pem, created_at FROM pki_authorities WHERE scope = ?`, cpoID).Scan(&certPEM, &created)
	if errors.Is(err, sql.ErrNoRows) {
		return nil, volt.Errorf(volt.ENOTFOUND, "CPO %s has no certificate authority of its own.", cpoID)
	}
	if err != nil {
		return nil, fmt.Errorf("find CPO %s authority: %w", cpoID, err)
	}
	return authorityOf(cpoID, certPEM, created), nil
}

// CreateCPOAuthority stores the CA issue returns (its certificate PEM and
// sealed key) for the CPO, once the actor may write the CPO and the CPO has
// none (ECONFLICT); issue runs only then.
func (s *CPOAuthorityStore) CreateCPOAuthority(ctx context.Context, cpoID string, issue func() (certPEM, keySealed string, err error)) (*volt.CPOAuthority, error) {
	if err := s.cpo(ctx, cpoID, volt.PermWrite); err != nil {
		return nil, err
	}
	conflict := volt.Errorf(volt.ECONFLICT, "CPO %s already has a certificate authority.", cpoID)
	var one int
	switch err := s.db.QueryRow(ctx, `SELECT 1 FROM pki_authorities WHERE scope = ?`, cpoID).Scan(&one); {
	case err == nil:
		return nil, conflict
	case !errors.Is(err, sql.ErrNoRows):
		return nil, fmt.Errorf("find CPO %s authority: %w", cpoID, err)
	}
	certPEM, sealed, err := issue()
	if err != nil {
		return nil, err
	}
	now := toMS(s.db.Now())
	res, err := s.db.Exec(ctx, `INSERT INTO pki_authorities (scope, cert_pem, key_sealed, created_at) VALUES (?, ?, ?, ?)
		ON CONFLICT (scope) DO NOTHING`, cpoID, certPEM, sealed, now)
	if err != nil {
		return nil, fmt.Errorf("save CPO %s authority: %w", cpoID, err)
	}
	if n, _ := res.RowsAffected(); n == 0 {
		return nil, conflict
	}
	return authorityOf(cpoID, certPEM, now), nil
}

// CPOAuthorityCertificates returns every CPO's CA certificate (PEM) by CPO
// id, for the TLS handshake (system).
func (s *CPOAuthorityStore) CPOAuthorityCertificates(ctx context.Context) (map[string]string, error) {
	rows, err := s.db.Query(ctx, `SELECT scope, cert_pem FROM pki_authorities WHERE scope <> 'platform'`)
	if err != nil {
		return nil, fmt.Errorf("list CPO authorities: %w", err)
	}
	defer rows.Close()
	out := map[string]string{}
	for rows.Next() {
		var scope, certPEM string
		if err := rows.Scan(&scope, &certPEM); err != nil {
			return nil, err
		}
		out[scope] = certPEM
	}
	return out, rows.Err()
}
