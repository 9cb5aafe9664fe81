package web

import (
	"strings"
	"testing"
)

// TestTemplatesParse fails when a page template does not parse or lacks its
// content block: the portal would panic at start otherwise.
func TestTemplatesParse(t *testing.T) {
	for _, name := range []string{"login", "dashboard", "charger", "chargers", "onboard", "onboarded", "sessions", "network", "error", "frames", "reset", "reset_request"} {
		tp, ok := pages[name]
		if !ok {
			t.Errorf("page %q has no template", name)
			continue
		}
		if tp.Lookup("content") == nil || tp.Lookup("layout") == nil {
			t.Errorf("page %q lacks content or layout", name)
		}
	}
	if !strings.Contains(AssetPath("vendor/htmx/htmx.min.js"), "?v=") {
		t.Errorf("AssetPath did not version a known asset: %s", AssetPath("vendor/htmx/htmx.min.js"))
	}
}
