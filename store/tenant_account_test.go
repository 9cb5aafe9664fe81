package store_test

import (
	"context"
	"testing"

	"github.com/volt-ev/volt"
	"github.com/volt-ev/volt/payment/sandbox"
	"github.com/volt-ev/volt/store"
	"github.com/volt-ev/volt/store/storetest"
)

// TestAffiliateCodeGivesNoAccountControl is issue #10 item 1: a driver who
// signed up with CPO A and redeems CPO B's affiliate code is a member of
// B's usergroup, not B's account. B's admin sees the membership (the id,
// nothing of the person) and can remove it, but cannot read the driver's
// details, set a password, change the e-mail, attach a card or read the
// wallet; A's admin still manages its driver.
func TestAffiliateCodeGivesNoAccountControl(t *testing.T) {
	storetest.ForEachEngine(t, func(t *testing.T, db *store.DB) {
		f := newCoreFixture(t, db)
		driver := &volt.User{Email: "home-a@example.com", Name: "Home A", Phone: "+44 7000", CPOID: f.cpoA.ID}
		must(t, f.us.CreateUser(sysCtx(), driver, "driver's own password"))
		fleet := f.group(t, &volt.Usergroup{Name: "B fleet", Role: volt.RoleDriver, CPOID: f.cpoB.ID, Private: true})
		must(t, f.us.CreateAffiliateCode(f.adminB(), &volt.AffiliateCode{Code: "BFLEET1", UsergroupID: fleet.ID}))
		if _, err := f.us.RedeemAffiliateCode(userAs(t, db, driver), "BFLEET1"); err != nil {
			t.Fatal(err)
		}

		b := f.adminB()
		got, err := f.us.FindUserByID(b, driver.ID)
		must(t, err)
		if !got.External || got.Email != "" || got.Name != "" || got.Phone != "" || got.CPOID != "" {
			t.Errorf("B's admin reads the driver whole: %+v", got)
		}
		members, total, err := f.us.FindUsers(b, volt.UserFilter{UsergroupID: fleet.ID})
		must(t, err)
		if total != 1 || members[0].ID != driver.ID || members[0].Email != "" {
			t.Errorf("B's members: %d %+v", total, members)
		}
		for _, flt := range []volt.UserFilter{{Email: driver.Email}, {Query: "home-a"}, {CPOID: f.cpoA.ID}} {
			if _, n, err := f.us.FindUsers(b, flt); err != nil || n != 0 {
				t.Errorf("B finds A's driver by %+v: %d %v", flt, n, err)
			}
		}
		wantCode(t, "B sets the password", f.us.SetPassword(b, driver.ID, "attacker password 1"), volt.EFORBIDDEN)
		wantCode(t, "B changes the e-mail", f.us.UpdateUser(b, &volt.User{ID: driver.ID, Email: "evil@example.com", Name: "x"}), volt.EFORBIDDEN)
		wantCode(t, "B disables the account", f.us.UpdateUser(b, &volt.User{ID: driver.ID, Email: driver.Email, Name: "Home A", Disabled: true}), volt.EFORBIDDEN)
		wantCode(t, "B deletes the account", f.us.DeleteUser(b, driver.ID), volt.EFORBIDDEN)
		wantCode(t, "B attaches a card", f.us.CreateRFIDCard(b, &volt.RFIDCard{UID: "BEVIL01", UserID: driver.ID}), volt.EFORBIDDEN)
		if _, _, err := f.auth.Login(context.Background(), driver.Email, "driver's own password", ""); err != nil {
			t.Errorf("the driver's own password no longer works: %v", err)
		}
		money := store.NewMoneyService(db, sandbox.New("whsec_test"))
		_, err = money.FindWallet(actorCtx(volt.Grant{Role: volt.RoleSupport, CPOID: f.cpoB.ID}), driver.ID, "GBP")
		wantCode(t, "B's support reads the wallet", err, volt.ENOTFOUND)

		// The home tenant keeps its account; B keeps its membership.
		a := f.adminA()
		got, err = f.us.FindUserByID(a, driver.ID)
		must(t, err)
		if got.External || got.Email != driver.Email {
			t.Errorf("A's admin reads its driver: %+v", got)
		}
		must(t, f.us.SetPassword(a, driver.ID, "reset by home tenant"))
		bAdmins := f.group(t, &volt.Usergroup{Name: "B admins", Role: volt.RoleAdmin, CPOID: f.cpoB.ID})
		wantField(t, "B makes A's driver its admin", f.us.AddMember(b, bAdmins.ID, driver.ID), volt.EFORBIDDEN, "userId")
		must(t, f.us.RemoveMember(b, fleet.ID, driver.ID))
	})
}
