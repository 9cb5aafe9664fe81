package store_test

import (
	"testing"
	"time"

	"github.com/volt-ev/volt"
	"github.com/volt-ev/volt/store"
	"github.com/volt-ev/volt/store/storetest"
)

func TestLoadManagementModelAndReadings(t *testing.T) {
	storetest.ForEachEngine(t, func(t *testing.T, db *store.DB) {
		now := time.Date(2026, 12, 6, 12, 0, 0, 0, time.UTC)
		db.Now = func() time.Time { return now }
		f := newCoreFixture(t, db)
		lm := store.NewLoadManagementService(db)
		ctx := f.adminA()
		cpA := f.charger(t, f.groupA1, "A")
		cpB := f.charger(t, f.groupB, "B")

		m, err := lm.FindLoadManagement(ctx, f.siteA.ID)
		must(t, err)
		if m.Mode != volt.LoadModeOff || m.SiteID != f.siteA.ID {
			t.Fatalf("unset model: %+v", m)
		}
		m = &volt.LoadManagement{SiteID: f.siteA.ID, Mode: volt.LoadModeDynamic, SupplyLimitA: 63, Phases: 3, FallbackLimitA: 16,
			Circuits: []volt.LoadCircuit{{ID: "feed", LimitA: 40}},
			EVSEs:    []volt.LoadEVSE{{CPID: cpA.CPID, ConnectorID: 1, CircuitID: "feed", MaxA: 32, Rotation: "SRT"}}}
		must(t, lm.SetLoadManagement(ctx, m))
		got, err := lm.FindLoadManagement(f.staffA(), f.siteA.ID)
		must(t, err)
		if got.Mode != volt.LoadModeDynamic || len(got.EVSEs) != 1 || got.EVSEs[0].MinA != 6 || got.EVSEs[0].Phases != 3 ||
			got.Circuits[0].LimitA != 40 || !got.UpdatedAt.Equal(now) {
			t.Errorf("read back %+v", got)
		}
		ids, err := lm.FindLoadManagedSites(sysCtx())
		must(t, err)
		if len(ids) != 1 || ids[0] != f.siteA.ID {
			t.Errorf("managed sites %v", ids)
		}

		// Another tenant's charger is refused as not at the site; another
		// tenant's site is not found; staff may read but not write.
		bad := *m
		bad.EVSEs = []volt.LoadEVSE{{CPID: cpB.CPID, ConnectorID: 1, MaxA: 32}}
		wantField(t, "other tenant's charger", lm.SetLoadManagement(ctx, &bad), volt.EINVALID, "evses[0].cpid")
		_, err = lm.FindLoadManagement(ctx, f.siteB.ID)
		wantCode(t, "other tenant's site", err, volt.ENOTFOUND)
		other := &volt.LoadManagement{SiteID: f.siteB.ID, Mode: volt.LoadModeStatic, SupplyLimitA: 32}
		wantCode(t, "write other tenant's site", lm.SetLoadManagement(ctx, other), volt.ENOTFOUND)
		wantCode(t, "staff write", lm.SetLoadManagement(f.staffA(), m), volt.EFORBIDDEN)
		bad = *m
		bad.Circuits = []volt.LoadCircuit{{ID: "feed", LimitA: 40, ChargerGroupID: f.groupB.ID}}
		bad.EVSEs = nil
		wantField(t, "other tenant's charger group", lm.SetLoadManagement(ctx, &bad), volt.EINVALID, "circuits[0].chargerGroupId")
		bad.Circuits = []volt.LoadCircuit{{ID: "feed", LimitA: 40, ChargerGroupID: f.groupA1.ID}}
		must(t, lm.SetLoadManagement(ctx, &bad))
		must(t, lm.SetLoadManagement(ctx, m))
		bad = *m
		bad.Circuits = []volt.LoadCircuit{{ID: "feed", LimitA: 80}}
		wantField(t, "circuit above supply", lm.SetLoadManagement(ctx, &bad), volt.EINVALID, "circuits[0].limitA")

		_, err = lm.LatestMeterReading(ctx, f.siteA.ID)
		wantCode(t, "no reading yet", err, volt.ENOTFOUND)
		must(t, lm.RecordMeterReading(ctx, &volt.SiteMeterReading{SiteID: f.siteA.ID, CurrentA: []float64{20, 21.5, 0}, At: now.Add(-time.Second)}))
		must(t, lm.RecordMeterReading(ctx, &volt.SiteMeterReading{SiteID: f.siteA.ID, CurrentA: []float64{10, 11, 12}, At: now.Add(-2 * time.Second)}))
		r, err := lm.LatestMeterReading(ctx, f.siteA.ID)
		must(t, err)
		if len(r.CurrentA) != 3 || r.CurrentA[1] != 21.5 || !r.At.Equal(now.Add(-time.Second)) || r.Source != "api" {
			t.Errorf("latest reading %+v", r)
		}
		wantField(t, "two phases on three", lm.RecordMeterReading(ctx, &volt.SiteMeterReading{SiteID: f.siteA.ID, CurrentA: []float64{1, 2}}), volt.EINVALID, "currentA")
		wantField(t, "negative", lm.RecordMeterReading(ctx, &volt.SiteMeterReading{SiteID: f.siteA.ID, CurrentA: []float64{1, -2, 3}}), volt.EINVALID, "currentA")
		wantField(t, "future", lm.RecordMeterReading(ctx, &volt.SiteMeterReading{SiteID: f.siteA.ID, CurrentA: []float64{1, 2, 3}, At: now.Add(time.Minute)}), volt.EINVALID, "at")
		n, err := lm.PruneMeterReadings(sysCtx(), now.Add(-1500*time.Millisecond))
		if err != nil || n != 1 {
			t.Errorf("pruned %d readings (%v), want the older one", n, err)
		}
		if r, err := lm.LatestMeterReading(ctx, f.siteA.ID); err != nil || r.CurrentA[1] != 21.5 {
			t.Errorf("newest reading after pruning: %+v %v", r, err)
		}
		_, err = lm.PruneMeterReadings(ctx, now)
		wantCode(t, "an admin prunes", err, volt.EFORBIDDEN)
		wantCode(t, "reading on another tenant's site", lm.RecordMeterReading(ctx, &volt.SiteMeterReading{SiteID: f.siteB.ID, CurrentA: []float64{1, 2, 3}}), volt.ENOTFOUND)
	})
}
