package store

import (
	"context"
	"fmt"

	"github.com/volt-ev/volt"
)

// HierarchyService implements volt.HierarchyService on a DB.
//
// Visibility rule: CPO grants reach everything with their cpo_id, owner grants
// everything with their owner_id; a host grant reaches its charger groups and,
// read-only, the sites and owners that contain them and the host itself. A CPO
// record is visible only to super admins and CPO-level grants, except through
// FindCPOByHostName, which any authenticated actor may use (a whitelabel's
// theme is public on its login page).
type HierarchyService struct {
	db *DB

	// PlatformHosts are the platform's own host names (of VOLT_PUBLIC_URL
	// and the listener): reserved, with localhost and IP literals, so no
	// theme takes over the platform's login pages (volt.ReservedHostName).
	PlatformHosts []string
	// Resolver looks up the DNS TXT records that verify host name claims;
	// nil leaves host names to super admins.
	Resolver volt.TXTResolver
}

var _ volt.HierarchyService = (*HierarchyService)(nil)

// NewHierarchyService returns the hierarchy service of db.
func NewHierarchyService(db *DB) *HierarchyService { return &HierarchyService{db: db} }

var (
	cpoScope        = scopeCols{CPO: "id"}
	ownerTableScope = scopeCols{CPO: "cpo_id", Owner: "id",
		GroupVia: "id IN (SELECT owner_id FROM charger_groups WHERE id IN (%s))"}
)

const cpoCols = `id, name, whitelabel, theme, currency, created_at, updated_at, max_concurrent_sessions_per_card, legal_name, legal_address, vat_number, require_certified_chargers`

func scanCPO(s rowScanner) (*volt.CPO, error) {
	c := &volt.CPO{}
	var theme string
	var created, updated int64
	if err := s.Scan(&c.ID, &c.Name, &c.Whitelabel, &theme, &c.Currency, &created, &updated, &c.MaxConcurrentSessionsPerCard, &c.LegalName, &c.LegalAddress, &c.VATNumber, &c.RequireCertifiedChargers); err != nil {
		return nil, err
	}
	if err := decodeJSON(theme, &c.Theme); err != nil {
		return nil, fmt.Errorf("cpo %s theme: %w", c.ID, err)
	}
	if c.Theme.HostNames == nil {
		c.Theme.HostNames = []string{}
	}
	c.CreatedAt, c.UpdatedAt = fromMS(created), fromMS(updated)
	return c, nil
}

// FindCPOByID returns a CPO the actor can read.
func (s *HierarchyService) FindCPOByID(ctx context.Context, id string) (*volt.CPO, error) {
	a, err := actorOf(ctx)
	if err != nil {
		return nil, err
	}
	return findOne(ctx, s.db, a, "CPO", cpoCols, "cpos", "id", id, cpoScope, scanCPO)
}

// FindCPOByHostName returns the whitelabel serving a host name (case-
// insensitive, port ignored), for theming.
func (s *HierarchyService) FindCPOByHostName(ctx context.Context, host string) (*volt.CPO, error) {
	if _, err := actorOf(ctx); err != nil {
		return nil, err
	}
	host = normalizeHostName(host)
	if volt.ReservedHostName(host, s.PlatformHosts) {
		// The platform's own names are never a whitelabel's, whatever a
		// theme says (a theme stored before the rule).
		return nil, volt.Errorf(volt.ENOTFOUND, "CPO for host %q not found.", host)
	}
	c, err := scanCPO(s.db.QueryRow(ctx, `SELECT `+cpoCols+` FROM cpos WHERE id = (SELECT cpo_id FROM cpo_host_names WHERE host_name = ?)`, host))
	if err != nil {
		return nil, notFound(err, "CPO for host", host)
	}
	return c, nil
}

func normalizeHostName(h string) string { return volt.NormalizeHostName(h) }

// FindCPOs lists the CPOs the actor can read.
func (s *HierarchyService) FindCPOs(ctx context.Context, f volt.Filter) ([]*volt.CPO, int, error) {
	a, err := actorOf(ctx)
	if err != nil {
		return nil, 0, err
	}
	w := &where{}
	if err := w.scope(a, volt.PermRead, cpoScope); err != nil {
		return nil, 0, err
	}
	w.eq("id", f.ID)
	w.eq("id", f.CPOID)
	w.contains(f.Query, "name")
	return list(ctx, s.db, listQuery{cols: cpoCols, from: "cpos", where: w, order: "name, id", page: f.Page}, scanCPO)
}

// CreateCPO creates a CPO; only super admins may.
func (s *HierarchyService) CreateCPO(ctx context.Context, c *volt.CPO) error {
	a, err := actorOf(ctx)
	if err != nil {
		return err
	}
	if !a.Can(volt.PermWrite, volt.Ref{}) {
		return volt.Errorf(volt.EFORBIDDEN, "Only platform super admins may create CPOs.")
	}
	if err := c.Validate(); err != nil {
		return err
	}
	return s.db.WithTx(ctx, func(tx *Tx) error {
		c.ID = volt.NewID(volt.PrefixCPO)
		c.CreatedAt, c.UpdatedAt = tx.Now(), tx.Now()
		theme, err := cpoTheme(c)
		if err != nil {
			return err
		}
		if err := s.checkHostNames(ctx, tx, a, c.ID, nil, c.Theme.HostNames); err != nil {
			return err
		}
		if _, err := tx.Exec(ctx, `INSERT INTO cpos (id, name, whitelabel, theme, currency, created_at, updated_at, max_concurrent_sessions_per_card, legal_name, legal_address, vat_number)
			VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`, c.ID, c.Name, c.Whitelabel, theme, c.Currency, tx.NowMS(), tx.NowMS(), c.MaxConcurrentSessionsPerCard,
			c.LegalName, c.LegalAddress, c.VATNumber); err != nil {
			return fmt.Errorf("create cpo: %w", err)
		}
		return setHostNames(ctx, tx, c.ID, c.Theme.HostNames)
	})
}

func cpoTheme(c *volt.CPO) (string, error) {
	hosts := []string{}
	for _, h := range c.Theme.HostNames {
		if h = normalizeHostName(h); h != "" {
			hosts = append(hosts, h)
		}
	}
	c.Theme.HostNames = hosts
	return encodeJSON(c.Theme)
}

func setHostNames(ctx context.Context, tx *Tx, cpoID string, hosts []string) error {
	if _, err := tx.Exec(ctx, `DELETE FROM cpo_host_names WHERE cpo_id = ?`, cpoID); err != nil {
		return fmt.Errorf("host names of %s: %w", cpoID, err)
	}
	for _, h := range hosts {
		if _, err := tx.Exec(ctx, `INSERT INTO cpo_host_names (host_name, cpo_id) VALUES (?, ?)`, h, cpoID); err != nil {
			return fmt.Errorf("host name %q: %w", h, err)
		}
	}
	return nil
}

// UpdateCPO changes a CPO's name, whitelabel flag, theme and currency.
func (s *HierarchyService) UpdateCPO(ctx context.Context, c *volt.CPO) error {
	a, err := actorOf(ctx)
	if err != nil {
		return err
	}
	if err := c.Validate(); err != nil {
		return err
	}
	return s.db.WithTx(ctx, func(tx *Tx) error {
		old, err := findOne(ctx, tx, a, "CPO", cpoCols, "cpos", "id", c.ID, cpoScope, scanCPO)
		if err != nil {
			return err
		}
		if !a.Can(volt.PermWrite, volt.Ref{CPOID: old.ID}) {
			return forbidden("CPO")
		}
		theme, err := cpoTheme(c)
		if err != nil {
			return err
		}
		if err := s.checkHostNames(ctx, tx, a, c.ID, old.Theme.HostNames, c.Theme.HostNames); err != nil {
			return err
		}
		if _, err := tx.Exec(ctx, `UPDATE cpos SET name = ?, whitelabel = ?, theme = ?, currency = ?, updated_at = ?, max_concurrent_sessions_per_card = ?,
			legal_name = ?, legal_address = ?, vat_number = ?, require_certified_chargers = ? WHERE id = ?`,
			c.Name, c.Whitelabel, theme, c.Currency, tx.NowMS(), c.MaxConcurrentSessionsPerCard, c.LegalName, c.LegalAddress, c.VATNumber,
			c.RequireCertifiedChargers, c.ID); err != nil {
			return fmt.Errorf("update cpo %s: %w", c.ID, err)
		}
		c.CreatedAt, c.UpdatedAt = old.CreatedAt, tx.Now()
		return setHostNames(ctx, tx, c.ID, c.Theme.HostNames)
	})
}

// DeleteCPO deletes a CPO that has no owners or usergroups left (ECONFLICT
// otherwise). Only super admins may.
func (s *HierarchyService) DeleteCPO(ctx context.Context, id string) error {
	a, err := actorOf(ctx)
	if err != nil {
		return err
	}
	return s.db.WithTx(ctx, func(tx *Tx) error {
		if _, err := findOne(ctx, tx, a, "CPO", cpoCols, "cpos", "id", id, cpoScope, scanCPO); err != nil {
			return err
		}
		if !a.Can(volt.PermWrite, volt.Ref{}) {
			return volt.Errorf(volt.EFORBIDDEN, "Only platform super admins may delete CPOs.")
		}
		res, err := tx.Exec(ctx, `DELETE FROM cpos WHERE id = ?`, id)
		if err != nil {
			return fmt.Errorf("delete cpo %s: %w", id, err)
		}
		return rowsAffected(res, "CPO", id)
	})
}

const ownerCols = `id, cpo_id, name, email, phone, address, vat_number, created_at, updated_at`

func scanOwner(s rowScanner) (*volt.Owner, error) {
	o := &volt.Owner{}
	var addr string
	var created, updated int64
	if err := s.Scan(&o.ID, &o.CPOID, &o.Name, &o.Email, &o.Phone, &addr, &o.VATNumber, &created, &updated); err != nil {
		return nil, err
	}
	if err := decodeJSON(addr, &o.Address); err != nil {
		return nil, fmt.Errorf("owner %s address: %w", o.ID, err)
	}
	o.CreatedAt, o.UpdatedAt = fromMS(created), fromMS(updated)
	return o, nil
}

// FindOwnerByID returns an owner the actor can read.
func (s *HierarchyService) FindOwnerByID(ctx context.Context, id string) (*volt.Owner, error) {
	a, err := actorOf(ctx)
	if err != nil {
		return nil, err
	}
	return findOne(ctx, s.db, a, "Owner", ownerCols, "owners", "id", id, ownerTableScope, scanOwner)
}

// FindOwners lists the owners the actor can read.
func (s *HierarchyService) FindOwners(ctx context.Context, f volt.Filter) ([]*volt.Owner, int, error) {
	a, err := actorOf(ctx)
	if err != nil {
		return nil, 0, err
	}
	w := &where{}
	if err := w.scope(a, volt.PermRead, ownerTableScope); err != nil {
		return nil, 0, err
	}
	w.eq("id", f.ID)
	w.eq("cpo_id", f.CPOID)
	w.eq("id", f.OwnerID)
	w.contains(f.Query, "name")
	return list(ctx, s.db, listQuery{cols: ownerCols, from: "owners", where: w, order: "name, id", page: f.Page}, scanOwner)
}

// CreateOwner creates an owner under a CPO the actor may write.
func (s *HierarchyService) CreateOwner(ctx context.Context, o *volt.Owner) error {
	a, err := actorOf(ctx)
	if err != nil {
		return err
	}
	if err := o.Validate(); err != nil {
		return err
	}
	return s.db.WithTx(ctx, func(tx *Tx) error {
		if _, err := findOne(ctx, tx, a, "CPO", cpoCols, "cpos", "id", o.CPOID, cpoScope, scanCPO); err != nil {
			return err
		}
		if !a.Can(volt.PermWrite, volt.Ref{CPOID: o.CPOID}) {
			return volt.Errorf(volt.EFORBIDDEN, "You may not add owners to this CPO.")
		}
		o.ID = volt.NewID(volt.PrefixOwner)
		o.CreatedAt, o.UpdatedAt = tx.Now(), tx.Now()
		addr, err := encodeJSON(o.Address)
		if err != nil {
			return err
		}
		_, err = tx.Exec(ctx, `INSERT INTO owners (`+ownerCols+`) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)`,
			o.ID, o.CPOID, o.Name, o.Email, o.Phone, addr, o.VATNumber, tx.NowMS(), tx.NowMS())
		if err != nil {
			return fmt.Errorf("create owner: %w", err)
		}
		return nil
	})
}

// UpdateOwner changes an owner's own fields; its CPO never changes.
func (s *HierarchyService) UpdateOwner(ctx context.Context, o *volt.Owner) error {
	a, err := actorOf(ctx)
	if err != nil {
		return err
	}
	return s.db.WithTx(ctx, func(tx *Tx) error {
		old, err := findOne(ctx, tx, a, "Owner", ownerCols, "owners", "id", o.ID, ownerTableScope, scanOwner)
		if err != nil {
			return err
		}
		if !a.Can(volt.PermWrite, volt.Ref{CPOID: old.CPOID, OwnerID: old.ID}) {
			return forbidden("owner")
		}
		o.CPOID = old.CPOID
		if err := o.Validate(); err != nil {
			return err
		}
		addr, err := encodeJSON(o.Address)
		if err != nil {
			return err
		}
		if _, err := tx.Exec(ctx, `UPDATE owners SET name = ?, email = ?, phone = ?, address = ?, vat_number = ?, updated_at = ? WHERE id = ?`,
			o.Name, o.Email, o.Phone, addr, o.VATNumber, tx.NowMS(), o.ID); err != nil {
			return fmt.Errorf("update owner %s: %w", o.ID, err)
		}
		o.CreatedAt, o.UpdatedAt = old.CreatedAt, tx.Now()
		return nil
	})
}

// DeleteOwner deletes an owner with nothing left below it (ECONFLICT
// otherwise).
func (s *HierarchyService) DeleteOwner(ctx context.Context, id string) error {
	a, err := actorOf(ctx)
	if err != nil {
		return err
	}
	return s.db.WithTx(ctx, func(tx *Tx) error {
		old, err := findOne(ctx, tx, a, "Owner", ownerCols, "owners", "id", id, ownerTableScope, scanOwner)
		if err != nil {
			return err
		}
		if !a.Can(volt.PermWrite, volt.Ref{CPOID: old.CPOID, OwnerID: old.ID}) {
			return forbidden("owner")
		}
		if err := refuseIfLiveChargers(ctx, tx, "owner_id", id); err != nil {
			return err
		}
		res, err := tx.Exec(ctx, `DELETE FROM owners WHERE id = ?`, id)
		if err != nil {
			return fmt.Errorf("delete owner %s: %w", id, err)
		}
		return rowsAffected(res, "Owner", id)
	})
}

// refuseIfLiveChargers returns ECONFLICT when live chargers have col = id.
func refuseIfLiveChargers(ctx context.Context, tx *Tx, col, id string) error {
	var n int
	if err := tx.QueryRow(ctx, `SELECT count(*) FROM chargers WHERE `+col+` = ? AND deleted_at IS NULL`, id).Scan(&n); err != nil {
		return fmt.Errorf("count chargers: %w", err)
	}
	if n > 0 {
		return volt.Errorf(volt.ECONFLICT, "It still holds %d chargers; move or delete them first.", n)
	}
	return nil
}
