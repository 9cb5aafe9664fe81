package app

import (
	"context"
	"fmt"
	"net/http"
	"strings"
	"testing"
	"time"

	volt "github.com/volt-ev/volt"
	"github.com/volt-ev/volt/store"
	"github.com/volt-ev/volt/store/storetest"
)

// TestChargerPageShowsSiteReliability shows the site's UK reg. 7 figure of
// the last whole month on a charger's page: connector 1 Faulted for a day.
func TestChargerPageShowsSiteReliability(t *testing.T) {
	db := storetest.SQLite(t)
	f := newFixture(t, db, func(c *Config) { c.Reliability = store.NewReliabilityService(db) })
	ctx := context.Background()
	if _, err := db.Exec(ctx, `UPDATE chargers SET created_at = 0`); err != nil {
		t.Fatal(err)
	}
	var evses int64
	if err := db.QueryRow(ctx, `SELECT count(*) FROM connectors WHERE cpid = ? AND connector_id > 0`, f.charger).Scan(&evses); err != nil {
		t.Fatal(err)
	}
	now := time.Now().UTC()
	to := time.Date(now.Year(), now.Month(), 1, 0, 0, 0, 0, time.UTC)
	from := to.AddDate(0, -1, 0)
	sys := volt.NewContextWithActor(ctx, volt.SystemActor)
	charging := store.NewChargingService(db)
	for i, s := range []volt.ConnectorStatus{volt.StatusFaulted, volt.StatusAvailable} {
		if err := charging.RecordStatus(sys, volt.StatusReport{CPID: f.charger, ConnectorID: 1, Status: s, At: from.Add(time.Duration(24*(i+1)) * time.Hour)}); err != nil {
			t.Fatal(err)
		}
	}
	hours := evses * int64(to.Sub(from)/time.Hour)
	permille := ((hours-24)*1000*2 + hours) / (2 * hours) // rounded half up
	want := fmt.Sprintf("Site reliability: %d.%d %% available in %s", permille/10, permille%10, from.Format("2006-01"))
	res := f.client().get("/app/c/" + f.charger)
	if res.status != http.StatusOK || !strings.Contains(res.body, want) {
		t.Errorf("charger page %d lacks %q", res.status, want)
	}
}
