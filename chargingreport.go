package volt

import (
	"context"
	"encoding/json"
	"time"
)

// Kinds of ChargingReport: the smart-charging messages an OCPP 2.0.1/2.1
// station sends (issue #13; OCPP 2.0.1 K11, K12, K09, K17).
const (
	ReportChargingLimit   = "NotifyChargingLimit"    // an external limit (a grid operator, an EMS) applies
	ReportLimitCleared    = "ClearedChargingLimit"   // that external limit ended
	ReportChargingProfile = "ReportChargingProfiles" // the answer to GetChargingProfiles, in parts
	ReportEVChargingNeeds = "NotifyEVChargingNeeds"  // what the car needs (ISO 15118): energy, departure, limits
)

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
