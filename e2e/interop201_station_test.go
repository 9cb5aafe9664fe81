package e2e

import (
	"reflect"

	"github.com/lorenzodonini/ocpp-go/ocpp2.0.1/data"
	"github.com/lorenzodonini/ocpp-go/ocpp2.0.1/diagnostics"
	"github.com/lorenzodonini/ocpp-go/ocpp2.0.1/display"
	"github.com/lorenzodonini/ocpp-go/ocpp2.0.1/firmware"
	"github.com/lorenzodonini/ocpp-go/ocpp2.0.1/iso15118"
	"github.com/lorenzodonini/ocpp-go/ocpp2.0.1/localauth"
	"github.com/lorenzodonini/ocpp-go/ocpp2.0.1/reservation"
	"github.com/lorenzodonini/ocpp-go/ocpp2.0.1/security"
	"github.com/lorenzodonini/ocpp-go/ocpp2.0.1/smartcharging"
	"github.com/lorenzodonini/ocpp-go/ocpp2.0.1/tariffcost"
	"github.com/lorenzodonini/ocpp-go/ocpp2.0.1/transactions"
	"github.com/lorenzodonini/ocpp-go/ocpp2.0.1/types"
)

// The rest of the ocpp-go station's command handlers (issue #13, every
// command through the REST API). Each records the request and answers with
// a statusInfo whose additionalInfo names the action (where the response
// has one) or a value no default would produce, so the test can tell the
// REST answer is the station's.

// stamped sets resp's StatusInfo (if its type has one) to name action.
func stamped[T any](resp *T, action string) *T {
	if f := reflect.ValueOf(resp).Elem().FieldByName("StatusInfo"); f.IsValid() && f.CanSet() {
		f.Set(reflect.ValueOf(&types.StatusInfo{ReasonCode: "OcppGoStation", AdditionalInfo: action}))
	}
	return resp
}

func (h *csHandler) OnCancelReservation(r *reservation.CancelReservationRequest) (*reservation.CancelReservationResponse, error) {
	h.record("CancelReservation", r)
	return stamped(reservation.NewCancelReservationResponse(reservation.CancelReservationStatus("Accepted")), "CancelReservation"), nil
}

func (h *csHandler) OnReserveNow(r *reservation.ReserveNowRequest) (*reservation.ReserveNowResponse, error) {
	h.record("ReserveNow", r)
	return stamped(reservation.NewReserveNowResponse(reservation.ReserveNowStatus("Accepted")), "ReserveNow"), nil
}

func (h *csHandler) OnCertificateSigned(r *security.CertificateSignedRequest) (*security.CertificateSignedResponse, error) {
	h.record("CertificateSigned", r)
	return stamped(security.NewCertificateSignedResponse(security.CertificateSignedStatus("Rejected")), "CertificateSigned"), nil
}

func (h *csHandler) OnClearChargingProfile(r *smartcharging.ClearChargingProfileRequest) (*smartcharging.ClearChargingProfileResponse, error) {
	h.record("ClearChargingProfile", r)
	return stamped(smartcharging.NewClearChargingProfileResponse(smartcharging.ClearChargingProfileStatus("Unknown")), "ClearChargingProfile"), nil
}

func (h *csHandler) OnGetChargingProfiles(r *smartcharging.GetChargingProfilesRequest) (*smartcharging.GetChargingProfilesResponse, error) {
	h.record("GetChargingProfiles", r)
	return stamped(smartcharging.NewGetChargingProfilesResponse(smartcharging.GetChargingProfileStatus("NoProfiles")), "GetChargingProfiles"), nil
}

func (h *csHandler) OnGetCompositeSchedule(r *smartcharging.GetCompositeScheduleRequest) (*smartcharging.GetCompositeScheduleResponse, error) {
	h.record("GetCompositeSchedule", r)
	return stamped(smartcharging.NewGetCompositeScheduleResponse(smartcharging.GetCompositeScheduleStatus("Rejected"), r.EvseID), "GetCompositeSchedule"), nil
}

func (h *csHandler) OnSetChargingProfile(r *smartcharging.SetChargingProfileRequest) (*smartcharging.SetChargingProfileResponse, error) {
	h.record("SetChargingProfile", r)
	return stamped(smartcharging.NewSetChargingProfileResponse(smartcharging.ChargingProfileStatus("Accepted")), "SetChargingProfile"), nil
}

func (h *csHandler) OnClearDisplay(r *display.ClearDisplayRequest) (*display.ClearDisplayResponse, error) {
	h.record("ClearDisplayMessage", r)
	return stamped(display.NewClearDisplayResponse(display.ClearMessageStatus("Unknown")), "ClearDisplayMessage"), nil
}

func (h *csHandler) OnGetDisplayMessages(r *display.GetDisplayMessagesRequest) (*display.GetDisplayMessagesResponse, error) {
	h.record("GetDisplayMessages", r)
	return display.NewGetDisplayMessagesResponse(display.MessageStatus("Unknown")), nil
}

func (h *csHandler) OnSetDisplayMessage(r *display.SetDisplayMessageRequest) (*display.SetDisplayMessageResponse, error) {
	h.record("SetDisplayMessage", r)
	return stamped(display.NewSetDisplayMessageResponse(display.DisplayMessageStatus("Accepted")), "SetDisplayMessage"), nil
}

func (h *csHandler) OnClearVariableMonitoring(r *diagnostics.ClearVariableMonitoringRequest) (*diagnostics.ClearVariableMonitoringResponse, error) {
	h.record("ClearVariableMonitoring", r)
	var out []diagnostics.ClearMonitoringResult
	for _, id := range r.ID {
		out = append(out, diagnostics.ClearMonitoringResult{ID: id, Status: diagnostics.ClearMonitoringStatus("NotFound")})
	}
	return diagnostics.NewClearVariableMonitoringResponse(out), nil
}

func (h *csHandler) OnCustomerInformation(r *diagnostics.CustomerInformationRequest) (*diagnostics.CustomerInformationResponse, error) {
	h.record("CustomerInformation", r)
	return stamped(diagnostics.NewCustomerInformationResponse(diagnostics.CustomerInformationStatus("Accepted")), "CustomerInformation"), nil
}

func (h *csHandler) OnGetLog(r *diagnostics.GetLogRequest) (*diagnostics.GetLogResponse, error) {
	h.record("GetLog", r)
	resp := diagnostics.NewGetLogResponse(diagnostics.LogStatus("Accepted"))
	resp.Filename = "ocppgo-station.log"
	return resp, nil
}

func (h *csHandler) OnGetMonitoringReport(r *diagnostics.GetMonitoringReportRequest) (*diagnostics.GetMonitoringReportResponse, error) {
	h.record("GetMonitoringReport", r)
	return diagnostics.NewGetMonitoringReportResponse(types.GenericDeviceModelStatusEmptyResultSet), nil
}

func (h *csHandler) OnSetMonitoringBase(r *diagnostics.SetMonitoringBaseRequest) (*diagnostics.SetMonitoringBaseResponse, error) {
	h.record("SetMonitoringBase", r)
	return stamped(diagnostics.NewSetMonitoringBaseResponse(types.GenericDeviceModelStatusAccepted), "SetMonitoringBase"), nil
}

func (h *csHandler) OnSetMonitoringLevel(r *diagnostics.SetMonitoringLevelRequest) (*diagnostics.SetMonitoringLevelResponse, error) {
	h.record("SetMonitoringLevel", r)
	return stamped(diagnostics.NewSetMonitoringLevelResponse(types.GenericDeviceModelStatusAccepted), "SetMonitoringLevel"), nil
}

func (h *csHandler) OnSetVariableMonitoring(r *diagnostics.SetVariableMonitoringRequest) (*diagnostics.SetVariableMonitoringResponse, error) {
	h.record("SetVariableMonitoring", r)
	var out []diagnostics.SetMonitoringResult
	for i, d := range r.MonitoringData {
		id := 700 + i
		out = append(out, diagnostics.SetMonitoringResult{ID: &id, Status: diagnostics.SetMonitoringStatus("Accepted"), Type: d.Type,
			Severity: d.Severity, Component: d.Component, Variable: d.Variable})
	}
	return diagnostics.NewSetVariableMonitoringResponse(out), nil
}

func (h *csHandler) OnCostUpdated(r *tariffcost.CostUpdatedRequest) (*tariffcost.CostUpdatedResponse, error) {
	h.record("CostUpdated", r)
	return tariffcost.NewCostUpdatedResponse(), nil
}

func (h *csHandler) OnDataTransfer(r *data.DataTransferRequest) (*data.DataTransferResponse, error) {
	h.record("DataTransfer", r)
	resp := stamped(data.NewDataTransferResponse(data.DataTransferStatus("Accepted")), "DataTransfer")
	resp.Data = "pong from ocpp-go"
	return resp, nil
}

func (h *csHandler) OnDeleteCertificate(r *iso15118.DeleteCertificateRequest) (*iso15118.DeleteCertificateResponse, error) {
	h.record("DeleteCertificate", r)
	return stamped(iso15118.NewDeleteCertificateResponse(iso15118.DeleteCertificateStatus("NotFound")), "DeleteCertificate"), nil
}

func (h *csHandler) OnGetInstalledCertificateIds(r *iso15118.GetInstalledCertificateIdsRequest) (*iso15118.GetInstalledCertificateIdsResponse, error) {
	h.record("GetInstalledCertificateIds", r)
	return stamped(iso15118.NewGetInstalledCertificateIdsResponse(iso15118.GetInstalledCertificateStatus("NotFound")), "GetInstalledCertificateIds"), nil
}

func (h *csHandler) OnInstallCertificate(r *iso15118.InstallCertificateRequest) (*iso15118.InstallCertificateResponse, error) {
	h.record("InstallCertificate", r)
	return stamped(iso15118.NewInstallCertificateResponse(iso15118.InstallCertificateStatus("Rejected")), "InstallCertificate"), nil
}

func (h *csHandler) OnGetLocalListVersion(r *localauth.GetLocalListVersionRequest) (*localauth.GetLocalListVersionResponse, error) {
	h.record("GetLocalListVersion", r)
	return localauth.NewGetLocalListVersionResponse(4242), nil
}

func (h *csHandler) OnSendLocalList(r *localauth.SendLocalListRequest) (*localauth.SendLocalListResponse, error) {
	h.record("SendLocalList", r)
	return stamped(localauth.NewSendLocalListResponse(localauth.SendLocalListStatus("Accepted")), "SendLocalList"), nil
}

func (h *csHandler) OnPublishFirmware(r *firmware.PublishFirmwareRequest) (*firmware.PublishFirmwareResponse, error) {
	h.record("PublishFirmware", r)
	return stamped(firmware.NewPublishFirmwareResponse(types.GenericStatusAccepted), "PublishFirmware"), nil
}

func (h *csHandler) OnUnpublishFirmware(r *firmware.UnpublishFirmwareRequest) (*firmware.UnpublishFirmwareResponse, error) {
	h.record("UnpublishFirmware", r)
	return firmware.NewUnpublishFirmwareResponse(firmware.UnpublishFirmwareStatus("NoFirmware")), nil
}

func (h *csHandler) OnUpdateFirmware(r *firmware.UpdateFirmwareRequest) (*firmware.UpdateFirmwareResponse, error) {
	h.record("UpdateFirmware", r)
	return stamped(firmware.NewUpdateFirmwareResponse(firmware.UpdateFirmwareStatus("Accepted")), "UpdateFirmware"), nil
}

func (h *csHandler) OnGetTransactionStatus(r *transactions.GetTransactionStatusRequest) (*transactions.GetTransactionStatusResponse, error) {
	h.record("GetTransactionStatus", r)
	resp := transactions.NewGetTransactionStatusResponse(true)
	ongoing := false
	resp.OngoingIndicator = &ongoing
	return resp, nil
}
