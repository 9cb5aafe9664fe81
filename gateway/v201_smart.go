package gateway

import (
	"context"
	"encoding/json"

	volt "github.com/volt-ev/volt"
	"github.com/volt-ev/volt/ocpp/v201"
)

// The smart-charging messages of 2.x stations (OCPP 2.0.1 K09, K11, K12,
// K17; 2.1 adds V2X fields to them) are stored as sent, in the version the
// station spoke, for load management and the operator (issue #13): the
// request's own type is encoded, so 2.1's additions (discharge limits,
// V2X charging needs) are kept.
//
// They are read through GET /api/v1/chargers/{cpid}/charging-reports and on
// the portal's charger page, and the load management loop reads
// NotifyEVChargingNeeds back (lms/needs.go: departure time and energy give
// urgency, a discharge limit bounds V2X).

// chargingReportStore is implemented by a ChargingService that keeps the
// reports (store.ChargingService does). Without it they are answered and
// dropped.
type chargingReportStore interface {
	RecordChargingReport(ctx context.Context, r *volt.ChargingReport) error
}

// reportHandler stores a smart-charging message of kind and answers with
// answer.
func reportHandler(kind string, answer func() any) handler {
	return func(ctx context.Context, c *conn, req any) (any, error) {
		payload, err := json.Marshal(req)
		if err != nil {
			return nil, internal(c, "encode "+kind, err)
		}
		var ids struct {
			EvseID    *int `json:"evseId"`
			RequestID *int `json:"requestId"`
		}
		_ = json.Unmarshal(payload, &ids)
		r := &volt.ChargingReport{CPID: c.cpid, Kind: kind, RequestID: ids.RequestID, Payload: payload, ReceivedAt: c.g.cfg.Now()}
		if ids.EvseID != nil {
			r.EVSEID = *ids.EvseID
		}
		if f, ok := c.g.cfg.Charging.(chargingReportStore); ok {
			if err := f.RecordChargingReport(ctx, r); err != nil {
				return nil, internal(c, "record "+kind, err)
			}
		}
		return answer(), nil
	}
}

// smartHandlers2x are the handlers of the 2.x smart-charging messages.
func smartHandlers2x() map[string]handler {
	return map[string]handler{
		v201.ActionNotifyChargingLimit: reportHandler(volt.ReportChargingLimit, func() any { return &v201.NotifyChargingLimitResponse{} }),
		v201.ActionClearedChargingLimit: reportHandler(volt.ReportLimitCleared, func() any {
			return &v201.ClearedChargingLimitResponse{}
		}),
		v201.ActionReportChargingProfiles: reportHandler(volt.ReportChargingProfile, func() any {
			return &v201.ReportChargingProfilesResponse{}
		}),
		// Accepted: Volt takes the needs into account (its load
		// management sends the schedule as TxProfile).
		v201.ActionNotifyEVChargingNeeds: reportHandler(volt.ReportEVChargingNeeds, func() any {
			return &v201.NotifyEVChargingNeedsResponse{Status: v201.NotifyEVChargingNeedsStatusEnumAccepted}
		}),
	}
}
