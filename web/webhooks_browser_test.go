package web

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"net/netip"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/chromedp/chromedp"
	volt "github.com/volt-ev/volt"
	"github.com/volt-ev/volt/store"
	"github.com/volt-ev/volt/store/storetest"
	"github.com/volt-ev/volt/web/webtest"
	"github.com/volt-ev/volt/webhook"
)

// hookReceiver answers 500 until ok is set, then 204; it counts the event
// ids it took and the requests whose signature did not verify.
type hookReceiver struct {
	mu      sync.Mutex
	secret  string
	ok      bool
	taken   map[string]int
	tries   int
	badSigs int
}

func (h *hookReceiver) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	body, _ := io.ReadAll(r.Body)
	var ev struct{ ID string }
	_ = json.Unmarshal(body, &ev)
	h.mu.Lock()
	defer h.mu.Unlock()
	h.tries++
	if !volt.VerifyWebhook(h.secret, r.Header.Get(volt.WebhookSignatureHeader), body, time.Now(), time.Minute) {
		h.badSigs++
		w.WriteHeader(http.StatusUnauthorized)
		return
	}
	if !h.ok {
		w.WriteHeader(http.StatusInternalServerError)
		return
	}
	h.taken[ev.ID]++
	w.WriteHeader(http.StatusNoContent)
}

// pollPage reloads path until the text of sel satisfies ok.
func (b *browser) pollPage(step, path, sel string, ok func(string) bool) string {
	b.T.Helper()
	deadline := time.Now().Add(20 * time.Second)
	for {
		b.Run(step, b.open(path), chromedp.WaitReady(chromedp.CSS(`main`)))
		text := value(b, step, chromedp.Evaluate[string](fmt.Sprintf(`(document.querySelector(%q)||{}).textContent||""`, sel)))
		if ok(text) {
			return text
		}
		if time.Now().After(deadline) {
			b.Screenshot(step)
			b.T.Fatalf("%s: %q never came", step, text)
		}
		time.Sleep(100 * time.Millisecond) // the dispatcher works in the background: poll
	}
}

// TestBrowserWebhookDeliveryLogAndReplay subscribes an endpoint in the
// portal, reads its secret (shown once), watches a delivery fail against a
// receiver answering 500 in the log with its code, then replays it from the
// log once the receiver works: it arrives once, signed.
func TestBrowserWebhookDeliveryLogAndReplay(t *testing.T) {
	webtest.Chromium(t)
	db := storetest.SQLite(t)
	wh := store.NewWebhookService(db)
	f := newFixture(t, db, func(c *AdminConfig) { c.Webhooks, c.Alerts = wh, store.NewAlertService(db) })
	rcv := &hookReceiver{taken: map[string]int{}}
	srv := httptest.NewServer(rcv)
	defer srv.Close()
	d := &webhook.Dispatcher{Outbox: wh, Poll: 50 * time.Millisecond,
		Client: webhook.NewClient(webhook.ClientConfig{Allow: []netip.Prefix{netip.MustParsePrefix("127.0.0.0/8")}, Timeout: 5 * time.Second})}
	wh.Wake = d.Wake
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	go d.Run(ctx)
	creds := f.onboard(1)

	b := newBrowser(t, f.srv.URL)
	b.login("admin@spark.test")
	b.Run("open webhooks", b.open("/admin/webhooks"), chromedp.WaitVisible(chromedp.CSS(`#url`)))
	b.checkA11y("webhooks")
	b.Run("subscribe",
		chromedp.SendKeys(chromedp.CSS(`#url`), srv.URL+"/volt"),
		chromedp.Click(chromedp.CSS(`input[value="connector.status"]`)),
		chromedp.Click(chromedp.CSS(`form[action="/admin/webhooks"] button[type=submit]`)),
		chromedp.WaitVisible(chromedp.CSS(`#webhook-secret`)))
	secret := strings.TrimSpace(value(b, "read secret", chromedp.Text(chromedp.CSS(`#webhook-secret`))))
	eps, _, err := wh.FindWebhookEndpoints(sysCtx(), f.cpo.ID, volt.Page{})
	if err != nil || len(eps) != 1 || !strings.HasPrefix(secret, "whsec_") {
		t.Fatalf("endpoints %v, %v; secret %q", eps, err, secret)
	}
	rcv.mu.Lock()
	rcv.secret = secret
	rcv.mu.Unlock()

	must(t, f.charging.RecordStatus(sysCtx(), volt.StatusReport{CPID: creds.CPID, ConnectorID: 1, Status: volt.StatusFaulted}))
	d.Wake()
	page := "/admin/webhooks/" + eps[0].ID
	b.pollPage("failed attempt in the log", page, `#deliveries [data-code]`, func(s string) bool { return strings.Contains(s, "500") })
	b.checkA11y("webhook delivery log")

	rcv.mu.Lock()
	rcv.ok = true
	rcv.mu.Unlock()
	b.Run("replay", chromedp.Click(chromedp.CSS(`#deliveries form[action$="/replay"] button`)), chromedp.WaitVisible(chromedp.CSS(`.flash`)))
	b.pollPage("delivered after replay", page, `#deliveries [data-state]`, func(s string) bool { return strings.TrimSpace(s) == volt.DeliveryDelivered })
	rcv.mu.Lock()
	defer rcv.mu.Unlock()
	if rcv.badSigs != 0 || len(rcv.taken) != 1 {
		t.Fatalf("receiver: %d bad signatures, took %v; want one event, signed", rcv.badSigs, rcv.taken)
	}
	for id, n := range rcv.taken {
		if n != 1 || !strings.HasPrefix(id, "evt_") {
			t.Fatalf("event %q taken %d times", id, n)
		}
	}
}

// TestBrowserAlertsOnDashboard: a Faulted connector under a CPO's rule
// shows as an alert on the dashboard; acknowledging it there changes its
// state, and the alerts page lists it.
func TestBrowserAlertsOnDashboard(t *testing.T) {
	webtest.Chromium(t)
	db := storetest.SQLite(t)
	al := store.NewAlertService(db)
	f := newFixture(t, db, func(c *AdminConfig) { c.Alerts = al })
	creds := f.onboard(2)
	_, err := al.SetAlertRules(sysCtx(), &volt.AlertRules{CPOID: f.cpo.ID, Faulted: true})
	must(t, err)
	must(t, f.charging.RecordStatus(sysCtx(), volt.StatusReport{CPID: creds.CPID, ConnectorID: 2, Status: volt.StatusFaulted, ErrorCode: "GroundFailure"}))
	if _, err := al.EvaluateAlertEvents(context.Background(), 100); err != nil {
		t.Fatal(err)
	}

	b := newBrowser(t, f.srv.URL)
	b.login("admin@spark.test")
	want := fmt.Sprintf("Connector 2 of charger %s is Faulted (GroundFailure).", creds.CPID)
	got := value(b, "read dashboard alert", chromedp.Text(chromedp.CSS(`#dashboard-alerts li a`)))
	if strings.TrimSpace(got) != want {
		t.Fatalf("dashboard alert %q, want %q", got, want)
	}
	b.checkA11y("dashboard with alerts")
	b.Run("acknowledge", chromedp.Click(chromedp.CSS(`#dashboard-alerts form[action$="/acknowledge"] button`)),
		chromedp.WaitVisible(chromedp.CSS(`.flash`)))
	state := value(b, "read state", chromedp.Text(chromedp.CSS(`#dashboard-alerts li small`)))
	if !strings.Contains(state, volt.AlertAcknowledged) {
		t.Fatalf("after acknowledging the dashboard shows %q", state)
	}
	b.Run("open alerts", b.open("/admin/alerts"), chromedp.WaitVisible(chromedp.CSS(`#alerts`)))
	row := value(b, "read alerts row", chromedp.Text(chromedp.CSS(`#alerts [data-state]`)))
	if strings.TrimSpace(row) != volt.AlertAcknowledged {
		t.Fatalf("alerts page state %q", row)
	}
	b.checkA11y("alerts")

	// The rules form: turn on the offline rule and read it back.
	b.Run("save rules", chromedp.SetValue(chromedp.CSS(`#offlineMinutes`), "20"),
		chromedp.Click(chromedp.CSS(`form[action="/admin/alerts/rules"] button[type=submit]`)), chromedp.WaitVisible(chromedp.CSS(`.flash`)))
	rules, err := al.FindAlertRules(sysCtx(), f.cpo.ID)
	if err != nil || rules.OfflineMinutes != 20 || !rules.Faulted {
		t.Fatalf("rules after saving %+v, %v; want offline 20 and faulted kept", rules, err)
	}
}
