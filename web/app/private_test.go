package app

import (
	"context"
	"strings"
	"testing"
	"time"

	volt "github.com/volt-ev/volt"
	"github.com/volt-ev/volt/store/storetest"
)

// TestLiveStatusHidesPrivateChargers: the public live availability stream
// carries no status of a private charger the visitor cannot use.
func TestLiveStatusHidesPrivateChargers(t *testing.T) {
	f := newFixture(t, storetest.SQLite(t))
	ctx := sysCtx()
	g := &volt.ChargerGroup{SiteID: f.group.SiteID, Name: "Private", Private: true}
	must(t, f.hier.CreateChargerGroup(ctx, g))
	cr, err := f.chargers.CreateCharger(ctx, &volt.Charger{ChargerGroupID: g.ID}, 1)
	must(t, err)
	sctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	stream := f.client().events(sctx, "/app/live?cpid="+cr.CPID+","+f.charger)
	// The stream has subscribed once its first bytes arrived.
	if !stream.Scan() {
		t.Fatal("no stream")
	}
	now := time.Now()
	for _, cpid := range []string{cr.CPID, f.charger} {
		f.bus.Publish(context.Background(), volt.Event{Type: volt.EventConnectorStatus, CPID: cpid, CPOID: f.cpo.ID, At: now,
			Data: volt.Connector{CPID: cpid, ConnectorID: 1, Status: volt.StatusCharging, StatusAt: now}})
	}
	if got := nextData(t, stream, "status"); !strings.Contains(got, `"cpid":"`+f.charger+`"`) {
		t.Errorf("first status event %s, want the public charger's (the private one's is not sent)", got)
	}
}
