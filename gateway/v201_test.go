package gateway

import (
	"context"
	"encoding/json"
	"strings"
	"testing"

	volt "github.com/volt-ev/volt"
	"github.com/volt-ev/volt/internal/schematest"
	"github.com/volt-ev/volt/store"
	"github.com/volt-ev/volt/store/storetest"
)

// connectAs dials with the offered subprotocols and checks which one Volt
// chose.
func (h *harness) connectAs(identity, password, want string, offered ...string) *charger {
	h.t.Helper()
	ws, resp, err := h.dialRaw(identity, password, offered...)
	if err != nil {
		h.t.Fatalf("dial %s: %v (%v)", identity, err, resp)
	}
	if ws.Subprotocol() != want {
		h.t.Fatalf("offered %v: Volt chose %q, want %q", offered, ws.Subprotocol(), want)
	}
	h.t.Cleanup(func() { ws.Close() })
	return &charger{t: h.t, ws: ws}
}

// checked validates the payload of a CALLRESULT against its 2.x schema.
func checked(t *testing.T, s *schematest.Set, action string, f frame) {
	t.Helper()
	if err := s.Validate(t, action+"Response", f[2]); err != nil {
		t.Errorf("answer to %s %s does not match the schema: %v", action, f[2], err)
	}
}

func (c *charger) callChecked(s *schematest.Set, action string, payload, out any) {
	c.t.Helper()
	id := c.call(action, payload)
	f := c.read()
	if f.typ() != 3 || f.str(1) != id {
		c.t.Fatalf("want CALLRESULT %s to %s, got %s", id, action, joinFrame(f))
	}
	checked(c.t, s, action, f)
	if out != nil {
		if err := json.Unmarshal(f[2], out); err != nil {
			c.t.Fatal(err)
		}
	}
}

func TestSubprotocolChargersPreference(t *testing.T) {
	h := newHarness(t, nil)
	h.connectAs("CP-1", "secret-1", "ocpp1.6", "ocpp1.6", "ocpp2.0.1")
	h.connectAs("CP-2", "secret-2", "ocpp2.1", "ocpp3.0", "ocpp2.1", "ocpp2.0.1", "ocpp1.6")
	h.connectAs("CP-1", "secret-1", "ocpp2.0.1", "ocpp2.0.1", "ocpp1.6")
}

// TestV2BadInput: malformed frames get the CALLERROR of the connection's
// version and the connection stays up; a 2.x action on a 1.6 connection is
// NotImplemented.
func TestV2BadInput(t *testing.T) {
	h := newHarness(t, nil)
	c := h.connectAs("CP-1", "secret-1", "ocpp2.0.1", "ocpp2.0.1")
	c.sendRaw(`[2,"x1","Heartbeat",{]`)
	if f := c.read(); f.str(1) != "-1" || f.str(2) != "FormatViolation" {
		t.Fatalf("bad JSON: %s", joinFrame(f))
	}
	id := c.call("BootNotification", map[string]any{"reason": "PowerUp"})
	c.expectError(id, "OccurenceConstraintViolation") // one r in 2.0.1
	id = c.call("BootNotification", map[string]any{"reason": "Sneeze", "chargingStation": map[string]any{"model": "m", "vendorName": "v"}})
	c.expectError(id, "PropertyConstraintViolation")
	id = c.call("StartTransaction", map[string]any{"connectorId": 1})
	c.expectError(id, "NotImplemented")
	c.sendRaw(`[7,"x2","Heartbeat",{}]`)
	if f := c.read(); f.str(2) != "MessageTypeNotSupported" {
		t.Fatalf("unknown type: %s", joinFrame(f))
	}
	c.callOK("BootNotification", map[string]any{"reason": "PowerUp", "chargingStation": map[string]any{"model": "m", "vendorName": "v"}}, nil)

	c21 := h.connectAs("CP-2", "secret-2", "ocpp2.1", "ocpp2.1")
	id = c21.call("Heartbeat", map[string]any{"customData": map[string]any{}})
	c21.expectError(id, "OccurrenceConstraintViolation") // two from 2.1 on

	c16 := h.connectAs("CP-1", "secret-1", "ocpp1.6", "ocpp1.6")
	id = c16.call("TransactionEvent", map[string]any{"eventType": "Started"})
	c16.expectError(id, "NotImplemented")
	if _, err := h.g.Call(context.Background(), "000001", "GetVariables", json.RawMessage(`{"getVariableData":[]}`)); !volt.IsCode(err, volt.EUNPROCESSABLE) || !strings.Contains(err.Error(), "OCPP 1.6") {
		t.Fatalf("get-variables on 1.6: %v", err)
	}
}

// TestV2TransactionsAgainstStore runs a 2.0.1 and a 2.1 charger's day against
// the real ChargingService on every engine: each transaction, with its
// Started and Ended replayed and a late Updated after the end, is one
// session and one CDR with the metered energy; a 1.6 remote-stop reaches the
// charger as RequestStopTransaction with its own transaction id.
func TestV2TransactionsAgainstStore(t *testing.T) {
	for _, version := range []string{"2.0.1", "2.1"} {
		t.Run(version, func(t *testing.T) {
			schemas := schematest.Load(t, version)
			storetest.ForEachEngine(t, func(t *testing.T, db *store.DB) {
				v2Day(t, db, schemas, "ocpp"+version)
			})
		})
	}
}

func v2Day(t *testing.T, db *store.DB, schemas *schematest.Set, proto string) {
	ctx := volt.NewContextWithActor(context.Background(), volt.SystemActor)
	creds := onboard(t, ctx, db)
	svc := store.NewChargingService(db)
	h := newHarness(t, func(c *Config) { c.Charging = svc })
	c := h.connectAs(creds.OCPPIdentity, creds.OCPPPassword, proto, proto, "ocpp1.6")

	var boot struct{ Status string }
	c.callChecked(schemas, "BootNotification", map[string]any{"reason": "PowerUp",
		"chargingStation": map[string]any{"model": "VT-201", "vendorName": "ACME", "serialNumber": "S-1"}}, &boot)
	if boot.Status != "Accepted" {
		t.Fatalf("boot %+v", boot)
	}
	gbr := c.read()
	if gbr.typ() != 2 || gbr.str(2) != "GetBaseReport" {
		t.Fatalf("want GetBaseReport after boot, got %s", joinFrame(gbr))
	}
	if err := schemas.Validate(t, "GetBaseReportRequest", gbr[3]); err != nil {
		t.Errorf("GetBaseReport %s: %v", gbr[3], err)
	}
	c.sendRaw(`[3,` + string(gbr[1]) + `,{"status":"Accepted"}]`)
	c.callChecked(schemas, "NotifyReport", map[string]any{"requestId": 1, "generatedAt": "2026-11-25T18:59:00Z", "seqNo": 0,
		"reportData": []any{map[string]any{"component": map[string]any{"name": "OCPPCommCtrlr"}, "variable": map[string]any{"name": "HeartbeatInterval"},
			"variableAttribute": []any{map[string]any{"type": "Actual", "value": "300", "mutability": "ReadWrite"}}}}}, nil)
	c.callChecked(schemas, "Heartbeat", struct{}{}, nil)
	c.callChecked(schemas, "StatusNotification", map[string]any{"timestamp": "2026-11-25T18:59:30Z", "connectorStatus": "Occupied", "evseId": 1, "connectorId": 1}, nil)
	c.callChecked(schemas, "Authorize", map[string]any{"idToken": map[string]any{"idToken": "UNKNOWN1", "type": "ISO14443"}}, nil)

	energy := func(wh float64, ctxName string) []any {
		return []any{map[string]any{"timestamp": "2026-11-25T19:00:00Z", "sampledValue": []any{
			map[string]any{"value": wh, "context": ctxName, "measurand": "Energy.Active.Import.Register"}}}}
	}
	started := map[string]any{"eventType": "Started", "timestamp": "2026-11-25T19:00:00Z", "triggerReason": "Authorized", "seqNo": 0,
		"transactionInfo": map[string]any{"transactionId": "tx-1", "chargingState": "Charging"},
		"evse":            map[string]any{"id": 1, "connectorId": 1}, "idToken": map[string]any{"idToken": "UNKNOWN1", "type": "ISO14443"},
		"meterValue": energy(1000, "Transaction.Begin")}
	var ans struct {
		IDTokenInfo *struct{ Status string } `json:"idTokenInfo"`
	}
	c.callChecked(schemas, "TransactionEvent", started, &ans)
	if ans.IDTokenInfo == nil {
		t.Fatalf("Started with an idToken answered without idTokenInfo")
	}
	c.callChecked(schemas, "TransactionEvent", started, nil) // replayed
	c.callChecked(schemas, "TransactionEvent", map[string]any{"eventType": "Updated", "timestamp": "2026-11-25T19:05:00Z",
		"triggerReason": "MeterValuePeriodic", "seqNo": 1, "transactionInfo": map[string]any{"transactionId": "tx-1"},
		"meterValue": energy(1500, "Sample.Periodic")}, nil)

	// The boot after an offline spell reports Available before the queued
	// Ended: the session stays open for it.
	c.callChecked(schemas, "StatusNotification", map[string]any{"timestamp": "2026-11-25T19:06:30Z", "connectorStatus": "Available", "evseId": 1, "connectorId": 1}, nil)
	sess, err := svc.FindSessionByChargerTransaction(ctx, creds.CPID, "tx-1")
	if err != nil || sess.Status != volt.SessionActive || sess.ConnectorID != 1 || sess.MeterStart != 1000 || sess.LastMeterWh != 1500 {
		t.Fatalf("active session %+v, %v", sess, err)
	}
	// remote-stop with the 1.6 body (Volt's id), as the guard sends it.
	type callRes struct {
		res json.RawMessage
		err error
	}
	done := make(chan callRes, 1)
	go func() {
		res, err := h.g.Call(ctx, creds.CPID, "RemoteStopTransaction", map[string]any{"transactionId": sess.TransactionID})
		done <- callRes{res, err}
	}()
	rs := c.read()
	if rs.typ() != 2 || rs.str(2) != "RequestStopTransaction" || !strings.Contains(string(rs[3]), `"tx-1"`) {
		t.Fatalf("remote stop reached the charger as %s", joinFrame(rs))
	}
	if err := schemas.Validate(t, "RequestStopTransactionRequest", rs[3]); err != nil {
		t.Errorf("RequestStopTransaction %s: %v", rs[3], err)
	}
	c.sendRaw(`[3,` + string(rs[1]) + `,{"status":"Accepted"}]`)
	if r := <-done; r.err != nil || string(r.res) != `{"status":"Accepted"}` {
		t.Fatalf("remote stop answer %s, %v", r.res, r.err)
	}

	ended := map[string]any{"eventType": "Ended", "timestamp": "2026-11-25T19:10:00Z", "triggerReason": "RemoteStop", "seqNo": 2,
		"offline": false, "transactionInfo": map[string]any{"transactionId": "tx-1", "stoppedReason": "Remote"},
		"meterValue": []any{map[string]any{"timestamp": "2026-11-25T19:10:00Z", "sampledValue": []any{
			map[string]any{"value": 2.5, "context": "Transaction.End", "unitOfMeasure": map[string]any{"unit": "kWh"}}}}}}
	c.callChecked(schemas, "TransactionEvent", ended, nil)
	c.callChecked(schemas, "TransactionEvent", ended, nil) // replayed
	c.callChecked(schemas, "TransactionEvent", map[string]any{"eventType": "Updated", "timestamp": "2026-11-25T19:06:00Z",
		"triggerReason": "MeterValuePeriodic", "seqNo": 1, "offline": true, "transactionInfo": map[string]any{"transactionId": "tx-1"},
		"meterValue": energy(1700, "Sample.Periodic")}, nil) // late, after the end

	sessions, _, err := svc.FindSessions(ctx, volt.SessionFilter{CPID: creds.CPID})
	if err != nil || len(sessions) != 1 {
		t.Fatalf("sessions %v %v", sessions, err)
	}
	if s := sessions[0]; s.Status != volt.SessionCompleted || s.EnergyWh != 1500 || s.StopReason != "Remote" || s.ChargerTransactionID != "tx-1" {
		t.Fatalf("session %+v", s)
	}
	cdrs, _, err := svc.FindCDRs(ctx, volt.SessionFilter{CPID: creds.CPID})
	if err != nil || len(cdrs) != 1 {
		t.Fatalf("cdrs %v %v", cdrs, err)
	}
	waitFor(t, "device model stored", func() bool {
		keys, err := svc.FindConfiguration(ctx, creds.CPID)
		return err == nil && len(keys) == 1 && keys[0].Key == "OCPPCommCtrlr/HeartbeatInterval" && *keys[0].Value == "300"
	})
	dm, err := svc.FindDeviceModel(ctx, creds.CPID)
	if err != nil || len(dm) != 1 || dm[0].Component != "OCPPCommCtrlr" || dm[0].AttributeType != "Actual" || *dm[0].Value != "300" || dm[0].Mutability != "ReadWrite" {
		t.Fatalf("device model %+v, %v", dm, err)
	}
	// SetVariables through the 1.6 name: the accepted value is kept in both.
	go func() {
		res, err := h.g.Call(ctx, creds.CPID, "ChangeConfiguration", map[string]any{"key": "HeartbeatInterval", "value": "120"})
		done <- callRes{res, err}
	}()
	sv := c.read()
	if sv.str(2) != "SetVariables" {
		t.Fatalf("change-configuration reached the charger as %s", joinFrame(sv))
	}
	c.sendRaw(`[3,` + string(sv[1]) + `,{"setVariableResult":[{"attributeStatus":"Accepted","component":{"name":"OCPPCommCtrlr"},"variable":{"name":"HeartbeatInterval"}}]}]`)
	if r := <-done; r.err != nil {
		t.Fatal(r.err)
	}
	dm, err = svc.FindDeviceModel(ctx, creds.CPID)
	if err != nil || len(dm) != 1 || *dm[0].Value != "120" || dm[0].Mutability != "ReadWrite" {
		t.Fatalf("device model after SetVariables %+v, %v", dm, err)
	}
}

// TestV2RelaxationsPerModel: the named relaxations of the charger's model
// apply to 2.x payloads as to 1.6 ones, and only to that charger.
func TestV2RelaxationsPerModel(t *testing.T) {
	h := newHarness(t, nil)
	h.fake.mu.Lock()
	h.fake.relax = []string{"LongStrings", "TimestampWithoutZone"}
	h.fake.mu.Unlock()
	c := h.connectAs("CP-1", "secret-1", "ocpp2.0.1", "ocpp2.0.1")
	long := map[string]any{"reason": "PowerUp", "chargingStation": map[string]any{"model": strings.Repeat("M", 25), "vendorName": "v"}}
	var boot struct{ Status string }
	c.callOK("BootNotification", long, &boot)
	if boot.Status != "Accepted" {
		t.Fatalf("relaxed boot %+v", boot)
	}
	if gbr := c.read(); gbr.typ() == 2 {
		c.sendRaw(`[3,` + string(gbr[1]) + `,{"status":"Accepted"}]`)
	}
	c.callOK("StatusNotification", map[string]any{"timestamp": "2026-11-25T19:00:00", "connectorStatus": "Available", "evseId": 1, "connectorId": 1}, nil)

	h.fake.mu.Lock()
	h.fake.relax = nil
	h.fake.mu.Unlock()
	strict := h.connectAs("CP-2", "secret-2", "ocpp2.0.1", "ocpp2.0.1")
	id := strict.call("BootNotification", long)
	strict.expectError(id, "PropertyConstraintViolation")
}

// pricedFake prices what the fake records: the live cost of every meter
// reading and the CDR's total.
type pricedFake struct{ *fakeCharging }

func (p pricedFake) RecordMeterValues(ctx context.Context, r volt.MeterReport) (*volt.Session, error) {
	s, err := p.fakeCharging.RecordMeterValues(ctx, r)
	if s != nil {
		s.ChargerTransactionID = "tx-9"
		s.LiveCost = &volt.Cost{Currency: "GBP", InclVAT: 123}
	}
	return s, err
}

func (p pricedFake) StopTransaction(ctx context.Context, r volt.StopRequest) (*volt.StopResult, error) {
	res, err := p.fakeCharging.StopTransaction(ctx, r)
	if res != nil && res.CDR != nil {
		res.CDR.TotalCost = &volt.Cost{Currency: "GBP", InclVAT: 456}
	}
	return res, err
}

// TestV2RunningAndFinalCost: a priced meter reading of a 2.x transaction is
// followed by CostUpdated with the live cost (I02), and the answer to Ended
// carries the CDR's total (I03), both in pounds from exact pence.
func TestV2RunningAndFinalCost(t *testing.T) {
	schemas := schematest.Load(t, "2.0.1")
	h := newHarness(t, func(c *Config) { c.Charging = pricedFake{c.Charging.(*fakeCharging)} })
	c := h.connectAs("CP-1", "secret-1", "ocpp2.0.1", "ocpp2.0.1")
	c.callOK("BootNotification", map[string]any{"reason": "PowerUp", "chargingStation": map[string]any{"model": "m", "vendorName": "v"}}, nil)
	if gbr := c.read(); gbr.typ() == 2 {
		c.sendRaw(`[3,` + string(gbr[1]) + `,{"status":"Accepted"}]`)
	}
	mv := []any{map[string]any{"timestamp": "2026-11-25T19:05:00Z", "sampledValue": []any{map[string]any{"value": 1500}}}}
	c.callOK("TransactionEvent", map[string]any{"eventType": "Updated", "timestamp": "2026-11-25T19:05:00Z", "triggerReason": "MeterValuePeriodic",
		"seqNo": 1, "transactionInfo": map[string]any{"transactionId": "tx-9"}, "evse": map[string]any{"id": 1}, "meterValue": mv}, nil)
	cu := c.read()
	if cu.typ() != 2 || cu.str(2) != "CostUpdated" || string(cu[3]) != `{"totalCost":1.23,"transactionId":"tx-9"}` {
		t.Fatalf("want CostUpdated of 1.23, got %s", joinFrame(cu))
	}
	if err := schemas.Validate(t, "CostUpdatedRequest", cu[3]); err != nil {
		t.Error(err)
	}
	c.sendRaw(`[3,` + string(cu[1]) + `,{}]`)
	var ended struct{ TotalCost *float64 }
	c.callOK("TransactionEvent", map[string]any{"eventType": "Ended", "timestamp": "2026-11-25T19:10:00Z", "triggerReason": "StopAuthorized",
		"seqNo": 2, "transactionInfo": map[string]any{"transactionId": "tx-9"}, "meterValue": mv}, &ended)
	if ended.TotalCost == nil || *ended.TotalCost != 4.56 {
		t.Fatalf("Ended answered totalCost %v, want 4.56", ended.TotalCost)
	}
}
