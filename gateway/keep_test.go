package gateway

import (
	"context"
	"encoding/json"
	"testing"
	"time"

	volt "github.com/volt-ev/volt"
	"github.com/volt-ev/volt/store"
	"github.com/volt-ev/volt/store/storetest"
)

// answer runs Call in the background, answers the CALL the charger receives
// with result, and returns Call's outcome.
func answerCall(t *testing.T, h *harness, c *charger, cpid, action, req, result string) json.RawMessage {
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
	if f.typ() != 2 || f.str(2) != action {
		t.Fatalf("charger got %s, want a %s CALL", joinFrame(f), action)
	}
	c.sendRaw(`[3,` + string(f[1]) + `,` + result + `]`)
	o := <-done
	if o.err != nil {
		t.Fatalf("%s: %v", action, o.err)
	}
	return o.res
}

// TestKeepsReservationsAndLocalList: what the charger accepted is in the
// database; what it refused is not.
func TestKeepsReservationsAndLocalList(t *testing.T) {
	storetest.ForEachEngine(t, func(t *testing.T, db *store.DB) {
		ctx := volt.NewContextWithActor(context.Background(), volt.SystemActor)
		creds := onboard(t, ctx, db)
		svc := store.NewChargingService(db)
		h := newHarness(t, func(c *Config) { c.Charging = svc; c.Reservations = svc })
		c := h.connect(creds.OCPPIdentity, creds.OCPPPassword)
		c.callOK("BootNotification", map[string]any{"chargePointVendor": "ACME", "chargePointModel": "Volt-22"}, nil)
		gc := c.read() // GetConfiguration after boot
		c.sendRaw(`[3,` + string(gc[1]) + `,{"configurationKey":[]}]`)

		expiry := time.Now().Add(time.Hour).UTC().Format(time.RFC3339)
		answerCall(t, h, c, creds.CPID, "ReserveNow", `{"connectorId":1,"expiryDate":"`+expiry+`","idTag":"04a2b3c4","reservationId":77}`, `{"status":"Accepted"}`)
		answerCall(t, h, c, creds.CPID, "ReserveNow", `{"connectorId":2,"expiryDate":"`+expiry+`","idTag":"AAAA","reservationId":78}`, `{"status":"Occupied"}`)
		rsv, err := svc.FindReservations(ctx, creds.CPID, true)
		if err != nil || len(rsv) != 1 || rsv[0].ID != 77 || rsv[0].ConnectorID != 1 {
			t.Fatalf("active reservations %+v %v, want only 77 on connector 1", rsv, err)
		}
		answerCall(t, h, c, creds.CPID, "CancelReservation", `{"reservationId":77}`, `{"status":"Accepted"}`)
		if rsv, err := svc.FindReservations(ctx, creds.CPID, true); err != nil || len(rsv) != 0 {
			t.Fatalf("after cancel: %+v %v", rsv, err)
		}

		answerCall(t, h, c, creds.CPID, "SendLocalList", `{"listVersion":3,"updateType":"Full","localAuthorizationList":[{"idTag":"TAG1","idTagInfo":{"status":"Accepted"}},{"idTag":"TAG2","idTagInfo":{"status":"Blocked"}}]}`, `{"status":"Accepted"}`)
		answerCall(t, h, c, creds.CPID, "SendLocalList", `{"listVersion":4,"updateType":"Differential","localAuthorizationList":[{"idTag":"TAG1"}]}`, `{"status":"Accepted"}`)
		answerCall(t, h, c, creds.CPID, "SendLocalList", `{"listVersion":9,"updateType":"Full","localAuthorizationList":[]}`, `{"status":"VersionMismatch"}`)
		if v, err := svc.LocalListVersion(ctx, creds.CPID); err != nil || v != 4 {
			t.Fatalf("local list version %d %v, want 4 (9 was refused)", v, err)
		}
		list, err := svc.FindLocalList(ctx, creds.CPID)
		if err != nil || len(list) != 1 || list[0].IDTag != "TAG2" || list[0].Status != volt.AuthBlocked {
			t.Fatalf("local list %+v %v, want TAG2 Blocked only", list, err)
		}
	})
}
