package web

import (
	"context"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/chromedp"

	volt "github.com/volt-ev/volt"
	"github.com/volt-ev/volt/gateway"
	"github.com/volt-ev/volt/sim"
	"github.com/volt-ev/volt/store"
	"github.com/volt-ev/volt/store/storetest"
	"github.com/volt-ev/volt/web/webtest"
)

// withFieldOps serves issue 16's pages on the fixture's database.
func withFieldOps(db *store.DB) func(*AdminConfig) {
	return func(c *AdminConfig) {
		c.Invitations, c.Installs = store.NewInvitationService(db), store.NewInstallJobService(db)
	}
}

func (b *browser) logout() {
	b.T.Helper()
	b.Run("sign out", chromedp.Click(chromedp.CSS(`.topbar form.logout button`)), chromedp.WaitVisible(chromedp.CSS(`form[action="/admin/login"]`)))
}

func (b *browser) signIn(email, waitFor string) {
	b.T.Helper()
	b.Run("sign in as "+email, b.open("/admin/login"), chromedp.WaitVisible(chromedp.CSS(`#email`)),
		chromedp.SendKeys(chromedp.CSS(`#email`), email),
		chromedp.SendKeys(chromedp.CSS(`#password`), testPassword),
		chromedp.Click(chromedp.CSS(`form[action="/admin/login"] button[type=submit]`)),
		chromedp.WaitVisible(chromedp.CSS(waitFor)))
}

// TestBrowserInvitationToFullAccess is issue 16 items 1-2 in the browser:
// a CPO admin invites an owner; the link's form is pre-filled; the new
// owner registers and lands in the holding area, every other page answers
// onboarding_incomplete; it completes the onboarding; the CPO admin
// approves it; the owner then has the portal, with its first site.
func TestBrowserInvitationToFullAccess(t *testing.T) {
	webtest.Chromium(t)
	db := storetest.SQLite(t)
	f := newFixture(t, db, withFieldOps(db))
	b := newBrowser(t, f.srv.URL)
	b.login("admin@spark.test")
	b.Run("invite", b.open("/admin/invitations"), chromedp.WaitVisible(chromedp.CSS(`#invite-send`)),
		chromedp.SetValue(chromedp.CSS(`#kind`), "owner"),
		chromedp.SetValue(chromedp.CSS(`#cpoId`), f.cpo.ID),
		chromedp.SendKeys(chromedp.CSS(`#email`), "nia@bright.test"),
		chromedp.SendKeys(chromedp.CSS(`#organisationName`), "Bright Parking"),
		chromedp.Click(chromedp.CSS(`#invite-send`)),
		chromedp.WaitVisible(chromedp.CSS(`#invite-url`)))
	b.checkA11y("invitations")
	link := strings.TrimSpace(value(b, "read link", chromedp.Text(chromedp.CSS(`#invite-url`))))
	t.Logf("link %q", link)
	if !strings.Contains(link, "/admin/invite/") {
		t.Fatalf("invitation link %q", link)
	}
	b.logout()

	b.Run("open link", chromedp.Navigate(link), chromedp.WaitVisible(chromedp.CSS(`#name`)))
	if org := value(b, "pre-filled", chromedp.Value(chromedp.CSS(`#organisationName`))); org != "Bright Parking" {
		t.Errorf("organisation pre-filled %q", org)
	}
	b.checkA11y("registration")
	b.Run("register", chromedp.SendKeys(chromedp.CSS(`#name`), "Nia Bright"),
		chromedp.SendKeys(chromedp.CSS(`#password`), testPassword), chromedp.SendKeys(chromedp.CSS(`#confirm`), testPassword),
		chromedp.Click(chromedp.CSS(`form[action^="/admin/invite/"] button[type=submit]`)),
		chromedp.WaitVisible(chromedp.CSS(`#holding-status`)))
	b.checkA11y("holding area")
	b.Run("chargers are closed", b.open("/admin/chargers"),
		chromedp.WaitVisible(chromedp.Search(`//p[contains(., "onboarding_incomplete")]`)))
	b.Run("link used", chromedp.Navigate(link), chromedp.WaitVisible(chromedp.CSS(`#invite-error`)))
	if msg := value(b, "used message", chromedp.Text(chromedp.CSS(`#invite-error`))); !strings.Contains(msg, "already been used") {
		t.Errorf("reused link says %q", msg)
	}

	fill := func(id, v string) chromedp.Action[chromedp.Void] {
		return steps(chromedp.Clear(chromedp.CSS("#"+id)), chromedp.SendKeys(chromedp.CSS("#"+id), v))
	}
	b.Run("complete onboarding", b.open("/admin/holding"), chromedp.WaitVisible(chromedp.CSS(`#holding-submit`)),
		fill("companyNumber", "09876543"), fill("vatNumber", "GB123456789"), fill("line1", "1 Quay Street"),
		fill("city", "Bristol"), fill("postcode", "BS1 4DJ"), fill("country", "GB"), fill("accountName", "Bright Parking Ltd"),
		fill("sortCode", "12-34-56"), fill("accountNumber", "12345678"), fill("siteName", "Bright Quay"),
		fill("latitude", "51.45"), fill("longitude", "-2.59"), chromedp.Click(chromedp.CSS(`#termsAccepted`)),
		chromedp.Click(chromedp.CSS(`#holding-submit`)),
		chromedp.WaitVisible(chromedp.Search(`//p[@id="holding-status"]/strong[text()="Waiting for approval"]`)))
	b.logout()

	b.login("admin@spark.test")
	b.Run("review", b.open("/admin/invitations"), chromedp.Click(chromedp.Search(`//table[@id="onboardings"]//a[text()="Bright Parking"]`)),
		chromedp.WaitVisible(chromedp.CSS(`#onboarding-approve`)))
	b.checkA11y("onboarding review")
	b.Run("approve", chromedp.Click(chromedp.CSS(`#onboarding-approve`)),
		chromedp.WaitVisible(chromedp.Search(`//*[contains(., "is approved")]`)))
	b.logout()

	b.signIn("nia@bright.test", `.tiles`)
	b.Run("full access", b.open("/admin/sites"), chromedp.WaitVisible(chromedp.Search(`//a[text()="Bright Quay"]`)))
}

// TestBrowserInstallJobCommissioning is issue 16 item 3 in the browser: an
// engineer of the installer moves its job to in progress and commissions
// it; a simulated charger connects with the identity and password shown
// once, and appears online under the job with its first boot recorded.
func TestBrowserInstallJobCommissioning(t *testing.T) {
	webtest.Chromium(t)
	db := storetest.SQLite(t)
	var gw *gateway.Gateway
	f := newFixture(t, db, withGateway(db, &gw), withFieldOps(db))
	t.Cleanup(func() { _ = gw.Shutdown(context.Background()) })
	f.srv.Config.Handler.(*http.ServeMux).Handle("GET /ocpp/{identity}", gw)
	jobs := f.admin.cfg.Installs
	ctx, stop := context.WithCancel(context.Background())
	followed := make(chan struct{})
	go func() {
		defer close(followed)
		volt.FollowFirstBoots(ctx, f.bus, jobs, func(err error) { t.Error(err) })
	}()
	defer func() { stop(); <-followed }()

	fitter := &volt.User{Email: "fitter@sparks.test", Name: "Fran Fitter", CPOID: f.cpo.ID}
	must(t, f.users.CreateUser(sysCtx(), fitter, testPassword))
	ins := &volt.Installer{CPOID: f.cpo.ID, Name: "Sparks Electrical", OZEVNumber: "OZEV-4411", Regions: []string{"South West"}}
	must(t, jobs.CreateInstaller(sysCtx(), ins))
	must(t, jobs.AddEngineer(sysCtx(), ins.ID, fitter.ID))
	job := &volt.InstallJob{ChargerGroupID: f.group.ID, InstallerID: ins.ID, EngineerIDs: []string{fitter.ID}, ExternalRef: "DEAL-77",
		Chargers: []volt.PlannedCharger{{Vendor: "Acme", Model: "AC7", Connectors: 1, MaxPowerW: 7400, OCPPIdentity: "JOB-SIM-1"}},
		StartsAt: time.Now().Add(-time.Hour), EndsAt: time.Now().Add(8 * time.Hour)}
	must(t, jobs.CreateInstallJob(sysCtx(), job))

	b := newBrowser(t, f.srv.URL)
	b.signIn("fitter@sparks.test", `.tiles`)
	b.Run("my jobs", b.open("/admin/install-jobs"), chromedp.Click(chromedp.Search(`//a[text()="DEAL-77"]`)),
		chromedp.WaitVisible(chromedp.CSS(`#job-next`)))
	b.checkA11y("install job")
	for _, st := range []string{"scheduled", "inProgress"} {
		b.Run("move to "+st, chromedp.Click(chromedp.CSS(`#job-next`)),
			chromedp.WaitVisible(chromedp.Search(`//dd[@id="job-status"][text()="`+st+`"]`)))
	}
	b.Run("commission", chromedp.Click(chromedp.CSS(`#job-commission`)), chromedp.WaitVisible(chromedp.CSS(`#commissioned .ocpp-password`)))
	cpid := strings.TrimSpace(value(b, "cpid", chromedp.Text(chromedp.CSS(`#commissioned .cpid`))))
	wsURL := strings.TrimSpace(value(b, "url", chromedp.Text(chromedp.CSS(`#commissioned .ocpp-url`))))
	password := strings.TrimSpace(value(b, "password", chromedp.Text(chromedp.CSS(`#commissioned .ocpp-password`))))
	if !volt.ValidCPID(cpid) || !strings.HasSuffix(wsURL, "/JOB-SIM-1") || len(password) < 16 {
		t.Fatalf("commissioned %q at %q with password %q", cpid, wsURL, password)
	}
	simCtx, stopSim := context.WithCancel(context.Background())
	ch := sim.New(sim.Config{URL: strings.Replace(wsURL, "JOB-SIM-1", "{identity}", 1), Identity: "JOB-SIM-1", Password: password,
		Connectors: 1, MeterInterval: time.Second, MaxPowerW: 7400, Phases: 1})
	done := make(chan error, 1)
	go func() { done <- ch.Run(simCtx) }()
	defer func() { stopSim(); <-done }()
	row := `//table[@id="job-chargers"]//tr[@data-cpid="` + cpid + `"]`
	b.Run("online under the job", b.open("/admin/install-jobs/"+job.ID),
		chromedp.WaitVisible(chromedp.Search(row+`/td[@data-online]/span[text()="Online"]`)),
		chromedp.WaitVisible(chromedp.Search(row+`/td[@data-first-boot][not(text()="—")]`)))
	got, err := jobs.FindInstallJobByID(sysCtx(), job.ID)
	must(t, err)
	if got.Status != volt.JobCommissioned || got.Chargers[0].FirstBootAt == nil {
		t.Errorf("job after the boot: %+v", got)
	}
	c, err := f.chargers.FindChargerByCPID(sysCtx(), cpid)
	must(t, err)
	if c.ChargerGroupID != f.group.ID || !c.Online {
		t.Errorf("commissioned charger: group %s online %v", c.ChargerGroupID, c.Online)
	}
}
