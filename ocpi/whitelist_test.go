package ocpi_test

import (
	"context"
	"strings"
	"testing"
	"time"

	"github.com/volt-ev/volt"
	"github.com/volt-ev/volt/internal/ocpischema"
	"github.com/volt-ev/volt/ocpi"
	"github.com/volt-ev/volt/store"
	"github.com/volt-ev/volt/store/storetest"
)

// TestRoamingWhitelistPerDriver (issue 14 item 4): B's operator sets a
// driver's roaming whitelist to NEVER; B's token sync pushes both of the
// driver's cards again with NEVER, so A asks B before every start and,
// with B down, refuses; a card set back to ALLOWED over the driver's NEVER
// is pushed again and A admits it from the stored token. Only an operator
// who manages the driver may set it; a bad mode names its field.
func TestRoamingWhitelistPerDriver(t *testing.T) {
	spec := ocpischema.Load(t)
	for _, eng := range storetest.Engines(t) {
		t.Run(eng.Name, func(t *testing.T) { whitelistPerDriver(t, spec, eng.Open(t), eng.Open(t)) })
	}
}

func whitelistPerDriver(t *testing.T, spec *ocpischema.Spec, dbA, dbB *store.DB) {
	rp := newRoamingPair(t, spec, dbA, dbB)
	A, B, pB, cpids := rp.A, rp.B, rp.pB, rp.cpids
	users := store.NewUserService(dbB)
	driver := &volt.User{Email: "nev@b.example", Name: "Nev", CPOID: B.cpo}
	must(t, users.CreateUser(sys(), driver, ""))
	card1, card2 := &volt.RFIDCard{UID: "04A1A1A1", UserID: driver.ID}, &volt.RFIDCard{UID: "04A2A2A2", UserID: driver.ID}
	must(t, users.CreateRFIDCard(sys(), card1))
	must(t, users.CreateRFIDCard(sys(), card2))
	sync := func(want int) { t.Helper(); B.syncTokens(t, want) }
	atA := func(uid string) string { // the whitelist A stored for B's token
		t.Helper()
		tok, err := A.store.FindOCPIToken(sys(), pB.ID, uid, "RFID")
		must(t, err)
		return tok.Whitelist
	}
	sync(2)
	if w := atA("04A1A1A1"); w != volt.WhitelistAllowed {
		t.Errorf("default whitelist at A %q, want ALLOWED", w)
	}

	// Who may set it: not staff, not the driver, not another CPO's admin.
	staff := volt.NewContextWithActor(context.Background(), &volt.Actor{UserID: "usr_staff", Grants: []volt.Grant{{Role: volt.RoleStaff, CPOID: B.cpo}}})
	self := volt.NewContextWithActor(context.Background(), &volt.Actor{UserID: driver.ID, Email: driver.Email})
	other := &volt.CPO{Name: "C Other"}
	must(t, B.hierarchy.CreateCPO(sys(), other))
	otherAdmin := volt.NewContextWithActor(context.Background(), &volt.Actor{UserID: "usr_c", Grants: []volt.Grant{{Role: volt.RoleAdmin, CPOID: other.ID}}})
	for name, c := range map[string]struct {
		ctx  context.Context
		code string
	}{"staff": {staff, volt.EFORBIDDEN}, "the driver": {self, volt.EFORBIDDEN}, "another CPO": {otherAdmin, volt.ENOTFOUND}} {
		if _, err := B.store.SetRoamingWhitelist(c.ctx, driver.ID, "", volt.WhitelistNever); volt.ErrorCode(err) != c.code {
			t.Errorf("%s sets the whitelist: %v, want %s", name, err, c.code)
		}
	}
	if _, err := B.store.SetRoamingWhitelist(B.admin, driver.ID, "", "SOMETIMES"); volt.ErrorCode(err) != volt.EINVALID || !strings.Contains(err.Error(), "whitelist") {
		t.Errorf("a bad mode: %v", err)
	}
	if _, err := B.store.SetRoamingWhitelist(B.admin, driver.ID, "rfc_nope", volt.WhitelistNever); volt.ErrorCode(err) != volt.EINVALID {
		t.Errorf("another's card: %v", err)
	}
	sync(0) // nothing changed

	// NEVER for the driver: both cards go out again; A asks B every time.
	w, err := B.store.SetRoamingWhitelist(B.admin, driver.ID, "", volt.WhitelistNever)
	must(t, err)
	if w.Effective != volt.WhitelistNever || len(w.Cards) != 2 || w.Cards[0].Effective != volt.WhitelistNever || w.Cards[0].Whitelist != "" {
		t.Errorf("whitelist after NEVER: %+v", w)
	}
	sync(2)
	if a, b := atA("04A1A1A1"), atA("04A2A2A2"); a != volt.WhitelistNever || b != volt.WhitelistNever {
		t.Errorf("whitelists at A %q %q, want NEVER", a, b)
	}
	B.down.Store(true)
	A.charging.RealTime = &ocpi.RealTimeAuth{Server: A.srv, Timeout: 300 * time.Millisecond}
	if res, err := A.charging.AuthorizeIDTag(sys(), cpids[0], "04A1A1A1"); err != nil || res.Status != volt.AuthInvalid {
		t.Errorf("NEVER with B down: %+v %v, want Invalid", res, err)
	}
	B.down.Store(false)

	// Card 2 back to ALLOWED over the driver's NEVER: only it goes out.
	w, err = B.store.SetRoamingWhitelist(B.admin, driver.ID, card2.ID, volt.WhitelistAllowed)
	must(t, err)
	if w.Cards[1].UID != "04A2A2A2" || w.Cards[1].Effective != volt.WhitelistAllowed {
		t.Errorf("card 2 after ALLOWED: %+v", w.Cards)
	}
	sync(1)
	if got := atA("04A2A2A2"); got != volt.WhitelistAllowed {
		t.Errorf("card 2 at A %q, want ALLOWED", got)
	}
	B.down.Store(true)
	A.charging.RealTime = &ocpi.RealTimeAuth{Server: A.srv, Timeout: 300 * time.Millisecond}
	if res, err := A.charging.AuthorizeIDTag(sys(), cpids[0], "04A2A2A2"); err != nil || res.Status != volt.AuthAccepted {
		t.Errorf("ALLOWED with B down: %+v %v, want Accepted from the stored token", res, err)
	}
	B.down.Store(false)

	// A's pull of B's tokens says the same.
	st, _, env := call(t, "GET", B.http.URL+"/ocpi/emsp/2.2.1/tokens?limit=10", aOf(t, A, pB.ID), nil)
	got := map[string]any{}
	for _, x := range env["data"].([]any) {
		m := x.(map[string]any)
		got[m["uid"].(string)] = m["whitelist"]
	}
	if st != 200 || got["04A1A1A1"] != "NEVER" || got["04A2A2A2"] != "ALLOWED" {
		t.Errorf("B's tokens pulled: %d %v", st, got)
	}
}
