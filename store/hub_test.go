package store_test

import (
	"testing"

	"github.com/volt-ev/volt"
	"github.com/volt-ev/volt/store"
	"github.com/volt-ev/volt/store/storetest"
)

// TestHubOnboarding: a hub gets one CPID per socket; it authenticates as
// its identity with the one password; other sockets cannot be connected to;
// tenants see only their hubs; bad input names its field.
func TestHubOnboarding(t *testing.T) {
	storetest.ForEachEngine(t, func(t *testing.T, db *store.DB) {
		f := newCoreFixture(t, db)
		hs := store.NewHubService(db)
		svc := store.NewChargingService(db)
		creds, err := hs.CreateHub(f.adminA(), volt.HubCreate{ChargerGroupID: f.groupA1.ID, OCPPIdentity: "HUB-1", Sockets: 3})
		must(t, err)
		if creds.OCPPPassword == "" || creds.OCPPIdentity != "HUB-1" || len(creds.Sockets) != 3 {
			t.Fatalf("hub %+v", creds)
		}
		for i, sk := range creds.Sockets {
			if sk.HubConnectorID != i+1 || sk.ConnectorID != 1 || !volt.ValidCPID(sk.CPID) {
				t.Errorf("socket %d: %+v", i, sk)
			}
			ch, err := f.ch.FindChargerByCPID(f.adminA(), sk.CPID)
			must(t, err)
			if ch.HubID != creds.ID || len(ch.Connectors) != 1 || ch.ChargerGroupID != f.groupA1.ID {
				t.Errorf("socket charger %+v", ch)
			}
		}
		ch, err := svc.AuthenticateCharger(sysCtx(), "HUB-1", creds.OCPPPassword)
		must(t, err)
		if ch.CPID != creds.Sockets[0].CPID || ch.HubID != creds.ID {
			t.Errorf("hub authenticates as %+v", ch)
		}
		_, err = svc.AuthenticateCharger(sysCtx(), "HUB-1/2", creds.OCPPPassword)
		wantCode(t, "second socket's identity", err, volt.EUNAUTHORIZED)

		got, err := hs.FindHubByID(f.staffA(), creds.ID)
		must(t, err)
		if len(got.Sockets) != 3 || got.Sockets[2].CPID != creds.Sockets[2].CPID {
			t.Errorf("found %+v", got)
		}
		_, err = hs.FindHubByID(f.adminB(), creds.ID)
		wantCode(t, "other tenant's hub", err, volt.ENOTFOUND)
		list, total, err := hs.FindHubs(f.adminB(), volt.Filter{})
		must(t, err)
		if total != 0 || len(list) != 0 {
			t.Errorf("CPO B lists %d hubs", total)
		}
		list, total, err = hs.FindHubs(f.adminA(), volt.Filter{})
		must(t, err)
		if total != 1 || list[0].ID != creds.ID {
			t.Errorf("CPO A lists %+v", list)
		}

		_, err = hs.CreateHub(f.adminB(), volt.HubCreate{ChargerGroupID: f.groupA1.ID, Sockets: 2})
		wantCode(t, "other tenant's group", err, volt.ENOTFOUND)
		_, err = hs.CreateHub(f.staffA(), volt.HubCreate{ChargerGroupID: f.groupA1.ID, Sockets: 2})
		wantCode(t, "staff onboards", err, volt.EFORBIDDEN)
		_, err = hs.CreateHub(f.adminA(), volt.HubCreate{ChargerGroupID: f.groupA1.ID, Sockets: 0})
		wantField(t, "no sockets", err, volt.EINVALID, "sockets")
		_, err = hs.CreateHub(f.adminA(), volt.HubCreate{ChargerGroupID: f.groupA1.ID, Sockets: 65})
		wantField(t, "too many sockets", err, volt.EINVALID, "sockets")
		_, err = hs.CreateHub(f.adminA(), volt.HubCreate{ChargerGroupID: f.groupA1.ID, OCPPIdentity: "hub-1", Sockets: 2})
		wantField(t, "identity differing in case", err, volt.ECONFLICT, "ocppIdentity")
		_, err = hs.CreateHub(f.adminA(), volt.HubCreate{ChargerGroupID: f.groupA1.ID, OCPPIdentity: "HUB-1", Sockets: 2})
		wantCode(t, "same identity", err, volt.ECONFLICT)

		// A hub without an identity connects as its first socket's CPID.
		h2, err := hs.CreateHub(f.adminA(), volt.HubCreate{ChargerGroupID: f.groupA2.ID, Sockets: 2})
		must(t, err)
		if h2.OCPPIdentity != h2.Sockets[0].CPID {
			t.Errorf("default identity %q, first socket %s", h2.OCPPIdentity, h2.Sockets[0].CPID)
		}
	})
}

// TestHubSocketIdentityFixed: a socket's identity belongs to its hub.
func TestHubSocketIdentityFixed(t *testing.T) {
	storetest.ForEachEngine(t, func(t *testing.T, db *store.DB) {
		f := newCoreFixture(t, db)
		h, err := store.NewHubService(db).CreateHub(f.adminA(), volt.HubCreate{ChargerGroupID: f.groupA1.ID, OCPPIdentity: "HUB-X", Sockets: 2})
		must(t, err)
		err = f.ch.UpdateCharger(f.adminA(), &volt.Charger{CPID: h.Sockets[1].CPID, OCPPIdentity: "FREE-2"})
		wantField(t, "rename socket 2", err, volt.EUNPROCESSABLE, "ocppIdentity")
		must(t, f.ch.UpdateCharger(f.adminA(), &volt.Charger{CPID: h.Sockets[1].CPID, Name: "Bay 2"}))
	})
}
