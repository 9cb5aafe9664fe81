package store_test

import (
	"fmt"
	"sync"
	"testing"
	"time"

	"github.com/volt-ev/volt"
	"github.com/volt-ev/volt/store"
	"github.com/volt-ev/volt/store/storetest"
)

// TestOCPIStatusFeedClaims: nodes claiming the same partners' status
// feeds at once (both engines) never both hold one; a holder's claim is
// kept without a write until half its lease, taken over once it expires,
// and the old holder can then neither move the position nor keep the feed;
// a resync in between makes a holder's advance fail, so it cannot
// overwrite the resync's position 0 (issue 14).
func TestOCPIStatusFeedClaims(t *testing.T) {
	storetest.ForEachEngine(t, func(t *testing.T, db *store.DB) {
		svc := store.NewOCPIService(db)
		ids := []string{"ocp_a", "ocp_b", "ocp_c"}
		now := time.Now()
		const lease = time.Minute
		for round := 0; round < 5; round++ {
			at := now.Add(time.Duration(round) * 2 * lease) // every round: all claims expired
			var mu sync.Mutex
			holders := map[string][]string{} // partner → holders that got it
			var wg sync.WaitGroup
			for n := 0; n < 4; n++ {
				wg.Add(1)
				go func(holder string) {
					defer wg.Done()
					feeds, err := svc.ClaimOCPIStatusFeeds(sys(), holder, ids, at, lease)
					if err != nil {
						t.Error(err)
						return
					}
					mu.Lock()
					defer mu.Unlock()
					for _, f := range feeds {
						holders[f.PartnerID] = append(holders[f.PartnerID], holder)
					}
				}(fmt.Sprintf("node%d-%d", n, round))
			}
			wg.Wait()
			for _, id := range ids {
				if len(holders[id]) != 1 {
					t.Errorf("round %d: %s held by %v, want exactly one node", round, id, holders[id])
				}
			}
		}

		// One holder: kept, advanced, taken over, fenced.
		a, b := "node-a", "node-b"
		t0 := now.Add(time.Hour)
		feeds, err := svc.ClaimOCPIStatusFeeds(sys(), a, ids[:1], t0, lease)
		if err != nil || len(feeds) != 1 {
			t.Fatalf("claim: %v %v", feeds, err)
		}
		if ok, err := svc.AdvanceOCPIStatusFeed(sys(), a, ids[0], feeds[0].Resync, 1000, t0.Add(lease)); err != nil || !ok {
			t.Fatalf("advance: %v %v", ok, err)
		}
		if ok, _ := svc.AdvanceOCPIStatusFeed(sys(), a, ids[0], feeds[0].Resync, 500, t0.Add(lease)); !ok {
			t.Fatalf("advance backwards refused")
		}
		if got, _ := svc.ClaimOCPIStatusFeeds(sys(), b, ids[:1], t0.Add(lease/2), lease); len(got) != 0 {
			t.Errorf("b took a's live feed: %v", got)
		}
		got, err := svc.ClaimOCPIStatusFeeds(sys(), a, ids[:1], t0.Add(time.Second), lease)
		if err != nil || len(got) != 1 || got[0].Position != 1000 {
			t.Errorf("a's feed: %+v %v, want position 1000 (never back)", got, err)
		}
		got, err = svc.ClaimOCPIStatusFeeds(sys(), b, ids[:1], t0.Add(2*lease), lease)
		if err != nil || len(got) != 1 || got[0].Position != 1000 {
			t.Fatalf("b after a's claim: %+v %v", got, err)
		}
		if ok, _ := svc.AdvanceOCPIStatusFeed(sys(), a, ids[0], got[0].Resync, 2000, t0.Add(3*lease)); ok {
			t.Errorf("a moved a feed b holds")
		}
		if mine, _ := svc.ClaimOCPIStatusFeeds(sys(), a, ids[:1], t0.Add(2*lease), lease); len(mine) != 0 {
			t.Errorf("a claimed b's feed back: %v", mine)
		}
		must(t, svc.ResyncOCPIStatusFeeds(sys(), ids[:1]))
		if ok, _ := svc.AdvanceOCPIStatusFeed(sys(), b, ids[0], got[0].Resync, 3000, t0.Add(3*lease)); ok {
			t.Errorf("b's advance overwrote a resync")
		}
		again, err := svc.ClaimOCPIStatusFeeds(sys(), b, ids[:1], t0.Add(2*lease), lease)
		if err != nil || len(again) != 1 || again[0].Position != 0 || again[0].Resync != got[0].Resync+1 {
			t.Errorf("after the resync: %+v %v, want position 0 and the next generation", again, err)
		}
		must(t, svc.ReleaseOCPIStatusFeeds(sys(), b))
		if mine, _ := svc.ClaimOCPIStatusFeeds(sys(), a, ids[:1], t0.Add(2*lease), lease); len(mine) != 1 {
			t.Errorf("a could not claim a released feed: %v", mine)
		}
	})
}

// TestChangedConnectors: a status write and a charger going offline are
// found after the position before them, once per connector, and a
// position after them finds nothing.
func TestChangedConnectors(t *testing.T) {
	storetest.ForEachEngine(t, func(t *testing.T, db *store.DB) {
		var clock time.Time = time.Now().Truncate(time.Millisecond)
		db.Now = func() time.Time { return clock }
		h, ch, cg := store.NewHierarchyService(db), store.NewChargerService(db), store.NewChargingService(db)
		svc := store.NewOCPIService(db)
		cpo := &volt.CPO{Name: "Feeds"}
		must(t, h.CreateCPO(sys(), cpo))
		own := &volt.Owner{CPOID: cpo.ID, Name: "O"}
		must(t, h.CreateOwner(sys(), own))
		s := &volt.Site{OwnerID: own.ID, Name: "S", Latitude: 51.5, Longitude: -0.1, Address: volt.Address{Line1: "1 Road", City: "London"}}
		must(t, h.CreateSite(sys(), s))
		g := &volt.ChargerGroup{SiteID: s.ID, Name: "G"}
		must(t, h.CreateChargerGroup(sys(), g))
		var cpids []string
		for range 2 {
			cred, err := ch.CreateCharger(sys(), &volt.Charger{ChargerGroupID: g.ID}, 2)
			must(t, err)
			cpids = append(cpids, cred.CPID)
		}
		clock = clock.Add(time.Minute)
		before := clock.UnixMilli()
		clock = clock.Add(time.Second)
		for _, st := range []volt.ConnectorStatus{volt.StatusPreparing, volt.StatusCharging} {
			must(t, cg.RecordStatus(sys(), volt.StatusReport{CPID: cpids[0], ConnectorID: 1, Status: st, ErrorCode: "NoError", At: clock}))
		}
		must(t, cg.RecordConnection(sys(), cpids[1], false, "", clock))
		got, err := svc.ChangedConnectors(sys(), before)
		must(t, err)
		var keys []string
		for _, c := range got {
			keys = append(keys, fmt.Sprintf("%s/%d/%s/%v", c.CPID, c.ConnectorID, c.Status, c.Online))
			if c.Position != clock.UnixMilli() || c.SiteID != s.ID || c.ChargerGroupID != g.ID || c.CPOID != cpo.ID {
				t.Errorf("row %+v: want position %d and the charger's site, group and CPO", c, clock.UnixMilli())
			}
		}
		want := []string{cpids[0] + "/1/Charging/false", cpids[1] + "/1/Unknown/false", cpids[1] + "/2/Unknown/false"}
		if fmt.Sprint(keys) != fmt.Sprint(want) {
			t.Errorf("changed since the position: %v, want %v", keys, want)
		}
		if later, err := svc.ChangedConnectors(sys(), clock.UnixMilli()); err != nil || len(later) != 0 {
			t.Errorf("changed since the last position: %v %v, want none", later, err)
		}
	})
}
