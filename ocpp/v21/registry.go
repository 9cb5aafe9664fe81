package v21

import (
	"github.com/volt-ev/volt/ocpp"
	base "github.com/volt-ev/volt/ocpp/v201"
)

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

// blocks21 names the functional blocks OCPP 2.1 adds to 2.0.1's A-P
// (Part 2): the registry's Profile.
var blocks21 = map[string]string{
	"C": "Authorization", "I": "TariffAndCost", "K": "SmartCharging", "M": "ISO15118CertificateManagement",
	"N": "Diagnostics", "Q": "BidirectionalPowerTransfer", "R": "DERControl", "S": "BatterySwapping",
}

// blockOf21 places the actions new in 2.1; the others keep their 2.0.1
// block. Periodic event streams are diagnostics (monitoring), tariffs
// tariff and cost, dynamic schedules and priority charging smart charging,
// the ad hoc payment messages authorization.
var blockOf21 = map[string]string{
	ActionNotifySettlement: "C", ActionNotifyWebPaymentStarted: "C", ActionVatNumberValidation: "C",
	ActionChangeTransactionTariff: "I", ActionClearTariffs: "I", ActionGetTariffs: "I", ActionSetDefaultTariff: "I",
	ActionNotifyPriorityCharging: "K", ActionPullDynamicScheduleUpdate: "K", ActionUpdateDynamicSchedule: "K", ActionUsePriorityCharging: "K",
	ActionGetCertificateChainStatus: "M",
	ActionAdjustPeriodicEventStream: "N", ActionClosePeriodicEventStream: "N", ActionGetPeriodicEventStream: "N", ActionOpenPeriodicEventStream: "N",
	ActionAFRRSignal: "Q", ActionNotifyAllowedEnergyTransfer: "Q",
	ActionClearDERControl: "R", ActionGetDERControl: "R", ActionNotifyDERAlarm: "R", ActionNotifyDERStartStop: "R",
	ActionReportDERControl: "R", ActionSetDERControl: "R",
	ActionBatterySwap: "S", ActionRequestBatterySwap: "S",
}

// block names an action's functional block: its 2.1 block, else the one
// it has in 2.0.1.
func block(action string) string {
	if b, ok := blockOf21[action]; ok {
		return blocks21[b]
	}
	if spec, ok := base.Registry().Lookup(action); ok {
		return spec.Profile
	}
	return ""
}

var registry = ocpp.NewRegistry(ocpp.V21, specs)

// Registry returns the OCPP 2.1 action registry. It is shared and immutable.
func Registry() *ocpp.Registry { return registry }
