package store_test

import (
	"context"
	"testing"

	"github.com/volt-ev/volt"
	"github.com/volt-ev/volt/store"
	"github.com/volt-ev/volt/store/storetest"
)

func TestSmartChargingSettingsAndChargeNow(t *testing.T) {
	storetest.ForEachEngine(t, func(t *testing.T, db *store.DB) {
		f := newChargingFixture(t, db)
		svc := store.NewSmartChargingService(db)
		as := func(userID string, grants ...volt.Grant) context.Context {
			return volt.NewContextWithActor(context.Background(), &volt.Actor{UserID: userID, Grants: grants})
		}
		adminA := as("usr_adminA", volt.Grant{Role: volt.RoleAdmin, CPOID: f.cpoA})
		staffA := as("usr_staffA", volt.Grant{Role: volt.RoleStaff, CPOID: f.cpoA})
		adminB := as("usr_adminB", volt.Grant{Role: volt.RoleAdmin, CPOID: f.cpoB})

		started := f.start(t, f.cpidA, 1, "CARD-A", 0, f.now)
		x, err := f.svc.FindSessionByID(sys(), started.Session.ID)
		must(t, err)
		group, site := x.ChargerGroupID, x.SiteID

		got, err := svc.FindSmartCharging(staffA, group)
		must(t, err)
		if got.OffPeakDefault || got.RandomDelayMaxS != 0 || got.TimeZone != "Europe/London" {
			t.Errorf("unset setting %+v", got)
		}
		sc := &volt.SmartCharging{ChargerGroupID: group, OffPeakDefault: true, RandomDelayMaxS: 600}
		wantCode(t, "load management off", svc.SetSmartCharging(adminA, sc), volt.EUNPROCESSABLE)
		must(t, store.NewLoadManagementService(db).SetLoadManagement(adminA,
			&volt.LoadManagement{SiteID: site, Mode: volt.LoadModeStatic, SupplyLimitA: 63}))
		must(t, svc.SetSmartCharging(adminA, sc))
		got, err = svc.FindSmartCharging(staffA, group)
		must(t, err)
		if !got.OffPeakDefault || got.RandomDelayMaxS != 600 || got.TimeZone != "Europe/London" || len(got.PeakWindows) != 2 ||
			got.PeakWindows[0].From != "08:00" || got.PeakWindows[1].To != "22:00" {
			t.Errorf("read back %+v", got)
		}
		// Load management cannot be turned off under it (issue 15): the
		// holds would silently not apply.
		wantField(t, "load management off under smart charging", store.NewLoadManagementService(db).SetLoadManagement(adminA,
			&volt.LoadManagement{SiteID: site, Mode: volt.LoadModeOff}), volt.EINVALID, "mode")
		wantField(t, "delay too long", svc.SetSmartCharging(adminA, &volt.SmartCharging{ChargerGroupID: group, RandomDelayMaxS: 601}),
			volt.EINVALID, "randomDelayMaxS")
		wantCode(t, "staff write", svc.SetSmartCharging(staffA, sc), volt.EFORBIDDEN)
		wantCode(t, "other tenant write", svc.SetSmartCharging(adminB, sc), volt.ENOTFOUND)
		_, err = svc.FindSmartCharging(adminB, group)
		wantCode(t, "other tenant read", err, volt.ENOTFOUND)

		bySite, err := svc.SmartChargingOfSite(sys(), site)
		must(t, err)
		if bySite[group] == nil || !bySite[group].OffPeakDefault {
			t.Errorf("site's settings %+v", bySite)
		}
		_, err = svc.SmartChargingOfSite(adminA, site)
		wantCode(t, "a user reads the loop's view", err, volt.EFORBIDDEN)

		// Charge now: not another driver, not staff, not another tenant.
		wantCode(t, "another driver", svc.ChargeNow(as(f.driverB), x.ID), volt.ENOTFOUND)
		wantCode(t, "staff", svc.ChargeNow(staffA, x.ID), volt.EFORBIDDEN)
		wantCode(t, "other tenant's admin", svc.ChargeNow(adminB, x.ID), volt.ENOTFOUND)
		now, err := svc.ChargeNowOf(sys(), []string{x.ID})
		must(t, err)
		if now[x.ID] {
			t.Fatal("overridden before anyone chose charge now")
		}
		must(t, svc.ChargeNow(as(f.driver), x.ID))
		must(t, svc.ChargeNow(adminA, x.ID)) // again: no error
		now, err = svc.ChargeNowOf(sys(), []string{x.ID, "ses_other"})
		must(t, err)
		if !now[x.ID] || now["ses_other"] {
			t.Errorf("overrides %v", now)
		}
		f.stop(t, f.cpidA, started.TransactionID, 1000, f.now)
		wantCode(t, "ended session", svc.ChargeNow(as(f.driver), x.ID), volt.EUNPROCESSABLE)
		// Smart charging off: load management may be turned off too.
		must(t, svc.SetSmartCharging(adminA, &volt.SmartCharging{ChargerGroupID: group}))
		must(t, store.NewLoadManagementService(db).SetLoadManagement(adminA, &volt.LoadManagement{SiteID: site, Mode: volt.LoadModeOff}))
	})
}
