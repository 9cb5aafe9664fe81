package store_test

import (
	"context"
	"sync"
	"testing"
	"time"

	"github.com/volt-ev/volt"
	"github.com/volt-ev/volt/store"
	"github.com/volt-ev/volt/store/storetest"
)

func TestChargingStartMeterStop(t *testing.T) {
	storetest.ForEachEngine(t, func(t *testing.T, db *store.DB) {
		f := newChargingFixture(t, db)
		t0 := f.now.Add(-time.Minute)
		st := f.start(t, f.cpidA, 1, "card-a", 1000, t0) // lower case: idTags compare case-insensitively
		if st.Auth.Status != volt.AuthAccepted || st.Auth.UserID != f.driver || st.Replayed {
			t.Fatalf("start = %+v, want Accepted for driver", st)
		}
		mv := volt.MeterReport{CPID: f.cpidA, ConnectorID: 1, TransactionID: &st.TransactionID, Samples: []volt.MeterSample{
			register(t0.Add(10*time.Minute), "3.5005", "kWh"),
			{Timestamp: t0.Add(10 * time.Minute), Measurand: "Power.Active.Import", Unit: "kW", Value: "7.2"},
			{Timestamp: t0.Add(10 * time.Minute), Measurand: "SoC", Location: "EV", Unit: "Percent", Value: "42"},
		}}
		sess, err := f.svc.RecordMeterValues(sys(), mv)
		if err != nil {
			t.Fatal(err)
		}
		// 3.5005 kWh = 3500.5 Wh, rounded half up to 3501.
		if sess.LastMeterWh != 3501 || sess.EnergyWh != 2501 || sess.PowerW != 7200 || sess.SoCPercent == nil || *sess.SoCPercent != 42 {
			t.Fatalf("after meter values: last=%d energy=%d power=%d soc=%v", sess.LastMeterWh, sess.EnergyWh, sess.PowerW, sess.SoCPercent)
		}
		sp := f.stop(t, f.cpidA, st.TransactionID, 9000, t0.Add(30*time.Minute))
		if sp.Session.Status != volt.SessionCompleted || sp.Session.EnergyWh != 8000 || sp.CDR == nil || sp.CDR.EnergyWh != 8000 {
			t.Fatalf("stop = %+v cdr %+v", sp.Session, sp.CDR)
		}
		if sp.CDR.DurationSeconds != 1800 || sp.CDR.MeterStart != 1000 || sp.CDR.MeterStop != 9000 || sp.CDR.UserID != f.driver {
			t.Errorf("cdr = %+v", sp.CDR)
		}
		got, err := f.svc.FindSessionByID(sys(), st.Session.ID)
		if err != nil || got.Status != volt.SessionCompleted || *got.MeterStop != 9000 {
			t.Fatalf("FindSessionByID = %+v, %v", got, err)
		}
		// Every sampled value is kept as sent, in one row for the one time
		// stamp, and read back through FindMeterValues.
		if n := f.count(t, `SELECT count(*) FROM meter_values WHERE session_id = ?`, st.Session.ID); n != 1 {
			t.Errorf("%d meter_values rows, want 1 (one MeterValue)", n)
		}
		stored, err := f.svc.FindMeterValues(sys(), st.Session.ID)
		if err != nil {
			t.Fatal(err)
		}
		want := mv.Samples
		want[0].Measurand = "Energy.Active.Import.Register"
		if len(stored) != len(want) {
			t.Fatalf("FindMeterValues = %d samples, want %d: %+v", len(stored), len(want), stored)
		}
		for i := range want {
			if !stored[i].Timestamp.Equal(want[i].Timestamp) || stored[i].Measurand != want[i].Measurand || stored[i].Unit != want[i].Unit ||
				stored[i].Value != want[i].Value || stored[i].Location != want[i].Location || stored[i].Phase != want[i].Phase {
				t.Errorf("sample %d = %+v, want %+v", i, stored[i], want[i])
			}
		}
	})
}

func TestChargingReplayedStartAndStop(t *testing.T) {
	storetest.ForEachEngine(t, func(t *testing.T, db *store.DB) {
		f := newChargingFixture(t, db)
		t0 := f.now.Add(-time.Minute)
		first := f.start(t, f.cpidA, 1, "CARD-A", 100, t0)
		again := f.start(t, f.cpidA, 1, "CARD-A", 100, t0)
		if !again.Replayed || again.TransactionID != first.TransactionID || again.Auth.Status != first.Auth.Status {
			t.Fatalf("replayed start = %+v, first %+v", again, first)
		}
		if n := f.count(t, `SELECT count(*) FROM sessions WHERE cpid = ?`, f.cpidA); n != 1 {
			t.Fatalf("%d sessions after a replayed start, want 1", n)
		}
		s1 := f.stop(t, f.cpidA, first.TransactionID, 600, t0.Add(time.Hour))
		s2 := f.stop(t, f.cpidA, first.TransactionID, 600, t0.Add(time.Hour))
		if s1.Replayed || !s2.Replayed || s2.CDR == nil || s2.CDR.ID != s1.CDR.ID {
			t.Fatalf("stops: first replayed=%v, second replayed=%v cdr %v vs %v", s1.Replayed, s2.Replayed, s2.CDR, s1.CDR)
		}
		if n := f.count(t, `SELECT count(*) FROM cdrs WHERE session_id = ?`, first.Session.ID); n != 1 {
			t.Fatalf("%d CDRs, want 1", n)
		}
	})
}

func TestChargingConcurrentReplays(t *testing.T) {
	storetest.ForEachEngine(t, func(t *testing.T, db *store.DB) {
		f := newChargingFixture(t, db)
		t0 := f.now.Add(-time.Minute)
		req := volt.StartRequest{CPID: f.cpidA, ConnectorID: 2, IDTag: "CARD-A", MeterStart: 5, At: t0, ReceivedAt: f.now}
		starts := make([]*volt.StartResult, 2)
		errs := make([]error, 2)
		var wg sync.WaitGroup
		for i := range 2 {
			wg.Add(1)
			go func() {
				defer wg.Done()
				starts[i], errs[i] = f.svc.StartTransaction(sys(), req)
			}()
		}
		wg.Wait()
		for _, err := range errs {
			if err != nil {
				t.Fatal(err)
			}
		}
		if starts[0].TransactionID != starts[1].TransactionID || starts[0].Replayed == starts[1].Replayed {
			t.Fatalf("concurrent starts: %d (replayed %v) and %d (replayed %v)", starts[0].TransactionID,
				starts[0].Replayed, starts[1].TransactionID, starts[1].Replayed)
		}
		stop := volt.StopRequest{CPID: f.cpidA, TransactionID: starts[0].TransactionID, MeterStop: 50, At: t0.Add(time.Hour)}
		stops := make([]*volt.StopResult, 2)
		for i := range 2 {
			wg.Add(1)
			go func() {
				defer wg.Done()
				stops[i], errs[i] = f.svc.StopTransaction(sys(), stop)
			}()
		}
		wg.Wait()
		for _, err := range errs {
			if err != nil {
				t.Fatal(err)
			}
		}
		if stops[0].Replayed == stops[1].Replayed || stops[0].CDR.ID != stops[1].CDR.ID {
			t.Fatalf("concurrent stops: replayed %v/%v, cdr %s/%s", stops[0].Replayed, stops[1].Replayed, stops[0].CDR.ID, stops[1].CDR.ID)
		}
		if n := f.count(t, `SELECT count(*) FROM sessions WHERE cpid = ?`, f.cpidA); n != 1 {
			t.Errorf("%d sessions, want 1", n)
		}
		if n := f.count(t, `SELECT count(*) FROM cdrs WHERE cpid = ?`, f.cpidA); n != 1 {
			t.Errorf("%d cdrs, want 1", n)
		}
	})
}

func TestChargingStopUnknownTransaction(t *testing.T) {
	storetest.ForEachEngine(t, func(t *testing.T, db *store.DB) {
		f := newChargingFixture(t, db)
		t0 := f.now.Add(-2 * time.Hour)
		// An id Volt never issued, whose meter values came earlier: the
		// session is built from them.
		unknown := int64(777)
		_, err := f.svc.RecordMeterValues(sys(), volt.MeterReport{CPID: f.cpidA, ConnectorID: 2, TransactionID: &unknown,
			Samples: []volt.MeterSample{register(t0, "2000", "Wh"), register(t0.Add(time.Minute), "2100", "Wh")}})
		if err != nil {
			t.Fatal(err)
		}
		res := f.stop(t, f.cpidA, unknown, 2500, t0.Add(time.Hour))
		s := res.Session
		if s.Status != volt.SessionCompleted || s.ConnectorID != 2 || s.MeterStart != 2000 || s.EnergyWh != 500 || res.CDR == nil {
			t.Fatalf("unknown stop session = %+v", s)
		}
		mustFlag(t, "unknown stop", s.Flags, volt.FlagUnknownStop)

		// -1, nothing known: energy 0 from meterStop, never a guess; a replay
		// is recorded once.
		m1 := f.stop(t, f.cpidA, -1, 88000, t0.Add(90*time.Minute))
		m2 := f.stop(t, f.cpidA, -1, 88000, t0.Add(90*time.Minute))
		if m1.Session.EnergyWh != 0 || m1.Session.MeterStart != 88000 || m1.Replayed || !m2.Replayed || m2.Session.ID != m1.Session.ID {
			t.Fatalf("-1 stops: %+v / replayed %v", m1.Session, m2.Replayed)
		}
		mustFlag(t, "-1 stop", m1.Session.Flags, volt.FlagUnknownStop)
		if n := f.count(t, `SELECT count(*) FROM cdrs WHERE cpid = ?`, f.cpidA); n != 2 {
			t.Errorf("%d cdrs, want 2", n)
		}
		// Another -1 stop later is another session.
		f.stop(t, f.cpidA, -1, 90000, t0.Add(100*time.Minute))
		if n := f.count(t, `SELECT count(*) FROM sessions WHERE cpid = ? AND transaction_id = -1`, f.cpidA); n != 2 {
			t.Errorf("%d sessions for -1, want 2", n)
		}
	})
}

func TestChargingZombieThenLateStop(t *testing.T) {
	storetest.ForEachEngine(t, func(t *testing.T, db *store.DB) {
		f := newChargingFixture(t, db)
		t0 := f.now.Add(-time.Hour)
		st := f.start(t, f.cpidA, 1, "CARD-A", 1000, t0)
		f.svc.RecordMeterValues(sys(), volt.MeterReport{CPID: f.cpidA, ConnectorID: 1, TransactionID: &st.TransactionID,
			Samples: []volt.MeterSample{register(t0.Add(20*time.Minute), "4000", "Wh")}})
		// A session started after the status time is left alone.
		other := f.start(t, f.cpidA, 2, "CARD-B", 0, t0.Add(50*time.Minute))
		cdrs, err := f.svc.CloseZombieSessions(sys(), f.cpidA, 0, "connector Available without StopTransaction", t0.Add(40*time.Minute))
		if err != nil {
			t.Fatal(err)
		}
		if len(cdrs) != 1 || cdrs[0].SessionID != st.Session.ID || cdrs[0].EnergyWh != 3000 || cdrs[0].MeterStop != 4000 {
			t.Fatalf("zombie cdrs = %+v", cdrs)
		}
		mustFlag(t, "zombie cdr", cdrs[0].Flags, volt.FlagZombieClosed)
		if s, _ := f.svc.FindSessionByID(sys(), other.Session.ID); s.Status != volt.SessionActive {
			t.Errorf("session started after the status report was closed")
		}
		late := f.stop(t, f.cpidA, st.TransactionID, 5000, t0.Add(45*time.Minute))
		if late.CDR == nil || late.CDR.ID != cdrs[0].ID || late.CDR.EnergyWh != 3000 || late.Replayed {
			t.Fatalf("late stop cdr = %+v (replayed %v), want the zombie CDR unchanged", late.CDR, late.Replayed)
		}
		mustFlag(t, "late stop session", late.Session.Flags, volt.FlagLateStop, volt.FlagZombieClosed)
		if n := f.count(t, `SELECT count(*) FROM cdrs WHERE session_id = ?`, st.Session.ID); n != 1 {
			t.Errorf("%d cdrs, want 1", n)
		}
		if again := f.stop(t, f.cpidA, st.TransactionID, 5000, t0.Add(45*time.Minute)); !again.Replayed {
			t.Errorf("replayed late stop not recognised")
		}
	})
}

func TestChargingMeterBackwardsAndOfflineStart(t *testing.T) {
	storetest.ForEachEngine(t, func(t *testing.T, db *store.DB) {
		f := newChargingFixture(t, db)
		old := f.now.Add(-3 * time.Hour) // queued while offline
		st := f.start(t, f.cpidA, 1, "CARD-A", 50000, old)
		mustFlag(t, "offline start", st.Session.Flags, volt.FlagOfflineStart)
		sp := f.stop(t, f.cpidA, st.TransactionID, 120, old.Add(time.Hour)) // meter swapped
		if sp.Session.EnergyWh != 0 || sp.CDR.EnergyWh != 0 {
			t.Fatalf("energy %d, want 0 for a meter that went backwards", sp.Session.EnergyWh)
		}
		mustFlag(t, "backwards cdr", sp.CDR.Flags, volt.FlagMeterBackwards)
		fresh := f.start(t, f.cpidA, 2, "CARD-B", 0, f.now.Add(-time.Minute))
		if hasFlag(fresh.Session.Flags, volt.FlagOfflineStart) {
			t.Errorf("a fresh start is flagged offline")
		}
		// 50 kWh in one minute on a 22 kW connector: billed as measured, but
		// flagged for review.
		huge := f.stop(t, f.cpidA, fresh.TransactionID, 50000, f.now)
		mustFlag(t, "implausible cdr", huge.CDR.Flags, volt.FlagEnergyImplausible)
		if hasFlag(sp.CDR.Flags, volt.FlagEnergyImplausible) {
			t.Errorf("zero energy flagged implausible")
		}
	})
}

func TestChargingOrphanAndStrayMeterValues(t *testing.T) {
	storetest.ForEachEngine(t, func(t *testing.T, db *store.DB) {
		f := newChargingFixture(t, db)
		t0 := f.now.Add(-time.Hour)
		st := f.start(t, f.cpidA, 1, "CARD-A", 1000, t0)
		// No transactionId: linked to the active session of connector 1.
		sess, err := f.svc.RecordMeterValues(sys(), volt.MeterReport{CPID: f.cpidA, ConnectorID: 1,
			Samples: []volt.MeterSample{register(t0.Add(5*time.Minute), "1500", "")}})
		if err != nil || sess == nil || sess.ID != st.Session.ID || sess.EnergyWh != 500 {
			t.Fatalf("orphan meter values: %+v, %v", sess, err)
		}
		if v, err := f.svc.FindMeterValues(sys(), st.Session.ID); err != nil || len(v) != 1 || v[0].Value != "1500" {
			t.Errorf("orphan sample not linked: %+v, %v", v, err)
		}
		stray := []struct {
			name   string
			sample volt.MeterSample
		}{
			{"per-phase register", volt.MeterSample{Timestamp: t0.Add(10 * time.Minute), Measurand: "Energy.Active.Import.Register", Phase: "L1", Value: "99999"}},
			{"power", volt.MeterSample{Timestamp: t0.Add(10 * time.Minute), Measurand: "Power.Active.Import", Value: "99999"}},
			{"export register", volt.MeterSample{Timestamp: t0.Add(10 * time.Minute), Measurand: "Energy.Active.Export.Register", Value: "99999"}},
			{"older reading", register(t0.Add(4*time.Minute), "1700", "Wh")},
			{"before start", register(t0.Add(-time.Minute), "99999", "Wh")},
			{"not a number", register(t0.Add(10*time.Minute), "12,5", "Wh")},
		}
		for _, s := range stray {
			sess, err := f.svc.RecordMeterValues(sys(), volt.MeterReport{CPID: f.cpidA, ConnectorID: 1, TransactionID: &st.TransactionID,
				Samples: []volt.MeterSample{s.sample}})
			if err != nil {
				t.Fatalf("%s: %v", s.name, err)
			}
			if sess.LastMeterWh != 1500 || sess.EnergyWh != 500 {
				t.Errorf("%s moved the session: last=%d energy=%d", s.name, sess.LastMeterWh, sess.EnergyWh)
			}
		}
		// A batch without energy leaves the energy as it was (CitrineOS #868).
		empty, _ := f.svc.RecordMeterValues(sys(), volt.MeterReport{CPID: f.cpidA, ConnectorID: 1, TransactionID: &st.TransactionID})
		if empty.EnergyWh != 500 {
			t.Errorf("empty batch reset energy to %d", empty.EnergyWh)
		}
		// Samples on a connector without a session are kept, linked to none.
		if s, err := f.svc.RecordMeterValues(sys(), volt.MeterReport{CPID: f.cpidA, ConnectorID: 2,
			Samples: []volt.MeterSample{register(t0, "1", "Wh")}}); err != nil || s != nil {
			t.Fatalf("sessionless samples: %+v, %v", s, err)
		}
		if n := f.count(t, `SELECT count(*) FROM meter_values WHERE session_id = '' AND cpid = ?`, f.cpidA); n != 1 {
			t.Errorf("%d sessionless samples, want 1", n)
		}
	})
}

func TestChargingStartSupersedesActiveSession(t *testing.T) {
	storetest.ForEachEngine(t, func(t *testing.T, db *store.DB) {
		f := newChargingFixture(t, db)
		t0 := f.now.Add(-time.Hour)
		first := f.start(t, f.cpidA, 1, "CARD-A", 100, t0)
		second := f.start(t, f.cpidA, 1, "CARD-B", 300, t0.Add(10*time.Minute))
		if second.TransactionID == first.TransactionID {
			t.Fatal("same transaction id for two sessions")
		}
		old, err := f.svc.FindSessionByID(sys(), first.Session.ID)
		if err != nil || old.Status != volt.SessionCompleted {
			t.Fatalf("older session = %+v, %v", old, err)
		}
		mustFlag(t, "superseded", old.Flags, volt.FlagZombieClosed)
		if n := f.count(t, `SELECT count(*) FROM cdrs WHERE session_id = ?`, first.Session.ID); n != 1 {
			t.Errorf("%d cdrs for the superseded session", n)
		}
	})
}

func TestChargingRefusedStartKeepsSession(t *testing.T) {
	storetest.ForEachEngine(t, func(t *testing.T, db *store.DB) {
		f := newChargingFixture(t, db)
		st := f.start(t, f.cpidA, 1, "NOBODY", 0, f.now)
		if st.Auth.Status != volt.AuthInvalid {
			t.Fatalf("auth = %s, want Invalid", st.Auth.Status)
		}
		mustFlag(t, "refused start", st.Session.Flags, volt.FlagIDTagRejected)
		sp := f.stop(t, f.cpidA, st.TransactionID, 10, f.now.Add(time.Minute))
		if sp.Session.ID != st.Session.ID || hasFlag(sp.Session.Flags, volt.FlagUnknownStop) {
			t.Fatalf("stop of a refused start did not find its session: %+v", sp.Session)
		}
	})
}

func TestChargingTransactionIDsRandom(t *testing.T) {
	db := storetest.SQLite(t)
	f := newChargingFixture(t, db)
	var ids []int64
	for i := range 8 {
		st := f.start(t, f.cpidA, 1, "CARD-A", int64(i), f.now.Add(time.Duration(i)*time.Second))
		ids = append(ids, st.TransactionID)
	}
	seq := 0
	for i := 1; i < len(ids); i++ {
		if d := ids[i] - ids[i-1]; d >= 0 && d <= 8 {
			seq++
		}
	}
	if seq == len(ids)-1 {
		t.Fatalf("transaction ids look sequential: %v", ids)
	}
}

func TestChargingRestart(t *testing.T) {
	for _, e := range storetest.Engines(t) {
		t.Run(e.Name, func(t *testing.T) {
			ctx := context.Background()
			dsn := e.DSN(t)
			open := func() *store.DB {
				db, err := store.Open(ctx, dsn)
				if err != nil {
					t.Fatal(err)
				}
				if err := db.Migrate(ctx); err != nil {
					t.Fatal(err)
				}
				return db
			}
			db := open()
			f := newChargingFixture(t, db)
			st := f.start(t, f.cpidA, 1, "CARD-A", 10, f.now.Add(-time.Hour))
			db.Close()

			db = open()
			defer db.Close()
			svc := store.NewChargingService(db)
			res, err := svc.StopTransaction(sys(), volt.StopRequest{CPID: f.cpidA, TransactionID: st.TransactionID, MeterStop: 110, At: f.now})
			if err != nil {
				t.Fatal(err)
			}
			if res.Session.ID != st.Session.ID || res.Session.EnergyWh != 100 || res.CDR == nil {
				t.Fatalf("stop after restart = %+v", res.Session)
			}
		})
	}
}
