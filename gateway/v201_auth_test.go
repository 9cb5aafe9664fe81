package gateway

import (
	"bytes"
	"context"
	"log/slog"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	volt "github.com/volt-ev/volt"
	"github.com/volt-ev/volt/inmem"
	"github.com/volt-ev/volt/internal/schematest"
	"github.com/volt-ev/volt/store"
	"github.com/volt-ev/volt/store/storetest"
)

// syncBuffer is a log sink the handlers and the test share.
type syncBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (s *syncBuffer) Write(p []byte) (int, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.Write(p)
}

func (s *syncBuffer) String() string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.String()
}

// TestV2TokensSeqNoAndLostEnded (issue #13) against the store on every
// engine: a NoAuthorization start is accepted as free vend (C02.FR.02); a
// transaction started with the cable and no token takes the token of a
// later event (E03) as its own, with its user and no idtag_rejected flag;
// refused tokens are announced (authorization.decided); a seqNo gap is
// logged; a session whose EVSE went Available and whose Ended never came is
// closed after EndedTimeout.
func TestV2TokensSeqNoAndLostEnded(t *testing.T) {
	schemas := schematest.Load(t, "2.0.1")
	storetest.ForEachEngine(t, func(t *testing.T, db *store.DB) {
		ctx := volt.NewContextWithActor(context.Background(), volt.SystemActor)
		creds := onboard(t, ctx, db)
		ch, err := store.NewChargerService(db).FindChargerByCPID(ctx, creds.CPID)
		must(t, err)
		user := &volt.User{Email: "e03@example.com", Name: "E03", CPOID: ch.CPOID}
		us := store.NewUserService(db)
		must(t, us.CreateUser(ctx, user, "a-long-password-1"))
		must(t, us.CreateRFIDCard(ctx, &volt.RFIDCard{UID: "04E03E03", UserID: user.ID}))
		svc := store.NewChargingService(db)
		bus := inmem.NewBus()
		events, unsub := bus.Subscribe()
		defer unsub()
		logs := &syncBuffer{}
		h := newHarness(t, func(c *Config) {
			c.Charging, c.Bus, c.EndedTimeout = svc, bus, 200*time.Millisecond
			c.Logger = slog.New(slog.NewTextHandler(logs, nil))
		})
		c := h.connectAs(creds.OCPPIdentity, creds.OCPPPassword, "ocpp2.0.1", "ocpp2.0.1")
		c.callChecked(schemas, "BootNotification", map[string]any{"reason": "PowerUp", "chargingStation": map[string]any{"model": "m", "vendorName": "v"}}, nil)
		if gbr := c.read(); gbr.typ() == 2 {
			c.sendRaw(`[3,` + string(gbr[1]) + `,{"status":"Accepted"}]`)
		}
		type answer struct {
			IDTokenInfo *struct{ Status string } `json:"idTokenInfo"`
		}
		mv := func(wh float64, ctxName string) []any {
			return []any{map[string]any{"timestamp": "2026-12-06T10:00:00Z", "sampledValue": []any{
				map[string]any{"value": wh, "context": ctxName, "measurand": "Energy.Active.Import.Register"}}}}
		}
		event := func(typ, txID string, seq, evse int, tok map[string]any, wh float64) map[string]any {
			ev := map[string]any{"eventType": typ, "timestamp": "2026-12-06T10:00:00Z", "triggerReason": "Authorized", "seqNo": seq,
				"transactionInfo": map[string]any{"transactionId": txID}, "meterValue": mv(wh, "Sample.Periodic")}
			if evse > 0 {
				ev["evse"] = map[string]any{"id": evse, "connectorId": 1}
			}
			if tok != nil {
				ev["idToken"] = tok
			}
			return ev
		}

		// Free vend station.
		var a answer
		c.callChecked(schemas, "TransactionEvent", event("Started", "free-1", 0, 1, map[string]any{"idToken": "", "type": "NoAuthorization"}, 100), &a)
		if a.IDTokenInfo == nil || a.IDTokenInfo.Status != "Accepted" {
			t.Fatalf("NoAuthorization start answered %+v", a.IDTokenInfo)
		}
		free, err := svc.FindSessionByChargerTransaction(ctx, creds.CPID, "free-1")
		if err != nil || slices.Contains(free.Flags, volt.FlagIDTagRejected) || free.PaymentMethod != "free_vend" {
			t.Fatalf("free vend session %+v, %v", free, err)
		}

		// Cable first, token later (E03).
		c.callChecked(schemas, "TransactionEvent", event("Started", "e03-1", 0, 2, nil, 200), nil)
		s, err := svc.FindSessionByChargerTransaction(ctx, creds.CPID, "e03-1")
		if err != nil || s.IDTag != "" || !slices.Contains(s.Flags, volt.FlagIDTagRejected) {
			t.Fatalf("token-less start %+v, %v", s, err)
		}
		// seqNo 1 and 2 are lost: the gap is logged.
		a = answer{}
		c.callChecked(schemas, "TransactionEvent", event("Updated", "e03-1", 3, 0, map[string]any{"idToken": "04e03e03", "type": "ISO14443"}, 300), &a)
		if a.IDTokenInfo == nil || a.IDTokenInfo.Status != "Accepted" {
			t.Fatalf("late token answered %+v", a.IDTokenInfo)
		}
		s, err = svc.FindSessionByChargerTransaction(ctx, creds.CPID, "e03-1")
		if err != nil || s.IDTag != "04E03E03" || s.UserID != user.ID || slices.Contains(s.Flags, volt.FlagIDTagRejected) {
			t.Fatalf("session after the late token %+v, %v", s, err)
		}
		if l := logs.String(); !strings.Contains(l, "seqNo gap") || !strings.Contains(l, "missing=1-2") {
			t.Errorf("no seqNo gap logged:\n%s", l)
		}

		// A refused token is announced, as on 1.6.
		c.callChecked(schemas, "Authorize", map[string]any{"idToken": map[string]any{"idToken": "NOSUCH", "type": "ISO14443"}}, nil)
		waitFor(t, "authorization.decided", func() bool {
			for {
				select {
				case e := <-events:
					if d, ok := e.Data.(volt.AuthorizationDecision); ok && e.Type == volt.EventAuthorization && d.IDTag == "NOSUCH" && d.Status == volt.AuthInvalid {
						return true
					}
				default:
					return false
				}
			}
		})

		// EVSE 1 goes Available and its Ended never comes: closed after
		// the timeout. EVSE 2 goes Available too, but its Ended follows.
		c.callChecked(schemas, "StatusNotification", map[string]any{"timestamp": "2026-12-06T10:05:00Z", "connectorStatus": "Available", "evseId": 1, "connectorId": 1}, nil)
		c.callChecked(schemas, "StatusNotification", map[string]any{"timestamp": "2026-12-06T10:05:00Z", "connectorStatus": "Available", "evseId": 2, "connectorId": 1}, nil)
		c.callChecked(schemas, "TransactionEvent", event("Ended", "e03-1", 4, 0, nil, 400), nil)
		waitFor(t, "lost Ended closed", func() bool {
			s, err := svc.FindSessionByChargerTransaction(ctx, creds.CPID, "free-1")
			return err == nil && s.Status == volt.SessionCompleted && slices.Contains(s.Flags, volt.FlagZombieClosed)
		})
		s, err = svc.FindSessionByChargerTransaction(ctx, creds.CPID, "e03-1")
		if err != nil || s.Status != volt.SessionCompleted || slices.Contains(s.Flags, volt.FlagZombieClosed) || s.EnergyWh != 200 {
			t.Fatalf("ended session %+v, %v", s, err)
		}
	})
}
