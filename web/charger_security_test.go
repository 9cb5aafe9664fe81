package web

import (
	"net/http"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/chromedp"
	volt "github.com/volt-ev/volt"
	"github.com/volt-ev/volt/store"
	"github.com/volt-ev/volt/store/storetest"
	"github.com/volt-ev/volt/web/webtest"
)

// securityFixture is a fixture whose charger holds a certificate and a
// critical security event.
func securityFixture(t *testing.T) (*fixture, *volt.ChargerCredentials, *store.SecurityService) {
	db := storetest.SQLite(t)
	sec := store.NewSecurityService(db)
	f := newFixture(t, db, func(c *AdminConfig) { c.Security = sec })
	creds := f.onboard(1)
	now := time.Now()
	must(t, sec.RecordCertificate(sysCtx(), volt.ChargerCertificate{Serial: "0abc", CPID: creds.CPID, Identity: creds.OCPPIdentity,
		NotBefore: now, NotAfter: now.AddDate(1, 0, 0), ChainPEM: "pem", IssuedAt: now}))
	must(t, sec.RecordCertificate(sysCtx(), volt.ChargerCertificate{Serial: "0def", CPID: creds.CPID, Identity: creds.OCPPIdentity,
		Kind: volt.CertificateKindV2G, Subject: "CN=" + creds.OCPPIdentity, Issuer: "CN=CPO Sub-CA (test)",
		HashData:  &volt.CertificateHashData{HashAlgorithm: "SHA256", IssuerNameHash: "aa", IssuerKeyHash: "bb", SerialNumber: "def"},
		NotBefore: now, NotAfter: now.AddDate(0, 3, 0), ChainPEM: "pem", IssuedAt: now}))
	_, err := sec.RecordSecurityEvent(sysCtx(), volt.SecurityEvent{CPID: creds.CPID, Type: "TamperDetectionActivated", TechInfo: "lid opened",
		Critical: true, At: now, ReceivedAt: now})
	must(t, err)
	return f, creds, sec
}

// TestChargerSecurityPage (issue 18): an admin sees the charger's profile,
// certificate and critical event, sets the minimum profile, upgrades
// through the charger (ChangeConfiguration SecurityProfile) and revokes the
// certificate; staff see the page without its forms.
func TestChargerSecurityPage(t *testing.T) {
	f, creds, sec := securityFixture(t)
	c := f.client()
	c.login("admin@spark.test")
	page := "/admin/chargers/" + creds.CPID + "/security"
	if !strings.Contains(c.get("/admin/chargers/"+creds.CPID).body, page) {
		t.Error("the charger page does not link its security page")
	}
	res := c.get(page)
	for _, want := range []string{`id="sec-min">1`, "0abc", "TamperDetectionActivated", "lid opened", "(critical)"} {
		if res.status != http.StatusOK || !strings.Contains(res.body, want) {
			t.Fatalf("security page %d lacks %q", res.status, want)
		}
	}
	if res = c.post(page+"/profile", url.Values{"securityProfile": {"2"}}); res.status != http.StatusSeeOther {
		t.Fatalf("set profile: %d %s", res.status, res.body)
	}
	if s, _ := sec.FindChargerSecurity(sysCtx(), creds.CPID); s.SecurityProfile != 2 {
		t.Fatalf("minimum profile %d", s.SecurityProfile)
	}
	f.cmd.Answer = []byte(`{"status":"Accepted"}`)
	if res = c.post(page+"/upgrade", url.Values{"securityProfile": {"3"}}); res.status != http.StatusSeeOther {
		t.Fatalf("upgrade: %d %s", res.status, res.body)
	}
	if last := f.cmd.Last(); !strings.Contains(last, "ChangeConfiguration") || !strings.Contains(last, `"value":"3"`) {
		t.Fatalf("upgrade sent %q", last)
	}
	if s, _ := sec.FindChargerSecurity(sysCtx(), creds.CPID); s.PendingProfile != 3 || s.SecurityProfile != 2 {
		t.Fatalf("after upgrade %+v: want 3 pending, minimum still 2", s)
	}
	res = c.post("/admin/chargers/"+creds.CPID+"/certificates/0abc/revoke", url.Values{"reason": {"test"}})
	if r, _ := sec.IsRevoked(sysCtx(), "0abc"); !r || res.status != http.StatusSeeOther {
		t.Fatalf("not revoked: %d %s", res.status, res.body)
	}
	staff := f.client()
	staff.login("staff@spark.test")
	res = staff.get(page)
	if res.status != http.StatusOK || strings.Contains(res.body, "/security/upgrade") {
		t.Errorf("staff page %d: want read-only", res.status)
	}
	staff.post(page+"/profile", url.Values{"securityProfile": {"1"}})
	if s, _ := sec.FindChargerSecurity(sysCtx(), creds.CPID); s.SecurityProfile != 2 {
		t.Fatalf("staff changed the profile to %d", s.SecurityProfile)
	}
}

// TestBrowserChargerSecurityPage opens the page in Chromium and runs axe.
func TestBrowserChargerSecurityPage(t *testing.T) {
	webtest.Chromium(t)
	f, creds, _ := securityFixture(t)
	b := newBrowser(t, f.srv.URL)
	b.login("admin@spark.test")
	b.Run("open security page", b.open("/admin/chargers/"+creds.CPID+"/security"), chromedp.WaitVisible(chromedp.CSS(`#sec-events`)))
	b.checkA11y("charger security")
}

// TestChargerSecurityPageSECC (issue 18): the charger's SECC certificate
// is listed beside its client certificate with its subject and CA; the
// admin asks the charger for a new SECC CSR (1.6: the Plug & Charge
// DataTransfer TriggerMessage SignV2GCertificate) and revokes it, which
// tells the charger to delete it by its hash data.
func TestChargerSecurityPageSECC(t *testing.T) {
	f, creds, sec := securityFixture(t)
	c := f.client()
	c.login("admin@spark.test")
	page := "/admin/chargers/" + creds.CPID + "/security"
	res := c.get(page)
	for _, want := range []string{`data-kind="V2GCertificate"`, "SECC (ISO 15118)", "0def", "CN=CPO Sub-CA (test)", `id="renew-secc"`} {
		if res.status != http.StatusOK || !strings.Contains(res.body, want) {
			t.Fatalf("security page %d lacks %q", res.status, want)
		}
	}
	f.cmd.Answer = []byte(`{"status":"Accepted","data":"{\"status\":\"Accepted\"}"}`)
	if res = c.post(page+"/renew", url.Values{"certificateType": {"V2GCertificate"}}); res.status != http.StatusSeeOther {
		t.Fatalf("renew SECC: %d %s", res.status, res.body)
	}
	if last := f.cmd.Last(); !strings.Contains(last, "DataTransfer") || !strings.Contains(last, "SignV2GCertificate") ||
		!strings.Contains(last, volt.PnCVendorID) {
		t.Fatalf("SECC renewal sent %q", last)
	}
	res = c.post("/admin/chargers/"+creds.CPID+"/certificates/0def/revoke", url.Values{"reason": {"test"}})
	if res.status != http.StatusSeeOther {
		t.Fatalf("revoke SECC: %d %s", res.status, res.body)
	}
	if last := f.cmd.Last(); !strings.Contains(last, "DeleteCertificate") || !strings.Contains(last, `\"serialNumber\":\"def\"`) {
		t.Fatalf("SECC revocation sent %q", last)
	}
	certs, err := sec.FindCertificates(sysCtx(), creds.CPID)
	must(t, err)
	for _, x := range certs {
		if (x.Serial == "0def") != (x.RevokedAt != nil) {
			t.Fatalf("after revoking 0def: %+v", x)
		}
	}
}
