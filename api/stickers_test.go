package api

import (
	"context"
	"image"
	"strings"
	"testing"

	"github.com/volt-ev/volt"
	"github.com/volt-ev/volt/internal/pdfqr"
)

// TestChargerStickerAPI reads the QR code of a charger's sticker: it opens
// the charger's app page under VOLT_PUBLIC_URL, else under the request's
// host; the sticker carries the CPID, the brand and its helpline.
func TestChargerStickerAPI(t *testing.T) {
	forEachEnv(t, func(t *testing.T, e *env) {
		cpo, err := e.cfg.Hierarchy.FindCPOByID(sys(), e.A.CPO)
		must(t, err)
		cpo.Theme = volt.Theme{DisplayName: "Zap A", PrimaryColor: "#0b6e4f", SupportPhone: "0800 000 111"}
		must(t, e.cfg.Hierarchy.UpdateCPO(sys(), cpo))
		path := "/api/v1/chargers/" + e.A.CPID + "/sticker.pdf"
		for _, c := range []struct{ publicURL, want string }{
			{"", "http://example.com/app/c/" + e.A.CPID}, // httptest's request host
			{"https://charge.volt.test/", "https://charge.volt.test/app/c/" + e.A.CPID},
		} {
			cfg := e.cfg
			cfg.PublicURL = c.publicURL
			e.h = New(cfg)
			status, body := e.do("GET", path, "", e.tokens["A/owner-staff"])
			if status != 200 || !strings.HasPrefix(string(body), "%PDF-") {
				t.Fatalf("GET %s: %d %.80q", path, status, body)
			}
			pages := pdfqr.Pages(t, body, 200)
			got, err := pdfqr.Decode(pages[0], image.Rectangle{})
			if err != nil {
				t.Fatal(err)
			}
			if got != c.want {
				t.Errorf("PublicURL %q: QR code reads %q, want %q", c.publicURL, got, c.want)
			}
			text := pdfqr.Text(t, body)
			for _, want := range []string{e.A.CPID, "Zap A", "0800 000 111", "1: connector", "2: connector"} {
				if !strings.Contains(text, want) {
					t.Errorf("sticker text lacks %q:\n%s", want, text)
				}
			}
		}
		if status, body := e.do("GET", "/api/v1/chargers/999999999/sticker.pdf", "", e.tokens["A/cpo-admin"]); status != 404 {
			t.Errorf("unknown charger: %d %s", status, body)
		}
	})
}

// TestSitePosterAPI: the poster states the Public tariff's price per kWh
// including VAT, the helpline and the site's amenities; the sticker sheet
// has the site's chargers.
func TestSitePosterAPI(t *testing.T) {
	forEachEnv(t, func(t *testing.T, e *env) {
		ctx := sys()
		site, err := e.cfg.Hierarchy.FindSiteByID(ctx, e.A.Site)
		must(t, err)
		site.Amenities = []string{"Step-free access", "Café"}
		must(t, e.cfg.Hierarchy.UpdateSite(ctx, site))
		cpo, err := e.cfg.Hierarchy.FindCPOByID(ctx, e.A.CPO)
		must(t, err)
		cpo.Theme.SupportPhone = "0800 222 333"
		must(t, e.cfg.Hierarchy.UpdateCPO(ctx, cpo))

		status, body := e.do("GET", "/api/v1/sites/"+e.A.Site+"/poster.pdf", "", e.tokens["A/owner-admin"])
		if status != 200 {
			t.Fatalf("poster: %d %.200s", status, body)
		}
		text := strings.Join(strings.Fields(pdfqr.Text(t, body)), " ")
		for _, want := range []string{"Site A", "Group A: 45p per kWh including VAT (VAT 20%)", "plus GBP 0.50 per session",
			"0800 222 333", "Step-free access", "Café", e.A.CPID} {
			if !strings.Contains(text, want) {
				t.Errorf("poster lacks %q:\n%s", want, text)
			}
		}
		pages := pdfqr.Pages(t, body, 150)
		px := func(mm float64) int { return int(mm * 150 / 25.4) }
		if got, err := pdfqr.Decode(pages[0], image.Rect(px(140), px(35), px(205), px(90))); err != nil || got != "http://example.com/app/" {
			t.Errorf("poster QR %q, %v", got, err)
		}

		// A second charger: the sheet has both stickers, on one page.
		c2 := &volt.Charger{ChargerGroupID: e.A.Group, Name: "Second"}
		cred, err := e.cfg.Chargers.CreateCharger(context.WithoutCancel(ctx), c2, 1)
		must(t, err)
		for _, path := range []string{"/api/v1/sites/" + e.A.Site + "/stickers.pdf", "/api/v1/charger-groups/" + e.A.Group + "/stickers.pdf"} {
			status, body = e.do("GET", path, "", e.tokens["A/cpo-staff"])
			if status != 200 {
				t.Fatalf("%s: %d %.200s", path, status, body)
			}
			text = pdfqr.Text(t, body)
			if !strings.Contains(text, e.A.CPID) || !strings.Contains(text, cred.CPID) {
				t.Errorf("%s lacks a charger:\n%s", path, text)
			}
			if n := len(pdfqr.Pages(t, body, 30)); n != 1 {
				t.Errorf("%s: %d pages, want 1", path, n)
			}
		}
		// A site without chargers has no sheet to print.
		empty := &volt.Site{OwnerID: e.A.Owner, Name: "Empty", Latitude: 51, Longitude: 0}
		must(t, e.cfg.Hierarchy.CreateSite(ctx, empty))
		if status, body := e.do("GET", "/api/v1/sites/"+empty.ID+"/stickers.pdf", "", e.tokens["A/cpo-admin"]); status != 422 {
			t.Errorf("empty site sheet: %d %s", status, body)
		}
	})
}
