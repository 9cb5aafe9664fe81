package store_test

import (
	"context"
	"testing"
	"time"

	"github.com/volt-ev/volt"
	"github.com/volt-ev/volt/store"
	"github.com/volt-ev/volt/store/storetest"
)

// TestReliabilityOfAMonth records April 2026 of one rapid charger through the
// charging service's status and connection paths, annotates part of its
// downtime, and checks the figures worked out by hand (720 hours in April).
func TestReliabilityOfAMonth(t *testing.T) {
	storetest.ForEachEngine(t, func(t *testing.T, db *store.DB) {
		f := newChargingFixture(t, db)
		ctx := sys()
		f.exec(t, `UPDATE connectors SET max_power_w = 50000 WHERE cpid = ?`, f.cpidA) // rapid
		at := func(day, hour int) time.Time { return time.Date(2026, 4, day, hour, 0, 0, 0, time.UTC) }
		status := func(conn int, s volt.ConnectorStatus, when time.Time) {
			t.Helper()
			if err := f.svc.RecordStatus(ctx, volt.StatusReport{CPID: f.cpidA, ConnectorID: conn, Status: s, At: when}); err != nil {
				t.Fatal(err)
			}
		}
		conn := func(online bool, when time.Time) {
			t.Helper()
			if err := f.svc.RecordConnection(ctx, f.cpidA, online, "1.6", when); err != nil {
				t.Fatal(err)
			}
		}
		conn(true, time.Date(2026, 3, 31, 22, 0, 0, 0, time.UTC))
		status(1, volt.StatusFaulted, time.Date(2026, 3, 31, 20, 0, 0, 0, time.UTC)) // before the month...
		status(1, volt.StatusAvailable, time.Date(2026, 3, 31, 23, 0, 0, 0, time.UTC))
		status(1, volt.StatusFaulted, at(5, 10)) // EVSE 1 down 6 h
		status(1, volt.StatusCharging, at(5, 16))
		conn(false, at(10, 0)) // the charger offline 3 h: both EVSEs
		conn(true, at(10, 3))
		status(0, volt.StatusUnavailable, at(20, 8)) // the whole charger 2 h
		status(0, volt.StatusAvailable, at(20, 10))
		status(2, volt.StatusFaulted, time.Date(2026, 5, 1, 0, 0, 0, 0, time.UTC)) // May: not counted

		rel := store.NewReliabilityService(db)
		admin := volt.NewContextWithActor(context.Background(), &volt.Actor{UserID: "a", Grants: []volt.Grant{{Role: volt.RoleAdmin, CPOID: f.cpoA}}})
		staff := volt.NewContextWithActor(context.Background(), &volt.Actor{UserID: "s", Grants: []volt.Grant{{Role: volt.RoleStaff, CPOID: f.cpoA}}})
		other := volt.NewContextWithActor(context.Background(), &volt.Actor{UserID: "b", Grants: []volt.Grant{{Role: volt.RoleAdmin, CPOID: f.cpoB}}})
		grid := &volt.ReliabilityExclusion{CPID: f.cpidA, Reason: volt.DowntimeGridOutage, From: at(10, 0), To: at(10, 2)}
		if err := rel.CreateReliabilityExclusion(admin, grid); volt.ErrorCode(err) != volt.EINVALID {
			t.Errorf("an exclusion without evidence: %v", err)
		}
		grid.Evidence = "DNO incident UKPN-4471"
		for _, c := range []struct {
			ctx  context.Context
			code string
		}{{staff, volt.EFORBIDDEN}, {other, volt.ENOTFOUND}} {
			e := *grid
			if err := rel.CreateReliabilityExclusion(c.ctx, &e); volt.ErrorCode(err) != c.code {
				t.Errorf("exclusion by %v: %v, want %s", volt.ActorFromContext(c.ctx).Grants, err, c.code)
			}
		}
		for _, e := range []*volt.ReliabilityExclusion{grid, // 2 of the 3 offline hours, both EVSEs
			{CPID: f.cpidA, ConnectorID: 1, Reason: volt.DowntimeVandalism, From: at(5, 12), To: at(5, 14), Evidence: "Police ref 55/1234"},
			{CPID: f.cpidA, ConnectorID: 1, Reason: volt.DowntimeVandalism, From: at(5, 13), To: at(5, 14), Evidence: "same, twice"},    // overlaps: once
			{CPID: f.cpidA, ConnectorID: 2, Reason: volt.DowntimePlannedMaintenance, From: at(25, 0), To: at(25, 4), Evidence: "WO-17"}, // no downtime
		} {
			if err := rel.CreateReliabilityExclusion(admin, e); err != nil {
				t.Fatal(err)
			}
		}
		f.now = time.Date(2026, 5, 3, 0, 0, 0, 0, time.UTC)
		r, err := rel.Reliability(staff, volt.ReliabilityFilter{CPOID: f.cpoA, Month: "2026-04"})
		if err != nil {
			t.Fatal(err)
		}
		const h = int64(time.Hour / time.Millisecond)
		want := map[int][4]any{ // down h, excluded h, AFIR, UK
			1: {11 * h, 4 * h, "98.47", "99.03"}, // 709/720, 713/720
			2: {5 * h, 2 * h, "99.31", "99.58"},  // 715/720, 717/720
		}
		seen := 0
		for _, e := range r.EVSEs {
			if e.CPID != f.cpidA {
				if e.DownMS != 0 || e.AFIRPercent.String() != "100" {
					t.Errorf("EVSE without history %+v", e)
				}
				continue
			}
			w := want[e.ConnectorID]
			seen++
			if e.TotalMS != 720*h || e.DownMS != w[0] || e.ExcludedMS != w[1] || e.AFIRPercent.String() != w[2] || e.UKPercent.String() != w[3] || !e.Rapid {
				t.Errorf("EVSE %d: %+v (AFIR %s, UK %s), want %v", e.ConnectorID, e, e.AFIRPercent, e.UKPercent, w)
			}
		}
		// The site (4 EVSEs, 2880 h): AFIR 2864/2880, UK 2870/2880; the UK
		// network figure is over the rapid EVSEs: 1430/1440.
		if seen != 2 || len(r.Sites) != 1 || r.Sites[0].AFIRPercent.String() != "99.44" || r.Sites[0].UKPercent.String() != "99.65" ||
			r.Network.AFIRPercent.String() != "99.44" || r.UKScope != "rapid" || r.UK.UKPercent.String() != "99.31" {
			t.Errorf("report %+v", r)
		}
		if _, err := rel.Reliability(other, volt.ReliabilityFilter{CPOID: f.cpoA, Month: "2026-04"}); volt.ErrorCode(err) != volt.ENOTFOUND {
			t.Errorf("another CPO reads the reliability: %v", err)
		}
		if xs, n, err := rel.FindReliabilityExclusions(other, volt.ExclusionFilter{}); err != nil || n != 0 || len(xs) != 0 {
			t.Errorf("another CPO lists exclusions: %d, %v", n, err)
		}
		if _, n, err := rel.FindReliabilityExclusions(staff, volt.ExclusionFilter{Month: "2026-04"}); err != nil || n != 4 {
			t.Errorf("exclusions of April: %d, %v", n, err)
		}
		if err := rel.DeleteReliabilityExclusion(other, grid.ID); volt.ErrorCode(err) != volt.ENOTFOUND {
			t.Errorf("another CPO deletes an exclusion: %v", err)
		}
		var site string
		_ = db.QueryRow(context.Background(), `SELECT site_id FROM chargers WHERE cpid = ?`, f.cpidA).Scan(&site)
		fig, month, err := rel.PublicSiteReliability(context.Background(), site, f.now)
		if err != nil || fig == nil || month != "2026-04" || fig.UKPercent.String() != "99.65" {
			t.Errorf("public figure %+v %s, %v", fig, month, err)
		}
	})
}
