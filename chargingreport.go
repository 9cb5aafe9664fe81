package volt

import (
	"context"
	"encoding/json"
	"time"
)

// Kinds of ChargingReport: the smart-charging messages an OCPP 2.0.1/2.1
// station sends (issue #13; OCPP 2.0.1 K11, K12, K09, K17), and its other
// reports.
const (
	ReportChargingLimit   = "NotifyChargingLimit"    // an external limit (a grid operator, an EMS) applies
	ReportLimitCleared    = "ClearedChargingLimit"   // that external limit ended
	ReportChargingProfile = "ReportChargingProfiles" // the answer to GetChargingProfiles, in parts
	ReportEVChargingNeeds = "NotifyEVChargingNeeds"  // what the car needs (ISO 15118): energy, departure, limits

	// The other reports a 2.x station sends, kept the same way (issue #13).
	ReportEVChargingSchedule  = "NotifyEVChargingSchedule"          // the schedule the car chose (K15)
	ReportMonitoring          = "NotifyMonitoringReport"            // the monitors a GetMonitoringReport asked for (N02)
	ReportCustomerInformation = "NotifyCustomerInformation"         // what a CustomerInformation request found (N09)
	ReportDisplayMessages     = "NotifyDisplayMessages"             // the messages a GetDisplayMessages asked for (O04)
	ReportFirmwarePublication = "PublishFirmwareStatusNotification" // the local firmware publication (L03)

	// OCPP 2.1's periodic event streams: opened, data (a SEND; RequestID is
	// the stream id), closed.
	ReportEventStreamOpened = "OpenPeriodicEventStream"
	ReportEventStream       = "NotifyPeriodicEventStream"
	ReportEventStreamClosed = "ClosePeriodicEventStream"
	// ReportCostDetails is a 2.1 TransactionEvent's costDetails (the
	// station's own cost) beside Volt's, flagged when they differ; Volt's
	// price stands.
	ReportCostDetails = "CostDetails"

	// Other 2.1 reports: DER control (R), priority charging, a payment
	// terminal's settlement, battery swaps (S).
	ReportDERAlarm         = "NotifyDERAlarm"
	ReportDERStartStop     = "NotifyDERStartStop"
	ReportDERControl       = "ReportDERControl"
	ReportPriorityCharging = "NotifyPriorityCharging"
	ReportSettlement       = "NotifySettlement"
	ReportBatterySwap      = "BatterySwap"
)

// ChargingReportKinds are the kinds of ChargingReport, for filters.
var ChargingReportKinds = []string{ReportChargingLimit, ReportLimitCleared, ReportChargingProfile, ReportEVChargingNeeds,
	ReportEVChargingSchedule, ReportMonitoring, ReportCustomerInformation, ReportDisplayMessages, ReportFirmwarePublication,
	ReportEventStreamOpened, ReportEventStream, ReportEventStreamClosed, ReportCostDetails,
	ReportDERAlarm, ReportDERStartStop, ReportDERControl, ReportPriorityCharging, ReportSettlement, ReportBatterySwap}

// ChargingReport is one smart-charging message a station sent, kept as sent
// (Payload, the OCPP JSON of that version) for load management and the
// operator: EVSEID 0 is the station; RequestID the GetChargingProfiles
// request a ReportChargingProfiles answers.
type ChargingReport struct {
	ID         string          `json:"id"`
	CPID       string          `json:"cpid"`
	EVSEID     int             `json:"evseId"`
	Kind       string          `json:"kind"`
	RequestID  *int            `json:"requestId,omitempty"`
	Payload    json.RawMessage `json:"payload"`
	ReceivedAt time.Time       `json:"receivedAt"`
}

// ChargingReportService keeps the smart-charging reports of OCPP 2.x
// stations. RecordChargingReport is the gateway's (system actor);
// FindChargingReports returns a charger's reports the actor may see, newest
// first, of one kind when kind is not "" (ENOTFOUND for a charger outside
// the actor's scope).
type ChargingReportService interface {
	RecordChargingReport(ctx context.Context, r *ChargingReport) error
	FindChargingReports(ctx context.Context, cpid, kind string, limit int) ([]*ChargingReport, error)
}

// ChargingReportLister pages a charger's reports for the API and the portal
// (store.ChargingService implements it): newest first, of one kind when kind
// is not "", with the total before paging; ENOTFOUND for a charger outside
// the actor's read scope.
type ChargingReportLister interface {
	ListChargingReports(ctx context.Context, cpid, kind string, p Page) ([]*ChargingReport, int, error)
}
