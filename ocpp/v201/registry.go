package v201

import "github.com/volt-ev/volt/ocpp"

// toCSMS are the actions a charging station sends (OCPP 2.0.1 Part 2, the
// messages of each use case); every other action is sent by the CSMS, and
// DataTransfer both ways (P01, P02).
var toCSMS = map[string]bool{
	ActionAuthorize: true, ActionBootNotification: true, ActionClearedChargingLimit: true,
	ActionFirmwareStatusNotification: true, ActionGet15118EVCertificate: true, ActionGetCertificateStatus: true,
	ActionHeartbeat: true, ActionLogStatusNotification: true, ActionMeterValues: true,
	ActionNotifyChargingLimit: true, ActionNotifyCustomerInformation: true, ActionNotifyDisplayMessages: true,
	ActionNotifyEVChargingNeeds: true, ActionNotifyEVChargingSchedule: true, ActionNotifyEvent: true,
	ActionNotifyMonitoringReport: true, ActionNotifyReport: true, ActionPublishFirmwareStatusNotification: true,
	ActionReportChargingProfiles: true, ActionReservationStatusUpdate: true, ActionSecurityEventNotification: true,
	ActionSignCertificate: true, ActionStatusNotification: true, ActionTransactionEvent: true,
}

func direction(action string) ocpp.Direction {
	switch {
	case action == ActionDataTransfer:
		return ocpp.BothDirections
	case toCSMS[action]:
		return ocpp.ChargerToCSMS
	}
	return ocpp.CSMSToCharger
}

// blocks names the functional block of each action (OCPP 2.0.1 Part 2):
// the registry's Profile.
var blocks = map[string]string{
	"A": "Security", "B": "Provisioning", "C": "Authorization", "D": "LocalAuthorizationListManagement",
	"E": "Transactions", "F": "RemoteControl", "G": "Availability", "H": "Reservation", "I": "TariffAndCost",
	"J": "MeterValues", "K": "SmartCharging", "L": "FirmwareManagement", "M": "ISO15118CertificateManagement",
	"N": "Diagnostics", "O": "DisplayMessage", "P": "DataTransfer",
}

var blockOf = map[string]string{
	ActionCertificateSigned: "A", ActionSignCertificate: "A", ActionSecurityEventNotification: "A",
	ActionBootNotification: "B", ActionGetBaseReport: "B", ActionGetReport: "B", ActionGetVariables: "B",
	ActionNotifyReport: "B", ActionReset: "B", ActionSetNetworkProfile: "B", ActionSetVariables: "B",
	ActionAuthorize: "C", ActionClearCache: "C",
	ActionGetLocalListVersion: "D", ActionSendLocalList: "D",
	ActionTransactionEvent: "E", ActionGetTransactionStatus: "E",
	ActionRequestStartTransaction: "F", ActionRequestStopTransaction: "F", ActionTriggerMessage: "F", ActionUnlockConnector: "F",
	ActionChangeAvailability: "G", ActionHeartbeat: "G", ActionStatusNotification: "G",
	ActionCancelReservation: "H", ActionReserveNow: "H", ActionReservationStatusUpdate: "H",
	ActionCostUpdated:          "I",
	ActionMeterValues:          "J",
	ActionClearChargingProfile: "K", ActionClearedChargingLimit: "K", ActionGetChargingProfiles: "K",
	ActionGetCompositeSchedule: "K", ActionNotifyChargingLimit: "K", ActionNotifyEVChargingNeeds: "K",
	ActionNotifyEVChargingSchedule: "K", ActionReportChargingProfiles: "K", ActionSetChargingProfile: "K",
	ActionFirmwareStatusNotification: "L", ActionPublishFirmware: "L", ActionPublishFirmwareStatusNotification: "L",
	ActionUnpublishFirmware: "L", ActionUpdateFirmware: "L",
	ActionDeleteCertificate: "M", ActionGet15118EVCertificate: "M", ActionGetCertificateStatus: "M",
	ActionGetInstalledCertificateIds: "M", ActionInstallCertificate: "M",
	ActionClearVariableMonitoring: "N", ActionCustomerInformation: "N", ActionGetLog: "N", ActionGetMonitoringReport: "N",
	ActionLogStatusNotification: "N", ActionNotifyCustomerInformation: "N", ActionNotifyEvent: "N",
	ActionNotifyMonitoringReport: "N", ActionSetMonitoringBase: "N", ActionSetMonitoringLevel: "N", ActionSetVariableMonitoring: "N",
	ActionClearDisplayMessage: "O", ActionGetDisplayMessages: "O", ActionNotifyDisplayMessages: "O", ActionSetDisplayMessage: "O",
	ActionDataTransfer: "P",
}

func block(action string) string { return blocks[blockOf[action]] }

var registry = ocpp.NewRegistry(ocpp.V201, specs)

// Registry returns the OCPP 2.0.1 action registry. It is shared and immutable.
func Registry() *ocpp.Registry { return registry }
