package web

import (
	"context"
	"fmt"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	cdpbrowser "github.com/chromedp/cdproto/browser"
	"github.com/chromedp/chromedp"

	volt "github.com/volt-ev/volt"
	"github.com/volt-ev/volt/gateway"
	"github.com/volt-ev/volt/sim"
	"github.com/volt-ev/volt/store"
	"github.com/volt-ev/volt/store/storetest"
	"github.com/volt-ev/volt/web/webtest"
)

// withGateway mounts the real OCPP gateway on the fixture's charging
// service, with the store's pricer, and makes it the portal's commander.
func withGateway(db *store.DB, gw **gateway.Gateway) func(*AdminConfig) {
	return func(c *AdminConfig) {
		charging := c.Charging.(*store.ChargingService)
		charging.Pricer = store.NewPricer(db)
		*gw = gateway.New(gateway.Config{Charging: charging, Bus: c.Bus, CallTimeout: 20 * time.Second})
		c.Commander, c.Commands = *gw, gateway.CommandAction
	}
}

// publicTariff gives the fixture's group a Public tariff of 0.45 GBP/kWh
// plus a 1.00 session fee, VAT 20 %.
func publicTariff(t *testing.T, f *fixture) *volt.Tariff {
	tf := &volt.Tariff{CPOID: f.cpo.ID, Name: "Standard", Currency: "GBP", VATRate: volt.NewDecimalMicro(200_000),
		EnergyPricePerKWh: volt.NewDecimalMicro(450_000), SessionFee: volt.NewDecimalMicro(1_000_000)}
	must(t, f.admin.cfg.Tariffs.CreateTariff(sysCtx(), tf))
	must(t, f.admin.cfg.Tariffs.CreateTariffAssignment(sysCtx(), &volt.TariffAssignment{TariffID: tf.ID,
		UsergroupID: volt.PublicUsergroupID, ChargerGroupID: f.group.ID}))
	return tf
}

// TestBrowserChargerComesOnlineAndChargesRemotely onboards a charger in the
// browser, connects a simulated charger with the credentials shown, sees it
// come online live, starts and stops a remote session from the charger page
// with the live power shown, and reads the final cost of the CDR.
func TestBrowserChargerComesOnlineAndChargesRemotely(t *testing.T) {
	webtest.Chromium(t)
	db := storetest.SQLite(t)
	var gw *gateway.Gateway
	f := newFixture(t, db, withGateway(db, &gw))
	t.Cleanup(func() { _ = gw.Shutdown(context.Background()) })
	f.srv.Config.Handler.(*http.ServeMux).Handle("GET /ocpp/{identity}", gw)
	publicTariff(t, f)
	drivers, _, err := f.users.FindUsers(sysCtx(), volt.UserFilter{Email: "driver@spark.test"})
	must(t, err)
	must(t, f.users.CreateRFIDCard(sysCtx(), &volt.RFIDCard{UID: "04BEEF01", UserID: drivers[0].ID, CPOID: f.cpo.ID}))

	b := newBrowser(t, f.srv.URL)
	b.login("admin@spark.test")
	b.Run("onboard", b.open("/admin/chargers/new"), chromedp.WaitVisible(chromedp.CSS(`#chargerGroupId`)),
		chromedp.SetValue(chromedp.CSS(`#chargerGroupId`), f.group.ID),
		chromedp.SendKeys(chromedp.CSS(`#ocppIdentity`), "SIM-01"),
		chromedp.Click(chromedp.CSS(`form[action="/admin/chargers"] button[type=submit]`)),
		chromedp.WaitVisible(chromedp.CSS(`#ocpp-password`)))
	wsURL := value(b, "read URL", chromedp.Text(chromedp.CSS(`#ocpp-url`)))
	password := strings.TrimSpace(value(b, "read password", chromedp.Text(chromedp.CSS(`#ocpp-password`))))
	cpid := strings.TrimSpace(value(b, "read CPID", chromedp.Text(chromedp.CSS(`#cpid`))))

	b.Run("charger page offline", b.open("/admin/chargers/"+cpid),
		chromedp.WaitVisible(chromedp.Search(`//span[@data-live-note][text()="Live"]`)),
		chromedp.WaitVisible(chromedp.Search(`//span[@data-online]/span[text()="Offline"]`)))
	ctx, stop := context.WithCancel(context.Background())
	defer stop()
	ch := sim.New(sim.Config{URL: strings.Replace(wsURL, "SIM-01", "{identity}", 1), Identity: "SIM-01", Password: password,
		Connectors: 1, MeterInterval: time.Second, MaxPowerW: 7400, Phases: 1})
	done := make(chan error, 1)
	go func() { done <- ch.Run(ctx) }()
	defer func() { stop(); <-done }()
	b.Run("comes online", chromedp.WaitVisible(chromedp.Search(`//span[@data-online]/span[text()="Online"]`)))

	b.Run("remote start",
		chromedp.SendKeys(chromedp.CSS(`#f-remote-start-connectorId`), "1"),
		chromedp.SendKeys(chromedp.CSS(`#f-remote-start-idTag`), "04BEEF01"),
		chromedp.Click(chromedp.CSS(`form[action$="/commands/remote-start"] button`)),
		chromedp.WaitVisible(chromedp.CSS(`#cmd-result article`)))
	if answer := value(b, "start answer", chromedp.Text(chromedp.CSS(`#cmd-result article`))); !strings.Contains(answer, "Accepted") {
		t.Fatalf("remote start answered %q", answer)
	}
	power := value(b, "live power", chromedp.Poll[string](
		`(() => { const p = document.querySelector('tr[data-connector="1"] [data-power]').textContent.trim();
		          return /^[1-9][0-9]*\.[0-9] kW$/.test(p) ? p : ''; })()`, chromedp.WithPollingTimeout(25*time.Second)))
	tx := strings.TrimPrefix(value(b, "read tx", chromedp.Text(chromedp.CSS(`tr[data-connector="1"] [data-tx]`))), "#")
	t.Logf("live power %s on transaction %s", power, tx)
	b.checkA11y("charger charging")

	b.Run("remote stop",
		chromedp.Evaluate[chromedp.Void](`document.querySelector('#cmd-result').innerHTML = ''`),
		chromedp.SendKeys(chromedp.CSS(`#f-remote-stop-transactionId`), tx),
		chromedp.Evaluate[chromedp.Void](`window.confirm = () => true`), // the stop asks first
		chromedp.Click(chromedp.CSS(`form[action$="/commands/remote-stop"] button`)),
		chromedp.WaitVisible(chromedp.CSS(`#cmd-result article`)))
	value(b, "session over", chromedp.Poll[bool](`document.querySelector('tr[data-connector="1"] [data-tx]').textContent.trim() === '—'`,
		chromedp.WithPollingTimeout(20*time.Second)))
	b.Run("cdr page", b.open("/admin/cdrs?cpid="+cpid), chromedp.WaitVisible(chromedp.CSS(`main table tbody tr`)))
	row := value(b, "read CDR", chromedp.Text(chromedp.CSS(`main table tbody tr`)))
	cdrs, _, err := f.charging.FindCDRs(sysCtx(), volt.SessionFilter{CPID: cpid})
	must(t, err)
	if len(cdrs) != 1 || cdrs[0].TotalCost == nil || cdrs[0].TotalCost.InclVAT < 100 {
		t.Fatalf("CDRs: %d, first %+v cost %+v", len(cdrs), cdrs[0], cdrs[0].TotalCost)
	}
	t.Logf("final cost shown: %s", fmtCost(cdrs[0].TotalCost))
	if want := fmtCost(cdrs[0].TotalCost); !strings.Contains(row, want) {
		t.Errorf("CDR row %q does not show the final cost %s", row, want)
	}
}

// download clicks something that downloads a file and returns the file.
func (b *browser) download(step string, click chromedp.Action[chromedp.Void]) []byte {
	b.T.Helper()
	dir := b.T.TempDir()
	allow := true
	ctx, cancel := context.WithTimeout(b.Ctx, 30*time.Second)
	defer cancel()
	if _, err := chromedp.CallBrowser(ctx, cdpbrowser.SetDownloadBehavior, cdpbrowser.SetDownloadBehaviorParams{
		Behavior: cdpbrowser.SetDownloadBehaviorBehaviorAllow, DownloadPath: dir, EventsEnabled: &allow}); err != nil {
		b.Fatal(step, err)
	}
	b.Run(step, click)
	for ctx.Err() == nil {
		entries, _ := os.ReadDir(dir)
		for _, e := range entries {
			if strings.HasSuffix(e.Name(), ".crdownload") {
				continue
			}
			data, err := os.ReadFile(filepath.Join(dir, e.Name()))
			if err == nil && len(data) > 0 {
				return data
			}
		}
		time.Sleep(50 * time.Millisecond)
	}
	b.Fatal(step, fmt.Errorf("no file downloaded into %s", dir))
	return nil
}

// TestBrowserTariffCSVAndIncomePDF edits a tariff and sees the preview
// change, downloads CSV exports, and makes the income PDF as a background
// job with a progress bar.
func TestBrowserTariffCSVAndIncomePDF(t *testing.T) {
	webtest.Chromium(t)
	db := storetest.SQLite(t)
	f := newFixture(t, db, withSupport(db))
	tf := publicTariff(t, f)
	cr := f.onboard(1)
	at := time.Now().Add(-2 * time.Hour)
	res, err := f.charging.StartTransaction(sysCtx(), volt.StartRequest{CPID: cr.CPID, ConnectorID: 1, IDTag: "CSVTAG", MeterStart: 1000, At: at, ReceivedAt: at})
	must(t, err)
	_, err = f.charging.StopTransaction(sysCtx(), volt.StopRequest{CPID: cr.CPID, TransactionID: res.TransactionID, MeterStop: 21000, At: at.Add(time.Hour), Reason: "Local"})
	must(t, err)

	must(t, f.admin.cfg.Audit.Record(sysCtx(), &volt.AuditEntry{Action: "charger.update", ResourceType: volt.ResourceCharger,
		ResourceID: "000777", CPOID: f.cpo.ID}))

	b := newBrowser(t, f.srv.URL)
	b.login("admin@spark.test")
	b.Run("open tariff", b.open("/admin/tariffs/"+tf.ID),
		chromedp.WaitVisible(chromedp.Search(`//div[@id="preview"]//strong[text()="10.00 GBP"]`)))
	b.checkA11y("tariff")
	// Prices include VAT: 20 kWh at 0.50 plus 1.00 is 11.00.
	b.Run("edit price", chromedp.Clear(chromedp.CSS(`#energyPricePerKwh`)), chromedp.SendKeys(chromedp.CSS(`#energyPricePerKwh`), "0.50"),
		chromedp.WaitVisible(chromedp.Search(`//div[@id="preview"]//strong[text()="11.00 GBP"]`)))

	csv := string(b.download("CDR CSV", steps(b.open("/admin/cdrs?cpid="+cr.CPID),
		chromedp.WaitVisible(chromedp.CSS(`a[download]`)), chromedp.Click(chromedp.CSS(`a[download]`)))))
	lines := strings.Split(strings.TrimSpace(csv), "\n")
	if len(lines) != 2 || !strings.Contains(lines[1], cr.CPID) || !strings.Contains(lines[1], "20000") {
		t.Errorf("CDR CSV downloaded: %q", csv)
	}

	b.Run("audit page", b.open("/admin/audit"), chromedp.WaitVisible(chromedp.CSS(`#audit-csv`)))
	b.checkA11y("audit")
	auditCSV := string(b.download("audit CSV", chromedp.Click(chromedp.CSS(`#audit-csv`))))
	if !strings.HasPrefix(auditCSV, "id,at,actorId") || !strings.Contains(auditCSV, "charger.update,charger,000777") {
		t.Errorf("audit CSV downloaded: %q", auditCSV)
	}

	month := at.UTC().Format("2006-01")
	b.Run("income", b.open("/admin/income?scope=owner:"+f.owner.ID+"&from="+month+"-01&to="+at.UTC().AddDate(0, 0, 1).Format(time.DateOnly)),
		chromedp.WaitVisible(chromedp.CSS(`#income-pdf`)), chromedp.Click(chromedp.CSS(`#income-pdf`)),
		chromedp.WaitVisible(chromedp.CSS(`#job-bar`)))
	b.checkA11y("job")
	pdf := b.download("income PDF", steps(chromedp.WaitVisible(chromedp.CSS(`#job-download`)), chromedp.Click(chromedp.CSS(`#job-download`))))
	if !strings.HasPrefix(string(pdf), "%PDF") || len(pdf) < 1500 {
		t.Errorf("income PDF: %d bytes, starts %q", len(pdf), pdf[:min(8, len(pdf))])
	}
	for _, p := range []string{"/admin/jobs", "/admin/bulk-commands", "/admin/helpline?q=" + cr.CPID + "&kind=charger&id=" + cr.CPID, "/admin/tickets"} {
		b.Run("open "+p, b.open(p), chromedp.WaitVisible(chromedp.CSS(`main h1`)))
		b.checkA11y(p)
	}
	tk := &volt.Ticket{Subject: "Card refused", CPID: cr.CPID, GuestEmail: "guest@example.com", Body: "My card is refused"}
	must(t, f.admin.cfg.Tickets.CreateTicket(sysCtx(), tk))
	b.Run("ticket", b.open("/admin/tickets/"+tk.ID), chromedp.WaitVisible(chromedp.CSS(`main h1`)))
	b.checkA11y("ticket")
}

func steps(a ...chromedp.Action[chromedp.Void]) chromedp.Action[chromedp.Void] {
	return chromedp.Steps(a...)
}
