package gateway

import (
	"context"
	"testing"

	volt "github.com/volt-ev/volt"
	v16 "github.com/volt-ev/volt/ocpp/v16"
	"github.com/volt-ev/volt/store"
	"github.com/volt-ev/volt/store/storetest"
)

// TestAgainstStore runs a charger's day against the real ChargingService on
// every configured engine.
func TestAgainstStore(t *testing.T) {
	storetest.ForEachEngine(t, func(t *testing.T, db *store.DB) {
		ctx := volt.NewContextWithActor(context.Background(), volt.SystemActor)
		creds := onboard(t, ctx, db)
		svc := store.NewChargingService(db)
		h := newHarness(t, func(c *Config) { c.Charging = svc })
		if _, resp, err := h.dialRaw(creds.OCPPIdentity, "wrong", "ocpp1.6"); err == nil || resp.StatusCode != 401 {
			t.Fatalf("wrong password: %v %v", err, resp)
		}
		c := h.connect(creds.OCPPIdentity, creds.OCPPPassword)

		var boot v16.BootNotificationResponse
		c.callOK("BootNotification", map[string]any{"chargePointVendor": "ACME", "chargePointModel": "Volt-22"}, &boot)
		if boot.Status != v16.RegistrationStatusAccepted {
			t.Fatalf("boot %+v", boot)
		}
		gc := c.read()
		c.sendRaw(`[3,` + string(gc[1]) + `,{"configurationKey":[{"key":"HeartbeatInterval","readonly":false,"value":"300"}]}]`)
		c.callOK("Heartbeat", struct{}{}, nil)
		c.callOK("StatusNotification", map[string]any{"connectorId": 1, "errorCode": "NoError", "status": "Preparing"}, nil)
		var start v16.StartTransactionResponse
		c.callOK("StartTransaction", map[string]any{"connectorId": 1, "idTag": "UNKNOWN1", "meterStart": 1000, "timestamp": "2026-11-25T19:00:00Z"}, &start)
		if start.TransactionID == 0 {
			t.Fatalf("start %+v", start)
		}
		c.callOK("MeterValues", map[string]any{"connectorId": 1, "transactionId": start.TransactionID, "meterValue": []any{
			map[string]any{"timestamp": "2026-11-25T19:05:00Z", "sampledValue": []any{map[string]any{"value": "1500"}}}}}, nil)
		c.callOK("StopTransaction", map[string]any{"transactionId": start.TransactionID, "meterStop": 2500, "timestamp": "2026-11-25T19:10:00Z"}, nil)

		sessions, _, err := svc.FindSessions(ctx, volt.SessionFilter{CPID: creds.CPID})
		if err != nil || len(sessions) != 1 {
			t.Fatalf("sessions %v %v", sessions, err)
		}
		if s := sessions[0]; s.Status != volt.SessionCompleted || s.EnergyWh != 1500 || s.TransactionID != int64(start.TransactionID) {
			t.Fatalf("session %+v", s)
		}
		waitFor(t, "configuration stored", func() bool {
			keys, err := svc.FindConfiguration(ctx, creds.CPID)
			return err == nil && len(keys) == 1 && keys[0].Key == "HeartbeatInterval"
		})
		waitFor(t, "frames logged", func() bool {
			frames, err := svc.FindFrames(ctx, creds.CPID, 0, 100)
			return err == nil && len(frames) >= 14
		})
	})
}

func onboard(t *testing.T, ctx context.Context, db *store.DB) *volt.ChargerCredentials {
	t.Helper()
	return onboardConnectors(t, ctx, db, 2)
}

func must(t *testing.T, err error) {
	t.Helper()
	if err != nil {
		t.Fatal(err)
	}
}
