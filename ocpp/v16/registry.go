package v16

import "github.com/volt-ev/volt/ocpp"

// Action names of OCPP 1.6 (OCPP 1.6 §4, §5 and the security extension).
const (
	ActionAuthorize                        = "Authorize"
	ActionBootNotification                 = "BootNotification"
	ActionDataTransfer                     = "DataTransfer"
	ActionDiagnosticsStatusNotification    = "DiagnosticsStatusNotification"
	ActionFirmwareStatusNotification       = "FirmwareStatusNotification"
	ActionHeartbeat                        = "Heartbeat"
	ActionMeterValues                      = "MeterValues"
	ActionStartTransaction                 = "StartTransaction"
	ActionStatusNotification               = "StatusNotification"
	ActionStopTransaction                  = "StopTransaction"
	ActionCancelReservation                = "CancelReservation"
	ActionChangeAvailability               = "ChangeAvailability"
	ActionChangeConfiguration              = "ChangeConfiguration"
	ActionClearCache                       = "ClearCache"
	ActionClearChargingProfile             = "ClearChargingProfile"
	ActionGetCompositeSchedule             = "GetCompositeSchedule"
	ActionGetConfiguration                 = "GetConfiguration"
	ActionGetDiagnostics                   = "GetDiagnostics"
	ActionGetLocalListVersion              = "GetLocalListVersion"
	ActionRemoteStartTransaction           = "RemoteStartTransaction"
	ActionRemoteStopTransaction            = "RemoteStopTransaction"
	ActionReserveNow                       = "ReserveNow"
	ActionReset                            = "Reset"
	ActionSendLocalList                    = "SendLocalList"
	ActionSetChargingProfile               = "SetChargingProfile"
	ActionTriggerMessage                   = "TriggerMessage"
	ActionUnlockConnector                  = "UnlockConnector"
	ActionUpdateFirmware                   = "UpdateFirmware"
	ActionCertificateSigned                = "CertificateSigned"
	ActionDeleteCertificate                = "DeleteCertificate"
	ActionExtendedTriggerMessage           = "ExtendedTriggerMessage"
	ActionGetInstalledCertificateIds       = "GetInstalledCertificateIds"
	ActionGetLog                           = "GetLog"
	ActionInstallCertificate               = "InstallCertificate"
	ActionLogStatusNotification            = "LogStatusNotification"
	ActionSecurityEventNotification        = "SecurityEventNotification"
	ActionSignCertificate                  = "SignCertificate"
	ActionSignedFirmwareStatusNotification = "SignedFirmwareStatusNotification"
	ActionSignedUpdateFirmware             = "SignedUpdateFirmware"
)

// Feature profiles (OCPP 1.6 §3.2); Security is the security extension.
const (
	ProfileCore                    = "Core"
	ProfileFirmwareManagement      = "FirmwareManagement"
	ProfileLocalAuthListManagement = "LocalAuthListManagement"
	ProfileReservation             = "Reservation"
	ProfileSmartCharging           = "SmartCharging"
	ProfileRemoteTrigger           = "RemoteTrigger"
	ProfileSecurity                = "Security"
)

var specs = []ocpp.ActionSpec{
	{Name: ActionAuthorize, Direction: ocpp.ChargerToCSMS, Profile: ProfileCore,
		NewRequest: func() any { return new(AuthorizeRequest) }, NewResponse: func() any { return new(AuthorizeResponse) }},
	{Name: ActionBootNotification, Direction: ocpp.ChargerToCSMS, Profile: ProfileCore,
		NewRequest: func() any { return new(BootNotificationRequest) }, NewResponse: func() any { return new(BootNotificationResponse) }},
	{Name: ActionDataTransfer, Direction: ocpp.BothDirections, Profile: ProfileCore,
		NewRequest: func() any { return new(DataTransferRequest) }, NewResponse: func() any { return new(DataTransferResponse) }},
	{Name: ActionDiagnosticsStatusNotification, Direction: ocpp.ChargerToCSMS, Profile: ProfileFirmwareManagement,
		NewRequest: func() any { return new(DiagnosticsStatusNotificationRequest) }, NewResponse: func() any { return new(DiagnosticsStatusNotificationResponse) }},
	{Name: ActionFirmwareStatusNotification, Direction: ocpp.ChargerToCSMS, Profile: ProfileFirmwareManagement,
		NewRequest: func() any { return new(FirmwareStatusNotificationRequest) }, NewResponse: func() any { return new(FirmwareStatusNotificationResponse) }},
	{Name: ActionHeartbeat, Direction: ocpp.ChargerToCSMS, Profile: ProfileCore,
		NewRequest: func() any { return new(HeartbeatRequest) }, NewResponse: func() any { return new(HeartbeatResponse) }},
	{Name: ActionMeterValues, Direction: ocpp.ChargerToCSMS, Profile: ProfileCore,
		NewRequest: func() any { return new(MeterValuesRequest) }, NewResponse: func() any { return new(MeterValuesResponse) }},
	{Name: ActionStartTransaction, Direction: ocpp.ChargerToCSMS, Profile: ProfileCore,
		NewRequest: func() any { return new(StartTransactionRequest) }, NewResponse: func() any { return new(StartTransactionResponse) }},
	{Name: ActionStatusNotification, Direction: ocpp.ChargerToCSMS, Profile: ProfileCore,
		NewRequest: func() any { return new(StatusNotificationRequest) }, NewResponse: func() any { return new(StatusNotificationResponse) }},
	{Name: ActionStopTransaction, Direction: ocpp.ChargerToCSMS, Profile: ProfileCore,
		NewRequest: func() any { return new(StopTransactionRequest) }, NewResponse: func() any { return new(StopTransactionResponse) }},
	{Name: ActionCancelReservation, Direction: ocpp.CSMSToCharger, Profile: ProfileReservation,
		NewRequest: func() any { return new(CancelReservationRequest) }, NewResponse: func() any { return new(CancelReservationResponse) }},
	{Name: ActionChangeAvailability, Direction: ocpp.CSMSToCharger, Profile: ProfileCore,
		NewRequest: func() any { return new(ChangeAvailabilityRequest) }, NewResponse: func() any { return new(ChangeAvailabilityResponse) }},
	{Name: ActionChangeConfiguration, Direction: ocpp.CSMSToCharger, Profile: ProfileCore,
		NewRequest: func() any { return new(ChangeConfigurationRequest) }, NewResponse: func() any { return new(ChangeConfigurationResponse) }},
	{Name: ActionClearCache, Direction: ocpp.CSMSToCharger, Profile: ProfileCore,
		NewRequest: func() any { return new(ClearCacheRequest) }, NewResponse: func() any { return new(ClearCacheResponse) }},
	{Name: ActionClearChargingProfile, Direction: ocpp.CSMSToCharger, Profile: ProfileSmartCharging,
		NewRequest: func() any { return new(ClearChargingProfileRequest) }, NewResponse: func() any { return new(ClearChargingProfileResponse) }},
	{Name: ActionGetCompositeSchedule, Direction: ocpp.CSMSToCharger, Profile: ProfileSmartCharging,
		NewRequest: func() any { return new(GetCompositeScheduleRequest) }, NewResponse: func() any { return new(GetCompositeScheduleResponse) }},
	{Name: ActionGetConfiguration, Direction: ocpp.CSMSToCharger, Profile: ProfileCore,
		NewRequest: func() any { return new(GetConfigurationRequest) }, NewResponse: func() any { return new(GetConfigurationResponse) }},
	{Name: ActionGetDiagnostics, Direction: ocpp.CSMSToCharger, Profile: ProfileFirmwareManagement,
		NewRequest: func() any { return new(GetDiagnosticsRequest) }, NewResponse: func() any { return new(GetDiagnosticsResponse) }},
	{Name: ActionGetLocalListVersion, Direction: ocpp.CSMSToCharger, Profile: ProfileLocalAuthListManagement,
		NewRequest: func() any { return new(GetLocalListVersionRequest) }, NewResponse: func() any { return new(GetLocalListVersionResponse) }},
	{Name: ActionRemoteStartTransaction, Direction: ocpp.CSMSToCharger, Profile: ProfileCore,
		NewRequest: func() any { return new(RemoteStartTransactionRequest) }, NewResponse: func() any { return new(RemoteStartTransactionResponse) }},
	{Name: ActionRemoteStopTransaction, Direction: ocpp.CSMSToCharger, Profile: ProfileCore,
		NewRequest: func() any { return new(RemoteStopTransactionRequest) }, NewResponse: func() any { return new(RemoteStopTransactionResponse) }},
	{Name: ActionReserveNow, Direction: ocpp.CSMSToCharger, Profile: ProfileReservation,
		NewRequest: func() any { return new(ReserveNowRequest) }, NewResponse: func() any { return new(ReserveNowResponse) }},
	{Name: ActionReset, Direction: ocpp.CSMSToCharger, Profile: ProfileCore,
		NewRequest: func() any { return new(ResetRequest) }, NewResponse: func() any { return new(ResetResponse) }},
	{Name: ActionSendLocalList, Direction: ocpp.CSMSToCharger, Profile: ProfileLocalAuthListManagement,
		NewRequest: func() any { return new(SendLocalListRequest) }, NewResponse: func() any { return new(SendLocalListResponse) }},
	{Name: ActionSetChargingProfile, Direction: ocpp.CSMSToCharger, Profile: ProfileSmartCharging,
		NewRequest: func() any { return new(SetChargingProfileRequest) }, NewResponse: func() any { return new(SetChargingProfileResponse) }},
	{Name: ActionTriggerMessage, Direction: ocpp.CSMSToCharger, Profile: ProfileRemoteTrigger,
		NewRequest: func() any { return new(TriggerMessageRequest) }, NewResponse: func() any { return new(TriggerMessageResponse) }},
	{Name: ActionUnlockConnector, Direction: ocpp.CSMSToCharger, Profile: ProfileCore,
		NewRequest: func() any { return new(UnlockConnectorRequest) }, NewResponse: func() any { return new(UnlockConnectorResponse) }},
	{Name: ActionUpdateFirmware, Direction: ocpp.CSMSToCharger, Profile: ProfileFirmwareManagement,
		NewRequest: func() any { return new(UpdateFirmwareRequest) }, NewResponse: func() any { return new(UpdateFirmwareResponse) }},
	{Name: ActionCertificateSigned, Direction: ocpp.CSMSToCharger, Profile: ProfileSecurity,
		NewRequest: func() any { return new(CertificateSignedRequest) }, NewResponse: func() any { return new(CertificateSignedResponse) }},
	{Name: ActionDeleteCertificate, Direction: ocpp.CSMSToCharger, Profile: ProfileSecurity,
		NewRequest: func() any { return new(DeleteCertificateRequest) }, NewResponse: func() any { return new(DeleteCertificateResponse) }},
	{Name: ActionExtendedTriggerMessage, Direction: ocpp.CSMSToCharger, Profile: ProfileSecurity,
		NewRequest: func() any { return new(ExtendedTriggerMessageRequest) }, NewResponse: func() any { return new(ExtendedTriggerMessageResponse) }},
	{Name: ActionGetInstalledCertificateIds, Direction: ocpp.CSMSToCharger, Profile: ProfileSecurity,
		NewRequest: func() any { return new(GetInstalledCertificateIdsRequest) }, NewResponse: func() any { return new(GetInstalledCertificateIdsResponse) }},
	{Name: ActionGetLog, Direction: ocpp.CSMSToCharger, Profile: ProfileSecurity,
		NewRequest: func() any { return new(GetLogRequest) }, NewResponse: func() any { return new(GetLogResponse) }},
	{Name: ActionInstallCertificate, Direction: ocpp.CSMSToCharger, Profile: ProfileSecurity,
		NewRequest: func() any { return new(InstallCertificateRequest) }, NewResponse: func() any { return new(InstallCertificateResponse) }},
	{Name: ActionLogStatusNotification, Direction: ocpp.ChargerToCSMS, Profile: ProfileSecurity,
		NewRequest: func() any { return new(LogStatusNotificationRequest) }, NewResponse: func() any { return new(LogStatusNotificationResponse) }},
	{Name: ActionSecurityEventNotification, Direction: ocpp.ChargerToCSMS, Profile: ProfileSecurity,
		NewRequest: func() any { return new(SecurityEventNotificationRequest) }, NewResponse: func() any { return new(SecurityEventNotificationResponse) }},
	{Name: ActionSignCertificate, Direction: ocpp.ChargerToCSMS, Profile: ProfileSecurity,
		NewRequest: func() any { return new(SignCertificateRequest) }, NewResponse: func() any { return new(SignCertificateResponse) }},
	{Name: ActionSignedFirmwareStatusNotification, Direction: ocpp.ChargerToCSMS, Profile: ProfileSecurity,
		NewRequest: func() any { return new(SignedFirmwareStatusNotificationRequest) }, NewResponse: func() any { return new(SignedFirmwareStatusNotificationResponse) }},
	{Name: ActionSignedUpdateFirmware, Direction: ocpp.CSMSToCharger, Profile: ProfileSecurity,
		NewRequest: func() any { return new(SignedUpdateFirmwareRequest) }, NewResponse: func() any { return new(SignedUpdateFirmwareResponse) }},
}

var registry = ocpp.NewRegistry(ocpp.V16, specs)

// Registry returns the OCPP 1.6 action registry. It is shared and immutable.
func Registry() *ocpp.Registry { return registry }
