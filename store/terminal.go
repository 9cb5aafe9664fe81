package store

import (
	"context"
	"crypto/rand"
	"crypto/sha256"
	"database/sql"
	"encoding/hex"
	"errors"
	"fmt"
	"strings"

	"github.com/volt-ev/volt"
)

// TerminalService implements volt.TerminalService on a DB, taking card
// holds through the MoneyService. Each terminal has its own guest user
// whose idTags (one per connector, created on first use) start the sessions
// it pays for: the charger is remote-started with that idTag, the session
// is admitted by the hold on its connector (a hold without a user binds by
// connector alone) and captured at its CDR by MoneyService.OnCDR.
type TerminalService struct {
	db    *DB
	money *MoneyService
}

var _ volt.TerminalService = (*TerminalService)(nil)

// NewTerminalService returns the terminal service.
func NewTerminalService(db *DB, money *MoneyService) *TerminalService {
	return &TerminalService{db: db, money: money}
}

const terminalCols = `id, cpid, connector_id, provider, serial, cpo_id, owner_id, charger_group_id, created_at`

func scanTerminal(s rowScanner) (*volt.Terminal, error) {
	t := &volt.Terminal{}
	var created int64
	if err := s.Scan(&t.ID, &t.CPID, &t.ConnectorID, &t.Provider, &t.Serial, &t.CPOID, &t.OwnerID, &t.ChargerGroupID, &created); err != nil {
		return nil, err
	}
	t.CreatedAt = fromMS(created)
	return t, nil
}

// CreateTerminal registers a terminal on a charger in the actor's write
// scope (a connector, if given, must exist) and returns its API key, shown
// once: only its hash is kept.
func (s *TerminalService) CreateTerminal(ctx context.Context, t *volt.Terminal) (string, error) {
	a, err := actorOf(ctx)
	if err != nil {
		return "", err
	}
	if err := t.Validate(); err != nil {
		return "", err
	}
	t.ID = volt.NewID("trm")
	secret := make([]byte, 24)
	if _, err := rand.Read(secret); err != nil {
		return "", fmt.Errorf("terminal key: %w", err)
	}
	key := volt.TerminalKeyPrefix + t.ID + "." + hex.EncodeToString(secret)
	hash, err := HashSecret(key)
	if err != nil {
		return "", err
	}
	err = s.db.WithTx(ctx, func(tx *Tx) error {
		if err := chargerForTerminal(ctx, tx, a, t); err != nil {
			return err
		}
		userID := volt.NewID(volt.PrefixUser)
		_, err := tx.Exec(ctx, `INSERT INTO users (id, email, name, phone, cpo_id, super_admin, guest, disabled, password_hash, created_at, updated_at)
			VALUES (?, ?, ?, '', ?, FALSE, TRUE, FALSE, '', ?, ?)`, userID, strings.ToLower(t.ID)+"@terminals.volt.invalid",
			"Contactless terminal "+t.Serial, t.CPOID, tx.NowMS(), tx.NowMS())
		if err != nil {
			return fmt.Errorf("terminal user: %w", err)
		}
		t.CreatedAt = tx.Now()
		_, err = tx.Exec(ctx, `INSERT INTO terminals (id, cpid, connector_id, provider, serial, cpo_id, owner_id, charger_group_id, user_id, key_hash, created_at)
			VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`, t.ID, t.CPID, t.ConnectorID, t.Provider, t.Serial, t.CPOID, t.OwnerID,
			t.ChargerGroupID, userID, hash, tx.NowMS())
		if volt.IsCode(err, volt.ECONFLICT) {
			return volt.Errorf(volt.ECONFLICT, "A %s terminal with serial %q is already registered.", t.Provider, t.Serial)
		}
		return err
	})
	if err != nil {
		return "", fmt.Errorf("register terminal on %s: %w", t.CPID, err)
	}
	return key, nil
}

// chargerForTerminal places t under its charger, which the actor must be
// allowed to change; a connector must be one of the charger's.
func chargerForTerminal(ctx context.Context, tx *Tx, a *volt.Actor, t *volt.Terminal) error {
	err := tx.QueryRow(ctx, `SELECT cpo_id, owner_id, charger_group_id FROM chargers WHERE cpid = ? AND deleted_at IS NULL`, t.CPID).
		Scan(&t.CPOID, &t.OwnerID, &t.ChargerGroupID)
	if err != nil || !a.Can(volt.PermRead, t.Ref()) {
		return notFound(errors.Join(err, sql.ErrNoRows), "Charger", t.CPID)
	}
	if !a.Can(volt.PermWrite, t.Ref()) {
		return forbidden("charger's terminals")
	}
	if t.ConnectorID > 0 {
		return connectorExists(ctx, tx, t.CPID, t.ConnectorID)
	}
	return nil
}

func connectorExists(ctx context.Context, q querier, cpid string, connector int) error {
	var n int
	if err := q.QueryRow(ctx, `SELECT count(*) FROM connectors WHERE cpid = ? AND connector_id = ?`, cpid, connector).Scan(&n); err != nil {
		return fmt.Errorf("connector %s/%d: %w", cpid, connector, err)
	}
	if n == 0 {
		return volt.FieldError("connectorId", "Charger %s has no connector %d.", cpid, connector)
	}
	return nil
}

// terminalByID returns a live terminal the actor may read: its operators,
// or the terminal itself.
func terminalByID(ctx context.Context, q querier, a *volt.Actor, id string) (*volt.Terminal, error) {
	t, err := scanTerminal(q.QueryRow(ctx, `SELECT `+terminalCols+` FROM terminals WHERE id = ? AND deleted_at IS NULL`, id))
	if err != nil && !errors.Is(err, sql.ErrNoRows) {
		return nil, fmt.Errorf("find terminal %s: %w", id, err)
	}
	if err != nil || !(a.Can(volt.PermRead, t.Ref()) || (a.TerminalID != "" && a.TerminalID == t.ID)) {
		return nil, volt.Errorf(volt.ENOTFOUND, "Terminal %q not found.", id)
	}
	return t, nil
}

// FindTerminalByID returns a terminal to its operators or to itself.
func (s *TerminalService) FindTerminalByID(ctx context.Context, id string) (*volt.Terminal, error) {
	a, err := actorOf(ctx)
	if err != nil {
		return nil, err
	}
	return terminalByID(ctx, s.db, a, id)
}

// FindTerminals lists the terminals on chargers in the actor's read scope.
func (s *TerminalService) FindTerminals(ctx context.Context, f volt.TerminalFilter) ([]*volt.Terminal, int, error) {
	a, err := actorOf(ctx)
	if err != nil {
		return nil, 0, err
	}
	w := &where{}
	w.add("deleted_at IS NULL")
	if err := w.scope(a, volt.PermRead, scopeCols{CPO: "cpo_id", Owner: "owner_id", Group: "charger_group_id"}); err != nil {
		return nil, 0, err
	}
	w.eq("cpid", f.CPID)
	return list(ctx, s.db, listQuery{cols: terminalCols, from: "terminals", where: w, order: "created_at DESC, id DESC", page: f.Page}, scanTerminal)
}

// DeleteTerminal retires a terminal: its key stops working at once.
func (s *TerminalService) DeleteTerminal(ctx context.Context, id string) error {
	a, err := actorOf(ctx)
	if err != nil {
		return err
	}
	return s.db.WithTx(ctx, func(tx *Tx) error {
		t, err := terminalByID(ctx, tx, a, id)
		if err != nil {
			return err
		}
		if !a.Can(volt.PermWrite, t.Ref()) {
			return forbidden("terminal")
		}
		_, err = tx.Exec(ctx, `UPDATE terminals SET deleted_at = ? WHERE id = ?`, tx.NowMS(), id)
		return err
	})
}

// AuthenticateTerminal resolves a terminal API key ("vtk_<id>.<secret>") to
// the terminal's actor. Any failure is the same EUNAUTHORIZED, and an
// unknown terminal costs a hash verification like a known one.
func (s *TerminalService) AuthenticateTerminal(ctx context.Context, key string) (*volt.Actor, error) {
	bad := volt.Errorf(volt.EUNAUTHORIZED, "Invalid terminal key.")
	rest, ok := strings.CutPrefix(key, volt.TerminalKeyPrefix)
	i := strings.LastIndexByte(rest, '.')
	if !ok || i <= 0 || len(key) > 200 {
		return nil, bad
	}
	id := rest[:i]
	var hash string
	err := s.db.QueryRow(ctx, `SELECT key_hash FROM terminals WHERE id = ? AND deleted_at IS NULL`, id).Scan(&hash)
	if err != nil && !errors.Is(err, sql.ErrNoRows) {
		return nil, fmt.Errorf("authenticate terminal: %w", err)
	}
	if err != nil {
		hash = dummySecretHash()
	}
	match, verr := VerifyPassword(hash, key)
	if err != nil || verr != nil || !match {
		return nil, bad
	}
	return &volt.Actor{TerminalID: id}, nil
}

// terminalIDTag is the idTag of a terminal's sessions on a connector: a
// CiString20 derived from the terminal id, unguessable from outside.
func terminalIDTag(terminalID string, connector int) string {
	sum := sha256.Sum256([]byte("volt-terminal:" + terminalID))
	return fmt.Sprintf("TRM%X%02d", sum[:6], connector)
}
