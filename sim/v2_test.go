package sim

import (
	"context"
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	volt "github.com/volt-ev/volt"
	"github.com/volt-ev/volt/gateway"
	"github.com/volt-ev/volt/ocpp"
	"github.com/volt-ev/volt/store"
	"github.com/volt-ev/volt/store/storetest"
)

// TestCharger2AgainstVolt plays a 2.0.1 and a 2.1 station against Volt's
// gateway and store: boot, device model, a remote start, meter values, a
// connection lost mid-transaction with events kept and sent later marked
// offline, a remote stop; the session's energy is the station's meter.
func TestCharger2AgainstVolt(t *testing.T) {
	for _, v := range []ocpp.Version{ocpp.V201, ocpp.V21} {
		t.Run(string(v), func(t *testing.T) {
			storetest.ForEachEngine(t, func(t *testing.T, db *store.DB) { charger2Day(t, db, v) })
		})
	}
}

func charger2Day(t *testing.T, db *store.DB, v ocpp.Version) {
	ctx, cancel := context.WithTimeout(volt.NewContextWithActor(context.Background(), volt.SystemActor), 60*time.Second)
	defer cancel()
	hs := store.NewHierarchyService(db)
	cpo := &volt.CPO{Name: "CPO", Currency: "GBP"}
	must(t, hs.CreateCPO(ctx, cpo))
	owner := &volt.Owner{CPOID: cpo.ID, Name: "Owner"}
	must(t, hs.CreateOwner(ctx, owner))
	site := &volt.Site{CPOID: cpo.ID, OwnerID: owner.ID, Name: "Site", TimeZone: "Europe/London"}
	must(t, hs.CreateSite(ctx, site))
	group := &volt.ChargerGroup{CPOID: cpo.ID, OwnerID: owner.ID, SiteID: site.ID, Name: "Group"}
	must(t, hs.CreateChargerGroup(ctx, group))
	creds, err := store.NewChargerService(db).CreateCharger(ctx, &volt.Charger{ChargerGroupID: group.ID}, 1)
	must(t, err)

	svc := store.NewChargingService(db)
	g := gateway.New(gateway.Config{Charging: svc, CallTimeout: 5 * time.Second, FrameLogFlush: 10 * time.Millisecond})
	mux := http.NewServeMux()
	mux.Handle("GET /ocpp/{identity}", g)
	srv := httptest.NewServer(mux)
	defer srv.Close()
	defer func() {
		sctx, scancel := context.WithTimeout(context.Background(), 5*time.Second)
		defer scancel()
		_ = g.Shutdown(sctx)
	}()

	log := &eventLog{}
	c := New2x(Config{URL: "ws" + strings.TrimPrefix(srv.URL, "http") + "/ocpp", Identity: creds.OCPPIdentity,
		Password: creds.OCPPPassword, MeterInterval: 100 * time.Millisecond, Clock: fastClock(),
		MinBackoff: 400 * time.Millisecond, MaxBackoff: 500 * time.Millisecond, OnEvent: log.add}, v)
	runCtx, stop := context.WithCancel(ctx)
	done := make(chan struct{})
	go func() { defer close(done); _ = c.Run(runCtx) }()
	defer func() { stop(); <-done }()

	must(t, c.WaitFor(ctx, c.Online))
	waitFor(t, ctx, "device model stored", func() bool {
		keys, err := svc.FindConfiguration(ctx, creds.CPID)
		for _, k := range keys {
			if k.Key == "OCPPCommCtrlr/HeartbeatInterval" && err == nil {
				return true
			}
		}
		return false
	})
	res, err := g.Call(ctx, creds.CPID, "RemoteStartTransaction", map[string]any{"connectorId": 1, "idTag": "04A2B3C4"})
	if err != nil || !strings.Contains(string(res), "Accepted") {
		t.Fatalf("remote start: %s %v", res, err)
	}
	must(t, c.WaitFor(ctx, func() bool { return c.Charging(1) }))
	txID := c.TransactionID(1)
	waitFor(t, ctx, "session metered", func() bool {
		s, err := svc.FindSessionByChargerTransaction(ctx, creds.CPID, txID)
		return err == nil && s.LastMeterWh > s.MeterStart
	})

	c.Disconnect() // events while offline are kept, then sent marked offline
	waitFor(t, ctx, "reconnected and queue drained", func() bool { return c.Boots() >= 2 && c.QueueLen() == 0 })

	offline := 0
	for _, ev := range log.of(EventSent) {
		if ev.Action == "TransactionEvent" && strings.Contains(string(ev.Frame), `"offline":true`) {
			offline++
		}
	}
	if offline == 0 {
		t.Fatal("no TransactionEvent sent marked offline after the connection was lost")
	}
	sess, err := svc.FindSessionByChargerTransaction(ctx, creds.CPID, txID)
	must(t, err)
	res, err = g.Call(ctx, creds.CPID, "RemoteStopTransaction", map[string]any{"transactionId": sess.TransactionID})
	if err != nil || !strings.Contains(string(res), "Accepted") {
		t.Fatalf("remote stop: %s %v", res, err)
	}
	must(t, c.WaitFor(ctx, func() bool { return !c.Charging(1) && c.QueueLen() == 0 }))
	meter := c.MeterWh(1)
	waitFor(t, ctx, "session completed", func() bool {
		s, err := svc.FindSessionByChargerTransaction(ctx, creds.CPID, txID)
		return err == nil && s.Status == volt.SessionCompleted
	})
	sess, _ = svc.FindSessionByChargerTransaction(ctx, creds.CPID, txID)
	if sess.MeterStop == nil || *sess.MeterStop > meter || sess.EnergyWh != *sess.MeterStop-sess.MeterStart || sess.EnergyWh <= 0 || sess.StopReason != "Remote" {
		t.Fatalf("session %+v, station meter %d", sess, meter)
	}
	// get-variables and set-variables answered per attribute; the accepted
	// value is kept.
	res, err = g.Call(ctx, creds.CPID, "SetVariables", json.RawMessage(`{"setVariableData":[
		{"component":{"name":"OCPPCommCtrlr"},"variable":{"name":"HeartbeatInterval"},"attributeValue":"120"},
		{"component":{"name":"SecurityCtrlr"},"variable":{"name":"Identity"},"attributeValue":"x"}]}`))
	if err != nil || !strings.Contains(string(res), `"Accepted"`) || !strings.Contains(string(res), `"Rejected"`) {
		t.Fatalf("set-variables: %s %v", res, err)
	}
	waitFor(t, ctx, "accepted value stored", func() bool {
		keys, _ := svc.FindConfiguration(ctx, creds.CPID)
		for _, k := range keys {
			if k.Key == "OCPPCommCtrlr/HeartbeatInterval" {
				return k.Value != nil && *k.Value == "120"
			}
		}
		return false
	})
	if hb, _ := c.Variable("OCPPCommCtrlr/HeartbeatInterval"); hb != "120" {
		t.Fatalf("station HeartbeatInterval %q", hb)
	}
}

func must(t *testing.T, err error) {
	t.Helper()
	if err != nil {
		t.Fatal(err)
	}
}

func waitFor(t *testing.T, ctx context.Context, what string, cond func() bool) {
	t.Helper()
	for !cond() {
		select {
		case <-ctx.Done():
			t.Fatalf("timed out waiting for %s", what)
		case <-time.After(10 * time.Millisecond):
		}
	}
}
