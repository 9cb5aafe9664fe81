package store_test

import (
	"context"
	"testing"

	"github.com/volt-ev/volt"
	"github.com/volt-ev/volt/store"
	"github.com/volt-ev/volt/store/storetest"
)

func TestHierarchyCRUD(t *testing.T) {
	storetest.ForEachEngine(t, func(t *testing.T, db *store.DB) {
		f := newCoreFixture(t, db)
		ctx := f.adminA()

		c, err := f.h.FindCPOByID(ctx, f.cpoA.ID)
		must(t, err)
		if c.Name != "CPO A" || !c.Whitelabel || c.Currency != "GBP" || c.CreatedAt.IsZero() {
			t.Errorf("cpo read back %+v", c)
		}
		byHost, err := f.h.FindCPOByHostName(f.adminB(), "a.EXAMPLE.com:8443")
		must(t, err)
		if byHost.ID != f.cpoA.ID {
			t.Errorf("FindCPOByHostName = %s, want %s", byHost.ID, f.cpoA.ID)
		}
		_, err = f.h.FindCPOByHostName(ctx, "unknown.example.com")
		wantCode(t, "unknown host name", err, volt.ENOTFOUND)
		dup := &volt.CPO{Name: "Copy", Theme: volt.Theme{HostNames: []string{"a.example.com"}}}
		wantField(t, "duplicate host name", f.h.CreateCPO(sysCtx(), dup), volt.ECONFLICT, "theme.hostNames")

		c.Name, c.Theme.PrimaryColor = "CPO A Renamed", "#112233"
		must(t, f.h.UpdateCPO(ctx, c))
		c, _ = f.h.FindCPOByID(ctx, f.cpoA.ID)
		if c.Name != "CPO A Renamed" || c.Theme.PrimaryColor != "#112233" {
			t.Errorf("update cpo: %+v", c)
		}

		s, err := f.h.FindSiteByID(ctx, f.siteA.ID)
		must(t, err)
		if s.CPOID != f.cpoA.ID || s.Latitude != 51.5074 || s.Longitude != -0.1278 || len(s.Amenities) != 1 || s.TimeZone != "Europe/London" {
			t.Errorf("site read back %+v", s)
		}
		s.Name, s.OwnerID = "Site A Renamed", f.ownerB.ID // owner is immutable
		must(t, f.h.UpdateSite(ctx, s))
		s, _ = f.h.FindSiteByID(ctx, f.siteA.ID)
		if s.Name != "Site A Renamed" || s.OwnerID != f.ownerA.ID {
			t.Errorf("update site: %+v", s)
		}

		g, err := f.h.FindChargerGroupByID(ctx, f.groupA2.ID)
		must(t, err)
		if !g.Private || g.OwnerID != f.ownerA.ID || g.SiteID != f.siteA.ID {
			t.Errorf("group read back %+v", g)
		}
		h, err := f.h.FindHostByID(ctx, f.hostA.ID)
		must(t, err)
		if len(h.ChargerGroupIDs) != 1 || h.ChargerGroupIDs[0] != f.groupA1.ID || h.CPOID != f.cpoA.ID {
			t.Errorf("host read back %+v", h)
		}
		h.ChargerGroupIDs = []string{f.groupA1.ID, f.groupA2.ID}
		must(t, f.h.UpdateHost(ctx, h))
		h.ChargerGroupIDs = []string{f.groupB.ID}
		wantField(t, "host granted another owner's group", f.h.UpdateHost(sysCtx(), h), volt.EINVALID, "chargerGroupIds")
		hosts, total, err := f.h.FindHosts(ctx, volt.Filter{ChargerGroupID: f.groupA2.ID})
		must(t, err)
		if total != 1 || len(hosts) != 1 || len(hosts[0].ChargerGroupIDs) != 2 {
			t.Errorf("hosts of group A2: %d %+v", total, hosts)
		}

		owners, total, err := f.h.FindOwners(ctx, volt.Filter{Page: volt.Page{Limit: 1}})
		must(t, err)
		if total != 2 || len(owners) != 1 || owners[0].ID != f.ownerA.ID {
			t.Errorf("owners page: total %d %v", total, owners)
		}
		owners, _, _ = f.h.FindOwners(ctx, volt.Filter{Page: volt.Page{Limit: 1, Offset: 1}})
		if len(owners) != 1 || owners[0].ID != f.ownerA2.ID {
			t.Errorf("owners second page: %v", owners)
		}
		groups, total, err := f.h.FindChargerGroups(ctx, volt.Filter{Query: "a2"})
		must(t, err)
		if total != 1 || groups[0].ID != f.groupA2.ID {
			t.Errorf("group query a2: %d %v", total, groups)
		}

		wantCode(t, "delete owner with sites", f.h.DeleteOwner(ctx, f.ownerA.ID), volt.ECONFLICT)
		f.charger(t, f.groupA2, "x")
		wantCode(t, "delete group with chargers", f.h.DeleteChargerGroup(ctx, f.groupA2.ID), volt.ECONFLICT)
		must(t, f.h.DeleteChargerGroup(ctx, f.groupA3.ID))
		must(t, f.h.DeleteSite(ctx, f.siteA2.ID))
		must(t, f.h.DeleteOwner(ctx, f.ownerA2.ID))
		_, err = f.h.FindOwnerByID(ctx, f.ownerA2.ID)
		wantCode(t, "deleted owner", err, volt.ENOTFOUND)
		must(t, f.h.DeleteHost(ctx, f.hostA.ID))
		wantCode(t, "cpo admin deletes cpo", f.h.DeleteCPO(ctx, f.cpoA.ID), volt.EFORBIDDEN)
		wantCode(t, "cpo admin creates cpo", f.h.CreateCPO(ctx, &volt.CPO{Name: "X"}), volt.EFORBIDDEN)
	})
}

func TestHierarchyTenantIsolation(t *testing.T) {
	storetest.ForEachEngine(t, func(t *testing.T, db *store.DB) {
		f := newCoreFixture(t, db)
		a := f.adminA()

		// CPO A's admin cannot see, change or delete anything of CPO B.
		_, err := f.h.FindCPOByID(a, f.cpoB.ID)
		wantCode(t, "read cpo B", err, volt.ENOTFOUND)
		_, err = f.h.FindOwnerByID(a, f.ownerB.ID)
		wantCode(t, "read owner B", err, volt.ENOTFOUND)
		_, err = f.h.FindSiteByID(a, f.siteB.ID)
		wantCode(t, "read site B", err, volt.ENOTFOUND)
		_, err = f.h.FindChargerGroupByID(a, f.groupB.ID)
		wantCode(t, "read group B", err, volt.ENOTFOUND)
		wantCode(t, "update cpo B", f.h.UpdateCPO(a, &volt.CPO{ID: f.cpoB.ID, Name: "pwned"}), volt.ENOTFOUND)
		wantCode(t, "update owner B", f.h.UpdateOwner(a, &volt.Owner{ID: f.ownerB.ID, Name: "pwned"}), volt.ENOTFOUND)
		wantCode(t, "update site B", f.h.UpdateSite(a, &volt.Site{ID: f.siteB.ID, Name: "pwned"}), volt.ENOTFOUND)
		wantCode(t, "update group B", f.h.UpdateChargerGroup(a, &volt.ChargerGroup{ID: f.groupB.ID, Name: "pwned"}), volt.ENOTFOUND)
		wantCode(t, "delete group B", f.h.DeleteChargerGroup(a, f.groupB.ID), volt.ENOTFOUND)
		wantCode(t, "delete site B", f.h.DeleteSite(a, f.siteB.ID), volt.ENOTFOUND)
		wantCode(t, "create owner in B", f.h.CreateOwner(a, &volt.Owner{CPOID: f.cpoB.ID, Name: "x"}), volt.ENOTFOUND)
		wantCode(t, "create site in B", f.h.CreateSite(a, &volt.Site{OwnerID: f.ownerB.ID, Name: "x"}), volt.ENOTFOUND)
		g, _ := f.h.FindChargerGroupByID(sysCtx(), f.groupB.ID)
		if g.Name != "Group B" {
			t.Errorf("group B changed by another tenant: %q", g.Name)
		}
		for name, fn := range map[string]func(context.Context) (int, error){
			"cpos":   func(c context.Context) (int, error) { _, n, err := f.h.FindCPOs(c, volt.Filter{}); return n, err },
			"owners": func(c context.Context) (int, error) { _, n, err := f.h.FindOwners(c, volt.Filter{}); return n, err },
			"sites":  func(c context.Context) (int, error) { _, n, err := f.h.FindSites(c, volt.Filter{}); return n, err },
			"groups": func(c context.Context) (int, error) {
				_, n, err := f.h.FindChargerGroups(c, volt.Filter{})
				return n, err
			},
		} {
			nA, err := fn(a)
			must(t, err)
			nAll, err := fn(sysCtx())
			must(t, err)
			nB, err := fn(f.adminB())
			must(t, err)
			if nA+nB != nAll || nA == 0 || nB == 0 {
				t.Errorf("%s: A sees %d, B sees %d, all %d", name, nA, nB, nAll)
			}
			if _, err := fn(context.Background()); volt.ErrorCode(err) != volt.EUNAUTHORIZED {
				t.Errorf("%s without actor: %v", name, err)
			}
		}

		// Staff read but never write.
		st := f.staffA()
		o, err := f.h.FindOwnerByID(st, f.ownerA.ID)
		must(t, err)
		o.Name = "staff edit"
		wantCode(t, "staff update owner", f.h.UpdateOwner(st, o), volt.EFORBIDDEN)
		wantCode(t, "staff create site", f.h.CreateSite(st, &volt.Site{OwnerID: f.ownerA.ID, Name: "x"}), volt.EFORBIDDEN)
		wantCode(t, "staff delete group", f.h.DeleteChargerGroup(st, f.groupA2.ID), volt.EFORBIDDEN)

		// An owner admin reaches its owner only.
		oa := f.ownerAdminA()
		_, err = f.h.FindOwnerByID(oa, f.ownerA2.ID)
		wantCode(t, "owner admin reads sibling owner", err, volt.ENOTFOUND)
		_, err = f.h.FindCPOByID(oa, f.cpoA.ID)
		wantCode(t, "owner admin reads cpo", err, volt.ENOTFOUND)
		must(t, f.h.CreateSite(oa, &volt.Site{OwnerID: f.ownerA.ID, Name: "Owner's new site"}))
		wantCode(t, "owner admin creates site for sibling", f.h.CreateSite(oa, &volt.Site{OwnerID: f.ownerA2.ID, Name: "x"}), volt.ENOTFOUND)

		// A host sees its groups, the site and owner holding them, itself.
		h := f.host()
		groups, n, err := f.h.FindChargerGroups(h, volt.Filter{})
		must(t, err)
		if n != 1 || groups[0].ID != f.groupA1.ID {
			t.Errorf("host groups: %d %v", n, groups)
		}
		_, err = f.h.FindChargerGroupByID(h, f.groupA2.ID)
		wantCode(t, "host reads ungranted group", err, volt.ENOTFOUND)
		sites, n, err := f.h.FindSites(h, volt.Filter{})
		must(t, err)
		if n != 1 || sites[0].ID != f.siteA.ID {
			t.Errorf("host sites: %d %v", n, sites)
		}
		_, err = f.h.FindOwnerByID(h, f.ownerA.ID)
		must(t, err)
		_, err = f.h.FindOwnerByID(h, f.ownerA2.ID)
		wantCode(t, "host reads other owner", err, volt.ENOTFOUND)
		_, err = f.h.FindHostByID(h, f.hostA.ID)
		must(t, err)
		_, err = f.h.FindCPOByID(h, f.cpoA.ID)
		wantCode(t, "host reads cpo", err, volt.ENOTFOUND)
		g1, _ := f.h.FindChargerGroupByID(h, f.groupA1.ID)
		wantCode(t, "host updates group", f.h.UpdateChargerGroup(h, g1), volt.EFORBIDDEN)
	})
}
