package store_test

import (
	"context"
	"testing"
	"time"

	"github.com/volt-ev/volt"
	"github.com/volt-ev/volt/store"
	"github.com/volt-ev/volt/store/storetest"
)

func meter(cpid string, connector int, tx int64, at time.Time, wh string) volt.MeterReport {
	return volt.MeterReport{CPID: cpid, ConnectorID: connector, TransactionID: &tx,
		Samples: []volt.MeterSample{{Timestamp: at, Measurand: "Energy.Active.Import.Register", Unit: "Wh", Value: wh}}}
}

// TestSameSecondReadingsAndResentMeterValues: chargers stamp whole seconds,
// so a later, larger register reading can share its time stamp with the
// last one: it moves the session. A smaller one of that second does not. A
// MeterValues message resent after a lost answer stores its samples once.
func TestSameSecondReadingsAndResentMeterValues(t *testing.T) {
	storetest.ForEachEngine(t, func(t *testing.T, db *store.DB) {
		f := newChargingFixture(t, db)
		st := f.start(t, f.cpidA, 1, "CARD-A", 1000, f.now)
		at := f.now.Add(time.Minute)
		for _, c := range []struct {
			wh   string
			want int64
		}{{"1500", 1500}, {"1600", 1600}, {"1550", 1600}} {
			s, err := f.svc.RecordMeterValues(sys(), meter(f.cpidA, 1, st.TransactionID, at, c.wh))
			if err != nil {
				t.Fatal(err)
			}
			if s.LastMeterWh != c.want || s.EnergyWh != c.want-1000 {
				t.Fatalf("after %s Wh at the same second: meter %d energy %d, want %d", c.wh, s.LastMeterWh, s.EnergyWh, c.want)
			}
		}
		before := f.count(t, `SELECT count(*) FROM meter_values WHERE session_id = ?`, st.Session.ID)
		resent := meter(f.cpidA, 1, st.TransactionID, at.Add(time.Minute), "1700")
		for range 3 {
			if _, err := f.svc.RecordMeterValues(sys(), resent); err != nil {
				t.Fatal(err)
			}
		}
		if n := f.count(t, `SELECT count(*) FROM meter_values WHERE session_id = ?`, st.Session.ID); n != before+1 {
			t.Errorf("%d samples after a message sent three times, want %d", n, before+1)
		}
		s, _ := f.svc.FindSessionByID(sys(), st.Session.ID)
		if s.LastMeterWh != 1700 {
			t.Errorf("meter %d, want 1700", s.LastMeterWh)
		}
		// Digests stay with the values: a resend an hour later (past the
		// message log's retention) is still stored once.
		if _, err := f.svc.PruneFrames(sys(), f.now.Add(time.Hour)); err != nil {
			t.Fatal(err)
		}
		if _, err := f.svc.RecordMeterValues(sys(), resent); err != nil {
			t.Fatal(err)
		}
		if n := f.count(t, `SELECT count(*) FROM meter_values WHERE session_id = ?`, st.Session.ID); n != before+1 {
			t.Errorf("%d rows after a resend past the log's retention, want %d", n, before+1)
		}
	})
}

// TestHostEngineerFreeVend: an engineer usergroup scoped to a host charges
// free on the host's charger groups, and only there.
func TestHostEngineerFreeVend(t *testing.T) {
	storetest.ForEachEngine(t, func(t *testing.T, db *store.DB) {
		f := newChargingFixture(t, db)
		var owner, group string
		if err := db.QueryRow(context.Background(), `SELECT owner_id, charger_group_id FROM chargers WHERE cpid = ?`, f.cpidA).Scan(&owner, &group); err != nil {
			t.Fatal(err)
		}
		host, ug := volt.NewID("hst"), volt.NewID("ugr")
		eng := f.user(t, "HOST-ENG", false, nil)
		f.exec(t, `INSERT INTO hosts (id, cpo_id, owner_id, name, created_at, updated_at) VALUES (?, ?, ?, 'h', 0, 0)`, host, f.cpoA, owner)
		f.exec(t, `INSERT INTO host_charger_groups (host_id, charger_group_id) VALUES (?, ?)`, host, group)
		f.exec(t, `INSERT INTO usergroups (id, name, role, cpo_id, host_id, created_at, updated_at) VALUES (?, 'heng', 'engineer', ?, ?, 0, 0)`, ug, f.cpoA, host)
		f.exec(t, `INSERT INTO memberships (usergroup_id, user_id, created_at) VALUES (?, ?, 0)`, ug, eng)
		if a, err := f.svc.AuthorizeIDTag(sys(), f.cpidA, "HOST-ENG"); err != nil || a.Status != volt.AuthAccepted || !a.FreeVend {
			t.Errorf("on the host's group: %+v, %v", a, err)
		}
		if a, err := f.svc.AuthorizeIDTag(sys(), f.cpidPrivA, "HOST-ENG"); err != nil || a.FreeVend || a.Status != volt.AuthBlocked {
			t.Errorf("on a private group outside the host: %+v, %v", a, err)
		}
	})
}

// TestSessionLimitsPersist: a driver's limit is kept in the store (a
// restart keeps it), readable by the driver, set only by them or staff who
// may command the charger.
func TestSessionLimitsPersist(t *testing.T) {
	storetest.ForEachEngine(t, func(t *testing.T, db *store.DB) {
		f := newChargingFixture(t, db)
		st := f.start(t, f.cpidA, 1, "CARD-A", 0, f.now)
		drv := volt.NewContextWithActor(context.Background(), &volt.Actor{UserID: f.driver})
		other := volt.NewContextWithActor(context.Background(), &volt.Actor{UserID: f.driverB})
		if _, err := f.svc.FindSessionLimit(drv, st.Session.ID); volt.ErrorCode(err) != volt.ENOTFOUND {
			t.Errorf("no limit yet: %v", err)
		}
		l := &volt.SessionLimit{SessionID: st.Session.ID, EnergyWh: 20_000}
		if err := f.svc.SetSessionLimit(other, l); err == nil {
			t.Error("another driver set the limit")
		}
		if err := f.svc.SetSessionLimit(drv, &volt.SessionLimit{SessionID: st.Session.ID, EnergyWh: 1, Amount: 1, Currency: "GBP"}); volt.ErrorCode(err) != volt.EINVALID {
			t.Errorf("two limits: %v", err)
		}
		if err := f.svc.SetSessionLimit(drv, l); err != nil {
			t.Fatal(err)
		}
		restarted := store.NewChargingService(db)
		got, err := restarted.FindSessionLimit(sys(), st.Session.ID)
		if err != nil || got.EnergyWh != 20_000 || got.Amount != 0 {
			t.Fatalf("limit after restart: %+v, %v", got, err)
		}
		if _, err := restarted.FindSessionLimit(other, st.Session.ID); volt.ErrorCode(err) != volt.ENOTFOUND {
			t.Errorf("another driver reads the limit: %v", err)
		}
	})
}
