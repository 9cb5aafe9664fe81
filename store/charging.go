package store

import (
	"context"
	"database/sql"
	"encoding/json"
	"errors"
	"fmt"
	"sync/atomic"
	"time"

	"github.com/volt-ev/volt"
)

// SessionPricer is the seam through which the money layer prices sessions. The same
// Price function gives the live cost (on every register reading) and the CDR
// cost (at stop), from the tariff snapshot frozen at start, so the two never
// differ (LESSONS: CitrineOS PR #944).
type SessionPricer interface {
	// SnapshotTariff returns the tariff in force for the session being
	// started (hierarchy, user, idTag and free vend are set), frozen into
	// Session.TariffSnapshot, and the payment method. It runs inside the
	// StartTransaction transaction: it may read the database but must not
	// write it.
	SnapshotTariff(ctx context.Context, s *volt.Session, auth volt.AuthResult) (snapshot json.RawMessage, paymentMethod string, err error)
	// Price returns the cost of s under s.TariffSnapshot for usage u: the
	// session's start and its register readings in time order, the last
	// being the one priced up to (the stop reading for a CDR). It must be
	// pure; volt.PriceSession is the function meant.
	Price(s *volt.Session, u volt.Usage) (*volt.Cost, error)
	// TariffRefusal returns why no tariff applies to userID on the charger
	// group at a time ("" when one does): the refusal of volt.SelectTariff,
	// the rule the charger's price answers with. It runs inside the
	// authorisation's transaction and only reads.
	TariffRefusal(ctx context.Context, chargerGroupID, userID string, at time.Time) (string, error)
}

// StartGate is the seam through which the money layer admits a start it has
// to pay for (the charging store never imports the money code): a user's
// idTag that DecideAuthorization accepts, not for free vend. It is asked
// outside every transaction of the charging store, since it may write and
// call a payment provider (a card pre-authorisation).
type StartGate interface {
	// AdmitStart returns "" when the start of userID on the charger's
	// connector will be paid (a hold already placed for it, credit at the
	// CPO's minimum, a card on file now pre-authorised), else the reason it
	// will not. connectorID 0 is an Authorize, whose connector is not known
	// yet: nothing is held then.
	AdmitStart(ctx context.Context, userID, cpid string, connectorID int) (refusal string, err error)
}

// ChargingService implements volt.ChargingService on the SQL store: the state
// of chargers, connectors, sessions and CDRs as OCPP reports it. Every method
// runs in one transaction and keeps nothing in memory, so a restart loses
// nothing. It publishes no events: the gateway does, after the call returns.
//
// Writes for one charger are serialised by locking the charger's row first
// (then connectors, then sessions: one fixed order, so concurrent messages of
// a charger queue instead of deadlocking). On SQLite every write transaction
// is BEGIN IMMEDIATE, which serialises them anyway.
type ChargingService struct {
	db *DB

	// Pricer prices sessions; nil leaves costs empty.
	Pricer SessionPricer
	// Gate admits starts that must be paid for; nil admits every start the
	// authorisation rule accepts.
	Gate StartGate
	// OfflineStartAfter is how much older than its receipt a start may be
	// before it is flagged offline_start (default 5 minutes).
	OfflineStartAfter time.Duration
	// HeartbeatEvery is the least time between two writes of lastSeenAt by
	// RecordHeartbeat for one charger (default 30 seconds).
	HeartbeatEvery time.Duration
	// RealTime asks eMSP partners about their NEVER and ALLOWED tokens
	// before an authorisation's transaction (issue 14); nil decides from
	// the stored token (NEVER refused).
	RealTime volt.RoamingAuthorizer

	batcher    atomic.Pointer[meterBatcher]     // set by StartMeterBatching
	heartbeats atomic.Pointer[heartbeatBatcher] // set by StartHeartbeatBatching
	stmts      stmtCache
}

var _ volt.ChargingService = (*ChargingService)(nil)

// NewChargingService returns the charging service on db.
func NewChargingService(db *DB) *ChargingService {
	return &ChargingService{db: db, OfflineStartAfter: 5 * time.Minute, HeartbeatEvery: 30 * time.Second}
}

// chargerFacts is what the charging service needs of a charger row.
type chargerFacts struct {
	CPID                               string
	CPOID, OwnerID, SiteID, ChargerGrp string
}

func (c *chargerFacts) ref() volt.Ref {
	return volt.Ref{CPOID: c.CPOID, OwnerID: c.OwnerID, ChargerGroupID: c.ChargerGrp, CPID: c.CPID}
}

// lockCharger reads the charger and, on PostgreSQL, locks its row for the
// rest of the transaction: the first lock every per-charger write takes.
func lockCharger(ctx context.Context, tx *Tx, cpid string) (*chargerFacts, error) {
	return lockChargerWith(ctx, tx, nil, cpid)
}

// lockChargerWith is lockCharger with its read prepared in stmts (SQLite),
// for the hot OCPP paths.
func lockChargerWith(ctx context.Context, tx *Tx, stmts *stmtCache, cpid string) (*chargerFacts, error) {
	q := `SELECT cpid, cpo_id, owner_id, site_id, charger_group_id FROM chargers WHERE cpid = ?`
	if tx.Dialect() == Postgres {
		q += ` FOR UPDATE`
	}
	var row rowScanner
	if stmts != nil {
		row = stmts.queryRow(ctx, tx, q, cpid)
	} else {
		row = tx.QueryRow(ctx, q, cpid)
	}
	c := &chargerFacts{}
	err := row.Scan(&c.CPID, &c.CPOID, &c.OwnerID, &c.SiteID, &c.ChargerGrp)
	if errors.Is(err, sql.ErrNoRows) {
		return nil, volt.Errorf(volt.ENOTFOUND, "Charger %s not found.", cpid)
	} else if err != nil {
		return nil, fmt.Errorf("lock charger %s: %w", cpid, err)
	}
	return c, nil
}

// AuthenticateCharger checks an OCPP identity and its Basic-auth password
// against the stored hashes: the current password, a rotation's pending one
// (until it lapses: the charger holds it, so it becomes current at once,
// even when its answer to the rotation was lost) and, within its grace, the
// previous one. The first connection with the current password revokes the
// previous one. Unknown identity and wrong password are the same
// EUNAUTHORIZED, and both cost a hash verification. The charger comes with
// its security state and its model's relaxations (Charger.Handshake), read
// with its secrets.
func (s *ChargingService) AuthenticateCharger(ctx context.Context, identity, password string) (*volt.Charger, error) {
	sec, err := s.findChargerSecrets(ctx, identity)
	if err != nil {
		return nil, err
	}
	if sec == nil || sec.current == "" {
		_, _ = VerifyPassword(dummySecretHash(), password)
		return nil, volt.Errorf(volt.EUNAUTHORIZED, "Unknown charger identity or wrong password.")
	}
	which := sec.match(password, toMS(s.db.Now()))
	if which == "" {
		return nil, volt.Errorf(volt.EUNAUTHORIZED, "Unknown charger identity or wrong password.")
	}
	switch {
	case which == "current" && sec.prev != "":
		if err := s.revokePrevious(ctx, sec.cpid); err != nil {
			return nil, err
		}
	case which == "pending":
		if err := s.promotePending(ctx, sec.cpid, sec.pending); err != nil {
			return nil, err
		}
	}
	c, err := findCharger(ctx, s.db.handshakeDB(), volt.SystemActor, "cpid", sec.cpid)
	if err != nil {
		return nil, fmt.Errorf("authenticate charger %q: %w", identity, err)
	}
	c.Handshake = &sec.handshake
	return c, nil
}

// ChargerRelaxations returns the OCPP relaxations switched on for the
// charger's make and model (none for a model not in charger_models).
func (s *ChargingService) ChargerRelaxations(ctx context.Context, cpid string) ([]string, error) {
	var raw sql.NullString
	// The charger by its key first, then its model by the model's key: a
	// join would let PostgreSQL's planner start from the model's chargers
	// (ix_chargers_model) whenever its statistics are stale, and read every
	// charger of the model at each connect.
	err := s.db.QueryRow(ctx, `SELECT m.relaxations FROM charger_models m
		WHERE (m.vendor, m.model) = (SELECT c.vendor, c.model FROM chargers c WHERE c.cpid = ?)`, cpid).Scan(&raw)
	if errors.Is(err, sql.ErrNoRows) {
		return nil, nil
	} else if err != nil {
		return nil, fmt.Errorf("relaxations of %s: %w", cpid, err)
	}
	return decodeStringList(raw.String)
}

// RecordConnection records a charger's websocket connecting or going away.
func (s *ChargingService) RecordConnection(ctx context.Context, cpid string, online bool, ocppVersion string, at time.Time) error {
	return s.db.WithTx(ctx, func(tx *Tx) error {
		if err := tx.Lazy(ctx); err != nil {
			return err
		}
		if _, err := lockCharger(ctx, tx, cpid); err != nil {
			return err
		}
		q := `UPDATE chargers SET online = ?, last_seen_at = ?, updated_at = ? WHERE cpid = ?`
		args := []any{online, toMS(at), tx.NowMS(), cpid}
		if online && ocppVersion != "" {
			q = `UPDATE chargers SET online = ?, last_seen_at = ?, updated_at = ?, ocpp_version = ? WHERE cpid = ?`
			args = []any{online, toMS(at), tx.NowMS(), ocppVersion, cpid}
		}
		if _, err := tx.Exec(ctx, q, args...); err != nil {
			return fmt.Errorf("record connection of %s: %w", cpid, err)
		}
		// Reliability (issue 17 item 3) counts offline time from this history.
		if _, err := tx.Exec(ctx, `INSERT INTO connection_history (cpid, online, at) VALUES (?, ?, ?)`, cpid, online, toMS(at)); err != nil {
			return fmt.Errorf("record connection history of %s: %w", cpid, err)
		}
		return nil
	})
}

// RecordHeartbeat records that the charger is alive. It writes at most once
// per HeartbeatEvery per charger: the condition is in the UPDATE itself, so a
// heartbeat inside the window costs no write.
//
// With StartHeartbeatBatching it only notes the time, written with the
// others within the batching period.
func (s *ChargingService) RecordHeartbeat(ctx context.Context, cpid string, at time.Time) error {
	if b := s.heartbeats.Load(); b != nil {
		b.note(cpid, at)
		return nil
	}
	return s.writeHeartbeat(ctx, s.db, cpid, at)
}

// RecordBoot records what a charger says about itself at boot, and adds an
// unknown make/model to charger_models as not certified.
// The boot is recorded even when it is held Pending (an uncertified model
// on a CPO that requires certification): the error then wraps
// volt.ErrBootPending.
func (s *ChargingService) RecordBoot(ctx context.Context, cpid string, b volt.BootInfo) error {
	pending := false
	err := s.db.WithTx(ctx, func(tx *Tx) error {
		if err := tx.Lazy(ctx); err != nil {
			return err
		}
		ch, err := lockCharger(ctx, tx, cpid)
		if err != nil {
			return err
		}
		at := b.At
		if at.IsZero() {
			at = tx.Now()
		}
		pending, err = recordBootModel(ctx, tx, cpid, ch.CPOID, b.Vendor, b.Model) // store/certification.go
		if err != nil {
			return err
		}
		// One UPDATE of the charger's row per boot (issue 12: it was three,
		// each a new row version in the WAL).
		q := `UPDATE chargers SET vendor = ?, model = ?, serial_number = ?, firmware = ?,
			iccid = ?, imsi = ?, meter_type = ?, booted_at = ?, last_seen_at = ?, updated_at = ?, boot_pending = ?`
		args := []any{b.Vendor, b.Model, b.SerialNumber, b.Firmware, b.ICCID, b.IMSI, b.MeterType,
			toMS(at), toMS(at), tx.NowMS(), pending}
		if b.OCPPVersion != "" {
			q += `, ocpp_version = ?`
			args = append(args, b.OCPPVersion)
		}
		if _, err = tx.Exec(ctx, q+` WHERE cpid = ?`, append(args, cpid)...); err != nil {
			return fmt.Errorf("record boot of %s: %w", cpid, err)
		}
		return nil
	})
	if err == nil && pending {
		return fmt.Errorf("boot of %s (%s %s): %w", cpid, b.Vendor, b.Model, volt.ErrBootPending)
	}
	return err
}

// RecordStatus updates the connector's status (unless the report is older
// than the one stored) and appends it to the status history. Connector 0 (the
// charger as a whole) goes to the history only.
func (s *ChargingService) RecordStatus(ctx context.Context, r volt.StatusReport) error {
	return s.db.WithTx(ctx, func(tx *Tx) error {
		if err := tx.Lazy(ctx); err != nil {
			return err
		}
		// Its statements are prepared (SQLite): parsing them was a quarter
		// of the CPU of a StatusNotification.
		ch, err := lockChargerWith(ctx, tx, &s.stmts, r.CPID)
		if err != nil {
			return err
		}
		at := r.At
		if at.IsZero() {
			at = tx.Now()
		}
		if err := tx.emit(ctx, volt.Event{Type: volt.EventConnectorStatus, CPID: r.CPID, CPOID: ch.CPOID, At: at,
			Data: volt.Connector{CPID: r.CPID, ConnectorID: r.ConnectorID, Status: r.Status, ErrorCode: r.ErrorCode,
				Info: r.Info, VendorError: r.VendorError, StatusAt: at}}); err != nil {
			return err
		}
		_, err = s.stmts.exec(ctx, tx, `INSERT INTO status_history (cpid, connector_id, status, error_code, info, vendor_error, at, received_at)
			VALUES (?, ?, ?, ?, ?, ?, ?, ?)`, r.CPID, r.ConnectorID, string(r.Status), r.ErrorCode, r.Info, r.VendorError, toMS(at), tx.NowMS())
		if err != nil {
			return fmt.Errorf("record status history of %s/%d: %w", r.CPID, r.ConnectorID, err)
		}
		if r.ConnectorID <= 0 {
			return nil
		}
		// status_changed_at (the server's clock) is where OCPI status pushes
		// find the change (ChangedConnectors): no other write for them.
		res, err := s.stmts.exec(ctx, tx, `UPDATE connectors SET status = ?, error_code = ?, info = ?, vendor_error = ?, status_at = ?, status_changed_at = ?
			WHERE cpid = ? AND connector_id = ? AND (status_at IS NULL OR status_at <= ?)`,
			string(r.Status), r.ErrorCode, r.Info, r.VendorError, toMS(at), tx.NowMS(), r.CPID, r.ConnectorID, toMS(at))
		if err != nil {
			return fmt.Errorf("record status of %s/%d: %w", r.CPID, r.ConnectorID, err)
		}
		if n, _ := res.RowsAffected(); n > 0 {
			return nil
		}
		// A connector the charger has but Volt did not know of: add it.
		_, err = tx.Exec(ctx, `INSERT INTO connectors (cpid, connector_id, type, max_power_w, status, error_code, info, vendor_error, status_at, status_changed_at)
			VALUES (?, ?, '', 0, ?, ?, ?, ?, ?, ?) ON CONFLICT DO NOTHING`,
			r.CPID, r.ConnectorID, string(r.Status), r.ErrorCode, r.Info, r.VendorError, toMS(at), tx.NowMS())
		if err != nil {
			return fmt.Errorf("add connector %s/%d: %w", r.CPID, r.ConnectorID, err)
		}
		return nil
	})
}

// RecordConfiguration stores configuration keys as read from the charger
// (GetConfiguration). Keys not in the list are kept: a GetConfiguration may
// ask for some keys only. Only keys whose value or read-only flag changed are
// written, in multi-row statements: after a reconnect (every charger of a
// storm reads its configuration again) nothing has usually changed.
//
// Nothing changed is seen by a read first, and then costs no transaction
// (issue 12: a commit, with its row lock, per reconnecting charger): the
// same outcome as the transaction finding nothing to write at that moment.
// A change is written under the charger's lock, compared again there.
func (s *ChargingService) RecordConfiguration(ctx context.Context, cpid string, keys []volt.ConfigKey) error {
	if len(keys) > 0 {
		if stored, err := storedConfiguration(ctx, s.db, cpid); err == nil && len(configChanges(stored, keys)) == 0 {
			return nil
		} // on a failed read the transaction reads again and reports
	}
	return s.db.WithTx(ctx, func(tx *Tx) error {
		if err := tx.Lazy(ctx); err != nil {
			return err
		}
		if _, err := lockCharger(ctx, tx, cpid); err != nil {
			return err
		}
		stored, err := storedConfiguration(ctx, tx, cpid)
		if err != nil {
			return err
		}
		changed := configChanges(stored, keys)
		for len(changed) > 0 {
			n := min(len(changed), maxConfigRowsPerInsert)
			args := make([]any, 0, 5*n)
			for _, k := range changed[:n] {
				args = append(args, cpid, k.Key, k.Value, k.Readonly, tx.NowMS())
			}
			q := `INSERT INTO charger_configuration (cpid, config_key, value, readonly, updated_at) VALUES ` +
				valuesRows(n, "(?, ?, ?, ?, ?)") + ` ON CONFLICT (cpid, config_key)
				DO UPDATE SET value = excluded.value, readonly = excluded.readonly, updated_at = excluded.updated_at`
			if _, err := tx.Exec(ctx, q, args...); err != nil {
				return fmt.Errorf("record configuration of %s: %w", cpid, err)
			}
			changed = changed[n:]
		}
		return nil
	})
}

// maxConfigRowsPerInsert keeps a multi-row upsert under the parameter limits.
const maxConfigRowsPerInsert = 200

// configChanges returns the keys whose value or read-only flag differ from
// stored (a key listed twice: the last wins), values redacted.
func configChanges(stored map[string]volt.ConfigKey, keys []volt.ConfigKey) []volt.ConfigKey {
	last := make(map[string]int, len(keys))
	for i, k := range keys {
		last[k.Key] = i
	}
	var changed []volt.ConfigKey
	for i, k := range keys {
		k.Value = redactedValue(k.Key, k.Value)
		old, ok := stored[k.Key]
		if last[k.Key] != i || ok && old.Readonly == k.Readonly && equalValue(old.Value, k.Value) {
			continue
		}
		changed = append(changed, k)
	}
	return changed
}

// storedConfiguration returns a charger's configuration keys as stored.
func storedConfiguration(ctx context.Context, tx querier, cpid string) (map[string]volt.ConfigKey, error) {
	rows, err := tx.Query(ctx, `SELECT config_key, value, readonly FROM charger_configuration WHERE cpid = ?`, cpid)
	if err != nil {
		return nil, fmt.Errorf("configuration of %s: %w", cpid, err)
	}
	defer rows.Close()
	out := map[string]volt.ConfigKey{}
	for rows.Next() {
		var k volt.ConfigKey
		var v sql.NullString
		if err := rows.Scan(&k.Key, &v, &k.Readonly); err != nil {
			return nil, fmt.Errorf("configuration of %s: %w", cpid, mapError(err))
		}
		if v.Valid {
			k.Value = &v.String
		}
		out[k.Key] = k
	}
	return out, mapError(rows.Err())
}

// redactedValue is v, or volt.Redacted for a secret key's value: a charger
// that reports its AuthorizationKey does not get it stored or shown.
func redactedValue(key string, v *string) *string {
	if v == nil || !volt.IsSecretConfigKey(key) {
		return v
	}
	r := volt.Redacted
	return &r
}

func equalValue(a, b *string) bool {
	return a == nil && b == nil || a != nil && b != nil && *a == *b
}

// FindConfiguration returns the charger's configuration keys as last read,
// for an actor who may read the charger.
func (s *ChargingService) FindConfiguration(ctx context.Context, cpid string) ([]volt.ConfigKey, error) {
	if err := s.canReadCharger(ctx, cpid); err != nil {
		return nil, err
	}
	rows, err := s.db.Query(ctx, `SELECT config_key, value, readonly FROM charger_configuration WHERE cpid = ? ORDER BY config_key`, cpid)
	if err != nil {
		return nil, fmt.Errorf("find configuration of %s: %w", cpid, err)
	}
	defer rows.Close()
	keys := []volt.ConfigKey{}
	for rows.Next() {
		var k volt.ConfigKey
		var v sql.NullString
		if err := rows.Scan(&k.Key, &v, &k.Readonly); err != nil {
			return nil, fmt.Errorf("scan configuration of %s: %w", cpid, mapError(err))
		}
		if v.Valid {
			k.Value = redactedValue(k.Key, &v.String)
		}
		keys = append(keys, k)
	}
	return keys, mapError(rows.Err())
}

// canReadCharger returns ENOTFOUND unless the actor in ctx may read the
// charger (its existence stays hidden otherwise), by the charger service's
// own scope rule.
func (s *ChargingService) canReadCharger(ctx context.Context, cpid string) error {
	a, err := actorOf(ctx)
	if err != nil {
		return err
	}
	if _, err := findCharger(ctx, s.db, a, "cpid", cpid); err != nil {
		return fmt.Errorf("charger %s: %w", cpid, err)
	}
	return nil
}
