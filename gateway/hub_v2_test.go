package gateway

import (
	"context"
	"encoding/json"
	"errors"
	"strings"
	"testing"
	"time"

	volt "github.com/volt-ev/volt"
	"github.com/volt-ev/volt/internal/schematest"
	"github.com/volt-ev/volt/store"
	"github.com/volt-ev/volt/store/storetest"
)

// TestHubRouting201 (issue 16 item 5 on OCPP 2.x): a 2.0.1 hub boots every
// socket; its EVSE 2 is socket 2 (status, a transaction started there and
// ended without evse); an EVSE outside the hub is refused naming evseId; a
// command to socket 2 goes out with the hub's EVSE 2, from a 2.0.1 body or
// a translated 1.6 one, and one naming an EVSE the socket lacks is refused.
func TestHubRouting201(t *testing.T) {
	schemas := schematest.Load(t, "2.0.1")
	storetest.ForEachEngine(t, func(t *testing.T, db *store.DB) {
		ctx := volt.NewContextWithActor(context.Background(), volt.SystemActor)
		creds := onboard(t, ctx, db)
		ch, err := store.NewChargerService(db).FindChargerByCPID(ctx, creds.CPID)
		must(t, err)
		hubs := store.NewHubService(db)
		hub, err := hubs.CreateHub(ctx, volt.HubCreate{ChargerGroupID: ch.ChargerGroupID, OCPPIdentity: "HUB-201", Sockets: 2})
		must(t, err)
		s1, s2 := hub.Sockets[0].CPID, hub.Sockets[1].CPID
		svc := store.NewChargingService(db)
		h := newHarness(t, func(c *Config) { c.Charging = svc; c.Hubs = hubs })
		c := h.connectAs("HUB-201", hub.OCPPPassword, "ocpp2.0.1", "ocpp2.0.1")
		waitFor(t, "both sockets registered", func() bool { return h.g.Connected(s1) && h.g.Connected(s2) })

		var boot struct{ Status string }
		c.sendChecked(schemas, "BootNotification", map[string]any{"reason": "PowerUp", "chargingStation": map[string]any{"model": "Hub-201", "vendorName": "ACME"}}, &boot)
		if boot.Status != "Accepted" {
			t.Fatalf("boot %+v", boot)
		}
		for range 2 { // each socket asks for the device model after its boot
			gbr := c.read()
			if gbr.typ() != 2 || gbr.str(2) != "GetBaseReport" {
				t.Fatalf("want GetBaseReport, got %s", joinFrame(gbr))
			}
			c.sendRaw(`[3,` + string(gbr[1]) + `,{"status":"Accepted"}]`)
		}
		now := time.Now().Add(time.Second).UTC().Format(time.RFC3339Nano) // after the sockets' creation
		c.sendChecked(schemas, "StatusNotification", map[string]any{"timestamp": now, "connectorStatus": "Faulted", "evseId": 2, "connectorId": 1}, nil)
		id := c.call("StatusNotification", map[string]any{"timestamp": now, "connectorStatus": "Available", "evseId": 3, "connectorId": 1})
		if f := c.expectError(id, "PropertyConstraintViolation"); !json.Valid(f[4]) || f.str(3) == "" {
			t.Errorf("refusal %s", joinFrame(f))
		}
		for cpid, want := range map[string]volt.ConnectorStatus{s1: volt.StatusUnknown, s2: volt.StatusFaulted} {
			got, err := store.NewChargerService(db).FindChargerByCPID(ctx, cpid)
			must(t, err)
			if len(got.Connectors) != 1 || got.Connectors[0].Status != want || !got.Online || got.Model != "Hub-201" {
				t.Errorf("socket %s: %+v, want connector 1 %s, online, booted", cpid, got, want)
			}
		}

		// A transaction on EVSE 2 is socket 2's, its Ended (without evse) too.
		mv := func(wh float64, ctx string) []any {
			return []any{map[string]any{"timestamp": now, "sampledValue": []any{map[string]any{"value": wh, "context": ctx}}}}
		}
		c.sendChecked(schemas, "TransactionEvent", map[string]any{"eventType": "Started", "timestamp": now, "triggerReason": "CablePluggedIn", "seqNo": 0,
			"transactionInfo": map[string]any{"transactionId": "hub-tx-1"}, "evse": map[string]any{"id": 2, "connectorId": 1},
			"idToken": map[string]any{"idToken": "", "type": "NoAuthorization"}, "meterValue": mv(1000, "Transaction.Begin")}, nil)
		c.sendChecked(schemas, "TransactionEvent", map[string]any{"eventType": "Ended", "timestamp": now, "triggerReason": "EVDeparted", "seqNo": 1,
			"transactionInfo": map[string]any{"transactionId": "hub-tx-1", "stoppedReason": "EVDisconnected"}, "meterValue": mv(3500, "Transaction.End")}, nil)
		sess, _, err := svc.FindSessions(ctx, volt.SessionFilter{CPID: s2})
		must(t, err)
		if len(sess) != 1 || sess[0].Status != volt.SessionCompleted || sess[0].EnergyWh != 2500 || sess[0].ConnectorID != 1 {
			t.Fatalf("socket 2's sessions %+v, want one completed of 2500 Wh on connector 1", sess)
		}
		if other, _, err := svc.FindSessions(ctx, volt.SessionFilter{CPID: s1}); err != nil || len(other) != 0 {
			t.Fatalf("socket 1's sessions %+v %v, want none", other, err)
		}

		// Commands to socket 2 go out with the hub's EVSE 2.
		for _, cmd := range []struct{ action, body, want string }{
			{"RequestStartTransaction", `{"idToken":{"idToken":"04A2B3C4","type":"Central"},"remoteStartId":5,"evseId":1}`, `"evseId":2`},
			{"RequestStartTransaction", `{"idToken":{"idToken":"04A2B3C4","type":"Central"},"remoteStartId":6}`, `"evseId":2`},
			{"RemoteStartTransaction", `{"connectorId":1,"idTag":"04A2B3C4"}`, `"evseId":2`},
			{"ChangeAvailability", `{"operationalStatus":"Inoperative","evse":{"id":1}}`, `"evse":{"id":2}`},
			{"UnlockConnector", `{"evseId":1,"connectorId":1}`, `"evseId":2`},
		} {
			res := answerCallExpect(t, h, c, s2, cmd.action, cmd.body, cmd.want, `{"status":"Accepted"}`)
			if string(res) != `{"status":"Accepted"}` {
				t.Fatalf("%s answered %s", cmd.action, res)
			}
		}
		_, err = h.g.Call(ctx, s2, "RequestStartTransaction", json.RawMessage(`{"idToken":{"idToken":"A","type":"Central"},"remoteStartId":7,"evseId":2}`))
		var ve *volt.Error
		if !errors.As(err, &ve) || ve.Code != volt.EINVALID || ve.Field != "evseId" {
			t.Fatalf("EVSE 2 of a one-EVSE socket: %v", err)
		}
	})
}

// answerCallExpect runs Call in the background, checks the CALL the
// charger receives contains want, answers it with result and returns
// Call's outcome.
func answerCallExpect(t *testing.T, h *harness, c *charger, cpid, action, req, want, result string) json.RawMessage {
	t.Helper()
	type out struct {
		res json.RawMessage
		err error
	}
	done := make(chan out, 1)
	go func() {
		res, err := h.g.Call(context.Background(), cpid, action, json.RawMessage(req))
		done <- out{res, err}
	}()
	f := c.read()
	if f.typ() != 2 || !strings.Contains(string(f[3]), want) {
		t.Fatalf("%s to %s: the hub got %s, want a CALL with %s", action, cpid, joinFrame(f), want)
	}
	c.sendRaw(`[3,` + string(f[1]) + `,` + result + `]`)
	o := <-done
	if o.err != nil {
		t.Fatalf("%s: %v", action, o.err)
	}
	return o.res
}
