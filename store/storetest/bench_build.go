package storetest

import (
	"context"
	"fmt"
	"time"

	volt "github.com/volt-ev/volt"
	"github.com/volt-ev/volt/store"
)

// buildEstate fills an empty migrated database: the hierarchy, chargers with
// two connectors (every seventh charging), BenchSessions completed sessions
// with their CDRs spread over the 30 days before now, one active session per
// charging connector, and the two benchmark users.
func buildEstate(ctx context.Context, db *store.DB, e Estate, now time.Time) error {
	if err := buildHierarchy(ctx, db); err != nil {
		return err
	}
	if err := buildSessions(ctx, db, now); err != nil {
		return err
	}
	if _, err := store.BootstrapSuperAdmin(ctx, db, e.SuperAdminEmail, BenchPassword); err != nil {
		return err
	}
	sys := volt.NewContextWithActor(ctx, volt.SystemActor)
	users := store.NewUserService(db)
	u := &volt.User{Email: e.CPOAdminEmail, Name: "Bench admin", CPOID: e.CPOIDs[0]}
	if err := users.CreateUser(sys, u, BenchPassword); err != nil {
		return err
	}
	g := &volt.Usergroup{Name: "Bench admins", Role: volt.RoleAdmin, CPOID: e.CPOIDs[0]}
	if err := users.CreateUsergroup(sys, g); err != nil {
		return err
	}
	if err := users.AddMember(sys, g.ID, u.ID); err != nil {
		return err
	}
	if _, err := db.Exec(ctx, `INSERT INTO counters (name, value) VALUES ('bench_built_at', ?)`, now.UnixMilli()); err != nil {
		return err
	}
	analyze := `ANALYZE`
	if db.Dialect == store.Postgres {
		// VACUUM sets the visibility map so counts can be index-only scans.
		analyze = `VACUUM ANALYZE`
	}
	_, err := db.Exec(ctx, analyze)
	return err
}

// chargerPlace returns the CPO, owner, site and group of charger i (0-based).
func chargerPlace(i int) (cpo, owner, site, group string) {
	cpos, sites, groups := benchIDs()
	perGroup := BenchChargers / len(groups)
	gi := i / perGroup
	cpo = cpos[gi/(BenchGroupsPerSite*BenchSitesPerCPO)]
	return cpo, "own" + cpo[3:], sites[gi/BenchGroupsPerSite], groups[gi]
}

func buildHierarchy(ctx context.Context, db *store.DB) error {
	cpos, sites, groups := benchIDs()
	var cpoRows, ownerRows, siteRows, groupRows, chargerRows, connRows [][]any
	for i, c := range cpos {
		cpoRows = append(cpoRows, []any{c, fmt.Sprintf("Bench CPO %d", i), "GBP", 0, 0})
		ownerRows = append(ownerRows, []any{"own" + c[3:], c, "Owner " + c, 0, 0})
	}
	for i, s := range sites {
		c := cpos[i/BenchSitesPerCPO]
		siteRows = append(siteRows, []any{s, c, "own" + c[3:], "Site " + s, "Europe/London",
			50 + float64(i%200)/50, -4 + float64(i/200)/4, 0, 0})
	}
	for i, g := range groups {
		s := sites[i/BenchGroupsPerSite]
		c := cpos[i/(BenchGroupsPerSite*BenchSitesPerCPO)]
		groupRows = append(groupRows, []any{g, c, "own" + c[3:], s, "Group " + g, 0, 0})
	}
	hash := "$argon2id$v=19$m=19456,t=2,p=1$c2FsdHNhbHRzYWx0c2FsdA$aGFzaGhhc2hoYXNoaGFzaGhhc2hoYXNoaGFzaGhhc2g"
	for i := range BenchChargers {
		c, o, s, g := chargerPlace(i)
		cpid := volt.FormatCPID(int64(i + 1))
		chargerRows = append(chargerRows, []any{cpid, cpid, c, o, s, g, fmt.Sprintf("Bay %d", i%25), fmt.Sprintf("SN%07d", i),
			i%3 == 0, hash, 0, 0})
		for k := 1; k <= 2; k++ {
			st := volt.StatusAvailable
			if i%7 == 0 && k == 1 {
				st = volt.StatusCharging
			}
			connRows = append(connRows, []any{cpid, k, string(st), 0})
		}
	}
	steps := []struct {
		table, cols string
		rows        [][]any
	}{
		{"cpos", "id, name, currency, created_at, updated_at", cpoRows},
		{"owners", "id, cpo_id, name, created_at, updated_at", ownerRows},
		{"sites", "id, cpo_id, owner_id, name, time_zone, latitude, longitude, created_at, updated_at", siteRows},
		{"charger_groups", "id, cpo_id, owner_id, site_id, name, created_at, updated_at", groupRows},
		{"chargers", "cpid, ocpp_identity, cpo_id, owner_id, site_id, charger_group_id, name, serial_number, online, password_hash, created_at, updated_at", chargerRows},
		{"connectors", "cpid, connector_id, status, status_at", connRows},
	}
	for _, s := range steps {
		if err := bulkInsert(ctx, db, s.table, s.cols, s.rows); err != nil {
			return err
		}
	}
	_, err := db.Exec(ctx, `UPDATE counters SET value = ? WHERE name = 'cpid'`, BenchChargers)
	return err
}

const (
	sessionCols = "id, transaction_id, origin, cpid, connector_id, cpo_id, owner_id, site_id, charger_group_id, id_tag, status, " +
		"started_at, stopped_at, meter_start, meter_stop, last_meter_wh, last_meter_at, power_w, energy_wh, stop_reason, created_at, updated_at"
	cdrCols = "id, session_id, transaction_id, cpid, connector_id, cpo_id, owner_id, site_id, charger_group_id, id_tag, " +
		"started_at, stopped_at, duration_seconds, meter_start, meter_stop, energy_wh, stop_reason, created_at"
)

// buildSessions lays out the sessions: completed ones on connector 2 (so
// they never collide with the active ones on connector 1), evenly over the
// 30 days before now, 40 minutes and 11 kWh each on average.
func buildSessions(ctx context.Context, db *store.DB, now time.Time) error {
	span := 30 * 24 * time.Hour
	var sess, cdrs [][]any
	flush := func() error {
		if err := bulkInsert(ctx, db, "sessions", sessionCols, sess); err != nil {
			return err
		}
		err := bulkInsert(ctx, db, "cdrs", cdrCols, cdrs)
		sess, cdrs = sess[:0], cdrs[:0]
		return err
	}
	for k := range BenchSessions {
		ci := (k * 7919) % BenchChargers // spread over chargers, deterministic
		c, o, s, g := chargerPlace(ci)
		cpid := volt.FormatCPID(int64(ci + 1))
		start := now.Add(-span + time.Duration(k)*span/BenchSessions)
		dur := time.Duration(20+k%40) * time.Minute
		stop := start.Add(dur)
		wh := int64(2000 + (k%20)*1000)
		meter := int64(k) * 100_000
		id := fmt.Sprintf("ses_web%07d", k)
		sess = append(sess, []any{id, int64(1_000_000 + k), "start", cpid, 2, c, o, s, g, "BENCH", string(volt.SessionCompleted),
			start.UnixMilli(), stop.UnixMilli(), meter, meter + wh, meter + wh, stop.UnixMilli(), 0, wh, "Local", start.UnixMilli(), stop.UnixMilli()})
		cdrs = append(cdrs, []any{fmt.Sprintf("cdr_web%07d", k), id, int64(1_000_000 + k), cpid, 2, c, o, s, g, "BENCH",
			start.UnixMilli(), stop.UnixMilli(), int64(dur / time.Second), meter, meter + wh, wh, "Local", stop.UnixMilli()})
		if len(sess) == 5000 {
			if err := flush(); err != nil {
				return err
			}
		}
	}
	for i := 0; i < BenchChargers; i += 7 { // the charging connectors
		c, o, s, g := chargerPlace(i)
		start := now.Add(-time.Duration(5+i%120) * time.Minute)
		meter := int64(i) * 1000
		sess = append(sess, []any{fmt.Sprintf("ses_act%07d", i), int64(5_000_000 + i), "start", volt.FormatCPID(int64(i + 1)), 1,
			c, o, s, g, "BENCH", string(volt.SessionActive), start.UnixMilli(), nil, meter, nil, meter + 3000, now.UnixMilli(),
			7400, 3000, "", start.UnixMilli(), now.UnixMilli()})
	}
	if err := bulkInsert(ctx, db, "sessions", sessionCols, sess); err != nil {
		return err
	}
	return bulkInsert(ctx, db, "cdrs", cdrCols, cdrs)
}
