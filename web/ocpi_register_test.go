package web

import (
	"net/http"
	"regexp"
	"strings"
	"testing"

	volt "github.com/volt-ev/volt"
	"github.com/volt-ev/volt/store"
	"github.com/volt-ev/volt/store/storetest"
)

// TestOCPIRegisterFormGuarded (issue 14 item 3): the handshake form is
// shown to those who may change the partner; staff posting it are refused,
// another CPO's partner is not found, a post without the CSRF token is
// refused, a missing versions URL names its field; nothing is registered.
func TestOCPIRegisterFormGuarded(t *testing.T) {
	db := storetest.SQLite(t)
	ocpiStore := store.NewOCPIService(db)
	var registrar volt.OCPIRegistrar
	f := newFixture(t, db, func(c *AdminConfig) { c.OCPIPartners = ocpiStore; c.OCPIRegistrar = &lateRegistrar{&registrar} })
	registrar = ocpiSide(t, db, f.hier)
	mine := &volt.OCPIPartner{CPOID: f.cpo.ID, Name: "Mine", CountryCode: "NL", PartyID: "MIN", Role: volt.OCPIRoleCPO}
	_, err := ocpiStore.CreateOCPIPartner(sysCtx(), mine)
	must(t, err)
	other := &volt.CPO{Name: "Other Net"}
	must(t, f.hier.CreateCPO(sysCtx(), other))
	theirs := &volt.OCPIPartner{CPOID: other.ID, Name: "Hidden", CountryCode: "DE", PartyID: "HID", Role: volt.OCPIRoleCPO}
	_, err = ocpiStore.CreateOCPIPartner(sysCtx(), theirs)
	must(t, err)
	form := func() map[string][]string { // fresh: post adds the CSRF token of its client
		return map[string][]string{"versionsUrl": {"http://127.0.0.1:1/ocpi/versions"}, "token": {"abc"}}
	}

	staff := f.client()
	staff.login("staff@spark.test")
	if p := staff.get("/admin/ocpi-partners/" + mine.ID); strings.Contains(p.body, `id="ocpi-register"`) {
		t.Error("staff are shown the handshake form")
	}
	if a := staff.post("/admin/ocpi-partners/"+mine.ID+"/register", form()); a.status != http.StatusSeeOther {
		t.Errorf("staff register: %d", a.status)
	}
	if p := staff.get("/admin/ocpi-partners/" + mine.ID); !strings.Contains(p.body, "flash-error") {
		t.Errorf("staff register: no error shown")
	}
	admin := f.client()
	admin.login("admin@spark.test")
	if p := admin.get("/admin/ocpi-partners/" + mine.ID); !strings.Contains(p.body, `id="ocpi-register"`) {
		t.Error("the admin is not shown the handshake form")
	}
	if a := admin.do(http.MethodPost, "/admin/ocpi-partners/"+mine.ID+"/register", form(), nil); a.status != http.StatusForbidden {
		t.Errorf("register without the CSRF token: %d, want 403", a.status)
	}
	if a := admin.post("/admin/ocpi-partners/"+theirs.ID+"/register", form()); a.status != http.StatusSeeOther {
		t.Errorf("another CPO's partner's handshake: %d", a.status)
	}
	if p := admin.get("/admin/ocpi-partners/" + mine.ID); !strings.Contains(p.body, "flash-error") {
		t.Errorf("another CPO's partner's handshake: no error shown")
	}
	// Adding with "theirs" but no URL names the field and adds nothing.
	a := admin.post("/admin/ocpi-partners", map[string][]string{"cpoId": {f.cpo.ID}, "name": {"No URL"}, "countryCode": {"NL"},
		"partyId": {"NUL"}, "role": {"CPO"}, "connect": {"theirs"}, "token": {"abc"}})
	if a.status != http.StatusBadRequest || !regexp.MustCompile(`id="versionsUrl"[^>]*aria-invalid="true"`).MatchString(a.body) {
		t.Errorf("add without a versions URL: %d", a.status)
	}
	for _, id := range []string{mine.ID, theirs.ID} {
		if p, err := ocpiStore.FindOCPIPartnerSystem(sysCtx(), id); err != nil || p.Status != volt.OCPIPending || p.LastError != "" {
			t.Errorf("partner %s after refused handshakes: %+v %v", id, p, err)
		}
	}
	if list, n, _ := ocpiStore.FindOCPIPartners(sysCtx(), volt.OCPIPartnerFilter{CPOID: f.cpo.ID}); n != 1 {
		t.Errorf("partners after a refused add: %d %+v", n, list)
	}
}
