package web

import (
	"net/http"
	"strings"
	"testing"

	volt "github.com/volt-ev/volt"
	"github.com/volt-ev/volt/store"
	"github.com/volt-ev/volt/store/storetest"
)

// TestOCPIPartnersOfAnotherCPO: a CPO's admin neither lists nor opens nor
// suspends another CPO's roaming partner (not found, never forbidden).
func TestOCPIPartnersOfAnotherCPO(t *testing.T) {
	db := storetest.SQLite(t)
	ocpiStore := store.NewOCPIService(db)
	f := newFixture(t, db, func(c *AdminConfig) { c.OCPIPartners = ocpiStore })
	other := &volt.CPO{Name: "Other Net"}
	must(t, f.hier.CreateCPO(sysCtx(), other))
	theirs := &volt.OCPIPartner{CPOID: other.ID, Name: "Hidden Roam", CountryCode: "DE", PartyID: "HID", Role: volt.OCPIRoleEMSP}
	_, err := ocpiStore.CreateOCPIPartner(sysCtx(), theirs)
	must(t, err)
	c := f.client()
	c.login("admin@spark.test")
	if a := c.get("/admin/ocpi-partners"); a.status != http.StatusOK || strings.Contains(a.body, "Hidden Roam") {
		t.Errorf("list: %d, shows the other CPO's partner: %v", a.status, strings.Contains(a.body, "Hidden Roam"))
	}
	if a := c.get("/admin/ocpi-partners/" + theirs.ID); a.status != http.StatusNotFound {
		t.Errorf("another CPO's partner: %d, want 404", a.status)
	}
	c.post("/admin/ocpi-partners/"+theirs.ID+"/suspended", map[string][]string{"suspended": {"true"}})
	if p, err := ocpiStore.FindOCPIPartnerSystem(sysCtx(), theirs.ID); err != nil || p.Status == volt.OCPISuspended {
		t.Errorf("another CPO's partner after a suspend: %+v %v", p, err)
	}
}
