package web

import (
	"strings"
	"testing"

	"github.com/chromedp/chromedp"
	volt "github.com/volt-ev/volt"
	"github.com/volt-ev/volt/store"
	"github.com/volt-ev/volt/store/storetest"
	"github.com/volt-ev/volt/web/webtest"
)

// TestBrowserOCPIPartners adds a roaming partner in the portal (its Token
// A shown once with Volt's versions URL), sees its handshake state, the
// endpoints it offers and its last error once it has registered, and
// suspends it; the list shows the new state (issue 14).
func TestBrowserOCPIPartners(t *testing.T) {
	webtest.Chromium(t)
	db := storetest.SQLite(t)
	ocpiStore := store.NewOCPIService(db)
	f := newFixture(t, db, func(c *AdminConfig) { c.OCPIPartners = ocpiStore })

	b := newBrowser(t, f.srv.URL)
	b.login("admin@spark.test")
	b.Run("open partners", b.open("/admin/ocpi-partners"), chromedp.WaitVisible(chromedp.CSS(`#partyId`)))
	b.checkA11y("ocpi partners")
	b.Run("add a partner",
		chromedp.SendKeys(chromedp.CSS(`#name`), "Roam NL"),
		chromedp.SendKeys(chromedp.CSS(`#countryCode`), "nl"),
		chromedp.SendKeys(chromedp.CSS(`#partyId`), "rnl"),
		chromedp.Click(chromedp.CSS(`form[action="/admin/ocpi-partners"] button[type=submit]`)),
		chromedp.WaitVisible(chromedp.CSS(`#ocpi-token-a`)))
	tokenA := strings.TrimSpace(value(b, "read token A", chromedp.Text(chromedp.CSS(`#ocpi-token-a`))))
	versions := strings.TrimSpace(value(b, "read versions URL", chromedp.Text(chromedp.CSS(`#ocpi-versions-url`))))
	ps, _, err := ocpiStore.FindOCPIPartners(sysCtx(), volt.OCPIPartnerFilter{CPOID: f.cpo.ID})
	if err != nil || len(ps) != 1 || ps[0].PartyID != "RNL" || ps[0].CountryCode != "NL" || ps[0].Status != volt.OCPIPending {
		t.Fatalf("partners %+v, %v", ps, err)
	}
	if p, kind, err := ocpiStore.OCPIPartnerByToken(sysCtx(), tokenA); err != nil || p.ID != ps[0].ID || kind != volt.OCPITokenA {
		t.Errorf("the token shown is not the partner's Token A: %v %v %v", p, kind, err)
	}
	if !strings.HasSuffix(versions, "/ocpi/versions") {
		t.Errorf("versions URL %q", versions)
	}
	b.checkA11y("ocpi partner with token A")

	// The partner registers and later fails a push.
	_, err = ocpiStore.CompleteOCPIRegistration(sysCtx(), volt.OCPIRegistration{PartnerID: ps[0].ID, TheirToken: "theirs", OurToken: "ours-c",
		VersionsURL: "https://roam.example/ocpi/versions", Version: "2.2.1",
		Endpoints: []volt.OCPIEndpoint{{Identifier: "locations", Role: "RECEIVER", URL: "https://roam.example/ocpi/emsp/2.2.1/locations"}}})
	must(t, err)
	must(t, ocpiStore.RecordOCPIError(sysCtx(), ps[0].ID, "PATCH locations: 503 Service Unavailable"))
	page := "/admin/ocpi-partners/" + ps[0].ID
	b.Run("open partner", b.open(page), chromedp.WaitVisible(chromedp.CSS(`#ocpi-endpoints`)))
	if st := strings.TrimSpace(value(b, "state", chromedp.Text(chromedp.CSS(`[data-partner-state]`)))); st != string(volt.OCPIConnected) {
		t.Errorf("handshake state %q, want connected", st)
	}
	if e := value(b, "endpoints", chromedp.Text(chromedp.CSS(`#ocpi-endpoints`))); !strings.Contains(e, "https://roam.example/ocpi/emsp/2.2.1/locations") {
		t.Errorf("endpoints %q", e)
	}
	if e := value(b, "last error", chromedp.Text(chromedp.CSS(`[data-last-error]`))); !strings.Contains(e, "503 Service Unavailable") {
		t.Errorf("last error %q", e)
	}
	if strings.Contains(value(b, "page", chromedp.Text(chromedp.CSS(`main`))), tokenA) {
		t.Error("Token A is shown again")
	}
	b.checkA11y("ocpi partner")
	b.Run("suspend", chromedp.Click(chromedp.CSS(`form[action$="/suspended"] button`)), chromedp.WaitVisible(chromedp.CSS(`.flash`)))
	if p, err := ocpiStore.FindOCPIPartnerSystem(sysCtx(), ps[0].ID); err != nil || p.Status != volt.OCPISuspended {
		t.Fatalf("after suspending: %+v %v", p, err)
	}
	b.Run("list", b.open("/admin/ocpi-partners"), chromedp.WaitVisible(chromedp.CSS(`#ocpi-partners`)))
	if st := strings.TrimSpace(value(b, "list state", chromedp.Text(chromedp.CSS(`#ocpi-partners [data-state]`)))); st != string(volt.OCPISuspended) {
		t.Errorf("list shows %q, want suspended", st)
	}
}
