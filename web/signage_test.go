package web

import (
	"image"
	"net/http"
	"strings"
	"testing"

	volt "github.com/volt-ev/volt"
	"github.com/volt-ev/volt/internal/pdfqr"
	"github.com/volt-ev/volt/store/storetest"
)

// TestPrintStickerLinks: the charger page links its sticker, whose QR code
// opens the charger in the driver app; the site page links the poster and
// the sticker sheet; another CPO's charger is not found.
func TestPrintStickerLinks(t *testing.T) {
	db := storetest.SQLite(t)
	f := newFixture(t, db)
	cred, err := f.chargers.CreateCharger(sysCtx(), &volt.Charger{ChargerGroupID: f.group.ID, Name: "Bay 1"}, 2)
	must(t, err)
	c := f.client()
	c.login("staff@spark.test")
	sticker := "/admin/chargers/" + cred.CPID + "/sticker.pdf"
	if page := c.get("/admin/chargers/" + cred.CPID); !strings.Contains(page.body, `href="`+sticker+`"`) || !strings.Contains(page.body, "Print sticker") {
		t.Fatalf("charger page has no Print sticker link (%d)", page.status)
	}
	res := c.get(sticker)
	if res.status != http.StatusOK || res.header.Get("Content-Type") != "application/pdf" || !strings.HasPrefix(res.body, "%PDF-") {
		t.Fatalf("sticker: %d %s %.60q", res.status, res.header.Get("Content-Type"), res.body)
	}
	pages := pdfqr.Pages(t, []byte(res.body), 200)
	got, err := pdfqr.Decode(pages[0], image.Rectangle{})
	if err != nil {
		t.Fatal(err)
	}
	if want := f.srv.URL + "/app/c/" + cred.CPID; got != want {
		t.Errorf("sticker QR %q, want %q", got, want)
	}
	if text := pdfqr.Text(t, []byte(res.body)); !strings.Contains(text, "Spark Charge") || !strings.Contains(text, cred.CPID) {
		t.Errorf("sticker lacks the brand or CPID:\n%s", text)
	}

	site := c.get("/admin/sites/" + f.site.ID)
	for _, link := range []string{"/admin/sites/" + f.site.ID + "/poster.pdf", "/admin/sites/" + f.site.ID + "/stickers.pdf"} {
		if !strings.Contains(site.body, `href="`+link+`"`) {
			t.Errorf("site page lacks a link to %s", link)
		}
		if res := c.get(link); res.status != http.StatusOK || !strings.HasPrefix(res.body, "%PDF-") {
			t.Errorf("%s: %d %.60q", link, res.status, res.body)
		}
	}

	other := &volt.CPO{Name: "Other"}
	must(t, f.hier.CreateCPO(sysCtx(), other))
	own := &volt.Owner{CPOID: other.ID, Name: "O"}
	must(t, f.hier.CreateOwner(sysCtx(), own))
	st := &volt.Site{OwnerID: own.ID, Name: "S", Latitude: 1, Longitude: 1}
	must(t, f.hier.CreateSite(sysCtx(), st))
	g := &volt.ChargerGroup{SiteID: st.ID, Name: "G"}
	must(t, f.hier.CreateChargerGroup(sysCtx(), g))
	oc, err := f.chargers.CreateCharger(sysCtx(), &volt.Charger{ChargerGroupID: g.ID}, 1)
	must(t, err)
	for _, path := range []string{"/admin/chargers/" + oc.CPID + "/sticker.pdf", "/admin/sites/" + st.ID + "/poster.pdf", "/admin/sites/" + st.ID + "/stickers.pdf"} {
		if res := c.get(path); res.status != http.StatusNotFound {
			t.Errorf("another CPO's %s: %d, want 404", path, res.status)
		}
	}
}
