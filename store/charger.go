package store

import (
	"context"
	"crypto/rand"
	"database/sql"
	"fmt"
	"strings"
	"unicode"

	"github.com/volt-ev/volt"
)

// ChargerService implements volt.ChargerService on a DB. Chargers are soft
// deleted (deleted_at) so that a CPID is never reused and history keeps its
// charger; a deleted charger is ENOTFOUND everywhere and frees its OCPP
// identity.
type ChargerService struct {
	db *DB
}

var _ volt.ChargerService = (*ChargerService)(nil)

// NewChargerService returns the charger service of db.
func NewChargerService(db *DB) *ChargerService { return &ChargerService{db: db} }

var chargerScope = scopeCols{CPO: "c.cpo_id", Owner: "c.owner_id", Group: "c.charger_group_id", CPID: "c.cpid"}

const chargerCols = `c.cpid, c.ocpp_identity, c.hub_id, c.cpo_id, c.owner_id, c.site_id, c.charger_group_id,
	c.name, c.vendor, c.model, c.serial_number, c.firmware, c.iccid, c.imsi, c.meter_type, c.ocpp_version,
	c.online, c.last_seen_at, c.booted_at, c.password_hash, c.created_at, c.updated_at`

// maxConnectors bounds the connectors created with a charger.
const maxConnectors = 64

func scanCharger(s rowScanner) (*volt.Charger, error) {
	c := &volt.Charger{Connectors: []volt.Connector{}}
	var hub sql.NullString
	var lastSeen, booted sql.NullInt64
	var created, updated int64
	if err := s.Scan(&c.CPID, &c.OCPPIdentity, &hub, &c.CPOID, &c.OwnerID, &c.SiteID, &c.ChargerGroupID,
		&c.Name, &c.Vendor, &c.Model, &c.SerialNumber, &c.Firmware, &c.ICCID, &c.IMSI, &c.MeterType, &c.OCPPVersion,
		&c.Online, &lastSeen, &booted, &c.PasswordHash, &created, &updated); err != nil {
		return nil, err
	}
	c.HubID = hub.String
	c.LastSeenAt, c.BootedAt = fromNullMS(lastSeen), fromNullMS(booted)
	c.CreatedAt, c.UpdatedAt = fromMS(created), fromMS(updated)
	return c, nil
}

// loadConnectors fills the connectors of chargers in one query.
func loadConnectors(ctx context.Context, q querier, chargers []*volt.Charger) error {
	if len(chargers) == 0 {
		return nil
	}
	by := make(map[string]*volt.Charger, len(chargers))
	args := make([]any, 0, len(chargers))
	for _, c := range chargers {
		by[c.CPID] = c
		args = append(args, c.CPID)
	}
	rows, err := q.Query(ctx, `SELECT `+connectorCols+`
		FROM connectors WHERE cpid IN (`+inList(len(args))+`) ORDER BY cpid, connector_id`, args...)
	if err != nil {
		return fmt.Errorf("load connectors: %w", err)
	}
	defer rows.Close()
	for rows.Next() {
		k, err := scanConnector(rows)
		if err != nil {
			return fmt.Errorf("load connectors: %w", mapError(err))
		}
		by[k.CPID].Connectors = append(by[k.CPID].Connectors, *k)
	}
	return mapError(rows.Err())
}

// findCharger reads one live charger by a unique column within the read scope.
func findCharger(ctx context.Context, q querier, a *volt.Actor, col, val string) (*volt.Charger, error) {
	w := &where{}
	w.add("c."+col+" = ?", val)
	w.add("c.deleted_at IS NULL")
	if err := w.scope(a, volt.PermRead, chargerScope); err != nil {
		return nil, err
	}
	c, err := scanCharger(q.QueryRow(ctx, `SELECT `+chargerCols+` FROM chargers c WHERE `+w.String(), w.args...))
	if err != nil {
		return nil, notFound(err, "Charger", val)
	}
	if err := loadConnectors(ctx, q, []*volt.Charger{c}); err != nil {
		return nil, err
	}
	return c, nil
}

// FindChargerByCPID returns a live charger the actor can read.
func (s *ChargerService) FindChargerByCPID(ctx context.Context, cpid string) (*volt.Charger, error) {
	a, err := actorOf(ctx)
	if err != nil {
		return nil, err
	}
	return findCharger(ctx, s.db, a, "cpid", cpid)
}

// FindChargerByIdentity returns the live charger with an OCPP identity.
func (s *ChargerService) FindChargerByIdentity(ctx context.Context, identity string) (*volt.Charger, error) {
	a, err := actorOf(ctx)
	if err != nil {
		return nil, err
	}
	return findCharger(ctx, s.db, a, "ocpp_identity", identity)
}

// FindChargers lists live chargers in the actor's read scope, ordered by
// CPID. Query matches a prefix of the CPID, identity, name or serial number
// (case-insensitive for ASCII).
func (s *ChargerService) FindChargers(ctx context.Context, f volt.ChargerFilter) ([]*volt.Charger, int, error) {
	a, err := actorOf(ctx)
	if err != nil {
		return nil, 0, err
	}
	w := &where{}
	w.add("c.deleted_at IS NULL")
	if err := w.scope(a, volt.PermRead, chargerScope); err != nil {
		return nil, 0, err
	}
	w.eq("c.cpid", f.CPID)
	w.eq("c.cpo_id", f.CPOID)
	w.eq("c.owner_id", f.OwnerID)
	w.eq("c.site_id", f.SiteID)
	w.eq("c.charger_group_id", f.ChargerGroupID)
	if f.Online != nil {
		w.add("c.online = ?", *f.Online)
	}
	if f.Status != "" {
		w.add("c.cpid IN (SELECT cpid FROM connectors WHERE status = ?)", string(f.Status))
	}
	if q := strings.TrimSpace(f.Query); q != "" {
		// Prefix, not substring: index ranges of migration 0006.
		cond, args := prefixMatch(s.db.Dialect, q, []string{"ocpp_identity", "name", "serial_number"})
		w.add(cond, args...)
	}
	chargers, total, err := list(ctx, s.db, listQuery{cols: chargerCols, from: "chargers c", where: w, order: "c.cpid", page: f.Page}, scanCharger)
	if err != nil {
		return nil, 0, fmt.Errorf("find chargers: %w", err)
	}
	if err := loadConnectors(ctx, s.db, chargers); err != nil {
		return nil, 0, err
	}
	return chargers, total, nil
}

// validIdentity reports whether s can be an OCPP identity: the last path
// element of the websocket URL, at most 48 printable characters (OCPP 1.6
// security whitepaper, identity as basic-auth user) without / or :.
func validIdentity(s string) bool {
	if s == "" || len(s) > 48 {
		return false
	}
	for _, r := range s {
		if r > unicode.MaxASCII || !unicode.IsPrint(r) || r == ' ' || r == '/' || r == ':' || r == '?' || r == '#' || r == '%' {
			return false
		}
	}
	return true
}

// newChargerPassword returns a random 24-character password (about 143 bits).
func newChargerPassword() string {
	const alphabet = "ABCDEFGHJKLMNPQRSTUVWXYZabcdefghijkmnopqrstuvwxyz23456789"
	b := make([]byte, 24)
	for i := range b {
		b[i] = alphabet[randIndex(len(alphabet))]
	}
	return string(b)
}

// randIndex returns a uniform random index below n without modulo bias.
func randIndex(n int) int {
	var b [1]byte
	limit := 256 - 256%n
	for {
		if _, err := rand.Read(b[:]); err != nil {
			panic(fmt.Sprintf("store: crypto/rand failed: %v", err))
		}
		if int(b[0]) < limit {
			return int(b[0]) % n
		}
	}
}

// nextCPID allocates the next CPID from the counter row. The counter only
// grows, so a CPID is never handed out twice, even after a delete.
func nextCPID(ctx context.Context, tx *Tx) (string, error) {
	var n int64
	if err := tx.QueryRow(ctx, `UPDATE counters SET value = value + 1 WHERE name = 'cpid' RETURNING value`).Scan(&n); err != nil {
		return "", fmt.Errorf("allocate cpid: %w", err)
	}
	return volt.FormatCPID(n), nil
}
