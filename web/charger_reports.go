package web

import (
	"encoding/json"
	"strings"

	volt "github.com/volt-ev/volt"
)

// chargerReportsShown is how many of a 2.x charger's latest reports its
// page shows; the API pages through all of them.
const chargerReportsShown = 20

// chargerReportRow is a report on the charger page, with what the operator
// should notice of it.
type chargerReportRow struct {
	*volt.ChargingReport
	// Flag is a 2.1 station's own cost that differs from Volt's.
	Flag string
}

// chargerReports returns the latest reports an OCPP 2.x charger sent (smart
// charging, EV needs and schedules, monitoring, customer information,
// display messages, firmware publication, 2.1's own; issue #13), for its
// page: none for a 1.6 charger or when the service does not keep them.
func (a *Admin) chargerReports(s *sess, c *volt.Charger) ([]chargerReportRow, int, error) {
	l, ok := a.cfg.Charging.(volt.ChargingReportLister)
	if !ok || !strings.HasPrefix(c.OCPPVersion, "ocpp2") {
		return nil, 0, nil
	}
	items, total, err := l.ListChargingReports(s.ctx, c.CPID, "", volt.Page{Limit: chargerReportsShown})
	if volt.IsCode(err, volt.ENOTFOUND) {
		return nil, 0, nil
	}
	rows := make([]chargerReportRow, len(items))
	for i, r := range items {
		rows[i] = chargerReportRow{ChargingReport: r}
		var cost struct {
			Mismatch bool `json:"mismatch"`
		}
		if r.Kind == volt.ReportCostDetails && json.Unmarshal(r.Payload, &cost) == nil && cost.Mismatch {
			rows[i].Flag = "The station's cost differs from Volt's; Volt's stands."
		}
	}
	return rows, total, err
}
