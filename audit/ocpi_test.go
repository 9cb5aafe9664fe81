package audit_test

import (
	"testing"

	"github.com/volt-ev/volt"
	"github.com/volt-ev/volt/audit"
	"github.com/volt-ev/volt/store"
	"github.com/volt-ev/volt/store/storetest"
)

// TestWrapRoamingWhitelists (issue 14 item 4): setting a driver's roaming
// whitelist is recorded on the user with the mode, under the CPO (its
// admin reads it, another CPO's does not); a refused attempt is recorded
// as failed.
func TestWrapRoamingWhitelists(t *testing.T) {
	storetest.ForEachEngine(t, func(t *testing.T, db *store.DB) {
		e := newEnv(t, db)
		w := audit.WrapRoamingWhitelists(store.NewOCPIService(db), e.rec)
		driver := &volt.User{Email: "nev@a.example", Name: "Nev", CPOID: e.cpoA.ID}
		must(t, e.sysUS.CreateUser(volt.NewContextWithActor(t.Context(), volt.SystemActor), driver, ""))
		_, err := w.SetRoamingWhitelist(e.adminA(), driver.ID, "", volt.WhitelistNever)
		must(t, err)
		en := e.one(t, e.adminA(), "user.roaming-whitelist")
		if en.ResourceType != volt.ResourceUser || en.ResourceID != driver.ID || field(t, en.Details, "whitelist") != "NEVER" ||
			field(t, en.Before, "whitelist") != "" || field(t, en.After, "whitelist") != "NEVER" || en.CPOID != e.cpoA.ID || en.Outcome != volt.AuditOK {
			t.Errorf("entry: %+v before %s after %s", en, en.Before, en.After)
		}
		if got := e.entries(t, e.adminB(), volt.AuditFilter{Action: "user.roaming-whitelist"}); len(got) != 0 {
			t.Errorf("admin B reads %d of A's entries", len(got))
		}
		if _, err := w.SetRoamingWhitelist(e.staffA(), driver.ID, "", volt.WhitelistAlways); volt.ErrorCode(err) != volt.EFORBIDDEN {
			t.Fatalf("staff: %v", err)
		}
		list := e.entries(t, e.adminA(), volt.AuditFilter{Action: "user.roaming-whitelist"})
		if len(list) != 2 || list[0].Outcome != volt.AuditFailed || list[0].ActorID != "usr_staffa" {
			t.Errorf("refused attempt: %+v", list)
		}
	})
}
