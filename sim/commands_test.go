package sim

import (
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"strconv"
	"testing"
	"time"

	"github.com/volt-ev/volt/ocpp"
	"github.com/volt-ev/volt/ocpp/v16"
)

// command sends a CSMS command and returns the charger's decoded answer;
// the fake has checked it against the schema.
func command[T any](t *testing.T, f *fakeCSMS, action string, payload any) *T {
	t.Helper()
	fr, err := f.call(testCtx(t), action, payload)
	if err != nil {
		t.Fatalf("%s: %v", action, err)
	}
	res, ok := fr.(ocpp.CallResult)
	if !ok {
		t.Fatalf("%s answered %#v", action, fr)
	}
	resp, err := ocpp.DecodeResponse(v16.Registry(), action, res.Payload, ocpp.Strict)
	if err != nil {
		t.Fatalf("%s answer %s: %v", action, res.Payload, err)
	}
	return resp.(*T)
}

func startSession(t *testing.T, c *Charger, n int, tag string) int {
	t.Helper()
	if err := c.Swipe(testCtx(t), n, tag); err != nil {
		t.Fatalf("swipe %s on %d: %v", tag, n, err)
	}
	return c.TransactionID(n)
}

func TestEveryCSMSActionHasAHandler(t *testing.T) {
	for _, a := range v16.Registry().Actions() {
		if a.Direction&ocpp.CSMSToCharger != 0 && handlers[a.Name] == nil {
			t.Errorf("no handler for %s", a.Name)
		}
	}
}

// TestEveryCommandAnswered sends every CSMS-to-charger action, with the
// codec's golden request, and expects a CALLRESULT that the codec and the
// schema accept (checked by the fake).
func TestEveryCommandAnswered(t *testing.T) {
	f := newFakeCSMS(t)
	c, _ := startCharger(t, f, nil)
	var names []string
	for _, a := range v16.Registry().Actions() {
		if a.Direction&ocpp.CSMSToCharger != 0 && a.Name != v16.ActionReset {
			names = append(names, a.Name)
		}
	}
	names = append(names, v16.ActionReset) // last: the charger reboots
	for _, name := range names {
		data, err := os.ReadFile(filepath.Join("..", "ocpp", "v16", "testdata", name+".req.json"))
		if err != nil {
			t.Fatalf("golden request of %s: %v", name, err)
		}
		fr, err := ocpp.ParseFrame(ocpp.V16, data)
		if err != nil {
			t.Fatalf("golden %s: %v", name, err)
		}
		call := fr.(ocpp.Call)
		call.UniqueID = ocpp.NewUniqueID()
		waitCtx(t, c, "online", c.Online)
		ans, err := f.callFrame(testCtx(t), call)
		if err != nil {
			t.Fatalf("%s: %v", name, err)
		}
		res, ok := ans.(ocpp.CallResult)
		if !ok {
			t.Errorf("%s answered %#v", name, ans)
			continue
		}
		if _, err := ocpp.DecodeResponse(v16.Registry(), name, res.Payload, ocpp.Strict); err != nil {
			t.Errorf("%s answer %s: %v", name, res.Payload, err)
		}
	}
	eventually(t, "boot after Reset", func() bool { return f.count(v16.ActionBootNotification) == 2 })
}

func TestRemoteStartAndStop(t *testing.T) {
	f := newFakeCSMS(t)
	c, _ := startCharger(t, f, nil)
	r := command[v16.RemoteStartTransactionResponse](t, f, v16.ActionRemoteStartTransaction, map[string]any{"connectorId": 2, "idTag": "REMOTE1"})
	if r.Status != v16.RemoteStartStopStatusAccepted {
		t.Fatalf("remote start: %s", r.Status)
	}
	waitCtx(t, c, "remote session", func() bool { return c.TransactionID(2) != 0 })
	if got := f.received(v16.ActionAuthorize); len(got) != 1 || got[0].Req.(*v16.AuthorizeRequest).IdTag != "REMOTE1" {
		t.Fatalf("AuthorizeRemoteTxRequests on: Authorize %v", got)
	}
	// Busy connector: rejected.
	r = command[v16.RemoteStartTransactionResponse](t, f, v16.ActionRemoteStartTransaction, map[string]any{"connectorId": 2, "idTag": "REMOTE2"})
	if r.Status != v16.RemoteStartStopStatusRejected {
		t.Fatalf("remote start on a busy connector: %s", r.Status)
	}
	// Without AuthorizeRemoteTxRequests and connector: the free one, no Authorize.
	cc := command[v16.ChangeConfigurationResponse](t, f, v16.ActionChangeConfiguration, map[string]string{"key": "AuthorizeRemoteTxRequests", "value": "false"})
	if cc.Status != v16.ConfigurationStatusAccepted {
		t.Fatal(cc.Status)
	}
	command[v16.RemoteStartTransactionResponse](t, f, v16.ActionRemoteStartTransaction, map[string]any{"idTag": "REMOTE3"})
	waitCtx(t, c, "second remote session", func() bool { return c.TransactionID(1) != 0 })
	if n := f.count(v16.ActionAuthorize); n != 1 {
		t.Fatalf("%d Authorize with AuthorizeRemoteTxRequests off", n)
	}

	tx := c.TransactionID(2)
	if s := command[v16.RemoteStopTransactionResponse](t, f, v16.ActionRemoteStopTransaction, map[string]int{"transactionId": tx}); s.Status != v16.RemoteStartStopStatusAccepted {
		t.Fatalf("remote stop: %s", s.Status)
	}
	eventually(t, "StopTransaction", func() bool { return f.count(v16.ActionStopTransaction) == 1 })
	stop := f.received(v16.ActionStopTransaction)[0].Req.(*v16.StopTransactionRequest)
	if stop.TransactionID != tx || stop.Reason != v16.ReasonRemote {
		t.Fatalf("StopTransaction %+v", stop)
	}
	if s := command[v16.RemoteStopTransactionResponse](t, f, v16.ActionRemoteStopTransaction, map[string]int{"transactionId": 9999}); s.Status != v16.RemoteStartStopStatusRejected {
		t.Fatalf("remote stop of unknown transaction: %s", s.Status)
	}
}

func TestSoftResetStopsSessionsAndBootsAgain(t *testing.T) {
	f := newFakeCSMS(t)
	c, _ := startCharger(t, f, nil)
	tx := startSession(t, c, 1, "TAG1")
	if r := command[v16.ResetResponse](t, f, v16.ActionReset, map[string]string{"type": "Soft"}); r.Status != v16.ResetStatusAccepted {
		t.Fatal(r.Status)
	}
	eventually(t, "second boot", func() bool { return f.count(v16.ActionBootNotification) == 2 })
	waitCtx(t, c, "online again", func() bool { return c.Online() && c.Boots() == 2 })
	stops := f.received(v16.ActionStopTransaction)
	if len(stops) != 1 {
		t.Fatalf("%d StopTransactions", len(stops))
	}
	if s := stops[0].Req.(*v16.StopTransactionRequest); s.TransactionID != tx || s.Reason != v16.ReasonSoftReset {
		t.Fatalf("StopTransaction %+v", s)
	}
	// The stop was sent before the reboot's BootNotification.
	var order []string
	for _, r := range f.received("") {
		if r.Action == v16.ActionStopTransaction || r.Action == v16.ActionBootNotification {
			order = append(order, r.Action)
		}
	}
	if fmt.Sprint(order) != "[BootNotification StopTransaction BootNotification]" {
		t.Fatalf("order %v", order)
	}
}

func TestChangeAvailabilityScheduledWhenBusy(t *testing.T) {
	f := newFakeCSMS(t)
	c, _ := startCharger(t, f, nil)
	startSession(t, c, 1, "TAG1")
	ca := func(n int, typ string) v16.AvailabilityStatus {
		return command[v16.ChangeAvailabilityResponse](t, f, v16.ActionChangeAvailability, map[string]any{"connectorId": n, "type": typ}).Status
	}
	if st := ca(1, "Inoperative"); st != v16.AvailabilityStatusScheduled {
		t.Fatalf("busy connector: %s", st)
	}
	if st := ca(2, "Inoperative"); st != v16.AvailabilityStatusAccepted || c.Status(2) != v16.ChargePointStatusUnavailable {
		t.Fatalf("idle connector: %s, status %s", st, c.Status(2))
	}
	if st := ca(7, "Inoperative"); st != v16.AvailabilityStatusRejected {
		t.Fatalf("no such connector: %s", st)
	}
	if err := c.Stop(testCtx(t), 1, v16.ReasonLocal); err != nil {
		t.Fatal(err)
	}
	if err := c.Unplug(1); err != nil {
		t.Fatal(err)
	}
	if c.Status(1) != v16.ChargePointStatusUnavailable {
		t.Fatalf("after the session: %s", c.Status(1))
	}
	if err := c.Swipe(testCtx(t), 1, "TAG2"); !errors.Is(err, ErrBusy) {
		t.Fatalf("swipe on an unavailable connector: %v", err)
	}
	if st := ca(0, "Operative"); st != v16.AvailabilityStatusAccepted || c.Status(1) != v16.ChargePointStatusAvailable || c.Status(2) != v16.ChargePointStatusAvailable {
		t.Fatalf("all operative: %s %s %s", st, c.Status(1), c.Status(2))
	}
}

func TestConfigurationKeys(t *testing.T) {
	f := newFakeCSMS(t)
	c, _ := startCharger(t, f, nil)
	all := command[v16.GetConfigurationResponse](t, f, v16.ActionGetConfiguration, struct{}{})
	keys := map[string]v16.KeyValue{}
	for _, kv := range all.ConfigurationKey {
		keys[kv.Key] = kv
	}
	for name, ro := range map[string]bool{"HeartbeatInterval": false, "MeterValueSampleInterval": false, "AuthorizeRemoteTxRequests": false, "NumberOfConnectors": true, "SupportedFeatureProfiles": true} {
		kv, ok := keys[name]
		if !ok || kv.Readonly != ro {
			t.Errorf("key %s: %+v (present %v), want readonly %v", name, kv, ok, ro)
		}
	}
	if v := keys["NumberOfConnectors"].Value; v == nil || *v != "2" {
		t.Errorf("NumberOfConnectors %v", v)
	}
	some := command[v16.GetConfigurationResponse](t, f, v16.ActionGetConfiguration, map[string][]string{"key": {"MeterValueSampleInterval", "NoSuchKey"}})
	if len(some.ConfigurationKey) != 1 || !slices.Equal(some.UnknownKey, []string{"NoSuchKey"}) {
		t.Errorf("GetConfiguration of two keys: %+v", some)
	}
	for _, tc := range []struct {
		key, value string
		want       v16.ConfigurationStatus
	}{
		{"NoSuchKey", "1", v16.ConfigurationStatusNotSupported},
		{"NumberOfConnectors", "4", v16.ConfigurationStatusRejected},
		{"HeartbeatInterval", "often", v16.ConfigurationStatusRejected},
		{"AuthorizeRemoteTxRequests", "maybe", v16.ConfigurationStatusRejected},
		{"AuthorizationKey", "0011", v16.ConfigurationStatusRejected},
		{"MeterValueSampleInterval", "7", v16.ConfigurationStatusAccepted},
	} {
		got := command[v16.ChangeConfigurationResponse](t, f, v16.ActionChangeConfiguration, map[string]string{"key": tc.key, "value": tc.value})
		if got.Status != tc.want {
			t.Errorf("ChangeConfiguration %s=%s: %s, want %s", tc.key, tc.value, got.Status, tc.want)
		}
	}
	if c.meterEvery() != 7*time.Second {
		t.Errorf("MeterValueSampleInterval change not applied: %s", c.meterEvery())
	}
}

func TestTriggerMessageSendsIt(t *testing.T) {
	f := newFakeCSMS(t)
	c, _ := startCharger(t, f, nil)
	startSession(t, c, 1, "TAG1")
	trig := func(msg string, conn *int) v16.TriggerMessageStatus {
		p := map[string]any{"requestedMessage": msg}
		if conn != nil {
			p["connectorId"] = *conn
		}
		return command[v16.TriggerMessageResponse](t, f, v16.ActionTriggerMessage, p).Status
	}
	one, nine := 1, 9
	if st := trig("MeterValues", &one); st != v16.TriggerMessageStatusAccepted {
		t.Fatal(st)
	}
	eventually(t, "triggered MeterValues", func() bool {
		for _, r := range f.received(v16.ActionMeterValues) {
			if r.Req.(*v16.MeterValuesRequest).MeterValue[0].SampledValue[0].Context == v16.ReadingContextTrigger {
				return true
			}
		}
		return false
	})
	before := f.count(v16.ActionStatusNotification)
	trig("StatusNotification", nil)
	eventually(t, "3 triggered StatusNotifications", func() bool { return f.count(v16.ActionStatusNotification) == before+3 })
	for msg, action := range map[string]string{"BootNotification": v16.ActionBootNotification, "Heartbeat": v16.ActionHeartbeat,
		"DiagnosticsStatusNotification": v16.ActionDiagnosticsStatusNotification, "FirmwareStatusNotification": v16.ActionFirmwareStatusNotification} {
		n := f.count(action)
		if st := trig(msg, nil); st != v16.TriggerMessageStatusAccepted {
			t.Fatalf("%s: %s", msg, st)
		}
		eventually(t, "triggered "+msg, func() bool { return f.count(action) == n+1 })
	}
	if st := trig("MeterValues", &nine); st != v16.TriggerMessageStatusRejected {
		t.Fatalf("connector 9: %s", st)
	}
}

func TestReservation(t *testing.T) {
	f := newFakeCSMS(t)
	c, _ := startCharger(t, f, nil)
	expiry := ocpp.NewDateTime(c.now().Add(24 * time.Hour))
	reserve := func(n, id int) v16.ReservationStatus {
		return command[v16.ReserveNowResponse](t, f, v16.ActionReserveNow, map[string]any{"connectorId": n, "expiryDate": expiry, "idTag": "MINE", "reservationId": id}).Status
	}
	if st := reserve(1, 5); st != v16.ReservationStatusAccepted || c.Status(1) != v16.ChargePointStatusReserved {
		t.Fatalf("reserve: %s, status %s", st, c.Status(1))
	}
	if st := reserve(0, 6); st != v16.ReservationStatusRejected {
		t.Fatalf("reserve connector 0: %s", st)
	}
	if err := c.Swipe(testCtx(t), 1, "SOMEONE"); !errors.Is(err, ErrBusy) {
		t.Fatalf("other idTag on a reserved connector: %v", err)
	}
	if st := command[v16.CancelReservationResponse](t, f, v16.ActionCancelReservation, map[string]int{"reservationId": 5}).Status; st != v16.CancelReservationStatusAccepted || c.Status(1) != v16.ChargePointStatusAvailable {
		t.Fatalf("cancel: %s, status %s", st, c.Status(1))
	}
	if st := command[v16.CancelReservationResponse](t, f, v16.ActionCancelReservation, map[string]int{"reservationId": 5}).Status; st != v16.CancelReservationStatusRejected {
		t.Fatalf("cancel twice: %s", st)
	}
	reserve(2, 8)
	startSession(t, c, 2, "mine") // idTags compare case-insensitively
	start := f.received(v16.ActionStartTransaction)[0].Req.(*v16.StartTransactionRequest)
	if start.ReservationID == nil || *start.ReservationID != 8 {
		t.Fatalf("StartTransaction reservationId %v", start.ReservationID)
	}
	if st := reserve(2, 9); st != v16.ReservationStatusOccupied {
		t.Fatalf("reserve a busy connector: %s", st)
	}
}

func TestLocalListAuthorizesOffline(t *testing.T) {
	f := newFakeCSMS(t)
	c, _ := startCharger(t, f, nil)
	list := map[string]any{"listVersion": 3, "updateType": "Full", "localAuthorizationList": []map[string]any{
		{"idTag": "GOOD", "idTagInfo": map[string]string{"status": "Accepted"}},
		{"idTag": "BLOCKED", "idTagInfo": map[string]string{"status": "Blocked"}},
	}}
	if st := command[v16.SendLocalListResponse](t, f, v16.ActionSendLocalList, list).Status; st != v16.UpdateStatusAccepted {
		t.Fatal(st)
	}
	if v := command[v16.GetLocalListVersionResponse](t, f, v16.ActionGetLocalListVersion, struct{}{}).ListVersion; v != 3 {
		t.Fatalf("list version %d", v)
	}
	list["updateType"], list["listVersion"] = "Differential", 2
	if st := command[v16.SendLocalListResponse](t, f, v16.ActionSendLocalList, list).Status; st != v16.UpdateStatusVersionMismatch {
		t.Fatalf("older differential: %s", st)
	}
	command[v16.ChangeConfigurationResponse](t, f, v16.ActionChangeConfiguration, map[string]string{"key": "AllowOfflineTxForUnknownId", "value": "false"})

	f.setRefuse(true)
	f.dropConn()
	waitCtx(t, c, "offline", func() bool { return !c.Online() })
	ctx := testCtx(t)
	if err := c.Swipe(ctx, 2, "BLOCKED"); !errors.Is(err, ErrNotAuthorized) {
		t.Fatalf("blocked tag offline: %v", err)
	}
	if err := c.Swipe(ctx, 2, "STRANGER"); !errors.Is(err, ErrNotAuthorized) {
		t.Fatalf("unknown tag offline: %v", err)
	}
	if err := c.Swipe(ctx, 2, "good"); err != nil {
		t.Fatalf("listed tag offline: %v", err)
	}
	if !c.Charging(2) {
		t.Fatal("no offline session")
	}
}

func TestChargingProfileLimitsPower(t *testing.T) {
	f := newFakeCSMS(t)
	c, _ := startCharger(t, f, nil)
	tx := startSession(t, c, 1, "TAG1")
	profile := func(n, id int, purpose string, limitW float64) map[string]any {
		return map[string]any{"connectorId": n, "csChargingProfiles": map[string]any{
			"chargingProfileId": id, "transactionId": tx, "stackLevel": 1, "chargingProfilePurpose": purpose, "chargingProfileKind": "Relative",
			"chargingSchedule": map[string]any{"chargingRateUnit": "W", "chargingSchedulePeriod": []map[string]any{{"startPeriod": 0, "limit": limitW}}}}}
	}
	if st := command[v16.SetChargingProfileResponse](t, f, v16.ActionSetChargingProfile, profile(2, 1, "TxProfile", 3000)).Status; st != v16.ChargingProfileStatusRejected {
		t.Fatalf("TxProfile without a transaction: %s", st)
	}
	if st := command[v16.SetChargingProfileResponse](t, f, v16.ActionSetChargingProfile, profile(1, 2, "TxProfile", 3000)).Status; st != v16.ChargingProfileStatusAccepted {
		t.Fatal(st)
	}
	mark := f.count(v16.ActionMeterValues)
	eventually(t, "3 limited samples", func() bool { return f.count(v16.ActionMeterValues) >= mark+3 })
	for _, r := range f.received(v16.ActionMeterValues)[mark:] {
		for _, sv := range r.Req.(*v16.MeterValuesRequest).MeterValue[0].SampledValue {
			if p, _ := strconv.ParseFloat(sv.Value, 64); sv.Measurand == v16.MeasurandPowerActiveImport && p > 3000 {
				t.Fatalf("power %s W over the 3000 W profile", sv.Value)
			}
		}
	}
	comp := command[v16.GetCompositeScheduleResponse](t, f, v16.ActionGetCompositeSchedule, map[string]any{"connectorId": 1, "duration": 600, "chargingRateUnit": "W"})
	if comp.Status != v16.GetCompositeScheduleStatusAccepted || comp.ChargingSchedule.ChargingSchedulePeriod[0].Limit != 3000 {
		t.Fatalf("composite %+v", comp)
	}
	if st := command[v16.ClearChargingProfileResponse](t, f, v16.ActionClearChargingProfile, map[string]int{"id": 2}).Status; st != v16.ClearChargingProfileStatusAccepted {
		t.Fatal(st)
	}
	if st := command[v16.ClearChargingProfileResponse](t, f, v16.ActionClearChargingProfile, map[string]int{"id": 2}).Status; st != v16.ClearChargingProfileStatusUnknown {
		t.Fatalf("clear twice: %s", st)
	}
}

func TestDiagnosticsAndFirmwareReportProgress(t *testing.T) {
	f := newFakeCSMS(t)
	startCharger(t, f, nil)
	d := command[v16.GetDiagnosticsResponse](t, f, v16.ActionGetDiagnostics, map[string]string{"location": "ftp://example.com/diag"})
	if d.FileName == "" {
		t.Fatal("no file name")
	}
	eventually(t, "Uploaded", func() bool { return f.count(v16.ActionDiagnosticsStatusNotification) == 2 })
	command[v16.UpdateFirmwareResponse](t, f, v16.ActionUpdateFirmware, map[string]any{"location": "https://example.com/fw.bin", "retrieveDate": ocpp.NewDateTime(time.Now())})
	eventually(t, "Installed", func() bool { return f.count(v16.ActionFirmwareStatusNotification) == 4 })
	var got []v16.FirmwareStatus
	for _, r := range f.received(v16.ActionFirmwareStatusNotification) {
		got = append(got, r.Req.(*v16.FirmwareStatusNotificationRequest).Status)
	}
	if fmt.Sprint(got) != "[Downloading Downloaded Installing Installed]" {
		t.Fatalf("firmware statuses %v", got)
	}
}

func TestUnlockConnectorEndsSession(t *testing.T) {
	f := newFakeCSMS(t)
	c, _ := startCharger(t, f, nil)
	startSession(t, c, 1, "TAG1")
	if st := command[v16.UnlockConnectorResponse](t, f, v16.ActionUnlockConnector, map[string]int{"connectorId": 1}).Status; st != v16.UnlockStatusUnlocked {
		t.Fatal(st)
	}
	eventually(t, "StopTransaction", func() bool { return f.count(v16.ActionStopTransaction) == 1 })
	if r := f.received(v16.ActionStopTransaction)[0].Req.(*v16.StopTransactionRequest).Reason; r != v16.ReasonUnlockCommand {
		t.Fatalf("reason %s", r)
	}
	if st := command[v16.UnlockConnectorResponse](t, f, v16.ActionUnlockConnector, map[string]int{"connectorId": 5}).Status; st != v16.UnlockStatusNotSupported {
		t.Fatalf("connector 5: %s", st)
	}
}

func TestDataTransferByVendor(t *testing.T) {
	f := newFakeCSMS(t)
	startCharger(t, f, nil)
	ok := command[v16.DataTransferResponse](t, f, v16.ActionDataTransfer, map[string]string{"vendorId": "Volt", "data": "ping"})
	if ok.Status != v16.DataTransferStatusAccepted || ok.Data != "ping" {
		t.Fatalf("own vendor: %+v", ok)
	}
	if st := command[v16.DataTransferResponse](t, f, v16.ActionDataTransfer, map[string]string{"vendorId": "Other"}).Status; st != v16.DataTransferStatusUnknownVendorID {
		t.Fatalf("other vendor: %s", st)
	}
}

func TestStartRefusedByCentralSystemStops(t *testing.T) {
	f := newFakeCSMS(t)
	c, _ := startCharger(t, f, func(c *Config) {})
	// Authorize says yes, StartTransaction says Blocked: StopTransactionOnInvalidId.
	f.mu.Lock()
	f.blocked["LATE"] = true
	f.mu.Unlock()
	command[v16.ChangeConfigurationResponse](t, f, v16.ActionChangeConfiguration, map[string]string{"key": "LocalPreAuthorize", "value": "true"})
	command[v16.SendLocalListResponse](t, f, v16.ActionSendLocalList, map[string]any{"listVersion": 1, "updateType": "Full",
		"localAuthorizationList": []map[string]any{{"idTag": "LATE", "idTagInfo": map[string]string{"status": "Accepted"}}}})
	if err := c.Swipe(testCtx(t), 1, "LATE"); err != nil {
		t.Fatal(err)
	}
	eventually(t, "StopTransaction DeAuthorized", func() bool { return f.count(v16.ActionStopTransaction) == 1 })
	if r := f.received(v16.ActionStopTransaction)[0].Req.(*v16.StopTransactionRequest).Reason; r != v16.ReasonDeAuthorized {
		t.Fatalf("reason %s", r)
	}
	if f.count(v16.ActionAuthorize) != 0 {
		t.Fatal("LocalPreAuthorize still sent Authorize")
	}
}

func TestSchemaCheckCatchesBadPayload(t *testing.T) {
	s := loadSchemas(t)
	if s == nil {
		t.Skip("no schemas")
	}
	if err := s.validate("StopTransaction", []byte(`{"meterStop":1,"timestamp":"2026-01-01T00:00:00Z","transactionId":1,"reason":"Bored"}`)); err == nil {
		t.Fatal("schema accepted an unknown reason")
	}
}
