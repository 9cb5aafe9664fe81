package store_test

import (
	"errors"
	"strings"
	"testing"

	"github.com/volt-ev/volt"
	"github.com/volt-ev/volt/store"
	"github.com/volt-ev/volt/store/storetest"
)

// TestIdentityNearDuplicate is issue #10 item 5: two OCPP identities that
// differ only in letter case could both be created. A near duplicate is now
// refused at creation and on rename (409 on ocppIdentity, naming the
// existing identity, and its CPID only to who reads it); the wire keeps
// exact, case-sensitive matching.
func TestIdentityNearDuplicate(t *testing.T) {
	storetest.ForEachEngine(t, func(t *testing.T, db *store.DB) {
		f := newCoreFixture(t, db)
		first, err := f.ch.CreateCharger(f.adminA(), &volt.Charger{ChargerGroupID: f.groupA1.ID, OCPPIdentity: "Wallbox-ABC"}, 1)
		must(t, err)
		_, err = f.ch.CreateCharger(f.adminA(), &volt.Charger{ChargerGroupID: f.groupA1.ID, OCPPIdentity: "wallbox-abc"}, 1)
		wantField(t, "near duplicate in A", err, volt.ECONFLICT, "ocppIdentity")
		if msg := volt.ErrorMessage(err); !strings.Contains(msg, `"Wallbox-ABC"`) || !strings.Contains(msg, first.CPID) {
			t.Errorf("the refusal does not name the existing charger: %s", msg)
		}
		_, err = f.ch.CreateCharger(f.adminB(), &volt.Charger{ChargerGroupID: f.groupB.ID, OCPPIdentity: "WALLBOX-abc"}, 1)
		wantField(t, "near duplicate from B", err, volt.ECONFLICT, "ocppIdentity")
		if msg := volt.ErrorMessage(err); strings.Contains(msg, first.CPID) {
			t.Errorf("B is told A's CPID: %s", msg)
		}
		other, err := f.ch.CreateCharger(f.adminA(), &volt.Charger{ChargerGroupID: f.groupA1.ID, OCPPIdentity: "Wallbox-XYZ"}, 1)
		must(t, err)
		err = f.ch.UpdateCharger(f.adminA(), &volt.Charger{CPID: other.CPID, OCPPIdentity: "WALLBOX-ABC"})
		wantField(t, "rename to a near duplicate", err, volt.ECONFLICT, "ocppIdentity")
		// Exact match on the wire: the other case is not this charger.
		if _, err := f.ch.FindChargerByIdentity(sysCtx(), "wallbox-abc"); volt.ErrorCode(err) != volt.ENOTFOUND {
			t.Errorf("identity matched case-insensitively on the wire: %v", err)
		}
		if c, err := f.ch.FindChargerByIdentity(sysCtx(), "Wallbox-ABC"); err != nil || c.CPID != first.CPID {
			t.Errorf("exact identity: %v %v", c, err)
		}
		// Concurrent near-duplicates: exactly one is created.
		errs := make(chan error, 2)
		for _, id := range []string{"Race-Box", "RACE-box"} {
			go func() {
				_, err := f.ch.CreateCharger(f.adminA(), &volt.Charger{ChargerGroupID: f.groupA1.ID, OCPPIdentity: id}, 1)
				errs <- err
			}()
		}
		e1, e2 := <-errs, <-errs
		if (e1 == nil) == (e2 == nil) || volt.ErrorCode(errors.Join(e1, e2)) != volt.ECONFLICT {
			t.Errorf("concurrent near-duplicates: %v, %v", e1, e2)
		}
	})
}
