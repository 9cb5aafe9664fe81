package web

import (
	"net/http"
	"strconv"
	"strings"

	volt "github.com/volt-ev/volt"
)

// connectorUpdate saves a connector's facts from the charger page: type,
// power type (empty: follows the type) and ratings. A number field left
// empty is 0, "not known".
func (a *Admin) connectorUpdate(w http.ResponseWriter, r *http.Request, s *sess) {
	cpid := r.PathValue("cpid")
	back := AdminPrefix + "/chargers/" + cpid
	n, err := strconv.Atoi(r.PathValue("n"))
	if err != nil {
		a.refused(w, r, back, volt.FieldError("connectorId", "No such connector."))
		return
	}
	u := volt.ConnectorUpdate{}
	t := volt.ConnectorType(strings.TrimSpace(r.PostFormValue("type")))
	u.Type = &t
	if p := volt.PowerType(strings.TrimSpace(r.PostFormValue("powerType"))); p != "" {
		u.PowerType = &p
	}
	for _, f := range []struct {
		name, label string
		dst         **int
	}{{"maxPowerW", "Max power", &u.MaxPowerW}, {"maxCurrentA", "Max current", &u.MaxCurrentA}, {"maxVoltageV", "Max voltage", &u.MaxVoltageV}} {
		raw := strings.TrimSpace(r.PostFormValue(f.name))
		v := 0
		if raw != "" {
			if v, err = strconv.Atoi(raw); err != nil {
				a.refused(w, r, back, volt.FieldError(f.name, "%s must be a whole number, got %q.", f.label, raw))
				return
			}
		}
		*f.dst = &v
	}
	if _, err := a.cfg.Chargers.UpdateConnector(s.ctx, cpid, n, u); err != nil {
		a.refused(w, r, back, err)
		return
	}
	a.done(w, r, back, "Connector "+strconv.Itoa(n)+" of charger "+cpid+" saved.")
}
