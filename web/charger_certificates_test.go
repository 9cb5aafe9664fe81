package web

import (
	"net/http"
	"net/url"
	"strings"
	"testing"

	"github.com/chromedp/chromedp"
	"github.com/volt-ev/volt/pki/pkitest"
	"github.com/volt-ev/volt/web/webtest"
)

// installedAnswer16 is a 1.6 GetInstalledCertificateIds answer with one
// CSMS root.
const installedAnswer16 = `{"status":"Accepted","certificateHashData":[{"hashAlgorithm":"SHA256",
	"issuerNameHash":"aa11","issuerKeyHash":"bb22","serialNumber":"0c0ffee"}]}`

// TestChargerRootCertificates (issue 18): a pasted CA certificate goes out
// as InstallCertificate with the 1.6 type name; a leaf, two certificates or
// junk are refused naming the field, nothing sent; the listing shows the
// charger's hash data and Delete sends it back; staff see no form.
func TestChargerRootCertificates(t *testing.T) {
	f, creds, _ := securityFixture(t)
	c := f.client()
	c.login("admin@spark.test")
	page := "/admin/chargers/" + creds.CPID + "/security"
	c.get(page)
	root := pkitest.NewRoot(t, "csms root")
	rootPEM := string(pkitest.PEM(root.Cert))

	f.cmd.Answer = []byte(`{"status":"Accepted"}`)
	res := c.post("/admin/chargers/"+creds.CPID+"/certificates/install", url.Values{"certificateType": {"csms"}, "certificate": {rootPEM}})
	last := f.cmd.Last()
	if res.status != http.StatusSeeOther || !strings.Contains(last, "InstallCertificate") ||
		!strings.Contains(last, `"certificateType":"CentralSystemRootCertificate"`) || !strings.Contains(last, "BEGIN CERTIFICATE") {
		t.Fatalf("install: %d, sent %q", res.status, last)
	}
	leaf := string(pkitest.PEM(root.Server(t, pkitest.ECKey(t)).Leaf))
	for name, form := range map[string]url.Values{
		"leaf":    {"certificateType": {"csms"}, "certificate": {leaf}},
		"chain":   {"certificateType": {"csms"}, "certificate": {rootPEM + rootPEM}},
		"junk":    {"certificateType": {"csms"}, "certificate": {"hello"}},
		"no type": {"certificateType": {"v2g"}, "certificate": {rootPEM}},
	} {
		n := len(f.cmd.Calls())
		c.post("/admin/chargers/"+creds.CPID+"/certificates/install", form)
		if len(f.cmd.Calls()) != n {
			t.Errorf("%s: sent %q", name, f.cmd.Last())
		}
	}

	f.cmd.Answer = []byte(installedAnswer16)
	res = c.get(page + "?installed=csms")
	if res.status != http.StatusOK || !strings.Contains(res.body, "0c0ffee") || !strings.Contains(f.cmd.Last(), `GetInstalledCertificateIds {"certificateType":"CentralSystemRootCertificate"}`) {
		t.Fatalf("listing %d, sent %q", res.status, f.cmd.Last())
	}
	f.cmd.Answer = []byte(`{"status":"Accepted"}`)
	res = c.post("/admin/chargers/"+creds.CPID+"/certificates/delete", url.Values{"hashAlgorithm": {"SHA256"},
		"issuerNameHash": {"aa11"}, "issuerKeyHash": {"bb22"}, "serialNumber": {"0c0ffee"}})
	if last := f.cmd.Last(); res.status != http.StatusSeeOther || !strings.Contains(last, "DeleteCertificate") || !strings.Contains(last, `"serialNumber":"0c0ffee"`) {
		t.Fatalf("delete: %d, sent %q", res.status, last)
	}
	n := len(f.cmd.Calls())
	c.post("/admin/chargers/"+creds.CPID+"/certificates/delete", url.Values{"hashAlgorithm": {"MD5"},
		"issuerNameHash": {"aa11"}, "issuerKeyHash": {"bb22"}, "serialNumber": {"0c0ffee"}})
	if len(f.cmd.Calls()) != n {
		t.Errorf("bad hash algorithm sent %q", f.cmd.Last())
	}

	staff := f.client()
	staff.login("staff@spark.test")
	n = len(f.cmd.Calls())
	res = staff.get(page + "?installed=csms")
	if strings.Contains(res.body, "certificates/install") || len(f.cmd.Calls()) != n {
		t.Errorf("staff: form shown or charger asked")
	}
	staff.post("/admin/chargers/"+creds.CPID+"/certificates/install", url.Values{"certificateType": {"csms"}, "certificate": {rootPEM}})
	if len(f.cmd.Calls()) != n {
		t.Errorf("staff installed a certificate: %q", f.cmd.Last())
	}
}

// TestBrowserChargerRootCertificates drives the forms in Chromium: paste
// and install a CSMS root, list the installed ones, delete one; axe runs on
// the page with the listing.
func TestBrowserChargerRootCertificates(t *testing.T) {
	webtest.Chromium(t)
	f, creds, _ := securityFixture(t)
	root := pkitest.NewRoot(t, "csms root")
	b := newBrowser(t, f.srv.URL)
	b.login("admin@spark.test")
	page := "/admin/chargers/" + creds.CPID + "/security"
	f.cmd.Answer = []byte(`{"status":"Accepted"}`)
	b.Run("open security page", b.open(page), chromedp.WaitVisible(chromedp.CSS(`#install-pem`)))
	b.Run("install a CSMS root",
		chromedp.SetValue(chromedp.CSS(`#install-type`), "csms"),
		chromedp.SetValue(chromedp.CSS(`#install-pem`), string(pkitest.PEM(root.Cert))),
		chromedp.Click(chromedp.CSS(`#install-cert button[type=submit]`)),
		chromedp.WaitVisible(chromedp.CSS(`.flash-ok`)))
	if msg := value(b, "read flash", chromedp.Text(chromedp.CSS(`.flash-ok`))); !strings.Contains(msg, "answered Accepted") {
		t.Fatalf("flash %q", msg)
	}
	if last := f.cmd.Last(); !strings.Contains(last, "InstallCertificate") || !strings.Contains(last, "BEGIN CERTIFICATE") {
		t.Fatalf("sent %q", last)
	}
	f.cmd.Answer = []byte(installedAnswer16)
	b.Run("list installed roots",
		chromedp.SetValue(chromedp.CSS(`#installed-type`), "csms"),
		chromedp.Click(chromedp.CSS(`#list-certs button[type=submit]`)),
		chromedp.WaitVisible(chromedp.CSS(`#installed-certs`)))
	if txt := value(b, "read listing", chromedp.Text(chromedp.CSS(`#installed-certs`))); !strings.Contains(txt, "0c0ffee") {
		t.Fatalf("listing %q", txt)
	}
	b.checkA11y("charger root certificates")
	f.cmd.Answer = []byte(`{"status":"Accepted"}`)
	b.Run("delete the root",
		chromedp.Click(chromedp.CSS(`#installed-certs button[type=submit]`)),
		chromedp.WaitVisible(chromedp.CSS(`.flash-ok`)))
	if last := f.cmd.Last(); !strings.Contains(last, "DeleteCertificate") || !strings.Contains(last, "0c0ffee") {
		t.Fatalf("sent %q", last)
	}
}
