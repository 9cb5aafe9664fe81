package web

import (
	"strings"

	volt "github.com/volt-ev/volt"
)

// chargerReportsShown is how many of a 2.x charger's latest reports its
// page shows; the API pages through all of them.
const chargerReportsShown = 20

// chargerReports returns the latest reports an OCPP 2.x charger sent (smart
// charging, EV needs and schedules, monitoring, customer information,
// display messages, firmware publication; issue #13), for its page: none
// for a 1.6 charger or when the service does not keep them.
func (a *Admin) chargerReports(s *sess, c *volt.Charger) ([]*volt.ChargingReport, int, error) {
	l, ok := a.cfg.Charging.(volt.ChargingReportLister)
	if !ok || !strings.HasPrefix(c.OCPPVersion, "ocpp2") {
		return nil, 0, nil
	}
	items, total, err := l.ListChargingReports(s.ctx, c.CPID, "", volt.Page{Limit: chargerReportsShown})
	if volt.IsCode(err, volt.ENOTFOUND) {
		return nil, 0, nil
	}
	return items, total, err
}
