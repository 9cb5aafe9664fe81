package web

import (
	"bytes"
	"io"
	"mime/multipart"
	"net/http"
	"net/url"
	"strings"
	"testing"
	"time"

	volt "github.com/volt-ev/volt"
	"github.com/volt-ev/volt/store"
	"github.com/volt-ev/volt/store/storetest"
)

// TestHoldingAreaPages checks the portal's answers to a held account and
// to unusable links: 403 onboarding_incomplete on every page but the
// holding area, the home redirected there; a revoked link is 410 with a
// page saying so and registers nothing; another tenant's onboarding is
// not found.
func TestHoldingAreaPages(t *testing.T) {
	db := storetest.SQLite(t)
	f := newFixture(t, db, withFieldOps(db))
	svc := f.admin.cfg.Invitations
	inv := &volt.Invitation{Kind: volt.InviteOwner, CPOID: f.cpo.ID, Email: "held@owner.test"}
	must(t, svc.CreateInvitation(sysCtx(), inv, 0))
	_, token, _ := strings.Cut(inv.URL, store.InvitePath)
	c := f.client()
	if res := c.get("/admin/invite/" + token); res.status != 200 || !strings.Contains(res.body, "held@owner.test") {
		t.Fatalf("registration page: %d", res.status)
	}
	res := c.post("/admin/invite/"+token, url.Values{"name": {"Held"}, "organisationName": {"Held Ltd"},
		"password": {testPassword}, "confirm": {testPassword}})
	if res.status != http.StatusSeeOther || res.header.Get("Location") != "/admin/holding" {
		t.Fatalf("register: %d %s", res.status, res.header.Get("Location"))
	}
	for _, p := range []string{"/admin/chargers", "/admin/sites", "/admin/users", "/admin/invitations", "/admin/install-jobs"} {
		if res := c.get(p); res.status != http.StatusForbidden || !strings.Contains(res.body, "onboarding_incomplete") {
			t.Errorf("held account GET %s: %d", p, res.status)
		}
	}
	if res := c.get("/admin/"); res.status != http.StatusSeeOther || res.header.Get("Location") != "/admin/holding" {
		t.Errorf("held account's home: %d %s", res.status, res.header.Get("Location"))
	}
	if res := c.get("/admin/holding"); res.status != 200 || !strings.Contains(res.body, "Held Ltd") || strings.Contains(res.body, `href="/admin/chargers"`) {
		t.Errorf("holding area: %d (its menu must show nothing else)", res.status)
	}

	gone := &volt.Invitation{Kind: volt.InviteOwner, CPOID: f.cpo.ID, Email: "gone@owner.test"}
	must(t, svc.CreateInvitation(sysCtx(), gone, 0))
	_, err := svc.RevokeInvitation(sysCtx(), gone.ID)
	must(t, err)
	_, token, _ = strings.Cut(gone.URL, store.InvitePath)
	d := f.client()
	if res := d.get("/admin/invite/" + token); res.status != http.StatusGone || !strings.Contains(res.body, "withdrawn") {
		t.Errorf("revoked link: %d", res.status)
	}
	d.get("/admin/login")
	res = d.post("/admin/invite/"+token, url.Values{"name": {"Gone"}, "organisationName": {"Gone Ltd"}, "password": {testPassword}, "confirm": {testPassword}})
	if res.status != http.StatusGone {
		t.Errorf("register with a revoked link: %d", res.status)
	}
	if users, _, _ := f.users.FindUsers(sysCtx(), volt.UserFilter{Email: "gone@owner.test"}); len(users) != 0 {
		t.Error("a revoked link made an account")
	}
	if res := d.get("/admin/invite/not-a-token"); res.status != http.StatusNotFound {
		t.Errorf("unknown link: %d", res.status)
	}
}

// TestInstallJobPhotoUpload uploads through the portal's form: a PNG is
// kept, an HTML file named .png is refused and stored nowhere.
func TestInstallJobPhotoUpload(t *testing.T) {
	db := storetest.SQLite(t)
	f := newFixture(t, db, withFieldOps(db))
	jobs := f.admin.cfg.Installs
	ins := &volt.Installer{CPOID: f.cpo.ID, Name: "Sparks"}
	must(t, jobs.CreateInstaller(sysCtx(), ins))
	job := &volt.InstallJob{ChargerGroupID: f.group.ID, InstallerID: ins.ID, Chargers: []volt.PlannedCharger{{Model: "AC7"}},
		StartsAt: time.Now(), EndsAt: time.Now().Add(time.Hour)}
	must(t, jobs.CreateInstallJob(sysCtx(), job))
	c := f.client()
	c.login("admin@spark.test")
	c.get("/admin/install-jobs/" + job.ID)
	upload := func(name string, data []byte) answer {
		var buf bytes.Buffer
		mw := multipart.NewWriter(&buf)
		_ = mw.WriteField("csrf", c.csrf)
		fw, _ := mw.CreateFormFile("photo", name)
		_, _ = fw.Write(data)
		_ = mw.Close()
		req, err := http.NewRequest(http.MethodPost, f.srv.URL+"/admin/install-jobs/"+job.ID+"/photos", &buf)
		must(t, err)
		req.Header.Set("Content-Type", mw.FormDataContentType())
		res, err := c.http.Do(req)
		must(t, err)
		defer res.Body.Close()
		b, _ := io.ReadAll(res.Body)
		return answer{status: res.StatusCode, body: string(b), header: res.Header}
	}
	if res := upload("evil.png", []byte("<html><script>alert(1)</script>")); res.status != http.StatusBadRequest || !strings.Contains(res.body, "JPEG, PNG or WebP") {
		t.Errorf("HTML as a photo: %d", res.status)
	}
	if res := upload("board.png", []byte("\x89PNG\r\n\x1a\nboard")); res.status != http.StatusSeeOther {
		t.Errorf("PNG: %d %.300s", res.status, res.body)
	}
	got, err := jobs.FindInstallJobByID(sysCtx(), job.ID)
	must(t, err)
	if len(got.Photos) != 1 || got.Photos[0].ContentType != "image/png" {
		t.Fatalf("photos: %+v", got.Photos)
	}
	if res := c.get("/admin/install-jobs/" + job.ID + "/photos/" + got.Photos[0].ID); res.status != 200 || res.header.Get("Content-Type") != "image/png" ||
		res.header.Get("X-Content-Type-Options") != "nosniff" {
		t.Errorf("photo back: %d %v", res.status, res.header)
	}
}
