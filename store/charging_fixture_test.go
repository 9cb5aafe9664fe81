package store_test

import (
	"context"
	"fmt"
	"sync/atomic"
	"testing"
	"time"

	"github.com/volt-ev/volt"
	"github.com/volt-ev/volt/store"
)

// chargingFixture is a small estate written straight into the tables, so the
// charging tests do not depend on the other services: two CPOs, each with an
// owner, a site, a public and a private charger group and a charger with two
// connectors; users with RFID cards.
type chargingFixture struct {
	db  *store.DB
	svc *store.ChargingService
	now time.Time

	cpoA, cpoB       string
	cpidA, cpidB     string // public groups
	cpidPrivA        string // private group of CPO A
	groupPrivA       string
	driver, driverB  string // users with cards "CARD-A", "CARD-B"
	engineer         string // engineer of CPO A, card "ENG-1"
	blockedUser      string // card "BLOCKED-1" blocked
	accessUsergroupA string // admitted to groupPrivA
}

var fixtureSeq atomic.Int64

func newChargingFixture(t testing.TB, db *store.DB) *chargingFixture {
	t.Helper()
	f := &chargingFixture{db: db, svc: store.NewChargingService(db), now: time.Date(2026, 3, 1, 12, 0, 0, 0, time.UTC)}
	db.Now = func() time.Time { return f.now }
	ctx := context.Background()
	var a, b [4]string
	f.cpoA, a = f.estate(t, "A")
	f.cpoB, b = f.estate(t, "B")
	f.cpidA, f.cpidPrivA, f.groupPrivA = a[0], a[1], a[2]
	f.cpidB = b[0]
	f.driver = f.user(t, "CARD-A", false, nil)
	f.driverB = f.user(t, "CARD-B", false, nil)
	f.blockedUser = f.user(t, "BLOCKED-1", true, nil)
	f.engineer = f.user(t, "ENG-1", false, nil)
	f.exec(t, `INSERT INTO usergroups (id, name, role, cpo_id, created_at, updated_at) VALUES (?, 'eng', 'engineer', ?, 0, 0)`, "ugr_eng"+f.cpoA, f.cpoA)
	f.exec(t, `INSERT INTO memberships (usergroup_id, user_id, created_at) VALUES (?, ?, 0)`, "ugr_eng"+f.cpoA, f.engineer)
	f.accessUsergroupA = "ugr_acc" + f.cpoA
	f.exec(t, `INSERT INTO usergroups (id, name, role, cpo_id, private, created_at, updated_at) VALUES (?, 'acc', 'driver', ?, TRUE, 0, 0)`, f.accessUsergroupA, f.cpoA)
	f.exec(t, `INSERT INTO charger_group_access (charger_group_id, usergroup_id) VALUES (?, ?)`, f.groupPrivA, f.accessUsergroupA)
	_ = ctx
	return f
}

func (f *chargingFixture) exec(t testing.TB, q string, args ...any) {
	t.Helper()
	if _, err := f.db.Exec(context.Background(), q, args...); err != nil {
		t.Fatalf("fixture %q: %v", q, err)
	}
}

// estate creates a CPO with an owner, a site, a public and a private group
// and one charger in each; it returns the CPO id and [public cpid, private
// cpid, private group id].
func (f *chargingFixture) estate(t testing.TB, name string) (string, [4]string) {
	n := fixtureSeq.Add(1)
	cpo, own, site := volt.NewID("cpo"), volt.NewID("own"), volt.NewID("sit")
	pub, priv := volt.NewID("cgr"), volt.NewID("cgr")
	f.exec(t, `INSERT INTO cpos (id, name, currency, created_at, updated_at) VALUES (?, ?, 'GBP', 0, 0)`, cpo, "CPO "+name)
	f.exec(t, `INSERT INTO owners (id, cpo_id, name, created_at, updated_at) VALUES (?, ?, 'o', 0, 0)`, own, cpo)
	f.exec(t, `INSERT INTO sites (id, cpo_id, owner_id, name, time_zone, created_at, updated_at) VALUES (?, ?, ?, 's', 'Europe/London', 0, 0)`, site, cpo, own)
	f.exec(t, `INSERT INTO charger_groups (id, cpo_id, owner_id, site_id, name, private, created_at, updated_at) VALUES (?, ?, ?, ?, 'pub', FALSE, 0, 0)`, pub, cpo, own, site)
	f.exec(t, `INSERT INTO charger_groups (id, cpo_id, owner_id, site_id, name, private, created_at, updated_at) VALUES (?, ?, ?, ?, 'priv', TRUE, 0, 0)`, priv, cpo, own, site)
	var out [4]string
	for i, g := range []string{pub, priv} {
		cpid := volt.FormatCPID(n*10 + int64(i))
		hash, err := store.HashPassword("secret-" + cpid)
		if err != nil {
			t.Fatal(err)
		}
		f.exec(t, `INSERT INTO chargers (cpid, ocpp_identity, cpo_id, owner_id, site_id, charger_group_id, password_hash, created_at, updated_at)
			VALUES (?, ?, ?, ?, ?, ?, ?, 0, 0)`, cpid, "id-"+cpid, cpo, own, site, g, hash)
		for c := 1; c <= 2; c++ {
			f.exec(t, `INSERT INTO connectors (cpid, connector_id, max_power_w) VALUES (?, ?, 22000)`, cpid, c)
		}
		out[i] = cpid
	}
	out[2] = priv
	return cpo, out
}

func (f *chargingFixture) user(t testing.TB, card string, blocked bool, expires *time.Time) string {
	id := volt.NewID("usr")
	f.exec(t, `INSERT INTO users (id, email, created_at, updated_at) VALUES (?, ?, 0, 0)`, id, id+"@example.com")
	var exp any
	if expires != nil {
		exp = expires.UnixMilli()
	}
	f.exec(t, `INSERT INTO rfid_cards (id, uid, uid_norm, user_id, blocked, expires_at, created_at, updated_at) VALUES (?, ?, ?, ?, ?, ?, 0, 0)`,
		volt.NewID("rfc"), card, volt.NormalizeIDTag(card), id, blocked, exp)
	return id
}

// sys is a context of the system actor (the gateway).
func sys() context.Context {
	return volt.NewContextWithActor(context.Background(), volt.SystemActor)
}

func (f *chargingFixture) start(t testing.TB, cpid string, connector int, tag string, meter int64, at time.Time) *volt.StartResult {
	t.Helper()
	res, err := f.svc.StartTransaction(sys(), volt.StartRequest{CPID: cpid, ConnectorID: connector, IDTag: tag,
		MeterStart: meter, At: at, ReceivedAt: f.now})
	if err != nil {
		t.Fatalf("start on %s/%d: %v", cpid, connector, err)
	}
	if res.TransactionID < 1 || res.TransactionID > 1<<31-1 {
		t.Fatalf("transaction id %d outside 1..2^31-1", res.TransactionID)
	}
	return res
}

func (f *chargingFixture) stop(t testing.TB, cpid string, txID, meter int64, at time.Time) *volt.StopResult {
	t.Helper()
	res, err := f.svc.StopTransaction(sys(), volt.StopRequest{CPID: cpid, TransactionID: txID, MeterStop: meter, At: at, Reason: "EVDisconnected"})
	if err != nil {
		t.Fatalf("stop %d on %s: %v", txID, cpid, err)
	}
	return res
}

func (f *chargingFixture) count(t testing.TB, q string, args ...any) int {
	t.Helper()
	var n int
	if err := f.db.QueryRow(context.Background(), q, args...).Scan(&n); err != nil {
		t.Fatalf("count %q: %v", q, err)
	}
	return n
}

func register(at time.Time, value, unit string) volt.MeterSample {
	return volt.MeterSample{Timestamp: at, Measurand: "Energy.Active.Import.Register", Unit: unit, Value: value}
}

func hasFlag(flags []string, f string) bool {
	for _, x := range flags {
		if x == f {
			return true
		}
	}
	return false
}

func mustFlag(t testing.TB, what string, flags []string, want ...string) {
	t.Helper()
	for _, w := range want {
		if !hasFlag(flags, w) {
			t.Errorf("%s flags %v lack %q", what, flags, w)
		}
	}
}

var _ = fmt.Sprint
