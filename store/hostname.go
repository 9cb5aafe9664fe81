package store

import (
	"context"
	"crypto/rand"
	"database/sql"
	"encoding/hex"
	"errors"
	"fmt"
	"slices"
	"strings"

	"github.com/volt-ev/volt"
)

var _ volt.HostNameService = (*HierarchyService)(nil)

// checkHostNames applies the host name rules (volt.ValidateHostName) to the
// names a CPO's theme is to have: none reserved, each a DNS name, and, for
// an actor that is no super admin, each name not already in the theme
// verified for this CPO by a claim.
func (s *HierarchyService) checkHostNames(ctx context.Context, tx *Tx, a *volt.Actor, cpoID string, old, hosts []string) error {
	for _, h := range hosts {
		if err := volt.ValidateHostName(h, s.PlatformHosts); err != nil {
			return err
		}
		if a.SuperAdmin || slices.Contains(old, h) {
			continue
		}
		var verified sql.NullInt64
		err := tx.QueryRow(ctx, `SELECT verified_at FROM host_name_claims WHERE host_name = ? AND cpo_id = ?`, h, cpoID).Scan(&verified)
		if err != nil && !errors.Is(err, sql.ErrNoRows) {
			return fmt.Errorf("claim of %q: %w", h, err)
		}
		if !verified.Valid {
			return &volt.Error{Code: volt.EUNPROCESSABLE, Field: "theme.hostNames", Message: fmt.Sprintf(
				"Host name %q is not verified for this CPO: claim it (POST /api/v1/cpos/%s/host-names), publish its DNS TXT record and verify it, or ask the platform.", h, cpoID)}
		}
	}
	return nil
}

const claimCols = `host_name, cpo_id, token, created_at, verified_at`

func scanClaim(r rowScanner) (*volt.HostNameClaim, error) {
	c := &volt.HostNameClaim{}
	var token string
	var created int64
	var verified sql.NullInt64
	if err := r.Scan(&c.HostName, &c.CPOID, &token, &created, &verified); err != nil {
		return nil, err
	}
	c.TXTName = volt.HostNameTXTPrefix + c.HostName
	c.TXTValue = volt.HostNameTXTValuePrefix + token
	c.CreatedAt, c.VerifiedAt, c.Verified = fromMS(created), fromNullMS(verified), verified.Valid
	return c, nil
}

// claimCPO checks the actor may write the CPO (ENOTFOUND when it cannot
// read it, EFORBIDDEN when read-only).
func claimCPO(ctx context.Context, q querier, a *volt.Actor, cpoID string) error {
	if _, err := findOne(ctx, q, a, "CPO", cpoCols, "cpos", "id", cpoID, cpoScope, scanCPO); err != nil {
		return err
	}
	if !a.Can(volt.PermWrite, volt.Ref{CPOID: cpoID}) {
		return forbidden("CPO's host names")
	}
	return nil
}

// FindHostNameClaims lists a CPO's host name claims.
func (s *HierarchyService) FindHostNameClaims(ctx context.Context, cpoID string) ([]*volt.HostNameClaim, error) {
	a, err := actorOf(ctx)
	if err != nil {
		return nil, err
	}
	if err := claimCPO(ctx, s.db, a, cpoID); err != nil {
		return nil, err
	}
	rows, err := s.db.Query(ctx, `SELECT `+claimCols+` FROM host_name_claims WHERE cpo_id = ? ORDER BY host_name`, cpoID)
	if err != nil {
		return nil, fmt.Errorf("host name claims of %s: %w", cpoID, err)
	}
	defer rows.Close()
	out := []*volt.HostNameClaim{}
	for rows.Next() {
		c, err := scanClaim(rows)
		if err != nil {
			return nil, fmt.Errorf("host name claims of %s: %w", cpoID, mapError(err))
		}
		out = append(out, c)
	}
	return out, mapError(rows.Err())
}

// ClaimHostName starts (or returns) a CPO's claim to a host name.
func (s *HierarchyService) ClaimHostName(ctx context.Context, cpoID, host string) (*volt.HostNameClaim, error) {
	a, err := actorOf(ctx)
	if err != nil {
		return nil, err
	}
	host = volt.NormalizeHostName(host)
	var out *volt.HostNameClaim
	err = s.db.WithTx(ctx, func(tx *Tx) error {
		if err := claimCPO(ctx, tx, a, cpoID); err != nil {
			return err
		}
		if err := volt.ValidateHostName(host, s.PlatformHosts); err != nil {
			err.(*volt.Error).Field = "hostName"
			return err
		}
		var owner string
		err := tx.QueryRow(ctx, `SELECT cpo_id FROM cpo_host_names WHERE host_name = ?`, host).Scan(&owner)
		if err == nil && owner != cpoID {
			return &volt.Error{Code: volt.ECONFLICT, Field: "hostName", Message: fmt.Sprintf("Host name %q is already served by another CPO.", host)}
		} else if err != nil && !errors.Is(err, sql.ErrNoRows) {
			return fmt.Errorf("host name %q: %w", host, err)
		}
		if c, err := scanClaim(tx.QueryRow(ctx, `SELECT `+claimCols+` FROM host_name_claims WHERE host_name = ? AND cpo_id = ?`, host, cpoID)); err == nil {
			out = c
			return nil
		} else if !errors.Is(err, sql.ErrNoRows) {
			return fmt.Errorf("claim of %q: %w", host, err)
		}
		var b [16]byte
		if _, err := rand.Read(b[:]); err != nil {
			return fmt.Errorf("claim token: %w", err)
		}
		var verified any
		if a.SuperAdmin {
			verified = tx.NowMS()
		}
		if _, err := tx.Exec(ctx, `INSERT INTO host_name_claims (`+claimCols+`) VALUES (?, ?, ?, ?, ?)`,
			host, cpoID, hex.EncodeToString(b[:]), tx.NowMS(), verified); err != nil {
			return fmt.Errorf("claim %q: %w", host, err)
		}
		out, err = scanClaim(tx.QueryRow(ctx, `SELECT `+claimCols+` FROM host_name_claims WHERE host_name = ? AND cpo_id = ?`, host, cpoID))
		return err
	})
	return out, err
}

// VerifyHostName checks the claim's TXT record through the Resolver.
func (s *HierarchyService) VerifyHostName(ctx context.Context, cpoID, host string) (*volt.HostNameClaim, error) {
	a, err := actorOf(ctx)
	if err != nil {
		return nil, err
	}
	host = volt.NormalizeHostName(host)
	if err := claimCPO(ctx, s.db, a, cpoID); err != nil {
		return nil, err
	}
	c, err := scanClaim(s.db.QueryRow(ctx, `SELECT `+claimCols+` FROM host_name_claims WHERE host_name = ? AND cpo_id = ?`, host, cpoID))
	if err != nil {
		return nil, notFound(err, "Host name claim", host)
	}
	if c.Verified {
		return c, nil
	}
	if s.Resolver == nil {
		return nil, volt.Errorf(volt.EUNAVAILABLE, "Host name verification is not available on this server: ask the platform to add the name.")
	}
	// The lookup runs outside any transaction: DNS may be slow.
	records, err := s.Resolver.LookupTXT(ctx, c.TXTName)
	if err != nil || !slices.ContainsFunc(records, func(r string) bool { return strings.TrimSpace(r) == c.TXTValue }) {
		return nil, &volt.Error{Code: volt.EUNPROCESSABLE, Field: "hostName", Message: fmt.Sprintf(
			"The TXT record %s does not hold %q yet (DNS changes can take a while to show).", c.TXTName, c.TXTValue)}
	}
	err = s.db.WithTx(ctx, func(tx *Tx) error {
		_, err := tx.Exec(ctx, `UPDATE host_name_claims SET verified_at = ? WHERE host_name = ? AND cpo_id = ? AND verified_at IS NULL`,
			tx.NowMS(), host, cpoID)
		if err != nil {
			return fmt.Errorf("verify %q: %w", host, err)
		}
		c, err = scanClaim(tx.QueryRow(ctx, `SELECT `+claimCols+` FROM host_name_claims WHERE host_name = ? AND cpo_id = ?`, host, cpoID))
		return err
	})
	return c, err
}

// DeleteHostNameClaim withdraws a claim.
func (s *HierarchyService) DeleteHostNameClaim(ctx context.Context, cpoID, host string) error {
	a, err := actorOf(ctx)
	if err != nil {
		return err
	}
	host = volt.NormalizeHostName(host)
	return s.db.WithTx(ctx, func(tx *Tx) error {
		if err := claimCPO(ctx, tx, a, cpoID); err != nil {
			return err
		}
		res, err := tx.Exec(ctx, `DELETE FROM host_name_claims WHERE host_name = ? AND cpo_id = ?`, host, cpoID)
		if err != nil {
			return fmt.Errorf("delete claim %q: %w", host, err)
		}
		return rowsAffected(res, "Host name claim", host)
	})
}
