package web

import (
	"context"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/chromedp"

	volt "github.com/volt-ev/volt"
	"github.com/volt-ev/volt/certify"
	"github.com/volt-ev/volt/gateway"
	"github.com/volt-ev/volt/sim"
	"github.com/volt-ev/volt/store"
	"github.com/volt-ev/volt/store/storetest"
	"github.com/volt-ev/volt/web/webtest"
)

// TestBrowserModelGoesFromUncertifiedToCertified is issue 16 item 4's
// browser test: the CPO requires certified chargers; a simulated charger of
// a model nobody certified boots and is held Pending, which its charger page
// and the model's page show; a super admin certifies the model in the
// portal, the charger is asked to boot again and is Accepted, and the pages
// say so.
func TestBrowserModelGoesFromUncertifiedToCertified(t *testing.T) {
	webtest.Chromium(t)
	db := storetest.SQLite(t)
	var gw *gateway.Gateway
	f := newFixture(t, db, withGateway(db, &gw), func(c *AdminConfig) {
		c.Certification = certify.New(store.NewCertificationService(db), gw, nil)
	})
	t.Cleanup(func() { _ = gw.Shutdown(context.Background()) })
	f.srv.Config.Handler.(*http.ServeMux).Handle("GET /ocpp/{identity}", gw)
	f.cpo.RequireCertifiedChargers = true
	must(t, f.hier.UpdateCPO(sysCtx(), f.cpo))
	creds, err := f.chargers.CreateCharger(sysCtx(), &volt.Charger{ChargerGroupID: f.group.ID, OCPPIdentity: "UNCERT-01"}, 1)
	must(t, err)
	must(t, f.users.CreateUser(sysCtx(), &volt.User{Email: "root@volt.test", Name: "Root", SuperAdmin: true}, testPassword))

	ctx, stop := context.WithCancel(context.Background())
	defer stop()
	wsURL := "ws" + strings.TrimPrefix(f.srv.URL, "http") + "/ocpp"
	ch := sim.New(sim.Config{URL: wsURL, Identity: "UNCERT-01", Password: creds.OCPPPassword, Connectors: 1,
		Vendor: "NewCo", Model: "Fresh-7", BootRetry: time.Hour})
	done := make(chan error, 1)
	go func() { done <- ch.Run(ctx) }()
	defer func() { stop(); <-done }()

	// The CPO admin sees the charger held Pending.
	admin := newBrowser(t, f.srv.URL)
	admin.login("admin@spark.test")
	admin.Run("charger held pending", admin.open("/admin/chargers/"+creds.CPID),
		chromedp.WaitVisible(chromedp.CSS(`[data-certification="pending"]`)))
	admin.checkA11y("charger pending")
	if ch.Online() {
		t.Fatal("the charger was accepted though its model is not certified")
	}
	admin.Run("model page", admin.open("/admin/charger-models"),
		chromedp.WaitVisible(chromedp.CSS(`tr[data-model="NewCo Fresh-7"] td[data-certified="false"]`)))
	admin.checkA11y("charger models")
	if n := value(admin, "no certify button for a CPO admin", chromedp.Evaluate[int](`document.querySelectorAll('#certify').length`)); n != 0 {
		t.Errorf("a CPO admin is offered to certify")
	}

	// A super admin certifies it in the portal.
	root := newBrowser(t, f.srv.URL)
	root.login("root@volt.test")
	root.Run("open the model", root.open("/admin/charger-models"),
		chromedp.Click(chromedp.Search(`//tr[@data-model="NewCo Fresh-7"]//a`)),
		chromedp.WaitVisible(chromedp.CSS(`td[data-boot="pending"]`)))
	root.checkA11y("charger model pending")
	root.Run("certify", chromedp.Click(chromedp.CSS(`#certify`)),
		chromedp.WaitVisible(chromedp.CSS(`p[data-certified="true"]`)))
	value(root, "charger accepted", chromedp.Poll[bool](`(async () => {
		const r = await fetch(location.pathname); const html = await r.text();
		return html.includes('data-boot="accepted"'); })()`, chromedp.WithPollingTimeout(20*time.Second)))
	if !ch.Online() || ch.Boots() < 1 {
		t.Fatalf("simulated charger after certification: online %v, boots %d", ch.Online(), ch.Boots())
	}
	admin.Run("no longer flagged", admin.open("/admin/chargers/"+creds.CPID),
		chromedp.WaitVisible(chromedp.Search(`//span[@data-online]/span[text()="Online"]`)))
	if n := value(admin, "flag gone", chromedp.Evaluate[int](`document.querySelectorAll('[data-certification]').length`)); n != 0 {
		t.Errorf("the charger page still flags the certified model's charger")
	}
}
