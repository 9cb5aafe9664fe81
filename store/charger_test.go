package store_test

import (
	"fmt"
	"sync"
	"testing"

	"github.com/volt-ev/volt"
	"github.com/volt-ev/volt/store"
	"github.com/volt-ev/volt/store/storetest"
)

func TestChargerOnboarding(t *testing.T) {
	storetest.ForEachEngine(t, func(t *testing.T, db *store.DB) {
		f := newCoreFixture(t, db)
		ctx := f.adminA()
		cr, err := f.ch.CreateCharger(ctx, &volt.Charger{ChargerGroupID: f.groupA1.ID, Name: "Bay 1", SerialNumber: "SN-XYZ"}, 3)
		must(t, err)
		if cr.CPID != "000001" || cr.OCPPIdentity != cr.CPID || len(cr.OCPPPassword) != 24 {
			t.Fatalf("credentials %+v", cr)
		}
		c, err := f.ch.FindChargerByCPID(ctx, cr.CPID)
		must(t, err)
		if c.CPOID != f.cpoA.ID || c.OwnerID != f.ownerA.ID || c.SiteID != f.siteA.ID || c.ChargerGroupID != f.groupA1.ID {
			t.Errorf("denormalised ids %+v", c)
		}
		if len(c.Connectors) != 3 || c.Connectors[0].ConnectorID != 1 || c.Connectors[2].ConnectorID != 3 || c.Connectors[1].Status != volt.StatusUnknown {
			t.Errorf("connectors %+v", c.Connectors)
		}
		if c.PasswordHash == cr.OCPPPassword {
			t.Fatal("plain password stored")
		}
		if ok, err := store.VerifyPassword(c.PasswordHash, cr.OCPPPassword); !ok || err != nil {
			t.Errorf("stored hash does not verify the returned password: %v %v", ok, err)
		}
		byID, err := f.ch.FindChargerByIdentity(ctx, cr.OCPPIdentity)
		must(t, err)
		if byID.CPID != cr.CPID {
			t.Errorf("by identity: %s", byID.CPID)
		}

		cr2, err := f.ch.CreateCharger(ctx, &volt.Charger{ChargerGroupID: f.groupA1.ID, OCPPIdentity: "SERIAL-77"}, 1)
		must(t, err)
		if cr2.CPID != "000002" || cr2.OCPPIdentity != "SERIAL-77" {
			t.Errorf("second charger %+v", cr2)
		}
		_, err = f.ch.CreateCharger(ctx, &volt.Charger{ChargerGroupID: f.groupA2.ID, OCPPIdentity: "SERIAL-77"}, 1)
		wantField(t, "duplicate identity", err, volt.ECONFLICT, "ocppIdentity")
		_, err = f.ch.CreateCharger(ctx, &volt.Charger{ChargerGroupID: f.groupA2.ID, OCPPIdentity: "a/b"}, 1)
		wantField(t, "identity with slash", err, volt.EINVALID, "ocppIdentity")
		_, err = f.ch.CreateCharger(ctx, &volt.Charger{}, 1)
		wantField(t, "no group", err, volt.EINVALID, "chargerGroupId")

		creds, err := f.ch.ResetChargerPassword(ctx, cr.CPID)
		must(t, err)
		c2, _ := f.ch.FindChargerByCPID(ctx, cr.CPID)
		if ok, _ := store.VerifyPassword(c2.PasswordHash, cr.OCPPPassword); ok {
			t.Error("old password still valid after reset")
		}
		if ok, _ := store.VerifyPassword(c2.PasswordHash, creds.OCPPPassword); !ok {
			t.Error("new password does not verify")
		}
	})
}

func TestCPIDNeverReused(t *testing.T) {
	storetest.ForEachEngine(t, func(t *testing.T, db *store.DB) {
		f := newCoreFixture(t, db)
		ctx := sysCtx()
		first := f.charger(t, f.groupA1, "first")
		second := f.charger(t, f.groupA1, "second")
		must(t, f.ch.DeleteCharger(ctx, second.CPID))
		_, err := f.ch.FindChargerByCPID(ctx, second.CPID)
		wantCode(t, "deleted charger", err, volt.ENOTFOUND)
		wantCode(t, "delete twice", f.ch.DeleteCharger(ctx, second.CPID), volt.ENOTFOUND)
		// The identity of a deleted charger is free again; its CPID is not.
		third, err := f.ch.CreateCharger(ctx, &volt.Charger{ChargerGroupID: f.groupA1.ID, OCPPIdentity: second.CPID}, 1)
		must(t, err)
		if third.CPID == second.CPID || third.CPID == first.CPID || third.CPID != "000003" {
			t.Errorf("cpids %s %s then %s", first.CPID, second.CPID, third.CPID)
		}
		_, n, err := f.ch.FindChargers(ctx, volt.ChargerFilter{})
		must(t, err)
		if n != 2 {
			t.Errorf("live chargers %d, want 2", n)
		}
		// A new charger group may be deleted once its only charger is gone.
		must(t, f.ch.DeleteCharger(ctx, first.CPID))
		must(t, f.ch.DeleteCharger(ctx, third.CPID))
		must(t, f.h.DeleteChargerGroup(ctx, f.groupA1.ID))
	})
}

func TestChargerMoveAndIsolation(t *testing.T) {
	storetest.ForEachEngine(t, func(t *testing.T, db *store.DB) {
		f := newCoreFixture(t, db)
		a := f.charger(t, f.groupA1, "A-1")
		b := f.charger(t, f.groupB, "B-1")
		admin := f.adminA()

		_, err := f.ch.FindChargerByCPID(admin, b.CPID)
		wantCode(t, "read B's charger", err, volt.ENOTFOUND)
		_, err = f.ch.FindChargerByIdentity(admin, b.OCPPIdentity)
		wantCode(t, "read B's charger by identity", err, volt.ENOTFOUND)
		wantCode(t, "update B's charger", f.ch.UpdateCharger(admin, &volt.Charger{CPID: b.CPID, Name: "x"}), volt.ENOTFOUND)
		wantCode(t, "delete B's charger", f.ch.DeleteCharger(admin, b.CPID), volt.ENOTFOUND)
		_, err = f.ch.ResetChargerPassword(admin, b.CPID)
		wantCode(t, "reset B's password", err, volt.ENOTFOUND)
		_, err = f.ch.CreateCharger(admin, &volt.Charger{ChargerGroupID: f.groupB.ID}, 1)
		wantCode(t, "onboard into B's group", err, volt.ENOTFOUND)
		wantCode(t, "move into B's group", f.ch.UpdateCharger(admin, &volt.Charger{CPID: a.CPID, ChargerGroupID: f.groupB.ID}), volt.ENOTFOUND)

		st := f.staffA()
		_, err = f.ch.FindChargerByCPID(st, a.CPID)
		must(t, err)
		wantCode(t, "staff rename", f.ch.UpdateCharger(st, &volt.Charger{CPID: a.CPID, Name: "x"}), volt.EFORBIDDEN)
		wantCode(t, "staff delete", f.ch.DeleteCharger(st, a.CPID), volt.EFORBIDDEN)
		_, err = f.ch.CreateCharger(st, &volt.Charger{ChargerGroupID: f.groupA1.ID}, 1)
		wantCode(t, "staff onboard", err, volt.EFORBIDDEN)

		// Moving within CPO A to another owner's group updates the ids.
		c := &volt.Charger{CPID: a.CPID, Name: "A-1 moved", ChargerGroupID: f.groupA3.ID}
		must(t, f.ch.UpdateCharger(admin, c))
		got, err := f.ch.FindChargerByCPID(admin, a.CPID)
		must(t, err)
		if got.Name != "A-1 moved" || got.ChargerGroupID != f.groupA3.ID || got.SiteID != f.siteA2.ID || got.OwnerID != f.ownerA2.ID {
			t.Errorf("after move %+v", got)
		}
		// The system may move across CPOs.
		must(t, f.ch.UpdateCharger(sysCtx(), &volt.Charger{CPID: a.CPID, Name: "to B", ChargerGroupID: f.groupB.ID}))
		_, err = f.ch.FindChargerByCPID(admin, a.CPID)
		wantCode(t, "charger moved to B", err, volt.ENOTFOUND)
		got, _ = f.ch.FindChargerByCPID(f.adminB(), a.CPID)
		if got == nil || got.CPOID != f.cpoB.ID {
			t.Errorf("B cannot see the moved charger: %+v", got)
		}
	})
}

func TestFindChargersFilters(t *testing.T) {
	storetest.ForEachEngine(t, func(t *testing.T, db *store.DB) {
		f := newCoreFixture(t, db)
		var a1, a2 []string
		for i := range 5 {
			a1 = append(a1, f.charger(t, f.groupA1, fmt.Sprintf("North %d", i)).CPID)
		}
		for i := range 3 {
			a2 = append(a2, f.charger(t, f.groupA2, fmt.Sprintf("South %d", i)).CPID)
		}
		f.charger(t, f.groupB, "B")
		ctx := f.adminA()
		if _, err := db.Exec(ctx, `UPDATE chargers SET online = ? WHERE cpid = ?`, true, a1[0]); err != nil {
			t.Fatal(err)
		}
		if _, err := db.Exec(ctx, `UPDATE connectors SET status = 'Charging' WHERE cpid = ? AND connector_id = 2`, a2[1]); err != nil {
			t.Fatal(err)
		}
		if _, err := db.Exec(ctx, `UPDATE chargers SET ocpp_identity = ?, serial_number = ? WHERE cpid = ?`, "Depot-X1", "SN_ab%9", a2[0]); err != nil {
			t.Fatal(err)
		}
		on := true
		tests := []struct {
			name string
			f    volt.ChargerFilter
			want []string
		}{
			{"all of A", volt.ChargerFilter{}, append(append([]string{}, a1...), a2...)},
			{"group", volt.ChargerFilter{ChargerGroupID: f.groupA2.ID}, a2},
			{"site", volt.ChargerFilter{SiteID: f.siteA.ID, Page: volt.Page{Limit: 2, Offset: 1}}, []string{a1[1], a1[2]}},
			{"online", volt.ChargerFilter{Online: &on}, a1[:1]},
			{"status", volt.ChargerFilter{Status: volt.StatusCharging}, a2[1:2]},
			{"name prefix", volt.ChargerFilter{Query: "south"}, a2},
			{"cpid prefix", volt.ChargerFilter{Query: a1[3]}, a1[3:4]},
			{"name prefix, other case", volt.ChargerFilter{Query: "NORTH 2"}, a1[2:3]},
			{"identity prefix, other case", volt.ChargerFilter{Query: "depot-x"}, a2[:1]},
			{"serial prefix with wildcard characters", volt.ChargerFilter{Query: "sn_AB%"}, a2[:1]},
			{"wildcards are literal", volt.ChargerFilter{Query: "%"}, nil},
			{"underscore is literal", volt.ChargerFilter{Query: "_orth"}, nil},
			{"not a substring", volt.ChargerFilter{Query: "orth"}, nil},
			{"B's cpo", volt.ChargerFilter{CPOID: f.cpoB.ID}, nil},
		}
		for _, tt := range tests {
			got, total, err := f.ch.FindChargers(ctx, tt.f)
			must(t, err)
			var ids []string
			for _, c := range got {
				ids = append(ids, c.CPID)
				if len(c.Connectors) != 2 {
					t.Errorf("%s: %s has %d connectors", tt.name, c.CPID, len(c.Connectors))
				}
			}
			if fmt.Sprint(ids) != fmt.Sprint(tt.want) {
				t.Errorf("%s: got %v, want %v", tt.name, ids, tt.want)
			}
			if tt.f.Limit == 0 && total != len(tt.want) {
				t.Errorf("%s: total %d, want %d", tt.name, total, len(tt.want))
			}
		}
		got, total, err := f.ch.FindChargers(f.host(), volt.ChargerFilter{})
		must(t, err)
		if total != len(a1) || len(got) != len(a1) {
			t.Errorf("host sees %d chargers, want %d", total, len(a1))
		}
	})
}

func TestConcurrentChargerOnboarding(t *testing.T) {
	storetest.ForEachEngine(t, func(t *testing.T, db *store.DB) {
		f := newCoreFixture(t, db)
		const workers, each = 4, 8
		var mu sync.Mutex
		seen := map[string]bool{}
		var wg sync.WaitGroup
		for range workers {
			wg.Go(func() {
				for range each {
					cr, err := f.ch.CreateCharger(sysCtx(), &volt.Charger{ChargerGroupID: f.groupA1.ID}, 1)
					if err != nil {
						t.Errorf("concurrent onboarding: %v", err)
						return
					}
					mu.Lock()
					if seen[cr.CPID] {
						t.Errorf("CPID %s handed out twice", cr.CPID)
					}
					seen[cr.CPID] = true
					mu.Unlock()
				}
			})
		}
		wg.Wait()
		if len(seen) != workers*each {
			t.Errorf("%d distinct CPIDs, want %d", len(seen), workers*each)
		}
	})
}

func TestChargerModels(t *testing.T) {
	storetest.ForEachEngine(t, func(t *testing.T, db *store.DB) {
		f := newCoreFixture(t, db)
		m := &volt.ChargerModel{Vendor: "Acme", Model: "Volt-22", Certified: true, Relaxations: []string{"long-model-name"}}
		must(t, f.ch.UpsertChargerModel(sysCtx(), m))
		m.Relaxations = append(m.Relaxations, "zoneless-timestamps")
		must(t, f.ch.UpsertChargerModel(sysCtx(), m))
		wantCode(t, "cpo admin certifies", f.ch.UpsertChargerModel(f.adminA(), &volt.ChargerModel{Vendor: "X", Model: "Y"}), volt.EFORBIDDEN)
		ms, err := f.ch.FindChargerModels(f.staffA())
		must(t, err)
		if len(ms) != 1 || !ms[0].Certified || len(ms[0].Relaxations) != 2 || ms[0].Relaxations[1] != "zoneless-timestamps" {
			t.Errorf("models %+v", ms)
		}
	})
}
