package store_test

import (
	"context"
	"testing"
	"time"

	"github.com/volt-ev/volt"
	"github.com/volt-ev/volt/store"
	"github.com/volt-ev/volt/store/storetest"
)

func TestSessionEnergy(t *testing.T) {
	storetest.ForEachEngine(t, func(t *testing.T, db *store.DB) {
		f := newChargingFixture(t, db)
		day := time.Date(2026, 3, 1, 0, 0, 0, 0, time.UTC)
		yesterday := f.start(t, f.cpidA, 1, "CARD-A", 1000, day.Add(-2*time.Hour))
		f.stop(t, f.cpidA, yesterday.TransactionID, 9000, day.Add(-time.Hour)) // 8,000 Wh before the day
		done := f.start(t, f.cpidA, 1, "CARD-A", 9000, day.Add(time.Hour))
		f.stop(t, f.cpidA, done.TransactionID, 12500, day.Add(2*time.Hour)) // 3,500 Wh
		f.start(t, f.cpidA, 2, "CARD-A", 500, day.Add(3*time.Hour))         // running, 0 Wh so far
		other := f.start(t, f.cpidB, 1, "CARD-B", 0, day.Add(time.Hour))
		f.stop(t, f.cpidB, other.TransactionID, 4000, day.Add(2*time.Hour)) // 4,000 Wh at CPO B

		cases := []struct {
			name   string
			ctx    context.Context
			f      volt.SessionFilter
			n      int
			energy int64
		}{
			{"system, the day", sys(), volt.SessionFilter{From: &day}, 3, 7500},
			{"system, all", sys(), volt.SessionFilter{}, 4, 15500},
			{"cpo A admin, the day", adminOf(f.cpoA), volt.SessionFilter{From: &day}, 2, 3500},
			{"cpo B admin, running", adminOf(f.cpoB), volt.SessionFilter{Status: volt.SessionActive}, 0, 0},
			{"cpo A admin, charger B", adminOf(f.cpoA), volt.SessionFilter{CPID: f.cpidB}, 0, 0},
		}
		for _, c := range cases {
			n, wh, err := f.svc.SessionEnergy(c.ctx, c.f)
			if err != nil {
				t.Fatalf("%s: %v", c.name, err)
			}
			if n != c.n || wh != c.energy {
				t.Errorf("%s: %d sessions, %d Wh; want %d, %d", c.name, n, wh, c.n, c.energy)
			}
		}
		if _, _, err := f.svc.SessionEnergy(context.Background(), volt.SessionFilter{}); !volt.IsCode(err, volt.EUNAUTHORIZED) {
			t.Errorf("without an actor: %v", err)
		}
	})
}

func adminOf(cpoID string) context.Context {
	return volt.NewContextWithActor(context.Background(), &volt.Actor{UserID: "usr_stats", Grants: []volt.Grant{{Role: volt.RoleAdmin, CPOID: cpoID}}})
}

func TestChargerCounts(t *testing.T) {
	storetest.ForEachEngine(t, func(t *testing.T, db *store.DB) {
		f := newChargingFixture(t, db)
		status := func(cpid string, conn int, st volt.ConnectorStatus) {
			f.exec(t, `UPDATE connectors SET status = ? WHERE cpid = ? AND connector_id = ?`, string(st), cpid, conn)
		}
		f.exec(t, `UPDATE chargers SET online = TRUE WHERE cpid IN (?, ?)`, f.cpidA, f.cpidB)
		status(f.cpidA, 1, volt.StatusCharging)
		status(f.cpidA, 2, volt.StatusSuspendedEV) // one charger in use, counted once
		status(f.cpidPrivA, 1, volt.StatusFaulted)
		status(f.cpidB, 2, volt.StatusSuspendedEVSE)
		cases := []struct {
			name                          string
			ctx                           context.Context
			total, online, faulted, inUse int
		}{
			{"system", sys(), 4, 2, 1, 2},
			{"cpo A admin", adminOf(f.cpoA), 2, 1, 1, 1},
			{"cpo B admin", adminOf(f.cpoB), 2, 1, 0, 1},
		}
		for _, c := range cases {
			total, online, faulted, inUse, err := f.svc.ChargerCounts(c.ctx)
			if err != nil {
				t.Fatalf("%s: %v", c.name, err)
			}
			if total != c.total || online != c.online || faulted != c.faulted || inUse != c.inUse {
				t.Errorf("%s: total %d online %d faulted %d in use %d; want %d %d %d %d", c.name,
					total, online, faulted, inUse, c.total, c.online, c.faulted, c.inUse)
			}
		}
	})
}
