package e2e

import (
	"crypto/tls"
	"crypto/x509"
	"fmt"
	"net"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	ocpp201 "github.com/lorenzodonini/ocpp-go/ocpp2.0.1"
	"github.com/lorenzodonini/ocpp-go/ocpp2.0.1/provisioning"
	"github.com/lorenzodonini/ocpp-go/ws"
	"github.com/volt-ev/volt/gateway"
	"github.com/volt-ev/volt/pki/pkitest"
)

// command201 is one REST command sent to the ocpp-go 2.0.1 station: the API
// name, the action the station must receive, the body, and what the REST
// answer must carry of the station's answer.
type command201 struct {
	name, action string
	body         map[string]any
	want         []string
}

// stationInfo is the statusInfo the station's handlers add (see stamped).
func stationInfo(action string) string { return `"additionalInfo":"` + action + `"` }

// interopCommands201 sends every command of the vocabulary that has a 2.0.1
// meaning (gateway.CommandsFor) to the ocpp-go station through
// POST /api/v1/chargers/{cpid}/commands/{command}, 1.6 bodies translated
// and 2.0.1 bodies as is, and asserts the station received the action and
// the REST answer is the station's answer; the 1.6-only commands answer 422
// naming the version. txID is the station's (ended) transaction.
func interopCommands201(t *testing.T, c *rest, h *csHandler, cpid, txID string) {
	t.Helper()
	later := time.Now().Add(time.Hour).UTC().Format(time.RFC3339)
	idToken := map[string]any{"idToken": "04A2B3C4", "type": "ISO14443"}
	cv := func(comp, variable string) (map[string]any, map[string]any) {
		return map[string]any{"name": comp}, map[string]any{"name": variable}
	}
	hbComp, hbVar := cv("OCPPCommCtrlr", "HeartbeatInterval")
	profile201 := map[string]any{"id": 11, "stackLevel": 0, "chargingProfilePurpose": "TxDefaultProfile", "chargingProfileKind": "Absolute",
		"chargingSchedule": []any{map[string]any{"id": 11, "startSchedule": later, "chargingRateUnit": "A",
			"chargingSchedulePeriod": []any{map[string]any{"startPeriod": 0, "limit": 16}}}}}
	profile16 := map[string]any{"chargingProfileId": 12, "stackLevel": 1, "chargingProfilePurpose": "ChargePointMaxProfile", "chargingProfileKind": "Absolute",
		"chargingSchedule": map[string]any{"startSchedule": later, "chargingRateUnit": "W",
			"chargingSchedulePeriod": []any{map[string]any{"startPeriod": 0, "limit": 11000}}}}
	accepted := func(action string) []string { return []string{`"Accepted"`, stationInfo(action)} }

	cmds := []command201{
		// 1.6 names, 1.6 bodies translated to the 2.0.1 action.
		{"remote-start", "RequestStartTransaction", map[string]any{"connectorId": 1, "idTag": "04A2B3C4"}, accepted("RequestStartTransaction")},
		{"remote-stop", "RequestStopTransaction", nil, accepted("RequestStopTransaction")}, // body set below: Volt's id of txID
		{"reset", "Reset", map[string]any{"type": "Soft"}, accepted("Reset")},
		{"unlock-connector", "UnlockConnector", map[string]any{"connectorId": 1}, []string{`"Unlocked"`}},
		{"change-availability", "ChangeAvailability", map[string]any{"connectorId": 1, "type": "Inoperative"}, accepted("ChangeAvailability")},
		{"get-configuration", "GetVariables", map[string]any{"key": []string{"HeartbeatInterval"}}, []string{`"attributeValue":"300"`}},
		{"get-configuration", "GetBaseReport", map[string]any{}, accepted("GetBaseReport")},
		{"change-configuration", "SetVariables", map[string]any{"key": "HeartbeatInterval", "value": "120"}, []string{`"attributeStatus":"Accepted"`}},
		{"trigger-message", "TriggerMessage", map[string]any{"requestedMessage": "StatusNotification", "connectorId": 1}, accepted("TriggerMessage")},
		{"set-charging-profile", "SetChargingProfile", map[string]any{"connectorId": 0, "csChargingProfiles": profile16}, accepted("SetChargingProfile")},
		{"clear-charging-profile", "ClearChargingProfile", map[string]any{"id": 12, "connectorId": 0}, []string{`"Unknown"`, stationInfo("ClearChargingProfile")}},
		{"get-composite-schedule", "GetCompositeSchedule", map[string]any{"connectorId": 1, "duration": 3600, "chargingRateUnit": "W"}, []string{`"Rejected"`, `"evseId":1`}},
		{"reserve-now", "ReserveNow", map[string]any{"connectorId": 1, "expiryDate": later, "idTag": "04A2B3C4", "reservationId": 31}, accepted("ReserveNow")},
		{"send-local-list", "SendLocalList", map[string]any{"listVersion": 3, "updateType": "Full",
			"localAuthorizationList": []any{map[string]any{"idTag": "04A2B3C4", "idTagInfo": map[string]any{"status": "Accepted"}}}}, accepted("SendLocalList")},
		{"update-firmware", "UpdateFirmware", map[string]any{"location": "https://fw.example/v2.bin", "retrieveDate": later}, accepted("UpdateFirmware")},

		// 1.6 names with their 2.0.1 bodies.
		{"remote-start", "RequestStartTransaction", map[string]any{"idToken": map[string]any{"idToken": "04A2B3C4", "type": "Central"}, "evseId": 1, "remoteStartId": 7}, accepted("RequestStartTransaction")},
		{"reset", "Reset", map[string]any{"type": "Immediate"}, accepted("Reset")},
		{"unlock-connector", "UnlockConnector", map[string]any{"evseId": 1, "connectorId": 1}, []string{`"Unlocked"`}},
		{"change-availability", "ChangeAvailability", map[string]any{"operationalStatus": "Operative", "evse": map[string]any{"id": 1}}, accepted("ChangeAvailability")},
		{"trigger-message", "TriggerMessage", map[string]any{"requestedMessage": "Heartbeat"}, accepted("TriggerMessage")},
		{"set-charging-profile", "SetChargingProfile", map[string]any{"evseId": 1, "chargingProfile": profile201}, accepted("SetChargingProfile")},
		{"clear-charging-profile", "ClearChargingProfile", map[string]any{"chargingProfileId": 11}, []string{`"Unknown"`, stationInfo("ClearChargingProfile")}},
		{"get-composite-schedule", "GetCompositeSchedule", map[string]any{"evseId": 2, "duration": 600}, []string{`"Rejected"`, `"evseId":2`}},
		{"reserve-now", "ReserveNow", map[string]any{"id": 32, "expiryDateTime": later, "idToken": idToken, "evseId": 1}, accepted("ReserveNow")},
		{"send-local-list", "SendLocalList", map[string]any{"versionNumber": 4, "updateType": "Differential",
			"localAuthorizationList": []any{map[string]any{"idToken": idToken, "idTokenInfo": map[string]any{"status": "Blocked"}}}}, accepted("SendLocalList")},
		{"update-firmware", "UpdateFirmware", map[string]any{"requestId": 9, "firmware": map[string]any{"location": "https://fw.example/v3.bin", "retrieveDateTime": later}}, accepted("UpdateFirmware")},
		{"cancel-reservation", "CancelReservation", map[string]any{"reservationId": 32}, accepted("CancelReservation")},
		{"clear-cache", "ClearCache", map[string]any{}, accepted("ClearCache")},
		{"data-transfer", "DataTransfer", map[string]any{"vendorId": "org.volt", "messageId": "ping", "data": "ping"}, []string{`"pong from ocpp-go"`, stationInfo("DataTransfer")}},
		{"get-local-list-version", "GetLocalListVersion", map[string]any{}, []string{`"versionNumber":4242`}},
		{"get-log", "GetLog", map[string]any{"logType": "DiagnosticsLog", "requestId": 5, "log": map[string]any{"remoteLocation": "https://logs.example/upload"}}, []string{`"filename":"ocppgo-station.log"`}},

		// Actions only 2.0.1 has, by their kebab-case names.
		{"get-variables", "GetVariables", map[string]any{"getVariableData": []any{map[string]any{"component": hbComp, "variable": hbVar}}}, []string{`"attributeValue":"300"`}},
		{"set-variables", "SetVariables", map[string]any{"setVariableData": []any{map[string]any{"component": hbComp, "variable": hbVar, "attributeValue": "60"}}}, []string{`"attributeStatus":"Accepted"`}},
		{"get-base-report", "GetBaseReport", map[string]any{"requestId": 5, "reportBase": "ConfigurationInventory"}, accepted("GetBaseReport")},
		{"get-report", "GetReport", map[string]any{"requestId": 6, "componentCriteria": []string{"Active"}}, []string{`"Accepted"`}},
		{"request-start-transaction", "RequestStartTransaction", map[string]any{"idToken": idToken, "evseId": 1, "remoteStartId": 8}, accepted("RequestStartTransaction")},
		{"request-stop-transaction", "RequestStopTransaction", map[string]any{"transactionId": txID}, accepted("RequestStopTransaction")},
		{"get-transaction-status", "GetTransactionStatus", map[string]any{"transactionId": txID}, []string{`"ongoingIndicator":false`, `"messagesInQueue":true`}},
		{"set-network-profile", "SetNetworkProfile", map[string]any{"configurationSlot": 1, "connectionData": map[string]any{"ocppVersion": "OCPP20", "ocppTransport": "JSON",
			"ocppCsmsUrl": "wss://csms.example/ocpp", "messageTimeout": 30, "securityProfile": 2, "ocppInterface": "Wired0"}}, []string{`"Rejected"`, stationInfo("SetNetworkProfile")}},
		{"get-charging-profiles", "GetChargingProfiles", map[string]any{"requestId": 7, "chargingProfile": map[string]any{"chargingProfilePurpose": "TxDefaultProfile"}}, []string{`"NoProfiles"`, stationInfo("GetChargingProfiles")}},
		{"set-display-message", "SetDisplayMessage", map[string]any{"message": map[string]any{"id": 4, "priority": "NormalCycle",
			"message": map[string]any{"format": "UTF8", "content": "Welcome"}}}, accepted("SetDisplayMessage")},
		{"get-display-messages", "GetDisplayMessages", map[string]any{"requestId": 8}, []string{`"Unknown"`}},
		{"clear-display-message", "ClearDisplayMessage", map[string]any{"id": 4}, []string{`"Unknown"`, stationInfo("ClearDisplayMessage")}},
		{"cost-updated", "CostUpdated", map[string]any{"totalCost": 1.23, "transactionId": txID}, nil}, // the answer is {}
		{"customer-information", "CustomerInformation", map[string]any{"requestId": 9, "report": true, "clear": false, "idToken": idToken}, accepted("CustomerInformation")},
		{"set-variable-monitoring", "SetVariableMonitoring", map[string]any{"setMonitoringData": []any{map[string]any{"value": 10, "type": "UpperThreshold", "severity": 5,
			"component": map[string]any{"name": "EVSE"}, "variable": map[string]any{"name": "Power"}}}}, []string{`"id":700`, `"status":"Accepted"`}},
		{"clear-variable-monitoring", "ClearVariableMonitoring", map[string]any{"id": []int{700, 701}}, []string{`"id":701`, `"NotFound"`}},
		{"set-monitoring-base", "SetMonitoringBase", map[string]any{"monitoringBase": "All"}, accepted("SetMonitoringBase")},
		{"set-monitoring-level", "SetMonitoringLevel", map[string]any{"severity": 5}, accepted("SetMonitoringLevel")},
		{"get-monitoring-report", "GetMonitoringReport", map[string]any{"requestId": 10, "monitoringCriteria": []string{"ThresholdMonitoring"}}, []string{`"EmptyResultSet"`}},
		{"publish-firmware", "PublishFirmware", map[string]any{"location": "https://fw.example/v3.bin", "checksum": "0123456789abcdef0123456789abcdef", "requestId": 11}, accepted("PublishFirmware")},
		{"unpublish-firmware", "UnpublishFirmware", map[string]any{"checksum": "0123456789abcdef0123456789abcdef"}, []string{`"NoFirmware"`}},
	}

	// remote-stop takes Volt's transaction id, looked up as the station's.
	var sessions struct {
		Items []struct {
			TransactionID int64 `json:"transactionId"`
		}
	}
	c.must("GET", "/api/v1/sessions?cpid="+cpid, nil, 200, &sessions)
	if len(sessions.Items) == 0 {
		t.Fatal("no session for remote-stop")
	}
	for i := range cmds {
		if cmds[i].name == "remote-stop" {
			cmds[i].body = map[string]any{"transactionId": sessions.Items[0].TransactionID}
		}
	}

	sent := map[string]bool{}
	for _, cmd := range cmds {
		sent[cmd.name] = true
		t.Run(cmd.name+"/"+cmd.action, func(t *testing.T) {
			h.record(cmd.action, nil)
			code, raw := c.do("POST", "/api/v1/chargers/"+cpid+"/commands/"+cmd.name, cmd.body)
			if code != 200 {
				t.Fatalf("%s: %d %s", cmd.name, code, raw)
			}
			for _, w := range cmd.want {
				if !strings.Contains(string(raw), w) {
					t.Errorf("%s: answer %s lacks the station's %s", cmd.name, raw, w)
				}
			}
			if h.got(cmd.action) == nil {
				t.Fatalf("%s: station never received %s", cmd.name, cmd.action)
			}
		})
	}
	for _, cmd := range certCommands201() {
		sent[cmd.name] = true
		t.Run(cmd.name+"/"+cmd.action+"/profile1", func(t *testing.T) {
			h.record(cmd.action, nil)
			code, raw := c.do("POST", "/api/v1/chargers/"+cpid+"/commands/"+cmd.name, cmd.body)
			if code != 422 || !strings.Contains(string(raw), "security profile 2 or 3") {
				t.Fatalf("%s on profile 1: %d %s, want 422 naming the security profile", cmd.name, code, raw)
			}
			if h.got(cmd.action) != nil {
				t.Fatalf("%s reached the station on profile 1", cmd.name)
			}
		})
	}
	// Every command with a 2.0.1 meaning was sent: a new one must be added
	// above (or skipped here with the reason ocpp-go cannot answer it).
	for _, name := range gateway.CommandsFor("ocpp2.0.1") {
		if !sent[name] {
			t.Errorf("command %s has a 2.0.1 meaning but the interop test never sends it", name)
		}
	}

	for _, name := range []string{"get-diagnostics", "extended-trigger-message", "signed-update-firmware"} {
		if sent[name] {
			t.Fatalf("%s is sent above as a 2.0.1 command", name)
		}
		code, raw := c.do("POST", "/api/v1/chargers/"+cpid+"/commands/"+name, map[string]any{"location": "ftp://x/", "requestedMessage": "Heartbeat"})
		if code != 422 || !strings.Contains(string(raw), "OCPP 2.0.1") {
			t.Errorf("%s on 2.0.1: %d %s, want 422 naming the version", name, code, raw)
		}
	}
}

// certCommands201 are the certificate-management commands: they need a TLS
// connection (security profile 2 or 3, 2.0.1 A00.FR.204), so on profile 1
// Volt refuses them with 422 before the station sees them, and over wss
// the station answers them (interopCertCommands201).
func certCommands201() []command201 {
	cert := "-----BEGIN CERTIFICATE-----\nMIIBfake\n-----END CERTIFICATE-----\n"
	hashData := map[string]any{"hashAlgorithm": "SHA256", "issuerNameHash": "a1b2c3", "issuerKeyHash": "d4e5f6", "serialNumber": "0a"}
	return []command201{
		{"certificate-signed", "CertificateSigned", map[string]any{"certificateChain": cert, "certificateType": "ChargingStationCertificate"}, []string{`"Rejected"`, stationInfo("CertificateSigned")}},
		{"delete-certificate", "DeleteCertificate", map[string]any{"certificateHashData": hashData}, []string{`"NotFound"`, stationInfo("DeleteCertificate")}},
		{"get-installed-certificate-ids", "GetInstalledCertificateIds", map[string]any{"certificateType": []string{"V2GRootCertificate"}}, []string{`"NotFound"`, stationInfo("GetInstalledCertificateIds")}},
		{"install-certificate", "InstallCertificate", map[string]any{"certificateType": "V2GRootCertificate", "certificate": cert}, []string{`"Rejected"`, stationInfo("InstallCertificate")}},
	}
}

// voltdTLS has the next voltd of this test serve wss (security profile 2)
// with a server certificate of a test root: it returns the address and the
// client configuration that trusts it.
func voltdTLS(t *testing.T) (string, *tls.Config) {
	t.Helper()
	root := pkitest.NewRoot(t, "interop root")
	key := pkitest.ECKey(t)
	dir := t.TempDir()
	certFile, keyFile := filepath.Join(dir, "server.crt"), filepath.Join(dir, "server.key")
	if err := os.WriteFile(certFile, pkitest.PEM(root.Server(t, key).Leaf), 0o600); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(keyFile, pkitest.KeyPEM(t, key), 0o600); err != nil {
		t.Fatal(err)
	}
	ln, err := net.Listen("tcp", "127.0.0.1:0") // a free port for --https
	if err != nil {
		t.Fatal(err)
	}
	addr := ln.Addr().String()
	ln.Close()
	t.Setenv("VOLT_HTTPS_ADDR", addr)
	t.Setenv("VOLT_TLS_CERT_FILE", certFile)
	t.Setenv("VOLT_TLS_KEY_FILE", keyFile)
	pool := x509.NewCertPool()
	pool.AddCert(root.Cert)
	return addr, &tls.Config{RootCAs: pool, MinVersion: tls.VersionTLS12}
}

// interopCertCommands201 connects the station again over wss with its
// password (security profile 2) and sends the certificate commands: each
// reaches the station and the REST answer is the station's.
func interopCertCommands201(t *testing.T, c *rest, h *csHandler, creds interopCharger, addr string, tc *tls.Config) {
	t.Helper()
	wsc := ws.NewTLSClient(tc)
	wsc.SetBasicAuth(creds.OCPPIdentity, creds.OCPPPassword)
	cs := ocpp201.NewChargingStation(creds.OCPPIdentity, nil, wsc)
	cs.SetSecurityHandler(h)
	cs.SetISO15118Handler(h)
	cs.SetProvisioningHandler(h)
	checkFor(t, 20*time.Second, func() error { return cs.Start("wss://" + addr + "/ocpp") })
	defer cs.Stop()
	if boot, err := cs.BootNotification(provisioning.BootReasonPowerUp, "Interop 201", "ocpp-go"); err != nil || boot.Status != provisioning.RegistrationStatusAccepted {
		t.Fatalf("boot over wss: %+v %v", boot, err)
	}
	for _, cmd := range certCommands201() {
		t.Run(cmd.name+"/"+cmd.action+"/profile2", func(t *testing.T) {
			h.record(cmd.action, nil)
			var code int
			var raw []byte
			// The API may still see the profile 1 connection closing: wait
			// for the wss one.
			checkFor(t, 10*time.Second, func() error {
				code, raw = c.do("POST", "/api/v1/chargers/"+creds.CPID+"/commands/"+cmd.name, cmd.body)
				if code != 200 {
					return fmt.Errorf("%s: %d %s", cmd.name, code, raw)
				}
				return nil
			})
			for _, w := range cmd.want {
				if !strings.Contains(string(raw), w) {
					t.Errorf("%s: answer %s lacks the station's %s", cmd.name, raw, w)
				}
			}
			if h.got(cmd.action) == nil {
				t.Fatalf("%s: station never received %s", cmd.name, cmd.action)
			}
		})
	}
}
