package web

import (
	"context"
	"crypto/sha256"
	"encoding/pem"
	"net/http"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/chromedp"
	volt "github.com/volt-ev/volt"
	"github.com/volt-ev/volt/audit"
	"github.com/volt-ev/volt/pki"
	"github.com/volt-ev/volt/store"
	"github.com/volt-ev/volt/store/storetest"
	"github.com/volt-ev/volt/web/webtest"
)

// testCPOCAs generates or imports a CPO's CA over the store, as voltd's
// cpoCAs does (the key kept in the clear here: sealing is voltd's).
type testCPOCAs struct{ *store.CPOAuthorityStore }

func (c testCPOCAs) CreateCPOAuthority(ctx context.Context, cpoID, certPEM, keyPEM string) (*volt.CPOAuthority, error) {
	return c.CPOAuthorityStore.CreateCPOAuthority(ctx, cpoID, func() (string, string, error) {
		var ca *pki.CA
		var err error
		if certPEM == "" {
			ca, err = pki.NewCA("Volt CPO CA "+cpoID, time.Now())
		} else if ca, err = pki.LoadCA([]byte(certPEM), []byte(keyPEM)); err != nil {
			return "", "", volt.FieldError("certificatePem", "Not a usable CA: %v.", err)
		}
		if err != nil {
			return "", "", err
		}
		cp, kp, err := ca.PEM()
		return string(cp), string(kp), err
	})
}

// cpoCAFixture is a fixture with the audited CPO CA service, and a second
// CPO with its own admin.
func cpoCAFixture(t *testing.T) (*fixture, *volt.CPO, *store.AuditService) {
	db := storetest.SQLite(t)
	audits := store.NewAuditService(db)
	f := newFixture(t, db, func(c *AdminConfig) {
		c.CPOAuthorities = audit.WrapCPOAuthorities(testCPOCAs{store.NewCPOAuthorityStore(db)}, audit.NewRecorder(audits, nil))
	})
	other := &volt.CPO{Name: "Other Networks"}
	must(t, f.hier.CreateCPO(sysCtx(), other))
	u := &volt.User{Email: "admin@other.test", Name: "other", CPOID: other.ID}
	must(t, f.users.CreateUser(sysCtx(), u, testPassword))
	g := &volt.Usergroup{Name: "admins other", Role: volt.RoleAdmin, CPOID: other.ID}
	must(t, f.users.CreateUsergroup(sysCtx(), g))
	must(t, f.users.AddMember(sysCtx(), g.ID, u.ID))
	return f, other, audits
}

// TestCPOCertificateAuthorityPage (issue 18): a CPO admin sees that the
// CPO has no CA, generates one (audited as
// cpo.certificate-authority-create) and then sees its subject, SHA-256
// fingerprint and validity, never its key; staff see it without the
// forms; another CPO's admin neither sees nor creates it (404, nothing
// made); an import without a certificate is refused.
func TestCPOCertificateAuthorityPage(t *testing.T) {
	f, other, audits := cpoCAFixture(t)
	page := "/admin/cpos/" + f.cpo.ID + "/certificate-authority"
	find := func() (*volt.CPOAuthority, error) {
		return f.admin.cfg.CPOAuthorities.FindCPOAuthority(sysCtx(), f.cpo.ID)
	}

	// Another CPO's admin: not found, and cannot create one.
	o := f.client()
	o.login("admin@other.test")
	if res := o.get(page); res.status != http.StatusNotFound {
		t.Fatalf("other CPO's admin: %d", res.status)
	}
	o.get("/admin/cpos/" + other.ID + "/certificate-authority") // a CSRF token of its own
	o.post(page, url.Values{"mode": {"generate"}})
	if _, err := find(); !volt.IsCode(err, volt.ENOTFOUND) {
		t.Fatalf("another CPO's admin made a CA: %v", err)
	}

	c := f.client()
	c.login("admin@spark.test")
	if !strings.Contains(c.get("/admin/cpos/"+f.cpo.ID).body, page) {
		t.Error("the CPO page does not link its certificate authority")
	}
	res := c.get(page)
	for _, want := range []string{`id="ca-none"`, `id="ca-generate"`, `id="ca-import"`} {
		if res.status != http.StatusOK || !strings.Contains(res.body, want) {
			t.Fatalf("page without a CA %d lacks %q", res.status, want)
		}
	}
	if res = c.post(page, url.Values{"mode": {"import"}, "certificatePem": {" "}, "keyPem": {"k"}}); res.status != http.StatusSeeOther {
		t.Fatalf("import without a certificate: %d", res.status)
	}
	if _, err := find(); !volt.IsCode(err, volt.ENOTFOUND) {
		t.Fatalf("an import without a certificate made a CA: %v", err)
	}
	if res = c.post(page, url.Values{"mode": {"generate"}}); res.status != http.StatusSeeOther {
		t.Fatalf("generate: %d %s", res.status, res.body)
	}
	ca, err := find()
	if err != nil {
		t.Fatal(err)
	}
	b, _ := pem.Decode([]byte(ca.CertificatePEM))
	sum := sha256.Sum256(b.Bytes)
	res = c.get(page)
	for _, want := range []string{ca.Subject, colonHex(sum[:]), ca.NotAfter.UTC().Format("2006-01-02")} {
		if !strings.Contains(res.body, want) {
			t.Fatalf("page with a CA lacks %q", want)
		}
	}
	if strings.Contains(res.body, "PRIVATE KEY") || strings.Contains(res.body, `id="ca-generate"`) {
		t.Fatal("the page shows a key or offers to replace the CA")
	}
	entries, _, err := audits.FindAuditEntries(sysCtx(), volt.AuditFilter{Action: "cpo.", ResourceID: f.cpo.ID})
	if err != nil {
		t.Fatal(err)
	}
	var created int
	for _, e := range entries {
		if strings.Contains(string(e.Before)+string(e.After)+string(e.Details), "PRIVATE KEY") {
			t.Fatalf("audit entry %s holds a key", e.Action)
		}
		if e.Action == "cpo.certificate-authority-create" && e.Outcome == volt.AuditOK && e.ActorEmail == "admin@spark.test" && e.CPOID == f.cpo.ID {
			created++
		}
	}
	if created != 1 {
		t.Fatalf("%d audit entries for the creation: %+v", created, entries)
	}

	// Still hidden from the other CPO's admin; staff read it without forms.
	if res := o.get(page); res.status != http.StatusNotFound || strings.Contains(res.body, ca.Subject) {
		t.Fatalf("other CPO's admin after creation: %d", res.status)
	}
	s := f.client()
	s.login("staff@spark.test")
	if res := s.get(page); res.status != http.StatusOK || !strings.Contains(res.body, ca.Subject) || strings.Contains(res.body, `id="ca-import"`) {
		t.Fatalf("staff page %d", res.status)
	}
}

// TestBrowserCPOCertificateAuthorityPage opens the page before and after
// generating the CA in Chromium and runs axe on both.
func TestBrowserCPOCertificateAuthorityPage(t *testing.T) {
	webtest.Chromium(t)
	f, _, _ := cpoCAFixture(t)
	b := newBrowser(t, f.srv.URL)
	b.login("admin@spark.test")
	b.Run("open CA page", b.open("/admin/cpos/"+f.cpo.ID+"/certificate-authority"), chromedp.WaitVisible(chromedp.CSS(`#ca-import`)))
	b.checkA11y("CPO certificate authority, none yet")
	b.Run("generate", chromedp.Click(chromedp.CSS(`#ca-generate button`)), chromedp.WaitVisible(chromedp.CSS(`#ca-fingerprint`)))
	b.checkA11y("CPO certificate authority")
}
