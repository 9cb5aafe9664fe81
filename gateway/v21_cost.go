package gateway

import (
	"context"
	"encoding/json"
	"math"

	volt "github.com/volt-ev/volt"
	"github.com/volt-ev/volt/ocpp/v201"
	"github.com/volt-ev/volt/ocpp/v21"
)

// A 2.1 station that prices locally reports its own cost in TransactionEvent
// costDetails (OCPP 2.1 I: local cost calculation). Volt's price stays
// authoritative (the CDR and the answer's totalCost are Volt's): the
// station's figures are kept as a report beside Volt's (kind
// volt.ReportCostDetails) and a difference is logged and flagged
// ("mismatch": true) for the operator.

// costDetailsReport is the payload of a ReportCostDetails report.
type costDetailsReport struct {
	TransactionID string           `json:"transactionId"`
	EventType     string           `json:"eventType"`
	SeqNo         int              `json:"seqNo"`
	CostDetails   *v21.CostDetails `json:"costDetails"`
	// VoltTotalCost is Volt's cost including VAT in major units of
	// VoltCurrency: the CDR's on Ended, the live cost before; absent when
	// Volt has none (free vend, no reading yet).
	VoltTotalCost *float64 `json:"voltTotalCost,omitempty"`
	VoltCurrency  string   `json:"voltCurrency,omitempty"`
	// Mismatch: the station's total (including tax) or currency differs
	// from Volt's by at least one minor unit.
	Mismatch bool `json:"mismatch"`
}

// withCostDetails21 wraps the TransactionEvent handler of a 2.1 connection:
// after Volt handled the event, the station's costDetails are kept.
func withCostDetails21(h handler) handler {
	return func(ctx context.Context, c *conn, req any) (any, error) {
		resp, err := h(ctx, c, req)
		if err != nil {
			return resp, err
		}
		if r, ok := req.(*v21.TransactionEventRequest); ok && r.CostDetails != nil {
			var total *float64
			if tr, ok := resp.(*v201.TransactionEventResponse); ok {
				total = tr.TotalCost
			}
			recordCostDetails(ctx, c, r, total)
		}
		return resp, nil
	}
}

func recordCostDetails(ctx context.Context, c *conn, r *v21.TransactionEventRequest, endedTotal *float64) {
	rep := costDetailsReport{TransactionID: r.TransactionInfo.TransactionID, EventType: string(r.EventType), SeqNo: r.SeqNo, CostDetails: r.CostDetails}
	if s, err := findChargerTx(ctx, c, rep.TransactionID); err == nil && s != nil && s.LiveCost != nil {
		rep.VoltCurrency = s.LiveCost.Currency
		if f, ok := majorUnits(s.LiveCost); ok {
			rep.VoltTotalCost = &f
		}
	}
	if r.EventType == v21.TransactionEventEnumEnded && endedTotal != nil {
		rep.VoltTotalCost = endedTotal
	}
	rep.Mismatch = costsDiffer(r.CostDetails.TotalCost, rep.VoltTotalCost, rep.VoltCurrency)
	if rep.Mismatch {
		c.g.log.Warn("gateway: the station's cost differs from Volt's; Volt's stands", "cpid", c.cpid,
			"transactionId", rep.TransactionID, "eventType", rep.EventType, "stationCurrency", r.CostDetails.TotalCost.Currency,
			"stationTotal", stationTotal(r.CostDetails.TotalCost), "voltTotal", rep.VoltTotalCost, "voltCurrency", rep.VoltCurrency)
	}
	payload, err := json.Marshal(rep)
	if err != nil {
		c.g.log.Error("gateway: encode cost details", "cpid", c.cpid, "err", err)
		return
	}
	f, ok := c.g.cfg.Charging.(chargingReportStore)
	if !ok || costDetailsKept(ctx, c, rep) {
		return
	}
	evse := 0
	if r.Evse != nil {
		evse = r.Evse.ID
	}
	if err := f.RecordChargingReport(ctx, &volt.ChargingReport{CPID: c.cpid, EVSEID: evse, Kind: volt.ReportCostDetails,
		Payload: payload, ReceivedAt: c.g.cfg.Now()}); err != nil {
		c.g.log.Error("gateway: record cost details", "cpid", c.cpid, "transactionId", rep.TransactionID, "err", err)
	}
}

// stationTotal is the station's total including tax, else excluding.
func stationTotal(t v21.TotalCost) *float64 {
	if t.Total.InclTax != nil {
		return t.Total.InclTax
	}
	return t.Total.ExclTax
}

// costsDiffer compares the station's total with Volt's in minor units of
// the currency: a different currency, or amounts that round to different
// minor units. Without a Volt cost, a non-zero station total differs.
func costsDiffer(t v21.TotalCost, volts *float64, voltCurrency string) bool {
	st := stationTotal(t)
	if volts == nil {
		return st != nil && *st != 0
	}
	if st == nil || voltCurrency != "" && t.Currency != voltCurrency {
		return true
	}
	exp := volt.CurrencyExponent(t.Currency)
	if exp < 0 {
		exp = 2
	}
	scale := math.Pow10(exp)
	return math.Round(*st*scale) != math.Round(*volts*scale)
}

// costDetailsKept reports whether the event's cost details are kept
// already: a replayed event (same transaction and seqNo) is kept once.
func costDetailsKept(ctx context.Context, c *conn, rep costDetailsReport) bool {
	f, ok := c.g.cfg.Charging.(interface {
		FindChargingReports(ctx context.Context, cpid, kind string, limit int) ([]*volt.ChargingReport, error)
	})
	if !ok {
		return false
	}
	kept, err := f.FindChargingReports(ctx, c.cpid, volt.ReportCostDetails, 100)
	if err != nil {
		return false
	}
	for _, k := range kept {
		var old costDetailsReport
		if json.Unmarshal(k.Payload, &old) == nil && old.TransactionID == rep.TransactionID && old.SeqNo == rep.SeqNo && old.EventType == rep.EventType {
			return true
		}
	}
	return false
}
