package e2e

import (
	"encoding/json"
	"fmt"
	"strings"
	"sync"
	"testing"
	"time"

	ocpp201 "github.com/lorenzodonini/ocpp-go/ocpp2.0.1"
	"github.com/lorenzodonini/ocpp-go/ocpp2.0.1/authorization"
	"github.com/lorenzodonini/ocpp-go/ocpp2.0.1/availability"
	"github.com/lorenzodonini/ocpp-go/ocpp2.0.1/provisioning"
	"github.com/lorenzodonini/ocpp-go/ocpp2.0.1/remotecontrol"
	"github.com/lorenzodonini/ocpp-go/ocpp2.0.1/transactions"
	"github.com/lorenzodonini/ocpp-go/ocpp2.0.1/types"
	"github.com/lorenzodonini/ocpp-go/ws"
)

// csHandler is the ocpp-go 2.0.1 charging station's side of the commands:
// it records each request and answers as a healthy station would.
type csHandler struct {
	mu   sync.Mutex
	seen map[string]any
}

func (h *csHandler) record(action string, req any) {
	h.mu.Lock()
	h.seen[action] = req
	h.mu.Unlock()
}

func (h *csHandler) got(action string) any {
	h.mu.Lock()
	defer h.mu.Unlock()
	return h.seen[action]
}

func (h *csHandler) OnGetBaseReport(r *provisioning.GetBaseReportRequest) (*provisioning.GetBaseReportResponse, error) {
	h.record("GetBaseReport", r)
	return stamped(provisioning.NewGetBaseReportResponse(types.GenericDeviceModelStatusAccepted), "GetBaseReport"), nil
}

func (h *csHandler) OnGetReport(r *provisioning.GetReportRequest) (*provisioning.GetReportResponse, error) {
	h.record("GetReport", r)
	return provisioning.NewGetReportResponse(types.GenericDeviceModelStatusAccepted), nil
}

func (h *csHandler) OnGetVariables(r *provisioning.GetVariablesRequest) (*provisioning.GetVariablesResponse, error) {
	h.record("GetVariables", r)
	var out []provisioning.GetVariableResult
	for _, d := range r.GetVariableData {
		out = append(out, provisioning.GetVariableResult{AttributeStatus: provisioning.GetVariableStatusAccepted,
			AttributeValue: "300", Component: d.Component, Variable: d.Variable})
	}
	return provisioning.NewGetVariablesResponse(out), nil
}

func (h *csHandler) OnReset(r *provisioning.ResetRequest) (*provisioning.ResetResponse, error) {
	h.record("Reset", r)
	return stamped(provisioning.NewResetResponse(provisioning.ResetStatus("Accepted")), "Reset"), nil
}

func (h *csHandler) OnSetNetworkProfile(r *provisioning.SetNetworkProfileRequest) (*provisioning.SetNetworkProfileResponse, error) {
	h.record("SetNetworkProfile", r)
	return stamped(provisioning.NewSetNetworkProfileResponse(provisioning.SetNetworkProfileStatus("Rejected")), "SetNetworkProfile"), nil
}

func (h *csHandler) OnSetVariables(r *provisioning.SetVariablesRequest) (*provisioning.SetVariablesResponse, error) {
	h.record("SetVariables", r)
	var out []provisioning.SetVariableResult
	for _, d := range r.SetVariableData {
		out = append(out, provisioning.SetVariableResult{AttributeStatus: provisioning.SetVariableStatus("Accepted"), Component: d.Component, Variable: d.Variable})
	}
	return provisioning.NewSetVariablesResponse(out), nil
}

func (h *csHandler) OnRequestStartTransaction(r *remotecontrol.RequestStartTransactionRequest) (*remotecontrol.RequestStartTransactionResponse, error) {
	h.record("RequestStartTransaction", r)
	return stamped(remotecontrol.NewRequestStartTransactionResponse(remotecontrol.RequestStartStopStatus("Accepted")), "RequestStartTransaction"), nil
}

func (h *csHandler) OnRequestStopTransaction(r *remotecontrol.RequestStopTransactionRequest) (*remotecontrol.RequestStopTransactionResponse, error) {
	h.record("RequestStopTransaction", r)
	return stamped(remotecontrol.NewRequestStopTransactionResponse(remotecontrol.RequestStartStopStatus("Accepted")), "RequestStopTransaction"), nil
}

func (h *csHandler) OnTriggerMessage(r *remotecontrol.TriggerMessageRequest) (*remotecontrol.TriggerMessageResponse, error) {
	h.record("TriggerMessage", r)
	return stamped(remotecontrol.NewTriggerMessageResponse(remotecontrol.TriggerMessageStatus("Accepted")), "TriggerMessage"), nil
}

func (h *csHandler) OnUnlockConnector(r *remotecontrol.UnlockConnectorRequest) (*remotecontrol.UnlockConnectorResponse, error) {
	h.record("UnlockConnector", r)
	return stamped(remotecontrol.NewUnlockConnectorResponse(remotecontrol.UnlockStatus("Unlocked")), "UnlockConnector"), nil
}

func (h *csHandler) OnChangeAvailability(r *availability.ChangeAvailabilityRequest) (*availability.ChangeAvailabilityResponse, error) {
	h.record("ChangeAvailability", r)
	return stamped(availability.NewChangeAvailabilityResponse(availability.ChangeAvailabilityStatusAccepted), "ChangeAvailability"), nil
}

func (h *csHandler) OnClearCache(r *authorization.ClearCacheRequest) (*authorization.ClearCacheResponse, error) {
	h.record("ClearCache", r)
	return stamped(authorization.NewClearCacheResponse(authorization.ClearCacheStatusAccepted), "ClearCache"), nil
}

// TestInteropOCPPGo201 drives Volt with ocpp-go's OCPP 2.0.1 charging
// station: boot, device model report, authorise, a metered transaction with
// TransactionEvent Started/Updated/Ended, then commands through the REST API
// under the one vocabulary (1.6 names with 1.6 or 2.0.1 bodies, 2.0.1-only
// names), and a 1.6-only command refused with 422.
func TestInteropOCPPGo201(t *testing.T) {
	if testing.Short() {
		t.Skip("builds and runs voltd")
	}
	tlsAddr, tlsConf := voltdTLS(t)
	n, c, creds := interopNetwork(t)

	h := &csHandler{seen: map[string]any{}}
	wsc := ws.NewClient()
	wsc.SetBasicAuth(creds.OCPPIdentity, creds.OCPPPassword)
	cs := ocpp201.NewChargingStation(creds.OCPPIdentity, nil, wsc)
	cs.SetProvisioningHandler(h)
	cs.SetRemoteControlHandler(h)
	cs.SetAvailabilityHandler(h)
	cs.SetAuthorizationHandler(h)
	cs.SetReservationHandler(h)
	cs.SetSecurityHandler(h)
	cs.SetSmartChargingHandler(h)
	cs.SetDisplayHandler(h)
	cs.SetDiagnosticsHandler(h)
	cs.SetTariffCostHandler(h)
	cs.SetDataHandler(h)
	cs.SetISO15118Handler(h)
	cs.SetLocalAuthListHandler(h)
	cs.SetFirmwareHandler(h)
	cs.SetTransactionsHandler(h)
	if err := cs.Start("ws://" + n.Addr + "/ocpp"); err != nil {
		t.Fatalf("ocpp-go connect: %v", err)
	}
	var stop sync.Once // ocpp-go's Stop panics when called twice
	defer stop.Do(cs.Stop)

	boot, err := cs.BootNotification(provisioning.BootReasonPowerUp, "Interop 201", "ocpp-go")
	if err != nil || boot.Status != provisioning.RegistrationStatusAccepted || boot.Interval <= 0 {
		t.Fatalf("boot: %+v %v", boot, err)
	}
	checkFor(t, 10*time.Second, func() error {
		if h.got("GetBaseReport") == nil {
			return fmt.Errorf("no GetBaseReport after boot")
		}
		return nil
	})
	if _, err := cs.NotifyReport(1, types.Now(), 0, func(r *provisioning.NotifyReportRequest) {
		r.ReportData = []provisioning.ReportData{{Component: types.Component{Name: "OCPPCommCtrlr"}, Variable: types.Variable{Name: "HeartbeatInterval"},
			VariableAttribute: []provisioning.VariableAttribute{{Type: types.AttributeActual, Value: "300", Mutability: provisioning.MutabilityReadWrite}}}}
	}); err != nil {
		t.Fatalf("notify report: %v", err)
	}
	if _, err := cs.StatusNotification(types.Now(), availability.ConnectorStatusAvailable, 1, 1); err != nil {
		t.Fatalf("status: %v", err)
	}
	if _, err := cs.Heartbeat(); err != nil {
		t.Fatalf("heartbeat: %v", err)
	}
	auth, err := cs.Authorize("04a2b3c4", types.IdTokenTypeISO14443)
	if err != nil || auth.IdTokenInfo.Status != types.AuthorizationStatusAccepted {
		t.Fatalf("authorize: %+v %v", auth, err)
	}

	energy := func(wh float64, ctx types.ReadingContext) []types.MeterValue {
		return []types.MeterValue{{Timestamp: types.DateTime{Time: time.Now()}, SampledValue: []types.SampledValue{
			{Value: wh, Context: ctx, Measurand: types.MeasurandEnergyActiveImportRegister}}}}
	}
	txID := "ocppgo-tx-1"
	started, err := cs.TransactionEvent(transactions.TransactionEventStarted, types.Now(), transactions.TriggerReasonAuthorized, 0,
		transactions.Transaction{TransactionID: txID, ChargingState: transactions.ChargingStateCharging}, func(r *transactions.TransactionEventRequest) {
			r.IDToken = &types.IdToken{IdToken: "04a2b3c4", Type: types.IdTokenTypeISO14443}
			r.Evse = &types.EVSE{ID: 1}
			r.MeterValue = energy(10000, types.ReadingContextTransactionBegin)
		})
	if err != nil || started.IDTokenInfo == nil || started.IDTokenInfo.Status != types.AuthorizationStatusAccepted {
		t.Fatalf("started: %+v %v", started, err)
	}
	if _, err := cs.TransactionEvent(transactions.TransactionEventUpdated, types.Now(), transactions.TriggerReasonMeterValuePeriodic, 1,
		transactions.Transaction{TransactionID: txID}, func(r *transactions.TransactionEventRequest) {
			r.MeterValue = energy(12500, types.ReadingContextSamplePeriodic)
		}); err != nil {
		t.Fatalf("updated: %v", err)
	}
	var sessions struct {
		Items []struct {
			TransactionID int64 `json:"transactionId"`
			Status        string
			EnergyWh      int64 `json:"energyWh"`
			StopReason    string
		}
	}
	c.must("GET", "/api/v1/sessions?cpid="+creds.CPID, nil, 200, &sessions)
	if len(sessions.Items) != 1 || sessions.Items[0].Status != "active" {
		t.Fatalf("sessions while charging: %+v", sessions)
	}
	// remote-stop with the 1.6 body reaches the station as RequestStopTransaction.
	code, raw := c.do("POST", "/api/v1/chargers/"+creds.CPID+"/commands/remote-stop", map[string]any{"transactionId": sessions.Items[0].TransactionID})
	if code != 200 || !strings.Contains(string(raw), "Accepted") {
		t.Fatalf("remote-stop: %d %s", code, raw)
	}
	if r, ok := h.got("RequestStopTransaction").(*remotecontrol.RequestStopTransactionRequest); !ok || r.TransactionID != txID {
		t.Fatalf("station got %#v, want RequestStopTransaction of %s", h.got("RequestStopTransaction"), txID)
	}
	if _, err := cs.TransactionEvent(transactions.TransactionEventEnded, types.Now(), transactions.TriggerReasonRemoteStop, 2,
		transactions.Transaction{TransactionID: txID, StoppedReason: transactions.ReasonRemote}, func(r *transactions.TransactionEventRequest) {
			r.MeterValue = energy(14000, types.ReadingContextTransactionEnd)
		}); err != nil {
		t.Fatalf("ended: %v", err)
	}
	c.must("GET", "/api/v1/sessions?cpid="+creds.CPID, nil, 200, &sessions)
	if len(sessions.Items) != 1 || sessions.Items[0].Status != "completed" || sessions.Items[0].EnergyWh != 4000 || sessions.Items[0].StopReason != "Remote" {
		t.Fatalf("session after Ended: %+v", sessions)
	}
	var cdrs struct{ Items []json.RawMessage }
	c.must("GET", "/api/v1/cdrs?cpid="+creds.CPID, nil, 200, &cdrs)
	if len(cdrs.Items) != 1 {
		t.Fatalf("%d CDRs, want 1", len(cdrs.Items))
	}

	interopCommands201(t, c, h, creds.CPID, txID)
	stop.Do(cs.Stop)
	interopCertCommands201(t, c, h, creds, tlsAddr, tlsConf)
}
