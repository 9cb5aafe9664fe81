package app

import (
	"bufio"
	"context"
	"net/http"
	"net/url"
	"strings"
	"testing"
	"time"

	volt "github.com/volt-ev/volt"
	"github.com/volt-ev/volt/store"
	"github.com/volt-ev/volt/store/storetest"
)

// TestLiveHidesPrivateChargers is issue #10 item 5: /app/live streamed the
// status of every charger, private ones included, to anonymous visitors. It
// now streams only what the app shows the visitor: the private charger's
// event, published first, never appears before the public one's.
func TestLiveHidesPrivateChargers(t *testing.T) {
	storetest.ForEachEngine(t, func(t *testing.T, db *store.DB) {
		f := newFixture(t, db)
		ctx := sysCtx()
		pub, err := f.chargers.FindChargerByCPID(ctx, f.charger)
		must(t, err)
		priv := &volt.ChargerGroup{SiteID: pub.SiteID, Name: "Staff only", Private: true}
		must(t, f.hier.CreateChargerGroup(ctx, priv))
		cred, err := f.chargers.CreateCharger(ctx, &volt.Charger{ChargerGroupID: priv.ID, Name: "Staff bay"}, 1)
		must(t, err)

		reqCtx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
		defer cancel()
		req, _ := http.NewRequestWithContext(reqCtx, "GET", f.srv.URL+"/app/live", nil)
		res, err := http.DefaultClient.Do(req)
		must(t, err)
		defer res.Body.Close()
		lines := bufio.NewScanner(res.Body)
		if !lines.Scan() || !strings.HasPrefix(lines.Text(), "retry:") {
			t.Fatalf("stream did not open: %q", lines.Text())
		}
		status := func(cpid string) volt.Event {
			return volt.Event{Type: volt.EventConnectorStatus, CPID: cpid, CPOID: f.cpo.ID, At: time.Now(),
				Data: volt.Connector{CPID: cpid, ConnectorID: 1, Status: volt.StatusCharging}}
		}
		f.bus.Publish(ctx, status(cred.CPID))
		f.bus.Publish(ctx, status(f.charger))
		for lines.Scan() {
			l := lines.Text()
			if strings.Contains(l, cred.CPID) {
				t.Fatalf("an anonymous visitor sees the private charger: %s", l)
			}
			if strings.Contains(l, f.charger) {
				return
			}
		}
		t.Fatalf("the public charger's status never came: %v", lines.Err())
	})
}

// TestReportHidesPrivateChargers: a visitor's problem report names a
// private charger it cannot use: that is no charger to it (not found), and
// nothing is reported.
func TestReportHidesPrivateChargers(t *testing.T) {
	storetest.ForEachEngine(t, func(t *testing.T, db *store.DB) {
		f := newFixture(t, db)
		ctx := sysCtx()
		pub, err := f.chargers.FindChargerByCPID(ctx, f.charger)
		must(t, err)
		priv := &volt.ChargerGroup{SiteID: pub.SiteID, Name: "Staff only", Private: true}
		must(t, f.hier.CreateChargerGroup(ctx, priv))
		cred, err := f.chargers.CreateCharger(ctx, &volt.Charger{ChargerGroupID: priv.ID, Name: "Staff bay"}, 1)
		must(t, err)
		res := f.client().post("/app/report", "/app/report", url.Values{"cpid": {cred.CPID}, "category": {"The charger is damaged"}, "message": {"x"}})
		if res.status != http.StatusNotFound || len(f.app.Reports()) != 0 {
			t.Errorf("report on a private charger: %d, %d reports", res.status, len(f.app.Reports()))
		}
	})
}

// TestNoTariffNoStart is issue #10 item 3 in the app: on a public charger
// whose group has no tariff for the driver the app offers no start and
// says why, as the charger (Blocked) would.
func TestNoTariffNoStart(t *testing.T) {
	storetest.ForEachEngine(t, func(t *testing.T, db *store.DB) {
		f := newFixture(t, db)
		ctx := sysCtx()
		pub, err := f.chargers.FindChargerByCPID(ctx, f.charger)
		must(t, err)
		bare := &volt.ChargerGroup{SiteID: pub.SiteID, Name: "Unpriced"}
		must(t, f.hier.CreateChargerGroup(ctx, bare))
		cred, err := f.chargers.CreateCharger(ctx, &volt.Charger{ChargerGroupID: bare.ID, Name: "Bay 9"}, 1)
		must(t, err)
		u := f.driver("nobody@example.com")
		must(t, f.users.CreateRFIDCard(ctx, &volt.RFIDCard{UID: "NOTARIFF1", UserID: u.ID}))
		page := f.client().get("/app/c/" + cred.CPID)
		if page.status != http.StatusOK || !strings.Contains(page.body, "not open to you") || !strings.Contains(page.body, "no Public tariff") {
			t.Errorf("charger page without a tariff: %d %s", page.status, page.body)
		}
		res, err := f.charging.StartTransaction(ctx, volt.StartRequest{CPID: cred.CPID, ConnectorID: 1, IDTag: "NOTARIFF1", At: time.Now()})
		must(t, err)
		if res.Auth.Status != volt.AuthBlocked || !strings.Contains(res.Auth.Reason, "no Public tariff") {
			t.Errorf("start without a tariff: %+v", res.Auth)
		}
	})
}
