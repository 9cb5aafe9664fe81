package v21

import "github.com/volt-ev/volt/ocpp"

// toCSMS are the actions a charging station sends in OCPP 2.1 (Part 2, the
// messages of each use case); every other action is sent by the CSMS, and
// DataTransfer both ways. LESSONS 2.x item 18: ReportDERControl travels
// from the station.
var toCSMS = map[string]bool{
	ActionAuthorize: true, ActionBootNotification: true, ActionClearedChargingLimit: true,
	ActionFirmwareStatusNotification: true, ActionGet15118EVCertificate: true, ActionGetCertificateStatus: true,
	ActionHeartbeat: true, ActionLogStatusNotification: true, ActionMeterValues: true,
	ActionNotifyChargingLimit: true, ActionNotifyCustomerInformation: true, ActionNotifyDisplayMessages: true,
	ActionNotifyEVChargingNeeds: true, ActionNotifyEVChargingSchedule: true, ActionNotifyEvent: true,
	ActionNotifyMonitoringReport: true, ActionNotifyReport: true, ActionPublishFirmwareStatusNotification: true,
	ActionReportChargingProfiles: true, ActionReservationStatusUpdate: true, ActionSecurityEventNotification: true,
	ActionSignCertificate: true, ActionStatusNotification: true, ActionTransactionEvent: true,
	// New in 2.1.
	ActionBatterySwap: true, ActionGetCertificateChainStatus: true, ActionNotifyDERAlarm: true,
	ActionNotifyDERStartStop: true, ActionNotifyPriorityCharging: true, ActionNotifySettlement: true,
	ActionOpenPeriodicEventStream: true, ActionClosePeriodicEventStream: true, ActionPullDynamicScheduleUpdate: true,
	ActionReportDERControl: true, ActionVatNumberValidation: true,
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

// block names an action's functional block.
// TODO(issue 13): the 2.1 blocks (Q Bidirectional power transfer, R DER
// control, S Battery swap, ...) per action; the registry says "2.1" for now.
func block(string) string { return "2.1" }

var registry = ocpp.NewRegistry(ocpp.V21, specs)

// Registry returns the OCPP 2.1 action registry. It is shared and immutable.
func Registry() *ocpp.Registry { return registry }
