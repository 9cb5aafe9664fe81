package gateway

import (
	"context"
	"errors"
	"slices"
	"strings"
	"testing"
	"time"

	volt "github.com/volt-ev/volt"
	"github.com/volt-ev/volt/inmem"
	"github.com/volt-ev/volt/ocpp"
	v16 "github.com/volt-ev/volt/ocpp/v16"
)

func TestHappyPath16(t *testing.T) {
	bus := inmem.NewBus()
	events, unsub := bus.Subscribe()
	defer unsub()
	fixed := time.Date(2026, 11, 25, 19, 10, 0, 0, time.UTC)
	h := newHarness(t, func(c *Config) {
		c.Bus = bus
		c.Now = func() time.Time { return fixed }
		c.HeartbeatInterval = 120 * time.Second
	})
	c := h.connect("CP-1", "secret-1")

	var boot v16.BootNotificationResponse
	c.callOK("BootNotification", map[string]any{"chargePointVendor": "ACME", "chargePointModel": "Volt-22",
		"chargePointSerialNumber": "SN-1", "firmwareVersion": "1.2.3"}, &boot)
	if boot.Status != v16.RegistrationStatusAccepted || boot.Interval != 120 || !boot.CurrentTime.Equal(fixed) {
		t.Fatalf("boot answer %+v", boot)
	}
	// After the boot answer, the configuration is fetched and stored.
	gc := c.read()
	if gc.typ() != 2 || gc.str(2) != "GetConfiguration" {
		t.Fatalf("want GetConfiguration, got %s", joinFrame(gc))
	}
	c.sendRaw(`[3,` + string(gc[1]) + `,{"configurationKey":[{"key":"MeterValueSampleInterval","readonly":false,"value":"60"}]}]`)

	var hb v16.HeartbeatResponse
	c.callOK("Heartbeat", struct{}{}, &hb)
	if !hb.CurrentTime.Equal(fixed) {
		t.Fatalf("heartbeat %+v", hb)
	}
	c.callOK("StatusNotification", map[string]any{"connectorId": 1, "errorCode": "NoError", "status": "Preparing"}, nil)
	var auth v16.AuthorizeResponse
	c.callOK("Authorize", map[string]any{"idTag": "04A2B3C4"}, &auth)
	if auth.IdTagInfo.Status != v16.AuthorizationStatusAccepted {
		t.Fatalf("authorize %+v", auth)
	}
	var start v16.StartTransactionResponse
	c.callOK("StartTransaction", map[string]any{"connectorId": 1, "idTag": "04A2B3C4", "meterStart": 1000,
		"timestamp": "2026-11-25T19:00:00Z"}, &start)
	if start.TransactionID != 1001 || start.IdTagInfo.Status != v16.AuthorizationStatusAccepted {
		t.Fatalf("start %+v", start)
	}
	c.callOK("MeterValues", map[string]any{"connectorId": 1, "transactionId": start.TransactionID, "meterValue": []any{
		map[string]any{"timestamp": "2026-11-25T19:05:00Z", "sampledValue": []any{
			map[string]any{"value": "1500"},
			map[string]any{"value": "7200", "measurand": "Power.Active.Import", "unit": "W"}}}}}, nil)
	c.callOK("StopTransaction", map[string]any{"transactionId": start.TransactionID, "meterStop": 2000,
		"timestamp": "2026-11-25T19:09:00Z", "reason": "EVDisconnected", "transactionData": []any{
			map[string]any{"timestamp": "2026-11-25T19:09:00Z", "sampledValue": []any{map[string]any{"value": "2000", "context": "Transaction.End"}}}}}, nil)

	waitFor(t, "configuration stored", func() bool { return slices.Contains(h.fake.called(), "RecordConfiguration") })
	f := h.fake
	f.mu.Lock()
	if len(f.boots) != 1 || f.boots[0].Vendor != "ACME" || f.boots[0].SerialNumber != "SN-1" || f.boots[0].OCPPVersion != "ocpp1.6" {
		t.Errorf("boot %+v", f.boots)
	}
	if len(f.config) != 1 || f.config[0][0].Key != "MeterValueSampleInterval" {
		t.Errorf("config %+v", f.config)
	}
	if len(f.starts) != 1 || f.starts[0].MeterStart != 1000 || f.starts[0].CPID != "000001" || !f.starts[0].ReceivedAt.Equal(fixed) {
		t.Errorf("start %+v", f.starts)
	}
	m := f.meters[0]
	if *m.TransactionID != 1001 || len(m.Samples) != 2 || m.Samples[0].Measurand != "Energy.Active.Import.Register" || m.Samples[1].Unit != "W" {
		t.Errorf("meter %+v", f.meters)
	}
	s := f.stops[0]
	if s.TransactionID != 1001 || s.MeterStop != 2000 || s.Reason != "EVDisconnected" || len(s.Samples) != 1 || s.Samples[0].Context != "Transaction.End" {
		t.Errorf("stop %+v", f.stops)
	}
	// A boot keeps open sessions (chargers boot on reconnect and carry on);
	// Available or Preparing on a connector closes its session.
	if !slices.Equal(f.zombies, []string{"1:Preparing"}) { // a boot alone closes nothing
		t.Errorf("zombies %v", f.zombies)
	}
	f.mu.Unlock()

	want := []string{volt.EventChargerConnected, volt.EventChargerBooted, volt.EventConnectorStatus,
		volt.EventAuthorization, volt.EventSessionStarted, volt.EventSessionUpdated, volt.EventSessionStopped, volt.EventCDRCreated}
	var got []string
	for len(got) < len(want) {
		select {
		case e := <-events:
			got = append(got, e.Type)
		case <-time.After(5 * time.Second):
			t.Fatalf("events %v, want %v", got, want)
		}
	}
	if !slices.Equal(got, want) {
		t.Fatalf("events %v, want %v", got, want)
	}

	// Every frame in and out reaches the message log.
	waitFor(t, "message log", func() bool {
		f.mu.Lock()
		defer f.mu.Unlock()
		return len(f.frames) >= 16 // 7 charger CALLs + 7 answers + GetConfiguration CALL + its answer
	})
	f.mu.Lock()
	defer f.mu.Unlock()
	if len(f.frames) != 16 {
		t.Fatalf("%d frames logged, want 16", len(f.frames))
	}
	var sawGetConfAnswer bool
	for _, fr := range f.frames {
		if fr.CPID != "000001" || fr.Identity != "CP-1" || (fr.Direction != "in" && fr.Direction != "out") || fr.UniqueID == "" {
			t.Fatalf("frame log %+v", fr)
		}
		if fr.Direction == "in" && fr.Action == "GetConfiguration" && strings.HasPrefix(fr.Frame, "[3,") {
			sawGetConfAnswer = true
		}
	}
	if !sawGetConfAnswer {
		t.Fatal("the answer to our CALL is not logged with its action")
	}
}

func TestBootNotRecordedAnswersPending(t *testing.T) {
	h := newHarness(t, nil)
	h.fake.bootErr = errors.New("database is down")
	c := h.connect("CP-1", "secret-1")
	var boot v16.BootNotificationResponse
	c.callOK("BootNotification", map[string]any{"chargePointVendor": "ACME", "chargePointModel": "M"}, &boot)
	if boot.Status != v16.RegistrationStatusPending || boot.Interval <= 0 {
		t.Fatalf("boot %+v", boot)
	}
	id := c.call("Heartbeat", struct{}{})
	c.expectError(id, "SecurityError")

	h.fake.mu.Lock()
	h.fake.bootErr = nil
	h.fake.mu.Unlock()
	c.callOK("BootNotification", map[string]any{"chargePointVendor": "ACME", "chargePointModel": "M"}, &boot)
	if boot.Status != v16.RegistrationStatusAccepted {
		t.Fatalf("second boot %+v", boot)
	}
	if f := c.read(); f.str(2) != "GetConfiguration" {
		t.Fatalf("got %s", joinFrame(f))
	}
	c.callOK("Heartbeat", struct{}{}, nil)
}

func TestMessagesBeforeBootServed(t *testing.T) {
	// A 1.6 charger reconnecting without a reboot sends no BootNotification.
	h := newHarness(t, nil)
	c := h.connect("CP-1", "secret-1")
	var start v16.StartTransactionResponse
	c.callOK("StartTransaction", map[string]any{"connectorId": 2, "idTag": "BLOCKED", "meterStart": 0, "timestamp": "2026-11-25T19:00:00Z"}, &start)
	if start.TransactionID == 0 {
		t.Fatalf("start %+v", start)
	}
}

func TestStoreFailureOnStartAnswersInternalError(t *testing.T) {
	h := newHarness(t, nil)
	h.fake.startErr = errors.New("database is down")
	c := h.connect("CP-1", "secret-1")
	id := c.call("StartTransaction", map[string]any{"connectorId": 1, "idTag": "X", "meterStart": 0, "timestamp": "2026-11-25T19:00:00Z"})
	c.expectError(id, "InternalError")
	c.callOK("Heartbeat", struct{}{}, nil)
}

func TestHandlerPanicAnswersInternalError(t *testing.T) {
	h := newHarness(t, nil)
	c := h.connect("CP-1", "secret-1")
	id := c.call("Authorize", map[string]any{"idTag": "PANIC"})
	c.expectError(id, "InternalError")
	c.callOK("Heartbeat", struct{}{}, nil)
}

func TestDataTransfer16(t *testing.T) {
	h := newHarness(t, func(c *Config) {
		c.DataTransfer = map[string]DataTransferHandler{"com.acme": func(_ context.Context, cpid, msg, data string) (string, string, error) {
			return "Accepted", cpid + "/" + msg + "/" + data, nil
		}}
	})
	c := h.connect("CP-1", "secret-1")
	var res v16.DataTransferResponse
	c.callOK("DataTransfer", map[string]any{"vendorId": "com.other"}, &res)
	if res.Status != v16.DataTransferStatusUnknownVendorID {
		t.Fatalf("unknown vendor: %+v", res)
	}
	c.callOK("DataTransfer", map[string]any{"vendorId": "com.acme", "messageId": "m", "data": "d"}, &res)
	if res.Status != "Accepted" || res.Data != "000001/m/d" {
		t.Fatalf("registered vendor: %+v", res)
	}
}

func TestRelaxationsPerChargerModel(t *testing.T) {
	h := newHarness(t, nil)
	start := map[string]any{"connectorId": 1, "idTag": "X", "meterStart": 0, "timestamp": "2026-11-25T19:00:00"}
	c := h.connect("CP-1", "secret-1")
	id := c.call("StartTransaction", start)
	c.expectError(id, "PropertyConstraintViolation")
	c.ws.Close()

	h.fake.mu.Lock()
	h.fake.relax = []string{"TimestampWithoutZone"}
	h.fake.mu.Unlock()
	c2 := h.connect("CP-2", "secret-2")
	c2.callOK("StartTransaction", start, nil)
}

// TestRelaxationsReadWithThePassword: the relaxations read with the
// password serve the connection without a read of their own, and a boot
// reads them again only when it changes the charger's make or model.
func TestRelaxationsReadWithThePassword(t *testing.T) {
	h := newHarness(t, nil)
	h.fake.mu.Lock()
	h.fake.handshake = &volt.ChargerHandshake{Security: volt.ChargerSecurity{SecurityProfile: 1},
		Relaxations: []string{"TimestampWithoutZone"}, RelaxationsRead: true}
	h.fake.mu.Unlock() // the model's own read (fake.relax) would say none
	relaxReads := func() int {
		h.fake.mu.Lock()
		defer h.fake.mu.Unlock()
		return h.fake.relaxReads
	}
	start := map[string]any{"connectorId": 1, "idTag": "X", "meterStart": 0, "timestamp": "2026-11-25T19:00:00"}
	c := h.connect("CP-1", "secret-1")
	boot := func(model string) {
		c.callOK("BootNotification", map[string]any{"chargePointVendor": "Vendor", "chargePointModel": model}, nil)
		gc := c.read() // GetConfiguration after the boot
		if gc.str(2) != "GetConfiguration" {
			t.Fatalf("want GetConfiguration, got %s", joinFrame(gc))
		}
		c.sendRaw(`[3,` + string(gc[1]) + `,{"configurationKey":[]}]`)
	}
	boot("Model")
	c.callOK("StartTransaction", start, nil)
	if n := relaxReads(); n != 0 {
		t.Fatalf("%d relaxation reads for a connection whose handshake read them", n)
	}
	boot("Other")
	if n := relaxReads(); n != 1 {
		t.Fatalf("%d relaxation reads after a boot with another model, want 1", n)
	}
	id := c.call("StartTransaction", start)
	c.expectError(id, "PropertyConstraintViolation")
}

func TestSecurityNotifications16(t *testing.T) {
	h := newHarness(t, nil)
	c := h.connect("CP-1", "secret-1")
	c.callOK("SecurityEventNotification", map[string]any{"type": "FirmwareUpdated", "timestamp": "2026-11-25T19:00:00Z"}, nil)
	c.callOK("FirmwareStatusNotification", map[string]any{"status": "Installed"}, nil)
	c.callOK("DiagnosticsStatusNotification", map[string]any{"status": "Uploaded"}, nil)
	c.callOK("LogStatusNotification", map[string]any{"status": "Uploaded", "requestId": 1}, nil)
	c.callOK("SignedFirmwareStatusNotification", map[string]any{"status": "Installed", "requestId": 1}, nil)
	var sc v16.SignCertificateResponse
	c.callOK("SignCertificate", map[string]any{"csr": "-----BEGIN CERTIFICATE REQUEST-----"}, &sc)
	if sc.Status != v16.GenericStatusRejected {
		t.Fatalf("sign certificate %+v", sc)
	}
}

func TestChangeConfigurationStoresAcceptedValue(t *testing.T) {
	h := newHarness(t, nil)
	c := h.connect("CP-1", "secret-1")
	waitFor(t, "registration", func() bool { return h.g.Connected("000001") })
	for _, status := range []string{"Rejected", "Accepted"} {
		res := asyncCall(h, "ChangeConfiguration", map[string]any{"key": "HeartbeatInterval", "value": "900"})
		f := c.read()
		c.sendRaw(`[3,` + string(f[1]) + `,{"status":"` + status + `"}]`)
		if r := <-res; r.err != nil {
			t.Fatal(r.err)
		}
	}
	h.fake.mu.Lock()
	defer h.fake.mu.Unlock()
	if len(h.fake.config) != 1 || h.fake.config[0][0].Key != "HeartbeatInterval" || *h.fake.config[0][0].Value != "900" {
		t.Fatalf("config %+v", h.fake.config)
	}
}

func TestCommands(t *testing.T) {
	want := map[string]string{
		"remote-start": "RemoteStartTransaction", "remote-stop": "RemoteStopTransaction", "reset": "Reset",
		"unlock-connector": "UnlockConnector", "change-availability": "ChangeAvailability",
		"get-configuration": "GetConfiguration", "change-configuration": "ChangeConfiguration",
		"clear-cache": "ClearCache", "trigger-message": "TriggerMessage", "data-transfer": "DataTransfer",
		"get-diagnostics": "GetDiagnostics", "update-firmware": "UpdateFirmware", "reserve-now": "ReserveNow",
		"cancel-reservation": "CancelReservation", "send-local-list": "SendLocalList",
		"get-local-list-version": "GetLocalListVersion", "set-charging-profile": "SetChargingProfile",
		"clear-charging-profile": "ClearChargingProfile", "get-composite-schedule": "GetCompositeSchedule",
		"extended-trigger-message": "ExtendedTriggerMessage", "get-log": "GetLog",
		"get-installed-certificate-ids": "GetInstalledCertificateIds", "signed-update-firmware": "SignedUpdateFirmware",
	}
	for name, action := range want {
		if got, ok := CommandAction(name); !ok || got != action {
			t.Errorf("CommandAction(%q) = %q, %v; want %q", name, got, ok, action)
		}
	}
	if _, ok := CommandAction("heartbeat"); ok {
		t.Error("a charger-to-CSMS action is a command")
	}
	// Every action the central system sends is reachable by exactly one name.
	names := Commands()
	if !slices.IsSorted(names) {
		t.Error("Commands not sorted")
	}
	seen := map[string]bool{}
	for _, n := range names {
		a, _ := CommandAction(n)
		seen[a] = true
	}
	for _, a := range v16.Registry().Actions() {
		if a.Direction&ocpp.CSMSToCharger != 0 && !seen[a.Name] {
			t.Errorf("action %s has no command name", a.Name)
		}
	}
}
