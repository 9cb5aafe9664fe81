package gateway

import (
	"context"
	"slices"
	"strconv"
	"strings"
	"testing"
	"unicode/utf8"

	volt "github.com/volt-ev/volt"
	v16 "github.com/volt-ev/volt/ocpp/v16"
	"github.com/volt-ev/volt/store"
	"github.com/volt-ev/volt/store/storetest"
)

// TestControlCharactersNeverLoseATransaction: a real websocket charger sends
// a NUL in its BootNotification, its StartTransaction idTag and raw invalid
// UTF-8 in its StopTransaction idTag. On both engines alike the boot is
// accepted (later messages are not refused), the start and the stop are
// recorded with the session flagged sanitized_input, and the message log
// keeps the frames, flagged. On PostgreSQL the boot used to leave the
// charger Pending and the stop was answered InternalError, forever.
func TestControlCharactersNeverLoseATransaction(t *testing.T) {
	storetest.ForEachEngine(t, func(t *testing.T, db *store.DB) {
		ctx := volt.NewContextWithActor(context.Background(), volt.SystemActor)
		creds := onboard(t, ctx, db)
		svc := store.NewChargingService(db)
		h := newHarness(t, func(c *Config) { c.Charging = svc })
		c := h.connect(creds.OCPPIdentity, creds.OCPPPassword)

		var boot v16.BootNotificationResponse
		c.callOK("BootNotification", map[string]any{"chargePointVendor": "AC\x00ME", "chargePointModel": "Volt-22\x07"}, &boot)
		if boot.Status != v16.RegistrationStatusAccepted {
			t.Fatalf("boot with a NUL: %+v", boot)
		}
		gc := c.read() // GetConfiguration after the boot
		c.sendRaw(`[3,` + string(gc[1]) + `,{"configurationKey":[{"key":"Vendor\u0000Key","readonly":true,"value":"x\u0000y"}]}]`)
		c.callOK("Heartbeat", struct{}{}, nil) // not refused as from a charger still Pending

		var start v16.StartTransactionResponse
		c.callOK("StartTransaction", map[string]any{"connectorId": 1, "idTag": "CARD\x00X", "meterStart": 1000,
			"timestamp": "2026-11-25T19:00:00Z"}, &start)
		if start.TransactionID == 0 {
			t.Fatalf("start %+v", start)
		}
		id := "stop1"
		c.sendRaw(`[2,"` + id + `","StopTransaction",{"transactionId":` + strconv.Itoa(start.TransactionID) +
			`,"idTag":"CARD` + "\xff\xfe" + `","meterStop":2500,"timestamp":"2026-11-25T19:10:00Z"}]`)
		c.expectResult(id, nil)

		sessions, _, err := svc.FindSessions(ctx, volt.SessionFilter{CPID: creds.CPID})
		if err != nil || len(sessions) != 1 {
			t.Fatalf("sessions %v %v", sessions, err)
		}
		s := sessions[0]
		if s.Status != volt.SessionCompleted || s.EnergyWh != 1500 || !slices.Contains(s.Flags, volt.FlagSanitizedInput) {
			t.Fatalf("session %+v", s)
		}
		if s.IDTag != volt.NormalizeIDTag("CARD\uFFFDX") {
			t.Errorf("idTag stored as %q", s.IDTag)
		}
		ch, err := store.NewChargerService(db).FindChargerByCPID(ctx, creds.CPID)
		must(t, err)
		if ch.Vendor != "AC\uFFFDME" || ch.Model != "Volt-22\uFFFD" {
			t.Errorf("boot stored as vendor %q model %q", ch.Vendor, ch.Model)
		}
		waitFor(t, "configuration stored, sanitized", func() bool {
			keys, err := svc.FindConfiguration(ctx, creds.CPID)
			return err == nil && len(keys) == 1 && keys[0].Key == "Vendor\uFFFDKey" && keys[0].Value != nil && *keys[0].Value == "x\uFFFDy"
		})
		waitFor(t, "flagged frames in the message log", func() bool {
			frames, err := svc.FindFrames(ctx, creds.CPID, 0, 100)
			flagged := map[string]bool{}
			for _, f := range frames {
				if f.Direction == "in" && f.Flags == volt.FlagSanitizedInput {
					flagged[f.Action] = true
				}
				if strings.ContainsRune(f.Frame, 0) || !utf8.ValidString(f.Frame) {
					t.Errorf("frame stored with a NUL or invalid UTF-8: %q", f.Frame)
				}
			}
			return err == nil && flagged["BootNotification"] && flagged["StartTransaction"] && flagged["StopTransaction"] && !flagged["Heartbeat"]
		})
	})
}
