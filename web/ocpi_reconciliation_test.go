package web

import (
	"net/http"
	"strings"
	"testing"

	volt "github.com/volt-ev/volt"
	"github.com/volt-ev/volt/internal/pdfqr"
	"github.com/volt-ev/volt/store"
	"github.com/volt-ev/volt/store/storetest"
)

// TestOCPIReconciliationDownload (issue 14 item 2): a partner CPO's page
// offers its monthly reconciliation; staff download it as PDF (its text
// read back) and CSV; a bad month names the field; another CPO's partner
// is not found.
func TestOCPIReconciliationDownload(t *testing.T) {
	db := storetest.SQLite(t)
	ocpiStore := store.NewOCPIService(db)
	f := newFixture(t, db, func(c *AdminConfig) { c.OCPIPartners, c.OCPIReconciler = ocpiStore, ocpiStore })
	cpoPartner := &volt.OCPIPartner{CPOID: f.cpo.ID, Name: "Far Network", CountryCode: "NL", PartyID: "FAR", Role: volt.OCPIRoleCPO}
	_, err := ocpiStore.CreateOCPIPartner(sysCtx(), cpoPartner)
	must(t, err)
	emsp := &volt.OCPIPartner{CPOID: f.cpo.ID, Name: "Roam App", CountryCode: "NL", PartyID: "APP", Role: volt.OCPIRoleEMSP}
	_, err = ocpiStore.CreateOCPIPartner(sysCtx(), emsp)
	must(t, err)
	other := &volt.CPO{Name: "Other Net"}
	must(t, f.hier.CreateCPO(sysCtx(), other))
	theirs := &volt.OCPIPartner{CPOID: other.ID, Name: "Hidden CPO", CountryCode: "DE", PartyID: "HID", Role: volt.OCPIRoleCPO}
	_, err = ocpiStore.CreateOCPIPartner(sysCtx(), theirs)
	must(t, err)

	c := f.client()
	c.login("staff@spark.test")
	page := c.get("/admin/ocpi-partners/" + cpoPartner.ID)
	if page.status != 200 || !strings.Contains(page.body, `id="ocpi-reconciliation"`) || !strings.Contains(page.body, "/reconciliation/") {
		t.Fatalf("partner CPO page: %d, no reconciliation form", page.status)
	}
	if p := c.get("/admin/ocpi-partners/" + emsp.ID); strings.Contains(p.body, `id="ocpi-reconciliation"`) {
		t.Errorf("an eMSP partner's page offers a payable reconciliation")
	}
	base := "/admin/ocpi-partners/" + cpoPartner.ID + "/reconciliation/"
	pdf := c.get(base + "2026-01.pdf?month=2026-03")
	if pdf.status != 200 || pdf.header.Get("Content-Type") != "application/pdf" || !strings.HasPrefix(pdf.body, "%PDF-") {
		t.Fatalf("PDF: %d %s", pdf.status, pdf.header.Get("Content-Type"))
	}
	text := strings.Join(strings.Fields(pdfqr.Text(t, []byte(pdf.body))), " ")
	for _, want := range []string{"Roaming reconciliation - 2026-03", "Prepared by Spark Networks", "Partner CPO Far Network", "Their CDRs 0", "Missing on our side 0"} {
		if !strings.Contains(text, want) {
			t.Errorf("PDF lacks %q:\n%s", want, text)
		}
	}
	if csv := c.get(base + "2026-03.csv"); csv.status != 200 || !strings.HasPrefix(csv.body, "partner,partner_id,month") ||
		!strings.Contains(csv.body, "Far Network,"+cpoPartner.ID+",2026-03") {
		t.Errorf("CSV: %d %.200s", csv.status, csv.body)
	}
	if bad := c.get(base + "2026-13.pdf"); bad.status != http.StatusBadRequest || !strings.Contains(bad.body, "month") {
		t.Errorf("bad month: %d", bad.status)
	}
	if hidden := c.get("/admin/ocpi-partners/" + theirs.ID + "/reconciliation/2026-03.pdf"); hidden.status != http.StatusNotFound {
		t.Errorf("another CPO's partner's reconciliation: %d, want 404", hidden.status)
	}
}
