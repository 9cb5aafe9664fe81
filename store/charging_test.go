package store_test

import (
	"context"
	"fmt"
	"sync"
	"testing"
	"time"

	"github.com/volt-ev/volt"
	"github.com/volt-ev/volt/store"
	"github.com/volt-ev/volt/store/storetest"
)

func TestChargingAuthenticateCharger(t *testing.T) {
	storetest.ForEachEngine(t, func(t *testing.T, db *store.DB) {
		f := newChargingFixture(t, db)
		c, err := f.svc.AuthenticateCharger(context.Background(), "id-"+f.cpidA, "secret-"+f.cpidA)
		if err != nil || c.CPID != f.cpidA || c.CPOID != f.cpoA {
			t.Fatalf("good password: %+v, %v", c, err)
		}
		for _, tc := range []struct{ identity, password string }{
			{"id-" + f.cpidA, "wrong"},
			{"id-" + f.cpidA, ""},
			{"id-" + f.cpidA, "secret-" + f.cpidB}, // another charger's password
			{"nobody", "secret-" + f.cpidA},
		} {
			_, err := f.svc.AuthenticateCharger(context.Background(), tc.identity, tc.password)
			if !volt.IsCode(err, volt.EUNAUTHORIZED) {
				t.Errorf("%s/%s: err = %v, want EUNAUTHORIZED", tc.identity, tc.password, err)
			}
		}
	})
}

func TestChargingAuthorizeIDTag(t *testing.T) {
	storetest.ForEachEngine(t, func(t *testing.T, db *store.DB) {
		f := newChargingFixture(t, db)
		past := f.now.Add(-time.Hour)
		f.user(t, "EXPIRED-1", false, &past)
		disabled := f.user(t, "DISABLED-1", false, nil)
		f.exec(t, `UPDATE users SET disabled = TRUE WHERE id = ?`, disabled)
		member := f.user(t, "MEMBER-1", false, nil)
		f.exec(t, `INSERT INTO memberships (usergroup_id, user_id, created_at) VALUES (?, ?, 0)`, f.accessUsergroupA, member)
		tests := []struct {
			cpid, tag string
			want      volt.AuthStatus
			freeVend  bool
		}{
			{f.cpidA, "UNKNOWN", volt.AuthInvalid, false},
			{f.cpidA, "card-a", volt.AuthAccepted, false},
			{f.cpidA, "BLOCKED-1", volt.AuthBlocked, false},
			{f.cpidA, "DISABLED-1", volt.AuthBlocked, false},
			{f.cpidA, "EXPIRED-1", volt.AuthExpired, false},
			{f.cpidPrivA, "CARD-A", volt.AuthBlocked, false},    // private group, no access
			{f.cpidPrivA, "MEMBER-1", volt.AuthAccepted, false}, // admitted usergroup
			{f.cpidPrivA, "ENG-1", volt.AuthAccepted, true},     // engineer of the CPO
			{f.cpidB, "ENG-1", volt.AuthAccepted, false},        // another CPO: a plain card
		}
		for _, tt := range tests {
			got, err := f.svc.AuthorizeIDTag(sys(), tt.cpid, tt.tag)
			if err != nil {
				t.Fatal(err)
			}
			if got.Status != tt.want || got.FreeVend != tt.freeVend {
				t.Errorf("%s at %s = %s freeVend=%v (%s), want %s freeVend=%v", tt.tag, tt.cpid, got.Status, got.FreeVend, got.Reason, tt.want, tt.freeVend)
			}
		}
		// ConcurrentTx: the card charges on charger B already. Authorize
		// answers the card (OCPP 1.6 §7.2: ConcurrentTx is for
		// StartTransaction only); the start is refused.
		f.start(t, f.cpidB, 1, "CARD-A", 0, f.now)
		if got, _ := f.svc.AuthorizeIDTag(sys(), f.cpidA, "CARD-A"); got.Status != volt.AuthAccepted {
			t.Errorf("Authorize of a card with an active session elsewhere = %s, want Accepted", got.Status)
		}
		st := f.start(t, f.cpidA, 1, "CARD-A", 0, f.now)
		if st.Auth.Status != volt.AuthConcurrentTx {
			t.Errorf("start with an active session elsewhere = %s", st.Auth.Status)
		}
		if _, err := f.svc.AuthorizeIDTag(sys(), "999999", "CARD-A"); !volt.IsCode(err, volt.ENOTFOUND) {
			t.Errorf("unknown charger: %v", err)
		}
	})
}

func TestChargingTenantIsolation(t *testing.T) {
	storetest.ForEachEngine(t, func(t *testing.T, db *store.DB) {
		f := newChargingFixture(t, db)
		a := f.start(t, f.cpidA, 1, "CARD-A", 0, f.now.Add(-time.Hour))
		f.stop(t, f.cpidA, a.TransactionID, 100, f.now.Add(-30*time.Minute))
		b := f.start(t, f.cpidB, 1, "CARD-B", 0, f.now.Add(-time.Hour))
		f.stop(t, f.cpidB, b.TransactionID, 100, f.now.Add(-30*time.Minute))
		if err := f.svc.LogFrames(sys(), []volt.FrameLog{
			{CPID: f.cpidA, Direction: "in", Frame: `[2,"1","Heartbeat",{}]`},
			{CPID: f.cpidB, Direction: "in", Frame: `[2,"2","Heartbeat",{}]`},
		}); err != nil {
			t.Fatal(err)
		}
		adminA := volt.NewContextWithActor(context.Background(), &volt.Actor{UserID: "usr_x", Grants: []volt.Grant{{Role: volt.RoleAdmin, CPOID: f.cpoA}}})
		sessions, total, err := f.svc.FindSessions(adminA, volt.SessionFilter{})
		if err != nil || total != 1 || len(sessions) != 1 || sessions[0].CPOID != f.cpoA {
			t.Fatalf("admin A sessions: %d (%v)", total, err)
		}
		cdrs, total, err := f.svc.FindCDRs(adminA, volt.SessionFilter{})
		if err != nil || total != 1 || cdrs[0].CPOID != f.cpoA {
			t.Fatalf("admin A cdrs: %d (%v)", total, err)
		}
		if _, err := f.svc.FindSessionByID(adminA, b.Session.ID); !volt.IsCode(err, volt.ENOTFOUND) {
			t.Errorf("admin A reads B's session: %v", err)
		}
		if _, _, err := f.svc.FindSessions(adminA, volt.SessionFilter{CPID: f.cpidB}); err != nil {
			t.Fatal(err)
		} else if s, n, _ := f.svc.FindSessions(adminA, volt.SessionFilter{CPID: f.cpidB}); n != 0 || len(s) != 0 {
			t.Errorf("filter by B's cpid leaks %d sessions", n)
		}
		if fr, err := f.svc.FindFrames(adminA, f.cpidA, 0, 10); err != nil || len(fr) != 1 {
			t.Errorf("admin A frames of A: %d, %v", len(fr), err)
		}
		if _, err := f.svc.FindFrames(adminA, f.cpidB, 0, 10); !volt.IsCode(err, volt.ENOTFOUND) {
			t.Errorf("admin A frames of B: %v", err)
		}
		// A driver sees only their own sessions, wherever they are.
		driverB := volt.NewContextWithActor(context.Background(), &volt.Actor{UserID: f.driverB})
		if s, n, err := f.svc.FindSessions(driverB, volt.SessionFilter{}); err != nil || n != 1 || s[0].UserID != f.driverB {
			t.Errorf("driver B sessions: %d, %v", n, err)
		}
		if c, n, err := f.svc.FindCDRs(driverB, volt.SessionFilter{}); err != nil || n != 1 || c[0].UserID != f.driverB {
			t.Errorf("driver B cdrs: %d, %v", n, err)
		}
		if _, err := f.svc.FindSessionByID(driverB, a.Session.ID); !volt.IsCode(err, volt.ENOTFOUND) {
			t.Errorf("driver B reads driver A's session: %v", err)
		}
		if _, _, err := f.svc.FindSessions(context.Background(), volt.SessionFilter{}); !volt.IsCode(err, volt.EUNAUTHORIZED) {
			t.Errorf("no actor: %v", err)
		}
		// Filters: status and time range.
		if _, n, _ := f.svc.FindSessions(sys(), volt.SessionFilter{Status: volt.SessionActive}); n != 0 {
			t.Errorf("%d active sessions, want 0", n)
		}
		from := f.now.Add(-2 * time.Hour)
		to := f.now.Add(-90 * time.Minute)
		if _, n, _ := f.svc.FindSessions(sys(), volt.SessionFilter{From: &from, To: &to}); n != 0 {
			t.Errorf("%d sessions before they started", n)
		}
	})
}

func TestChargingStatusBootConnection(t *testing.T) {
	storetest.ForEachEngine(t, func(t *testing.T, db *store.DB) {
		f := newChargingFixture(t, db)
		ctx := sys()
		if err := f.svc.RecordConnection(ctx, f.cpidA, true, "ocpp1.6", f.now); err != nil {
			t.Fatal(err)
		}
		boot := volt.BootInfo{Vendor: "Acme", Model: "Wallbox-22-with-a-very-long-model-name", SerialNumber: "S1", Firmware: "1.2", ICCID: "89", IMSI: "23", MeterType: "M", At: f.now}
		if err := f.svc.RecordBoot(ctx, f.cpidA, boot); err != nil {
			t.Fatal(err)
		}
		if err := f.svc.RecordBoot(ctx, f.cpidA, boot); err != nil { // a second boot keeps the model row
			t.Fatal(err)
		}
		var vendor, model, serial, version string
		var online bool
		var booted int64
		if err := db.QueryRow(context.Background(), `SELECT vendor, model, serial_number, ocpp_version, online, booted_at FROM chargers WHERE cpid = ?`, f.cpidA).
			Scan(&vendor, &model, &serial, &version, &online, &booted); err != nil {
			t.Fatal(err)
		}
		if vendor != "Acme" || model != boot.Model || serial != "S1" || version != "ocpp1.6" || !online || booted != f.now.UnixMilli() {
			t.Errorf("charger after boot: %s %s %s %s %v %d", vendor, model, serial, version, online, booted)
		}
		if n := f.count(t, `SELECT count(*) FROM charger_models WHERE vendor = 'Acme' AND model = ? AND certified = FALSE`, boot.Model); n != 1 {
			t.Errorf("%d uncertified model rows, want 1", n)
		}
		f.exec(t, `UPDATE charger_models SET relaxations = '["LongStrings"]' WHERE vendor = 'Acme'`)
		if r, err := f.svc.ChargerRelaxations(ctx, f.cpidA); err != nil || len(r) != 1 || r[0] != "LongStrings" {
			t.Errorf("relaxations = %v, %v", r, err)
		}
		if r, err := f.svc.ChargerRelaxations(ctx, f.cpidB); err != nil || len(r) != 0 {
			t.Errorf("relaxations of an unbooted charger = %v, %v", r, err)
		}

		rep := volt.StatusReport{CPID: f.cpidA, ConnectorID: 1, Status: volt.StatusCharging, At: f.now}
		older := volt.StatusReport{CPID: f.cpidA, ConnectorID: 1, Status: volt.StatusFaulted, ErrorCode: "GroundFailure", At: f.now.Add(-time.Minute)}
		for _, r := range []volt.StatusReport{rep, older, {CPID: f.cpidA, ConnectorID: 0, Status: volt.StatusAvailable, At: f.now},
			{CPID: f.cpidA, ConnectorID: 3, Status: volt.StatusAvailable, At: f.now}} {
			if err := f.svc.RecordStatus(ctx, r); err != nil {
				t.Fatal(err)
			}
		}
		var status string
		db.QueryRow(context.Background(), `SELECT status FROM connectors WHERE cpid = ? AND connector_id = 1`, f.cpidA).Scan(&status)
		if status != string(volt.StatusCharging) {
			t.Errorf("connector status %s: an older report overwrote a newer one", status)
		}
		if n := f.count(t, `SELECT count(*) FROM status_history WHERE cpid = ?`, f.cpidA); n != 4 {
			t.Errorf("%d status history rows, want 4", n)
		}
		if n := f.count(t, `SELECT count(*) FROM connectors WHERE cpid = ? AND connector_id = 3`, f.cpidA); n != 1 {
			t.Errorf("unknown connector 3 not added")
		}
		if err := f.svc.RecordStatus(ctx, volt.StatusReport{CPID: "999999", ConnectorID: 1, Status: volt.StatusAvailable}); !volt.IsCode(err, volt.ENOTFOUND) {
			t.Errorf("status of an unknown charger: %v", err)
		}

		// Heartbeats write at most once per HeartbeatEvery.
		f.svc.HeartbeatEvery = time.Minute
		f.svc.RecordHeartbeat(ctx, f.cpidA, f.now.Add(10*time.Second))
		f.svc.RecordHeartbeat(ctx, f.cpidA, f.now.Add(2*time.Minute))
		var seen int64
		db.QueryRow(context.Background(), `SELECT last_seen_at FROM chargers WHERE cpid = ?`, f.cpidA).Scan(&seen)
		if seen != f.now.Add(2*time.Minute).UnixMilli() {
			t.Errorf("last seen %d, want the heartbeat after the window", seen)
		}
		if err := f.svc.RecordConnection(ctx, f.cpidA, false, "", f.now.Add(3*time.Minute)); err != nil {
			t.Fatal(err)
		}
		db.QueryRow(context.Background(), `SELECT online, ocpp_version FROM chargers WHERE cpid = ?`, f.cpidA).Scan(&online, &version)
		if online || version != "ocpp1.6" {
			t.Errorf("after disconnect online=%v version=%q", online, version)
		}
	})
}

// TestChargingConcurrentStatus sends many StatusNotifications, starts and
// meter values for one charger at once: per-charger writes queue on the
// charger row and never deadlock (SteVe #2107).
func TestChargingConcurrentStatus(t *testing.T) {
	storetest.ForEachEngine(t, func(t *testing.T, db *store.DB) {
		f := newChargingFixture(t, db)
		ctx := sys()
		const n = 40
		var wg sync.WaitGroup
		errs := make(chan error, 4*n)
		for i := range n {
			wg.Add(1)
			go func() {
				defer wg.Done()
				st := []volt.ConnectorStatus{volt.StatusAvailable, volt.StatusPreparing, volt.StatusCharging}[i%3]
				errs <- f.svc.RecordStatus(ctx, volt.StatusReport{CPID: f.cpidA, ConnectorID: 1 + i%2, Status: st, At: f.now.Add(time.Duration(i) * time.Millisecond)})
				if i%5 == 0 {
					_, err := f.svc.StartTransaction(ctx, volt.StartRequest{CPID: f.cpidA, ConnectorID: 1 + i%2, IDTag: "CARD-A", MeterStart: int64(i), At: f.now})
					errs <- err
				}
				if i%3 == 0 {
					_, err := f.svc.RecordMeterValues(ctx, volt.MeterReport{CPID: f.cpidA, ConnectorID: 1 + i%2,
						Samples: []volt.MeterSample{register(f.now.Add(time.Duration(i)*time.Second), fmt.Sprint(1000+i), "Wh")}})
					errs <- err
				}
				if i%7 == 0 {
					_, err := f.svc.CloseZombieSessions(ctx, f.cpidA, 1+i%2, "Available", f.now.Add(time.Hour))
					errs <- err
				}
			}()
		}
		wg.Wait()
		close(errs)
		for err := range errs {
			if err != nil {
				t.Fatal(err)
			}
		}
		if got := f.count(t, `SELECT count(*) FROM status_history WHERE cpid = ?`, f.cpidA); got != n {
			t.Errorf("%d status rows, want %d", got, n)
		}
		if got := f.count(t, `SELECT COALESCE(MAX(n), 0) FROM (SELECT count(*) AS n FROM sessions WHERE cpid = ? AND status = 'active' GROUP BY connector_id) x`, f.cpidA); got > 1 {
			t.Errorf("%d active sessions on one connector", got)
		}
	})
}

func TestChargingFrames(t *testing.T) {
	storetest.ForEachEngine(t, func(t *testing.T, db *store.DB) {
		f := newChargingFixture(t, db)
		var frames []volt.FrameLog
		for i := range 25 {
			frames = append(frames, volt.FrameLog{CPID: f.cpidA, Direction: "in", Action: "Heartbeat", UniqueID: fmt.Sprint(i),
				Frame: fmt.Sprintf(`[2,"%d","Heartbeat",{}]`, i), At: f.now.Add(time.Duration(i) * time.Hour)})
		}
		if err := f.svc.LogFrames(sys(), frames); err != nil {
			t.Fatal(err)
		}
		var all []*volt.FrameLog
		before := int64(0)
		for {
			page, err := f.svc.FindFrames(sys(), f.cpidA, before, 10)
			if err != nil {
				t.Fatal(err)
			}
			if len(page) == 0 {
				break
			}
			all = append(all, page...)
			before = page[len(page)-1].ID
		}
		if len(all) != 25 || all[0].UniqueID != "24" || all[24].UniqueID != "0" {
			t.Fatalf("paged %d frames, first %s", len(all), all[0].UniqueID)
		}
		n, err := f.svc.PruneFrames(context.Background(), f.now.Add(10*time.Hour))
		if err != nil || n != 10 {
			t.Fatalf("pruned %d, %v; want 10", n, err)
		}
		if left := f.count(t, `SELECT count(*) FROM frame_log`); left != 15 {
			t.Errorf("%d frames left, want 15", left)
		}
	})
}

func TestChargingConfigurationReservationsLocalList(t *testing.T) {
	storetest.ForEachEngine(t, func(t *testing.T, db *store.DB) {
		f := newChargingFixture(t, db)
		ctx := sys()
		v1, v2 := "60", "120"
		f.svc.RecordConfiguration(ctx, f.cpidA, []volt.ConfigKey{{Key: "HeartbeatInterval", Value: &v1}, {Key: "NumberOfConnectors", Readonly: true}})
		f.svc.RecordConfiguration(ctx, f.cpidA, []volt.ConfigKey{{Key: "HeartbeatInterval", Value: &v2}})
		keys, err := f.svc.FindConfiguration(ctx, f.cpidA)
		if err != nil || len(keys) != 2 || *keys[0].Value != "120" || !keys[1].Readonly || keys[1].Value != nil {
			t.Fatalf("configuration = %+v, %v", keys, err)
		}

		r := &volt.Reservation{CPID: f.cpidA, ConnectorID: 1, IDTag: "card-a", ExpiresAt: f.now.Add(time.Hour)}
		if err := f.svc.SaveReservation(ctx, r); err != nil || r.ID <= 0 || r.ID > 1<<31-1 {
			t.Fatalf("reservation id %d, %v", r.ID, err)
		}
		list, _ := f.svc.FindReservations(ctx, f.cpidA, true)
		if len(list) != 1 || list[0].IDTag != "CARD-A" || list[0].Status != volt.ReservationActive {
			t.Fatalf("reservations = %+v", list)
		}
		st, err := f.svc.StartTransaction(ctx, volt.StartRequest{CPID: f.cpidA, ConnectorID: 1, IDTag: "CARD-A", At: f.now, ReservationID: &r.ID})
		if err != nil || st.Session.ReservationID == nil || *st.Session.ReservationID != r.ID {
			t.Fatalf("start with reservation: %+v, %v", st, err)
		}
		if list, _ := f.svc.FindReservations(ctx, f.cpidA, true); len(list) != 0 {
			t.Errorf("a used reservation is still active")
		}
		r2 := &volt.Reservation{CPID: f.cpidA, ConnectorID: 2, IDTag: "CARD-B", ExpiresAt: f.now.Add(time.Hour)}
		f.svc.SaveReservation(ctx, r2)
		if err := f.svc.CancelReservation(ctx, f.cpidA, r2.ID); err != nil {
			t.Fatal(err)
		}
		if err := f.svc.CancelReservation(ctx, f.cpidB, r2.ID); !volt.IsCode(err, volt.ENOTFOUND) {
			t.Errorf("cancel on another charger: %v", err)
		}

		if v, _ := f.svc.LocalListVersion(ctx, f.cpidA); v != 0 {
			t.Errorf("version of no list = %d", v)
		}
		f.svc.SaveLocalList(ctx, f.cpidA, 1, []volt.LocalListEntry{{IDTag: "a", Status: volt.AuthAccepted}, {IDTag: "b", Status: volt.AuthBlocked}}, true)
		f.svc.SaveLocalList(ctx, f.cpidA, 2, []volt.LocalListEntry{{IDTag: "a"}, {IDTag: "c", Status: volt.AuthAccepted}}, false)
		entries, _ := f.svc.FindLocalList(ctx, f.cpidA)
		if v, _ := f.svc.LocalListVersion(ctx, f.cpidA); v != 2 || len(entries) != 2 || entries[0].IDTag != "B" || entries[1].IDTag != "C" {
			t.Errorf("local list v%d = %+v", v, entries)
		}
		f.svc.SaveLocalList(ctx, f.cpidA, 3, []volt.LocalListEntry{{IDTag: "d", Status: volt.AuthAccepted}}, true)
		if entries, _ := f.svc.FindLocalList(ctx, f.cpidA); len(entries) != 1 {
			t.Errorf("full update kept %d entries", len(entries))
		}
	})
}

// TestChargingMeterBatching sends meter values from many goroutines through
// the group-commit path: every sample is stored and every session ends at
// its newest reading, as without batching.
func TestChargingMeterBatching(t *testing.T) {
	storetest.ForEachEngine(t, func(t *testing.T, db *store.DB) {
		f := newChargingFixture(t, db)
		stop := f.svc.StartMeterBatching(2, 16)
		t0 := f.now.Add(-time.Hour)
		a := f.start(t, f.cpidA, 1, "CARD-A", 0, t0)
		b := f.start(t, f.cpidB, 1, "CARD-B", 0, t0)
		var wg sync.WaitGroup
		errs := make(chan error, 100)
		for i := 1; i <= 50; i++ {
			for _, st := range []*volt.StartResult{a, b} {
				wg.Add(1)
				go func() {
					defer wg.Done()
					_, err := f.svc.RecordMeterValues(sys(), volt.MeterReport{CPID: st.Session.CPID, ConnectorID: 1, TransactionID: &st.TransactionID,
						Samples: []volt.MeterSample{register(t0.Add(time.Duration(i)*time.Second), fmt.Sprint(i*10), "Wh")}})
					errs <- err
				}()
			}
		}
		wg.Wait()
		stop()
		close(errs)
		for err := range errs {
			if err != nil {
				t.Fatal(err)
			}
		}
		for _, st := range []*volt.StartResult{a, b} {
			s, err := f.svc.FindSessionByID(sys(), st.Session.ID)
			if err != nil || s.LastMeterWh != 500 || s.EnergyWh != 500 {
				t.Errorf("session %s after batching: %+v, %v", st.Session.CPID, s, err)
			}
			if v, err := f.svc.FindMeterValues(sys(), st.Session.ID); err != nil || len(v) != 50 {
				t.Errorf("%d samples stored, want 50 (%v)", len(v), err)
			}
		}
		// After stop, calls go straight to the database.
		if _, err := f.svc.RecordMeterValues(sys(), volt.MeterReport{CPID: f.cpidA, ConnectorID: 1, TransactionID: &a.TransactionID}); err != nil {
			t.Fatal(err)
		}
	})
}

// TestRecordConfigurationWritesOnlyChanges: a configuration read again after
// a reconnect rewrites nothing unchanged (updated_at stays), a changed value,
// flag or a value gone to null is written, and a key listed twice takes its
// last value.
func TestRecordConfigurationWritesOnlyChanges(t *testing.T) {
	storetest.ForEachEngine(t, func(t *testing.T, db *store.DB) {
		f := newChargingFixture(t, db)
		ctx := sys()
		s := func(v string) *string { return &v }
		first := []volt.ConfigKey{{Key: "A", Value: s("1")}, {Key: "B", Value: s("2")}, {Key: "C", Value: s("3"), Readonly: true}}
		if err := f.svc.RecordConfiguration(ctx, f.cpidA, first); err != nil {
			t.Fatal(err)
		}
		f.exec(t, `UPDATE charger_configuration SET updated_at = 1 WHERE cpid = ?`, f.cpidA)
		again := []volt.ConfigKey{{Key: "A", Value: s("1")}, {Key: "B", Value: nil}, {Key: "C", Value: s("3")},
			{Key: "D", Value: s("x")}, {Key: "D", Value: s("y")}}
		if err := f.svc.RecordConfiguration(ctx, f.cpidA, again); err != nil {
			t.Fatal(err)
		}
		if n := f.count(t, `SELECT count(*) FROM charger_configuration WHERE cpid = ? AND updated_at = 1`, f.cpidA); n != 1 {
			t.Errorf("%d keys left untouched, want 1 (A, unchanged)", n)
		}
		keys, err := f.svc.FindConfiguration(ctx, f.cpidA)
		if err != nil {
			t.Fatal(err)
		}
		got := map[string]string{}
		for _, k := range keys {
			v := "<nil>"
			if k.Value != nil {
				v = *k.Value
			}
			got[k.Key] = fmt.Sprintf("%s/%v", v, k.Readonly)
		}
		want := map[string]string{"A": "1/false", "B": "<nil>/false", "C": "3/false", "D": "y/false"}
		if fmt.Sprint(got) != fmt.Sprint(want) {
			t.Errorf("configuration %v, want %v", got, want)
		}
	})
}

// TestRecordMeterValuesBatchSharesSessions: in one batch the sessions are
// read ahead and written once at the end, and a session reached twice (by
// its transaction, then by its connector without one) carries the changes
// of the earlier messages; values of an unknown transaction are kept without
// a session. The result equals recording the messages one by one.
func TestRecordMeterValuesBatchSharesSessions(t *testing.T) {
	storetest.ForEachEngine(t, func(t *testing.T, db *store.DB) {
		f := newChargingFixture(t, db)
		t0 := f.now.Add(-time.Hour)
		a := f.start(t, f.cpidA, 1, "CARD-A", 1000, t0)
		b := f.start(t, f.cpidB, 1, "CARD-B", 5000, t0)
		unknown := int64(424242)
		reports := []volt.MeterReport{
			meter(f.cpidA, 1, a.TransactionID, t0.Add(1*time.Minute), "1500"),
			meter(f.cpidB, 1, b.TransactionID, t0.Add(1*time.Minute), "5200"),
			meter(f.cpidA, 1, a.TransactionID, t0.Add(2*time.Minute), "1600"),
			{CPID: f.cpidA, ConnectorID: 1, Samples: []volt.MeterSample{register(t0.Add(3*time.Minute), "1700", "Wh")}},
			meter(f.cpidA, 1, a.TransactionID, t0.Add(90*time.Second), "1550"), // older: changes nothing
			meter(f.cpidB, 1, unknown, t0.Add(2*time.Minute), "9999"),
		}
		got, err := f.svc.RecordMeterValuesBatch(sys(), reports)
		if err != nil {
			t.Fatal(err)
		}
		wantLast := []int64{1500, 5200, 1600, 1700, 1700}
		for i, w := range wantLast {
			if got[i] == nil || got[i].LastMeterWh != w {
				t.Errorf("result %d: %+v, want last meter %d", i, got[i], w)
			}
		}
		if got[5] != nil {
			t.Errorf("values of an unknown transaction linked to %+v", got[5])
		}
		for _, c := range []struct {
			id           string
			last, energy int64
			values       int
		}{{a.Session.ID, 1700, 700, 4}, {b.Session.ID, 5200, 200, 1}} {
			s, err := f.svc.FindSessionByID(sys(), c.id)
			if err != nil || s.LastMeterWh != c.last || s.EnergyWh != c.energy {
				t.Errorf("session %s stored: %+v, %v; want last %d energy %d", c.id, s, err, c.last, c.energy)
			}
			if v, err := f.svc.FindMeterValues(sys(), c.id); err != nil || len(v) != c.values {
				t.Errorf("session %s: %d values, %v; want %d", c.id, len(v), err, c.values)
			}
		}
		if n := f.count(t, `SELECT count(*) FROM meter_values WHERE session_id = '' AND transaction_id = ?`, unknown); n != 1 {
			t.Errorf("%d rows of the unknown transaction, want 1", n)
		}
	})
}
