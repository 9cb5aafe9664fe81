package gateway

import (
	"context"
	"encoding/json"
	"errors"
	"testing"

	volt "github.com/volt-ev/volt"
	v16 "github.com/volt-ev/volt/ocpp/v16"
	"github.com/volt-ev/volt/store"
	"github.com/volt-ev/volt/store/storetest"
)

// TestHubRouting: a hub's frames reach its sockets' CPIDs with the socket's
// connector id; a connector outside the hub is refused with a CALLERROR
// naming connectorId; a command to a socket's CPID goes out on the hub with
// the hub's connector id, and one naming a connector the socket lacks is
// refused before sending.
func TestHubRouting(t *testing.T) {
	storetest.ForEachEngine(t, func(t *testing.T, db *store.DB) {
		ctx := volt.NewContextWithActor(context.Background(), volt.SystemActor)
		creds := onboard(t, ctx, db)
		ch, err := store.NewChargerService(db).FindChargerByCPID(ctx, creds.CPID)
		must(t, err)
		hubs := store.NewHubService(db)
		hub, err := hubs.CreateHub(ctx, volt.HubCreate{ChargerGroupID: ch.ChargerGroupID, OCPPIdentity: "HUB-GW", Sockets: 2})
		must(t, err)
		s1, s2 := hub.Sockets[0].CPID, hub.Sockets[1].CPID
		svc := store.NewChargingService(db)
		h := newHarness(t, func(c *Config) { c.Charging = svc; c.Hubs = hubs })
		c := h.connect("HUB-GW", hub.OCPPPassword)
		waitFor(t, "both sockets registered", func() bool { return h.g.Connected(s1) && h.g.Connected(s2) })

		var boot v16.BootNotificationResponse
		id := c.call("BootNotification", map[string]any{"chargePointVendor": "ACME", "chargePointModel": "Hub-2"})
		c.expectResult(id, &boot)
		if boot.Status != v16.RegistrationStatusAccepted {
			t.Fatalf("boot %+v", boot)
		}
		for range 2 { // each socket reads the hub's configuration after its boot
			gc := c.read()
			c.sendRaw(`[3,` + string(gc[1]) + `,{"configurationKey":[]}]`)
		}
		c.callOK("StatusNotification", map[string]any{"connectorId": 2, "errorCode": "NoError", "status": "Faulted"}, nil)
		id = c.call("StatusNotification", map[string]any{"connectorId": 3, "errorCode": "NoError", "status": "Available"})
		f := c.expectError(id, "PropertyConstraintViolation")
		if !json.Valid(f[4]) || f.str(3) == "" {
			t.Errorf("refusal %s", joinFrame(f))
		}
		for cpid, want := range map[string]volt.ConnectorStatus{s1: volt.StatusUnknown, s2: volt.StatusFaulted} {
			got, err := store.NewChargerService(db).FindChargerByCPID(ctx, cpid)
			must(t, err)
			if len(got.Connectors) != 1 || got.Connectors[0].Status != want || !got.Online || got.Model != "Hub-2" {
				t.Errorf("socket %s: %+v, want connector 1 %s, online, booted", cpid, got, want)
			}
		}

		// A command to socket 2 goes out with hub connector 2.
		type result struct {
			res json.RawMessage
			err error
		}
		done := make(chan result, 1)
		go func() {
			res, err := h.g.Call(ctx, s2, "UnlockConnector", map[string]any{"connectorId": 1})
			done <- result{res, err}
		}()
		cmd := c.read()
		var body struct {
			ConnectorID int `json:"connectorId"`
		}
		if err := json.Unmarshal(cmd[3], &body); err != nil || cmd.str(2) != "UnlockConnector" || body.ConnectorID != 2 {
			t.Fatalf("command on the hub %s, want UnlockConnector of connector 2", joinFrame(cmd))
		}
		c.sendRaw(`[3,` + string(cmd[1]) + `,{"status":"Unlocked"}]`)
		if r := <-done; r.err != nil || string(r.res) != `{"status":"Unlocked"}` {
			t.Fatalf("answer %s %v", r.res, r.err)
		}
		_, err = h.g.Call(ctx, s2, "UnlockConnector", map[string]any{"connectorId": 2})
		var ve *volt.Error
		if !errors.As(err, &ve) || ve.Code != volt.EINVALID || ve.Field != "connectorId" {
			t.Fatalf("connector 2 of a one-connector socket: %v", err)
		}
	})
}
