package store_test

import (
	"context"
	"fmt"
	"sync"
	"testing"
	"time"

	"github.com/volt-ev/volt"
	"github.com/volt-ev/volt/store"
	"github.com/volt-ev/volt/store/storetest"
)

// userAs returns a context acting as an existing user (grants from the DB).
func userAs(t testing.TB, db *store.DB, u *volt.User) context.Context {
	t.Helper()
	a, err := store.ActorOfUser(context.Background(), db, u.ID, u.Email, u.SuperAdmin)
	must(t, err)
	return volt.NewContextWithActor(context.Background(), a)
}

func (f *coreFixture) user(t testing.TB, email, cpoID string) *volt.User {
	t.Helper()
	u := &volt.User{Email: email, Name: email, CPOID: cpoID}
	must(t, f.us.CreateUser(sysCtx(), u, ""))
	return u
}

func (f *coreFixture) group(t testing.TB, g *volt.Usergroup, members ...*volt.User) *volt.Usergroup {
	t.Helper()
	must(t, f.us.CreateUsergroup(sysCtx(), g))
	for _, m := range members {
		must(t, f.us.AddMember(sysCtx(), g.ID, m.ID))
	}
	return g
}

func TestUserCRUDAndConflicts(t *testing.T) {
	storetest.ForEachEngine(t, func(t *testing.T, db *store.DB) {
		f := newCoreFixture(t, db)
		ctx := f.adminA()
		u := &volt.User{Email: "Driver@Example.com", Name: "Dee", CPOID: f.cpoA.ID}
		must(t, f.us.CreateUser(ctx, u, "long enough password"))
		got, err := f.us.FindUserByID(ctx, u.ID)
		must(t, err)
		if got.Email != "driver@example.com" || got.PasswordHash == "" || got.PasswordHash == "long enough password" {
			t.Errorf("user read back %+v", got)
		}
		dup := &volt.User{Email: "DRIVER@example.com", Name: "Copy", CPOID: f.cpoA.ID}
		wantField(t, "duplicate email", f.us.CreateUser(ctx, dup, ""), volt.ECONFLICT, "email")
		wantField(t, "short password", f.us.CreateUser(ctx, &volt.User{Email: "x@example.com", Name: "x", CPOID: f.cpoA.ID}, "short"), volt.EINVALID, "password")
		wantCode(t, "admin creates super admin", f.us.CreateUser(ctx, &volt.User{Email: "s@example.com", Name: "s", CPOID: f.cpoA.ID, SuperAdmin: true}, ""), volt.EFORBIDDEN)
		wantCode(t, "admin creates user in B", f.us.CreateUser(ctx, &volt.User{Email: "b@example.com", Name: "b", CPOID: f.cpoB.ID}, ""), volt.ENOTFOUND)

		got.Name, got.Phone = "Dee Dee", "+44 1234"
		must(t, f.us.UpdateUser(ctx, got))
		got, _ = f.us.FindUserByID(ctx, u.ID)
		if got.Name != "Dee Dee" || got.Phone != "+44 1234" {
			t.Errorf("after update %+v", got)
		}
		// Self-service: the user changes its name but not its flags.
		self := userAs(t, db, got)
		got.Name, got.Disabled, got.SuperAdmin = "Me", true, true
		must(t, f.us.UpdateUser(self, got))
		got, _ = f.us.FindUserByID(ctx, u.ID)
		if got.Name != "Me" || got.Disabled || got.SuperAdmin {
			t.Errorf("self update changed flags: %+v", got)
		}
		must(t, f.us.SetPassword(self, u.ID, "another long password"))
		_, _, err = f.auth.Login(context.Background(), u.Email, "another long password", "")
		must(t, err)

		users, total, err := f.us.FindUsers(ctx, volt.UserFilter{Query: "driver@"})
		must(t, err)
		if total != 1 || users[0].ID != u.ID {
			t.Errorf("find users by query: %d %v", total, users)
		}
		must(t, f.us.DeleteUser(ctx, u.ID))
		_, err = f.us.FindUserByID(ctx, u.ID)
		wantCode(t, "deleted user", err, volt.ENOTFOUND)
	})
}

func TestUserVisibilityAndEscalation(t *testing.T) {
	storetest.ForEachEngine(t, func(t *testing.T, db *store.DB) {
		f := newCoreFixture(t, db)
		signedUpA := f.user(t, "a-driver@example.com", f.cpoA.ID)
		signedUpB := f.user(t, "b-driver@example.com", f.cpoB.ID)
		roamer := f.user(t, "roamer@example.com", "")
		both := f.user(t, "both@example.com", "")
		f.group(t, &volt.Usergroup{Name: "A drivers", Role: volt.RoleDriver, CPOID: f.cpoA.ID}, roamer, both)
		f.group(t, &volt.Usergroup{Name: "B admins", Role: volt.RoleAdmin, CPOID: f.cpoB.ID}, both)

		a := f.adminA()
		users, total, err := f.us.FindUsers(a, volt.UserFilter{})
		must(t, err)
		seen := map[string]bool{}
		for _, u := range users {
			seen[u.ID] = true
		}
		if total != 3 || !seen[signedUpA.ID] || !seen[roamer.ID] || !seen[both.ID] {
			t.Errorf("admin A sees %d users: %v", total, seen)
		}
		_, err = f.us.FindUserByID(a, signedUpB.ID)
		wantCode(t, "admin A reads B's driver", err, volt.ENOTFOUND)
		wantCode(t, "admin A updates B's driver", f.us.UpdateUser(a, &volt.User{ID: signedUpB.ID, Email: "x@example.com", Name: "x"}), volt.ENOTFOUND)
		wantCode(t, "admin A deletes B's driver", f.us.DeleteUser(a, signedUpB.ID), volt.ENOTFOUND)
		// "both" holds admin rights in B: A's admin must not take it over.
		wantCode(t, "admin A resets password of B's admin", f.us.SetPassword(a, both.ID, "attacker password"), volt.EFORBIDDEN)
		wantCode(t, "admin A deletes B's admin", f.us.DeleteUser(a, both.ID), volt.EFORBIDDEN)
		// roamer signed up with no CPO: a platform account, which a
		// membership of A's usergroup does not put under A's admin.
		wantCode(t, "admin A resets password of a platform account", f.us.SetPassword(a, roamer.ID, "a fine new password"), volt.EFORBIDDEN)
		must(t, f.us.SetPassword(a, signedUpA.ID, "a fine new password"))
		wantCode(t, "staff A updates user", f.us.UpdateUser(f.staffA(), &volt.User{ID: roamer.ID, Email: "roamer@example.com", Name: "x"}), volt.EFORBIDDEN)

		_, total, err = f.us.FindUsers(f.host(), volt.UserFilter{})
		must(t, err)
		if total != 0 {
			t.Errorf("host sees %d users", total)
		}
		groups, err := f.us.UsergroupsOfUser(a, both.ID)
		must(t, err)
		if len(groups) != 1 || groups[0].CPOID != f.cpoA.ID {
			t.Errorf("admin A sees groups of 'both': %v", groups)
		}
		groups, err = f.us.UsergroupsOfUser(userAs(t, db, both), both.ID)
		must(t, err)
		if len(groups) != 2 {
			t.Errorf("user sees %d own groups, want 2", len(groups))
		}
	})
}

func TestUsergroupsAndMembers(t *testing.T) {
	storetest.ForEachEngine(t, func(t *testing.T, db *store.DB) {
		f := newCoreFixture(t, db)
		a := f.adminA()
		hg := &volt.Usergroup{Name: "Hosts", Role: volt.RoleHost, CPOID: f.cpoA.ID, HostID: f.hostA.ID}
		must(t, f.us.CreateUsergroup(a, hg))
		if hg.OwnerID != f.ownerA.ID {
			t.Errorf("host usergroup owner %q, want %q", hg.OwnerID, f.ownerA.ID)
		}
		wantField(t, "owner of another CPO", f.us.CreateUsergroup(a, &volt.Usergroup{Name: "x", Role: volt.RoleAdmin, CPOID: f.cpoA.ID, OwnerID: f.ownerB.ID}), volt.EINVALID, "ownerId")
		wantCode(t, "group in CPO B", f.us.CreateUsergroup(a, &volt.Usergroup{Name: "x", Role: volt.RoleAdmin, CPOID: f.cpoB.ID}), volt.ENOTFOUND)
		wantCode(t, "owner admin makes CPO group", f.us.CreateUsergroup(f.ownerAdminA(), &volt.Usergroup{Name: "x", Role: volt.RoleAdmin, CPOID: f.cpoA.ID}), volt.ENOTFOUND)
		must(t, f.us.CreateUsergroup(f.ownerAdminA(), &volt.Usergroup{Name: "Owner staff", Role: volt.RoleStaff, CPOID: f.cpoA.ID, OwnerID: f.ownerA.ID}))

		u := f.user(t, "h@example.com", f.cpoA.ID)
		must(t, f.us.AddMember(a, hg.ID, u.ID))
		must(t, f.us.AddMember(a, hg.ID, u.ID)) // idempotent
		users, total, err := f.us.FindUsers(a, volt.UserFilter{UsergroupID: hg.ID})
		must(t, err)
		if total != 1 || users[0].ID != u.ID {
			t.Errorf("members: %d %v", total, users)
		}
		hg.Name = "Hosts renamed"
		must(t, f.us.UpdateUsergroup(a, hg))
		wantCode(t, "admin B updates A's group", f.us.UpdateUsergroup(f.adminB(), hg), volt.ENOTFOUND)
		wantCode(t, "staff adds member", f.us.AddMember(f.staffA(), hg.ID, u.ID), volt.EFORBIDDEN)
		gs, total, err := f.us.FindUsergroups(a, volt.Filter{HostID: f.hostA.ID})
		must(t, err)
		if total != 1 || gs[0].Name != "Hosts renamed" {
			t.Errorf("usergroups of host: %d %v", total, gs)
		}
		must(t, f.us.RemoveMember(a, hg.ID, u.ID))
		wantCode(t, "remove non-member", f.us.RemoveMember(a, hg.ID, u.ID), volt.ENOTFOUND)
		must(t, f.us.DeleteUsergroup(a, hg.ID))
		_, err = f.us.FindUsergroupByID(a, hg.ID)
		wantCode(t, "deleted usergroup", err, volt.ENOTFOUND)
	})
}

func TestRFIDCards(t *testing.T) {
	storetest.ForEachEngine(t, func(t *testing.T, db *store.DB) {
		f := newCoreFixture(t, db)
		a := f.adminA()
		u := f.user(t, "card@example.com", f.cpoA.ID)
		c := &volt.RFIDCard{UID: "04a2b3c4", UserID: u.ID, Label: "Blue"}
		must(t, f.us.CreateRFIDCard(a, c))
		if c.CPOID != f.cpoA.ID {
			t.Errorf("card cpo %q", c.CPOID)
		}
		wantField(t, "same UID other case", f.us.CreateRFIDCard(a, &volt.RFIDCard{UID: "04A2B3C4", UserID: u.ID}), volt.ECONFLICT, "uid")
		wantField(t, "same UID with spaces", f.us.CreateRFIDCard(sysCtx(), &volt.RFIDCard{UID: " 04A2b3c4 ", UserID: u.ID}), volt.ECONFLICT, "uid")
		cards, total, err := f.us.FindRFIDCards(a, volt.UserFilter{ID: u.ID})
		must(t, err)
		if total != 1 || cards[0].UID != "04a2b3c4" {
			t.Errorf("cards of user: %d %v", total, cards)
		}
		_, total, _ = f.us.FindRFIDCards(a, volt.UserFilter{Query: "04A2"})
		if total != 1 {
			t.Errorf("cards by UID prefix: %d", total)
		}
		_, err = f.us.FindRFIDCardByID(f.adminB(), c.ID)
		wantCode(t, "admin B reads A's card", err, volt.ENOTFOUND)
		wantCode(t, "admin B deletes A's card", f.us.DeleteRFIDCard(f.adminB(), c.ID), volt.ENOTFOUND)
		_, total, _ = f.us.FindRFIDCards(f.adminB(), volt.UserFilter{})
		if total != 0 {
			t.Errorf("admin B sees %d cards", total)
		}
		// The owner blocks its own card but cannot unblock it.
		self := userAs(t, db, u)
		c.Blocked = true
		must(t, f.us.UpdateRFIDCard(self, c))
		c.Blocked = false
		wantCode(t, "user unblocks own card", f.us.UpdateRFIDCard(self, c), volt.EFORBIDDEN)
		must(t, f.us.UpdateRFIDCard(a, c))
		must(t, f.us.DeleteRFIDCard(a, c.ID))
		must(t, f.us.CreateRFIDCard(a, &volt.RFIDCard{UID: "04A2B3C4", UserID: u.ID})) // UID free again
	})
}

func TestAffiliateCodes(t *testing.T) {
	storetest.ForEachEngine(t, func(t *testing.T, db *store.DB) {
		f := newCoreFixture(t, db)
		a := f.adminA()
		drivers := f.group(t, &volt.Usergroup{Name: "Fleet", Role: volt.RoleDriver, CPOID: f.cpoA.ID, Private: true})
		admins := f.group(t, &volt.Usergroup{Name: "Admins", Role: volt.RoleAdmin, CPOID: f.cpoA.ID})
		wantCode(t, "code for admin group", f.us.CreateAffiliateCode(a, &volt.AffiliateCode{Code: "ADMINME", UsergroupID: admins.ID}), volt.EUNPROCESSABLE)
		code := &volt.AffiliateCode{Code: "fleet-2026", UsergroupID: drivers.ID, MaxUses: 2}
		must(t, f.us.CreateAffiliateCode(a, code))
		wantField(t, "duplicate code", f.us.CreateAffiliateCode(a, &volt.AffiliateCode{Code: "FLEET-2026", UsergroupID: drivers.ID}), volt.ECONFLICT, "code")
		past := time.Now().Add(-time.Hour)
		must(t, f.us.CreateAffiliateCode(a, &volt.AffiliateCode{Code: "OLD-CODE", UsergroupID: drivers.ID, ExpiresAt: &past}))

		u1, u2, u3 := f.user(t, "d1@example.com", ""), f.user(t, "d2@example.com", ""), f.user(t, "d3@example.com", "")
		g, err := f.us.RedeemAffiliateCode(userAs(t, db, u1), "Fleet-2026")
		must(t, err)
		if g.ID != drivers.ID {
			t.Errorf("redeemed into %s", g.ID)
		}
		_, err = f.us.RedeemAffiliateCode(userAs(t, db, u1), "FLEET-2026") // again: no second use
		must(t, err)
		_, err = f.us.RedeemAffiliateCode(userAs(t, db, u2), "FLEET-2026")
		must(t, err)
		_, err = f.us.RedeemAffiliateCode(userAs(t, db, u3), "FLEET-2026")
		wantCode(t, "used-up code", err, volt.EUNPROCESSABLE)
		_, err = f.us.RedeemAffiliateCode(userAs(t, db, u3), "OLD-CODE")
		wantCode(t, "expired code", err, volt.EUNPROCESSABLE)
		_, err = f.us.RedeemAffiliateCode(userAs(t, db, u3), "NO-SUCH")
		wantCode(t, "unknown code", err, volt.ENOTFOUND)
		_, err = f.us.RedeemAffiliateCode(sysCtx(), "FLEET-2026")
		wantCode(t, "system redeems", err, volt.EUNPROCESSABLE)

		codes, total, err := f.us.FindAffiliateCodes(a, volt.Filter{ID: drivers.ID})
		must(t, err)
		if total != 2 {
			t.Fatalf("codes of group: %d", total)
		}
		for _, c := range codes {
			if c.Code == "FLEET-2026" && c.Uses != 2 {
				t.Errorf("uses %d, want 2", c.Uses)
			}
		}
		_, total, _ = f.us.FindUsers(a, volt.UserFilter{UsergroupID: drivers.ID})
		if total != 2 {
			t.Errorf("members after redeem: %d", total)
		}
		wantCode(t, "admin B deletes code", f.us.DeleteAffiliateCode(f.adminB(), code.ID), volt.ENOTFOUND)
		must(t, f.us.DeleteAffiliateCode(a, code.ID))
	})
}

// TestConcurrentUserCreates checks that many writers never surface
// SQLITE_BUSY (or a PostgreSQL serialization failure) to the caller.
func TestConcurrentUserCreates(t *testing.T) {
	storetest.ForEachEngine(t, func(t *testing.T, db *store.DB) {
		us := store.NewUserService(db)
		const workers, each = 8, 50
		var wg sync.WaitGroup
		errs := make(chan error, workers*each)
		for w := range workers {
			wg.Go(func() {
				for i := range each {
					u := &volt.User{Email: fmt.Sprintf("w%d-%d@example.com", w, i), Name: "W"}
					if err := us.CreateUser(sysCtx(), u, ""); err != nil {
						errs <- err
					}
				}
			})
		}
		wg.Wait()
		close(errs)
		for err := range errs {
			t.Errorf("concurrent create: %v", err)
		}
		_, total, err := us.FindUsers(sysCtx(), volt.UserFilter{})
		must(t, err)
		if total != workers*each {
			t.Errorf("%d users, want %d", total, workers*each)
		}
	})
}
