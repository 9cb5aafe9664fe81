package web

import (
	"context"
	"net/http/httptest"
	"strings"
	"testing"

	"github.com/chromedp/chromedp"
	volt "github.com/volt-ev/volt"
	"github.com/volt-ev/volt/ocpi"
	"github.com/volt-ev/volt/store"
	"github.com/volt-ev/volt/store/storetest"
	"github.com/volt-ev/volt/web/webtest"
)

// TestBrowserOCPIPartners adds a roaming partner in the portal (its Token
// A shown once with Volt's versions URL), sees its handshake state, the
// endpoints it offers and its last error once it has registered, and
// suspends it; the list shows the new state (issue 14). Then it adds a
// partner CPO by registering with the versions URL and token another Volt
// gave, over real HTTP (connected, its endpoints shown), rotates the
// tokens, and fails a handshake with a wrong token (the error shown).
func TestBrowserOCPIPartners(t *testing.T) {
	webtest.Chromium(t)
	db := storetest.SQLite(t)
	ocpiStore := store.NewOCPIService(db)
	var registrar volt.OCPIRegistrar
	f := newFixture(t, db, func(c *AdminConfig) { c.OCPIPartners = ocpiStore; c.OCPIRegistrar = &lateRegistrar{&registrar} })
	registrar = ocpiSide(t, db, f.hier)
	must(t, ocpiStore.SetOCPIParty(sysCtx(), &volt.OCPIParty{CPOID: f.cpo.ID, CountryCode: "GB", PartyID: "SPK"}))

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
	registerInBrowser(t, b, f, ocpiStore)
}

// lateRegistrar lets the fixture take a registrar built after it.
type lateRegistrar struct{ r *volt.OCPIRegistrar }

func (l *lateRegistrar) RegisterWithPartner(ctx context.Context, id, url, token string) (*volt.OCPIPartner, error) {
	return (*l.r).RegisterWithPartner(ctx, id, url, token)
}

func (l *lateRegistrar) RotateCredentials(ctx context.Context, id string) (*volt.OCPIPartner, error) {
	return (*l.r).RotateCredentials(ctx, id)
}

// ocpiSide serves the OCPI endpoints of the portal's database over HTTP,
// as voltd does, so a partner can call back during the handshake.
func ocpiSide(t *testing.T, db *store.DB, hier volt.HierarchyService) *ocpi.Server {
	t.Helper()
	st := store.NewOCPIService(db)
	srv := &ocpi.Server{Store: st, Partners: st, Hierarchy: hier, Chargers: store.NewChargerService(db)}
	hs := httptest.NewServer(srv.Handler())
	t.Cleanup(hs.Close)
	srv.BaseURL = hs.URL
	return srv
}

// registerInBrowser adds "Far Network", a partner CPO run by another Volt,
// by registering with its versions URL and the Token A it issued.
func registerInBrowser(t *testing.T, b *browser, f *fixture, ocpiStore *store.OCPIService) {
	db2 := storetest.SQLite(t)
	hier2 := store.NewHierarchyService(db2)
	far := &volt.CPO{Name: "Far Network"}
	must(t, hier2.CreateCPO(sysCtx(), far))
	farSide := ocpiSide(t, db2, hier2)
	farStore := store.NewOCPIService(db2)
	must(t, farStore.SetOCPIParty(sysCtx(), &volt.OCPIParty{CPOID: far.ID, CountryCode: "NL", PartyID: "FAR"}))
	tokenForUs, err := farStore.CreateOCPIPartner(sysCtx(), &volt.OCPIPartner{CPOID: far.ID, Name: "Spark", CountryCode: "GB", PartyID: "SPK", Role: volt.OCPIRoleEMSP})
	must(t, err)

	b.Run("open partners again", b.open("/admin/ocpi-partners"), chromedp.WaitVisible(chromedp.CSS(`#versionsUrl`)))
	b.Run("add a partner CPO by its credentials",
		chromedp.SendKeys(chromedp.CSS(`#name`), "Far Network"),
		chromedp.SendKeys(chromedp.CSS(`#countryCode`), "NL"),
		chromedp.SendKeys(chromedp.CSS(`#partyId`), "FAR"),
		chromedp.SetValue(chromedp.CSS(`#role`), "CPO"),
		chromedp.Click(chromedp.CSS(`input[name=connect][value=theirs]`)),
		chromedp.SendKeys(chromedp.CSS(`#versionsUrl`), farSide.VersionsURL()),
		chromedp.SendKeys(chromedp.CSS(`#token`), tokenForUs),
		chromedp.Click(chromedp.CSS(`form[action="/admin/ocpi-partners"] button[type=submit]`)),
		chromedp.WaitVisible(chromedp.CSS(`#ocpi-endpoints`)))
	if st := strings.TrimSpace(value(b, "state after registering", chromedp.Text(chromedp.CSS(`[data-partner-state]`)))); st != string(volt.OCPIConnected) {
		t.Fatalf("handshake state %q, want connected; page: %s", st, value(b, "page", chromedp.Text(chromedp.CSS(`main`))))
	}
	if e := value(b, "its endpoints", chromedp.Text(chromedp.CSS(`#ocpi-endpoints`))); !strings.Contains(e, farSide.BaseURL+"/ocpi/cpo/2.2.1/locations") {
		t.Errorf("endpoints %q", e)
	}
	if strings.Contains(value(b, "page", chromedp.Text(chromedp.CSS(`main`))), tokenForUs) {
		t.Error("the partner's token is shown")
	}
	b.checkA11y("ocpi partner registered")
	ps, _, err := farStore.FindOCPIPartners(sysCtx(), volt.OCPIPartnerFilter{CPOID: far.ID})
	if err != nil || len(ps) != 1 || ps[0].Status != volt.OCPIConnected {
		t.Fatalf("Far Network's view of us: %+v %v", ps, err)
	}
	list, _, err := ocpiStore.FindOCPIPartners(sysCtx(), volt.OCPIPartnerFilter{CPOID: f.cpo.ID})
	must(t, err)
	var ours *volt.OCPIPartner
	for _, p := range list {
		if p.PartyID == "FAR" {
			ours = p
		}
	}
	if ours == nil || ours.Role != volt.OCPIRoleCPO {
		t.Fatalf("no partner CPO FAR: %+v", list)
	}
	before := ours.TheirToken
	// Opened again: the registration's flash is gone, so the next is the rotation's.
	b.Run("rotate tokens", b.open("/admin/ocpi-partners/"+ours.ID), chromedp.WaitVisible(chromedp.CSS(`form[action$="/rotate"]`)), chromedp.Click(chromedp.CSS(`form[action$="/rotate"] button`)), chromedp.WaitVisible(chromedp.CSS(`.flash`)))
	if p, err := ocpiStore.FindOCPIPartnerSystem(sysCtx(), ours.ID); err != nil || p.TheirToken == before || p.Status != volt.OCPIConnected {
		t.Errorf("after rotating: changed %v, %v", p != nil && p.TheirToken != before, err)
	}

	// A pending partner, a wrong token: the handshake fails, and says why.
	pending := &volt.OCPIPartner{CPOID: f.cpo.ID, Name: "Wrong Token", CountryCode: "NL", PartyID: "WRG", Role: volt.OCPIRoleEMSP}
	_, err = ocpiStore.CreateOCPIPartner(sysCtx(), pending)
	must(t, err)
	b.Run("open pending partner", b.open("/admin/ocpi-partners/"+pending.ID), chromedp.WaitVisible(chromedp.CSS(`#ocpi-register`)))
	b.checkA11y("ocpi partner handshake form")
	b.Run("handshake with a wrong token",
		chromedp.SendKeys(chromedp.CSS(`#reg-versions`), farSide.VersionsURL()),
		chromedp.SendKeys(chromedp.CSS(`#reg-token`), "not-their-token"),
		chromedp.Click(chromedp.CSS(`#ocpi-register button[type=submit]`)),
		chromedp.WaitVisible(chromedp.CSS(`.flash-error`)))
	if e := value(b, "last error", chromedp.Text(chromedp.CSS(`[data-last-error]`))); !strings.Contains(e, "versions") {
		t.Errorf("last error after a failed handshake %q", e)
	}
	if st := strings.TrimSpace(value(b, "state", chromedp.Text(chromedp.CSS(`[data-partner-state]`)))); st != string(volt.OCPIPending) {
		t.Errorf("state after a failed handshake %q, want pending", st)
	}
}
