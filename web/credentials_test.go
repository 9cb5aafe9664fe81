package web

import (
	"bytes"
	"context"
	"mime/multipart"
	"net/http"
	"net/url"
	"strings"
	"testing"

	volt "github.com/volt-ev/volt"
	"github.com/volt-ev/volt/credential"
	"github.com/volt-ev/volt/store"
	"github.com/volt-ev/volt/store/storetest"
)

func withCredentials(cfg *AdminConfig) {
	cs := cfg.Chargers.(*store.ChargerService)
	cfg.Credentials = cs
	cfg.Rotator = &credential.Rotator{Chargers: cs, Credentials: cs, Commander: cfg.Commander}
}

// TestChargerPasswordActions: the charger page rotates the password through
// the charger in one action and sets a chosen one (issue #10 items 9, 11).
func TestChargerPasswordActions(t *testing.T) {
	storetest.ForEachEngine(t, func(t *testing.T, db *store.DB) {
		f := newFixture(t, db, withCredentials)
		creds := f.onboard(1)
		c := f.client()
		c.login("admin@spark.test")
		page := c.get("/admin/chargers/" + creds.CPID)
		wantContains(t, "charger page", page.body, `id="rotate-password"`, "Set a chosen password")

		res := c.post("/admin/chargers/"+creds.CPID+"/password/rotate", nil)
		if res.status != http.StatusSeeOther {
			t.Fatalf("rotate: %d %s", res.status, excerpt(res.body))
		}
		if last := f.cmd.Last(); !strings.Contains(last, "ChangeConfiguration") {
			t.Fatalf("rotation sent %q", last)
		}
		page = c.get("/admin/chargers/" + creds.CPID)
		wantContains(t, "after rotation", page.body, "The charger accepted a new password")

		res = c.post("/admin/chargers/"+creds.CPID+"/password/set", url.Values{"password": {"short"}})
		page = c.get("/admin/chargers/" + creds.CPID)
		wantContains(t, "weak password", page.body, "16 to 40 characters")
		res = c.post("/admin/chargers/"+creds.CPID+"/password/set", url.Values{"password": {"Old-back-office-pw-01"}})
		if res.status != http.StatusSeeOther {
			t.Fatalf("set: %d", res.status)
		}
		if _, err := f.charging.AuthenticateCharger(sysCtx(), creds.OCPPIdentity, "Old-back-office-pw-01"); err != nil {
			t.Fatalf("chosen password: %v", err)
		}
	})
}

// TestChargerImportPage: the upload form imports all or nothing and lists
// each problem by row and column (issue #10 item 11).
func TestChargerImportPage(t *testing.T) {
	storetest.ForEachEngine(t, func(t *testing.T, db *store.DB) {
		f := newFixture(t, db, withCredentials)
		c := f.client()
		c.login("admin@spark.test")
		wantContains(t, "import form", c.get("/admin/chargers/import").body, `enctype="multipart/form-data"`)
		upload := func(csv string) answer {
			var b bytes.Buffer
			mw := multipart.NewWriter(&b)
			_ = mw.WriteField("csrf", c.csrf)
			fw, _ := mw.CreateFormFile("file", "fleet.csv")
			_, _ = fw.Write([]byte(csv))
			_ = mw.Close()
			req, _ := http.NewRequest("POST", f.srv.URL+"/admin/chargers/import", &b)
			req.Header.Set("Content-Type", mw.FormDataContentType())
			res, err := c.http.Do(req)
			if err != nil {
				t.Fatal(err)
			}
			defer res.Body.Close()
			var out bytes.Buffer
			_, _ = out.ReadFrom(res.Body)
			return answer{status: res.StatusCode, body: out.String()}
		}
		good := "identity,password,group,model,connectors\nFLEET-7,Fleet-password-000007," + f.group.ID + ",ACME/AC22,2\n"
		res := upload(good + "FLEET-8,weak," + f.group.ID + ",,\n")
		if res.status != http.StatusBadRequest {
			t.Fatalf("bad import: %d %s", res.status, excerpt(res.body))
		}
		wantContains(t, "import errors", res.body, `id="import-errors"`, "<td>3</td><td>password</td>")
		res = upload(good)
		if res.status != http.StatusCreated {
			t.Fatalf("import: %d %s", res.status, excerpt(res.body))
		}
		wantContains(t, "imported", res.body, "FLEET-7", "Fleet-password-000007")
	})
}

// refusingStarter is a RemoteStarter whose charger refused the card.
type refusingStarter struct{ got volt.RemoteStartRequest }

func (f *refusingStarter) RemoteStartAndWait(_ context.Context, _ string, r volt.RemoteStartRequest) (*volt.RemoteStartOutcome, error) {
	f.got = r
	return &volt.RemoteStartOutcome{Status: "Accepted", Outcome: volt.RemoteStartRefused, AuthStatus: volt.AuthBlocked, Reason: "card blocked"}, nil
}

// TestPortalRemoteStartShowsOutcome: "Start charging" does not report the
// charger's Accepted as success when the card was then refused (issue #10
// item 14).
func TestPortalRemoteStartShowsOutcome(t *testing.T) {
	starter := &refusingStarter{}
	f := newFixture(t, storetest.SQLite(t), func(c *AdminConfig) { c.RemoteStarter = starter })
	creds := f.onboard(2)
	c := f.client()
	c.login("admin@spark.test")
	c.get("/admin/chargers/" + creds.CPID)
	res := c.do(http.MethodPost, "/admin/chargers/"+creds.CPID+"/commands/remote-start",
		url.Values{"csrf": {c.csrf}, "connectorId": {"2"}, "idTag": {"04A2B3C4"}}, map[string]string{"HX-Request": "true"})
	wantContains(t, "remote start result", res.body, "result-bad", "the card was refused (Blocked): card blocked")
	if starter.got.ConnectorID != 2 || starter.got.IDTag != "04A2B3C4" {
		t.Fatalf("starter asked %+v", starter.got)
	}
}
