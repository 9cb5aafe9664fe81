package app

import (
	"fmt"
	"strings"
	"testing"

	"github.com/chromedp/chromedp"

	volt "github.com/volt-ev/volt"
)

// TestBrowserRoamingPins (issue 14): a partner network's location is a pin
// of its own on the app's map, beside the own charger's, titled with the
// partner's name and its price with the margin, and its popup links to the
// roaming charger page; the page passes axe.
func TestBrowserRoamingPins(t *testing.T) {
	roam := fakeRoaming{byCPO: map[string][]volt.RoamingLocation{}}
	s := newStack(t, func(c *Config) { c.Roaming = roam })
	f := s.f
	roam.byCPO[f.cpo.ID] = []volt.RoamingLocation{{PartnerID: "ocp_a", PartnerName: "A Power", ID: "sit_a", Name: "Mayfair Hub",
		Address: "1 Mayfair Road", City: "London", Lat: 51.501, Lon: -0.1419, EVSEs: 2, Available: 1, MarginPercent: volt.MustDecimal("10"),
		Price: &volt.RoamingPrice{TariffID: "t1", Currency: "GBP", PerKWh: volt.MustDecimal("0.55")}}}

	b := newBrowser(t)
	b.Run("open the list", chromedp.Navigate(fmt.Sprintf(s.base, "charge.spark.test")+"/app/"), chromedp.WaitVisible(chromedp.CSS(`#roaming`)))
	b.waitJS("the partner's pin drawn", `document.querySelectorAll('#map .pin-roaming').length === 1`)
	if n := value(b, "own pins", chromedp.Evaluate[int](`document.querySelectorAll('#map .leaflet-marker-icon:not(.pin-roaming)').length`)); n != 1 {
		t.Errorf("%d pins of own chargers beside the partner's, want 1", n)
	}
	title := value(b, "partner pin title", chromedp.Evaluate[string](`document.querySelector('#map .pin-roaming').title`))
	for _, want := range []string{"A Power", "Mayfair Hub", "1 of 2 available", "£0.55/kWh", "10 % roaming margin"} {
		if !strings.Contains(title, want) {
			t.Errorf("partner pin title %q lacks %q", title, want)
		}
	}
	b.Run("open the partner pin", chromedp.Click(chromedp.CSS(`#map .pin-roaming`)), chromedp.WaitVisible(chromedp.CSS(`#map .leaflet-popup-content a`)))
	if href := value(b, "popup link", chromedp.Evaluate[string](`document.querySelector('#map .leaflet-popup-content a').getAttribute('href')`)); href != "/app/roam/ocp_a/sit_a" {
		t.Errorf("partner pin links %q, want /app/roam/ocp_a/sit_a", href)
	}
	b.checkPage("find with a partner pin")
}
