package e2e

import (
	"encoding/json"
	"fmt"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/lorenzodonini/ocpp-go/ocpp1.6"
	"github.com/lorenzodonini/ocpp-go/ocpp1.6/core"
	"github.com/lorenzodonini/ocpp-go/ocpp1.6/firmware"
	"github.com/lorenzodonini/ocpp-go/ocpp1.6/localauth"
	"github.com/lorenzodonini/ocpp-go/ocpp1.6/remotetrigger"
	"github.com/lorenzodonini/ocpp-go/ocpp1.6/reservation"
	"github.com/lorenzodonini/ocpp-go/ocpp1.6/smartcharging"
	"github.com/lorenzodonini/ocpp-go/ocpp1.6/types"
	"github.com/lorenzodonini/ocpp-go/ws"

	"github.com/volt-ev/volt/gateway"
)

// cpHandler is the ocpp-go charge point's side of every command: it records
// the request and answers as a healthy charger would.
type cpHandler struct {
	mu   sync.Mutex
	seen map[string]any // OCPP action → the request as ocpp-go decoded it
}

func (h *cpHandler) record(action string, req any) {
	h.mu.Lock()
	defer h.mu.Unlock()
	h.seen[action] = req
}

func (h *cpHandler) got(action string) any {
	h.mu.Lock()
	defer h.mu.Unlock()
	return h.seen[action]
}

func (h *cpHandler) OnChangeAvailability(r *core.ChangeAvailabilityRequest) (*core.ChangeAvailabilityConfirmation, error) {
	h.record("ChangeAvailability", r)
	return core.NewChangeAvailabilityConfirmation(core.AvailabilityStatusAccepted), nil
}

func (h *cpHandler) OnChangeConfiguration(r *core.ChangeConfigurationRequest) (*core.ChangeConfigurationConfirmation, error) {
	h.record("ChangeConfiguration", r)
	return core.NewChangeConfigurationConfirmation(core.ConfigurationStatusAccepted), nil
}

func (h *cpHandler) OnClearCache(r *core.ClearCacheRequest) (*core.ClearCacheConfirmation, error) {
	h.record("ClearCache", r)
	return core.NewClearCacheConfirmation(core.ClearCacheStatusAccepted), nil
}

func (h *cpHandler) OnDataTransfer(r *core.DataTransferRequest) (*core.DataTransferConfirmation, error) {
	h.record("DataTransfer", r)
	return core.NewDataTransferConfirmation(core.DataTransferStatusAccepted), nil
}

func (h *cpHandler) OnGetConfiguration(r *core.GetConfigurationRequest) (*core.GetConfigurationConfirmation, error) {
	h.record("GetConfiguration", r)
	v := "300"
	return core.NewGetConfigurationConfirmation([]core.ConfigurationKey{{Key: "HeartbeatInterval", Value: &v}}), nil
}

func (h *cpHandler) OnRemoteStartTransaction(r *core.RemoteStartTransactionRequest) (*core.RemoteStartTransactionConfirmation, error) {
	h.record("RemoteStartTransaction", r)
	return core.NewRemoteStartTransactionConfirmation(types.RemoteStartStopStatusAccepted), nil
}

func (h *cpHandler) OnRemoteStopTransaction(r *core.RemoteStopTransactionRequest) (*core.RemoteStopTransactionConfirmation, error) {
	h.record("RemoteStopTransaction", r)
	return core.NewRemoteStopTransactionConfirmation(types.RemoteStartStopStatusAccepted), nil
}

func (h *cpHandler) OnReset(r *core.ResetRequest) (*core.ResetConfirmation, error) {
	h.record("Reset", r)
	return core.NewResetConfirmation(core.ResetStatusAccepted), nil
}

func (h *cpHandler) OnUnlockConnector(r *core.UnlockConnectorRequest) (*core.UnlockConnectorConfirmation, error) {
	h.record("UnlockConnector", r)
	return core.NewUnlockConnectorConfirmation(core.UnlockStatusUnlocked), nil
}

func (h *cpHandler) OnGetDiagnostics(r *firmware.GetDiagnosticsRequest) (*firmware.GetDiagnosticsConfirmation, error) {
	h.record("GetDiagnostics", r)
	c := firmware.NewGetDiagnosticsConfirmation()
	c.FileName = "diag.log"
	return c, nil
}

func (h *cpHandler) OnUpdateFirmware(r *firmware.UpdateFirmwareRequest) (*firmware.UpdateFirmwareConfirmation, error) {
	h.record("UpdateFirmware", r)
	return firmware.NewUpdateFirmwareConfirmation(), nil
}

func (h *cpHandler) OnGetLocalListVersion(r *localauth.GetLocalListVersionRequest) (*localauth.GetLocalListVersionConfirmation, error) {
	h.record("GetLocalListVersion", r)
	return localauth.NewGetLocalListVersionConfirmation(4), nil
}

func (h *cpHandler) OnSendLocalList(r *localauth.SendLocalListRequest) (*localauth.SendLocalListConfirmation, error) {
	h.record("SendLocalList", r)
	return localauth.NewSendLocalListConfirmation(localauth.UpdateStatusAccepted), nil
}

func (h *cpHandler) OnTriggerMessage(r *remotetrigger.TriggerMessageRequest) (*remotetrigger.TriggerMessageConfirmation, error) {
	h.record("TriggerMessage", r)
	return remotetrigger.NewTriggerMessageConfirmation(remotetrigger.TriggerMessageStatusAccepted), nil
}

func (h *cpHandler) OnReserveNow(r *reservation.ReserveNowRequest) (*reservation.ReserveNowConfirmation, error) {
	h.record("ReserveNow", r)
	return reservation.NewReserveNowConfirmation(reservation.ReservationStatusAccepted), nil
}

func (h *cpHandler) OnCancelReservation(r *reservation.CancelReservationRequest) (*reservation.CancelReservationConfirmation, error) {
	h.record("CancelReservation", r)
	return reservation.NewCancelReservationConfirmation(reservation.CancelReservationStatusAccepted), nil
}

func (h *cpHandler) OnSetChargingProfile(r *smartcharging.SetChargingProfileRequest) (*smartcharging.SetChargingProfileConfirmation, error) {
	h.record("SetChargingProfile", r)
	return smartcharging.NewSetChargingProfileConfirmation(smartcharging.ChargingProfileStatusAccepted), nil
}

func (h *cpHandler) OnClearChargingProfile(r *smartcharging.ClearChargingProfileRequest) (*smartcharging.ClearChargingProfileConfirmation, error) {
	h.record("ClearChargingProfile", r)
	return smartcharging.NewClearChargingProfileConfirmation(smartcharging.ClearChargingProfileStatusAccepted), nil
}

func (h *cpHandler) OnGetCompositeSchedule(r *smartcharging.GetCompositeScheduleRequest) (*smartcharging.GetCompositeScheduleConfirmation, error) {
	h.record("GetCompositeSchedule", r)
	return smartcharging.NewGetCompositeScheduleConfirmation(smartcharging.GetCompositeScheduleStatusRejected), nil
}

// command is one REST command and what the ocpp-go charger must answer.
type command struct {
	name, action string
	body         map[string]any
	wantField    string // a field of the answer
	wantValue    any    // its value; nil only checks presence
	callError    bool   // ocpp-go 0.18 lacks the 1.6 security extension: a CALLERROR, relayed as 502
}

func commands(txID int64) []command {
	soon := time.Now().Add(time.Hour).UTC().Format(time.RFC3339)
	profile := map[string]any{"chargingProfileId": 1, "stackLevel": 0, "chargingProfilePurpose": "TxDefaultProfile", "chargingProfileKind": "Absolute",
		"chargingSchedule": map[string]any{"chargingRateUnit": "A", "chargingSchedulePeriod": []map[string]any{{"startPeriod": 0, "limit": 16.0}}}}
	hash := map[string]any{"hashAlgorithm": "SHA256", "issuerNameHash": "aa", "issuerKeyHash": "bb", "serialNumber": "01"}
	return []command{
		{"remote-start", "RemoteStartTransaction", map[string]any{"connectorId": 1, "idTag": "04A2B3C4"}, "status", "Accepted", false},
		{"remote-stop", "RemoteStopTransaction", map[string]any{"transactionId": txID}, "status", "Accepted", false},
		{"reset", "Reset", map[string]any{"type": "Soft"}, "status", "Accepted", false},
		{"unlock-connector", "UnlockConnector", map[string]any{"connectorId": 1}, "status", "Unlocked", false},
		{"change-availability", "ChangeAvailability", map[string]any{"connectorId": 1, "type": "Inoperative"}, "status", "Accepted", false},
		{"get-configuration", "GetConfiguration", map[string]any{"key": []string{"HeartbeatInterval"}}, "configurationKey", nil, false},
		{"change-configuration", "ChangeConfiguration", map[string]any{"key": "HeartbeatInterval", "value": "120"}, "status", "Accepted", false},
		{"clear-cache", "ClearCache", map[string]any{}, "status", "Accepted", false},
		{"data-transfer", "DataTransfer", map[string]any{"vendorId": "Volt", "messageId": "ping"}, "status", "Accepted", false},
		{"get-diagnostics", "GetDiagnostics", map[string]any{"location": "ftp://diag.example.com/"}, "fileName", "diag.log", false},
		{"update-firmware", "UpdateFirmware", map[string]any{"location": "https://fw.example.com/v2.bin", "retrieveDate": soon}, "", nil, false},
		{"get-local-list-version", "GetLocalListVersion", map[string]any{}, "listVersion", 4.0, false},
		{"send-local-list", "SendLocalList", map[string]any{"listVersion": 5, "updateType": "Full",
			"localAuthorizationList": []map[string]any{{"idTag": "04A2B3C4", "idTagInfo": map[string]any{"status": "Accepted"}}}}, "status", "Accepted", false},
		{"trigger-message", "TriggerMessage", map[string]any{"requestedMessage": "StatusNotification", "connectorId": 1}, "status", "Accepted", false},
		{"reserve-now", "ReserveNow", map[string]any{"connectorId": 1, "expiryDate": soon, "idTag": "04A2B3C4", "reservationId": 9}, "status", "Accepted", false},
		{"cancel-reservation", "CancelReservation", map[string]any{"reservationId": 9}, "status", "Accepted", false},
		{"set-charging-profile", "SetChargingProfile", map[string]any{"connectorId": 1, "csChargingProfiles": profile}, "status", "Accepted", false},
		{"clear-charging-profile", "ClearChargingProfile", map[string]any{"id": 1}, "status", "Accepted", false},
		{"get-composite-schedule", "GetCompositeSchedule", map[string]any{"connectorId": 1, "duration": 600}, "status", "Rejected", false},
		{"certificate-signed", "CertificateSigned", map[string]any{"certificateChain": "-----BEGIN CERTIFICATE-----"}, "", nil, true},
		{"delete-certificate", "DeleteCertificate", map[string]any{"certificateHashData": hash}, "", nil, true},
		{"extended-trigger-message", "ExtendedTriggerMessage", map[string]any{"requestedMessage": "Heartbeat"}, "", nil, true},
		{"get-installed-certificate-ids", "GetInstalledCertificateIds", map[string]any{"certificateType": "CentralSystemRootCertificate"}, "", nil, true},
		{"get-log", "GetLog", map[string]any{"log": map[string]any{"remoteLocation": "ftp://log.example.com/"}, "logType": "DiagnosticsLog", "requestId": 1}, "", nil, true},
		{"install-certificate", "InstallCertificate", map[string]any{"certificateType": "CentralSystemRootCertificate", "certificate": "-----BEGIN CERTIFICATE-----"}, "", nil, true},
		{"signed-update-firmware", "SignedUpdateFirmware", map[string]any{"requestId": 2, "firmware": map[string]any{"location": "https://fw.example.com/v2.bin",
			"retrieveDateTime": soon, "signingCertificate": "cert", "signature": "sig"}}, "", nil, true},
	}
}

// TestInteropOCPPGo drives Volt with lorenzodonini/ocpp-go as the charge
// point: boot, authorise, a transaction with meter values, stop, then every
// CSMS command through POST /api/v1/chargers/{cpid}/commands/{command}.
func TestInteropOCPPGo(t *testing.T) {
	if testing.Short() {
		t.Skip("builds and runs voltd")
	}
	n, c, creds := interopNetwork(t)

	h := &cpHandler{seen: map[string]any{}}
	wsc := ws.NewClient()
	wsc.SetBasicAuth(creds.OCPPIdentity, creds.OCPPPassword)
	cp := ocpp16.NewChargePoint(creds.OCPPIdentity, nil, wsc)
	cp.SetCoreHandler(h)
	cp.SetFirmwareManagementHandler(h)
	cp.SetLocalAuthListHandler(h)
	cp.SetRemoteTriggerHandler(h)
	cp.SetReservationHandler(h)
	cp.SetSmartChargingHandler(h)
	if err := cp.Start("ws://" + n.Addr + "/ocpp"); err != nil {
		t.Fatalf("ocpp-go connect: %v", err)
	}
	defer cp.Stop()

	txID := chargeOnce(t, cp, c, creds.CPID)
	for _, cmd := range commands(txID) {
		t.Run(cmd.name, func(t *testing.T) { sendCommand(t, c, h, creds.CPID, cmd) })
	}

	// Every command the gateway offers 1.6 chargers is covered above.
	var names []string
	for _, cmd := range commands(0) {
		names = append(names, cmd.name)
	}
	for _, name := range gateway.CommandsFor("ocpp1.6") {
		if !slices.Contains(names, name) {
			t.Errorf("command %s is not exercised", name)
		}
	}
}

// chargeOnce plays boot, status, authorise, start, meter values and stop,
// and checks the session Volt recorded. It returns the transactionId.
func chargeOnce(t *testing.T, cp ocpp16.ChargePoint, c *rest, cpid string) int64 {
	t.Helper()
	boot, err := cp.BootNotification("Interop AC", "ocpp-go")
	if err != nil || boot.Status != core.RegistrationStatusAccepted || boot.Interval <= 0 {
		t.Fatalf("boot: %+v %v", boot, err)
	}
	for _, conn := range []int{0, 1} {
		if _, err := cp.StatusNotification(conn, core.NoError, core.ChargePointStatusAvailable); err != nil {
			t.Fatalf("status %d: %v", conn, err)
		}
	}
	if _, err := cp.Heartbeat(); err != nil {
		t.Fatalf("heartbeat: %v", err)
	}
	auth, err := cp.Authorize("04a2b3c4")
	if err != nil || auth.IdTagInfo.Status != types.AuthorizationStatusAccepted {
		t.Fatalf("authorize: %+v %v", auth, err)
	}
	if _, err := cp.StatusNotification(1, core.NoError, core.ChargePointStatusPreparing); err != nil {
		t.Fatal(err)
	}
	// Time stamps a few minutes apart, as a real charger's: Volt keeps only
	// readings later than the last one, and ocpp-go writes whole seconds.
	t0 := time.Now().Add(-10 * time.Minute)
	start, err := cp.StartTransaction(1, "04A2B3C4", 10_000, types.NewDateTime(t0))
	if err != nil || start.IdTagInfo == nil || start.IdTagInfo.Status != types.AuthorizationStatusAccepted || start.TransactionId == 0 {
		t.Fatalf("start: %+v %v", start, err)
	}
	tx := start.TransactionId
	if _, err := cp.StatusNotification(1, core.NoError, core.ChargePointStatusCharging); err != nil {
		t.Fatal(err)
	}
	for i, wh := range []int{11_000, 12_500} {
		mv := types.MeterValue{Timestamp: types.NewDateTime(t0.Add(time.Duration(i+1) * 3 * time.Minute)), SampledValue: []types.SampledValue{
			{Value: fmt.Sprint(wh), Measurand: types.MeasurandEnergyActiveImportRegister, Unit: types.UnitOfMeasureWh, Context: types.ReadingContextSamplePeriodic},
			{Value: "7200", Measurand: types.MeasurandPowerActiveImport, Unit: types.UnitOfMeasureW, Context: types.ReadingContextSamplePeriodic},
		}}
		if _, err := cp.MeterValues(1, []types.MeterValue{mv}, func(r *core.MeterValuesRequest) { r.TransactionId = &tx }); err != nil {
			t.Fatalf("meter values %d: %v", i, err)
		}
	}
	checkFor(t, 10*time.Second, func() error {
		var s struct {
			Items []struct {
				LastMeterWh int64 `json:"lastMeterWh"`
				Status      string
			}
		}
		c.must("GET", "/api/v1/sessions?cpid="+cpid, nil, 200, &s)
		if len(s.Items) != 1 || s.Items[0].LastMeterWh != 12_500 {
			return fmt.Errorf("live session %+v, want last meter 12500 Wh", s.Items)
		}
		return nil
	})
	stop, err := cp.StopTransaction(13_000, types.NewDateTime(time.Now()), tx, func(r *core.StopTransactionRequest) {
		r.Reason = core.ReasonLocal
		r.IdTag = "04A2B3C4"
	})
	if err != nil || stop.IdTagInfo == nil || stop.IdTagInfo.Status != types.AuthorizationStatusAccepted {
		t.Fatalf("stop: %+v %v", stop, err)
	}
	checkFor(t, 10*time.Second, func() error {
		var s struct {
			Items []struct {
				TransactionID int64  `json:"transactionId"`
				ConnectorID   int    `json:"connectorId"`
				MeterStart    int64  `json:"meterStart"`
				MeterStop     *int64 `json:"meterStop"`
				EnergyWh      int64  `json:"energyWh"`
				StoppedAt     *time.Time
			}
		}
		c.must("GET", "/api/v1/sessions?cpid="+cpid, nil, 200, &s)
		if len(s.Items) != 1 {
			return fmt.Errorf("%d sessions", len(s.Items))
		}
		it := s.Items[0]
		if it.TransactionID != int64(tx) || it.ConnectorID != 1 || it.MeterStart != 10_000 || it.MeterStop == nil ||
			*it.MeterStop != 13_000 || it.EnergyWh != 3_000 || it.StoppedAt == nil {
			return fmt.Errorf("session %+v, want tx %d, 10000→13000 Wh, stopped", it, tx)
		}
		return nil
	})
	return int64(tx)
}

// sendCommand sends one command through the REST API and checks both the
// request ocpp-go received and the answer Volt relayed.
func sendCommand(t *testing.T, c *rest, h *cpHandler, cpid string, cmd command) {
	code, raw := c.do("POST", "/api/v1/chargers/"+cpid+"/commands/"+cmd.name, cmd.body)
	switch cmd.action {
	case "InstallCertificate", "DeleteCertificate", "GetInstalledCertificateIds", "CertificateSigned":
		// Certificate management needs security profile 2 or 3 (issue 18,
		// LESSONS.md item 25): not sent on this plain connection.
		if code != 422 || !strings.Contains(string(raw), "security profile") {
			t.Fatalf("%s on a profile 1 connection: %d %s, want 422 naming the security profile", cmd.name, code, raw)
		}
		return
	}
	if cmd.callError {
		var e struct{ Error struct{ Code string } }
		_ = json.Unmarshal(raw, &e)
		if code != 502 || e.Error.Code != "charger_call_error" {
			t.Fatalf("%s: %d %s, want 502 charger_call_error (ocpp-go has no security extension)", cmd.name, code, raw)
		}
		return
	}
	if code != 200 {
		t.Fatalf("%s: status %d: %s", cmd.name, code, raw)
	}
	if h.got(cmd.action) == nil {
		t.Fatalf("%s: ocpp-go never received %s", cmd.name, cmd.action)
	}
	var ans map[string]any
	if err := json.Unmarshal(raw, &ans); err != nil {
		t.Fatalf("%s: answer %s: %v", cmd.name, raw, err)
	}
	if cmd.wantField == "" {
		return
	}
	v, ok := ans[cmd.wantField]
	if !ok || (cmd.wantValue != nil && v != cmd.wantValue) {
		t.Fatalf("%s: answer %s, want %s=%v", cmd.name, raw, cmd.wantField, cmd.wantValue)
	}
}

// interopCharger is what onboarding answers for the interop tests' charger.
type interopCharger struct{ CPID, OCPPIdentity, OCPPPassword string }

// interopNetwork starts voltd and provisions, over its REST API, one free-vend
// charger group with a charger and a driver whose card is 04A2B3C4. It
// returns the node, a REST client signed in as the super admin and the
// charger's credentials.
func interopNetwork(t *testing.T) (*node, *rest, interopCharger) {
	t.Helper()
	n := startVoltd(t, "root@volt.test", "root-password-123")
	c := &rest{t: t, base: n.URL}
	var tok struct{ Token string }
	c.must("POST", "/api/v1/auth/token", map[string]string{"email": "root@volt.test", "password": "root-password-123"}, 200, &tok)
	c.token = tok.Token
	var cpo, owner, site, group, user struct{ ID string }
	c.must("POST", "/api/v1/cpos", map[string]any{"name": "Interop CPO"}, 201, &cpo)
	c.must("POST", "/api/v1/owners", map[string]any{"cpoId": cpo.ID, "name": "Interop Owner"}, 201, &owner)
	c.must("POST", "/api/v1/sites", map[string]any{"ownerId": owner.ID, "name": "Interop Site", "latitude": 51.5, "longitude": -0.1}, 201, &site)
	c.must("POST", "/api/v1/charger-groups", map[string]any{"siteId": site.ID, "name": "Bays"}, 201, &group)
	// No tariff means no start (issue #10 item 3): the bays are free vend.
	var tariff struct{ ID string }
	c.must("POST", "/api/v1/tariffs", map[string]any{"cpoId": cpo.ID, "name": "Free", "currency": "GBP", "vatRate": "0.20", "freeVend": true}, 201, &tariff)
	c.must("POST", "/api/v1/tariff-assignments", map[string]any{"tariffId": tariff.ID, "usergroupId": "public", "chargerGroupId": group.ID}, 201, nil)
	var creds interopCharger
	c.must("POST", "/api/v1/chargers", map[string]any{"chargerGroupId": group.ID}, 201, &creds)
	c.must("POST", "/api/v1/users", map[string]any{"email": "ivy@example.com", "name": "Ivy"}, 201, &user)
	c.must("POST", "/api/v1/rfid-cards", map[string]any{"uid": "04A2B3C4", "userId": user.ID}, 201, nil)
	return n, c, creds
}
