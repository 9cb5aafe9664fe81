package web

import (
	"net/http"
	"net/url"
	"testing"

	volt "github.com/volt-ev/volt"
	"github.com/volt-ev/volt/store"
	"github.com/volt-ev/volt/store/storetest"
)

// TestConnectorFactsForm: an admin sets a connector's type and ratings on
// the charger page; a bad value comes back naming the field; staff see the
// facts but no form.
func TestConnectorFactsForm(t *testing.T) {
	storetest.ForEachEngine(t, func(t *testing.T, db *store.DB) {
		f := newFixture(t, db)
		cr := f.onboard(2)
		c := f.client()
		c.login("admin@spark.test")
		page := "/admin/chargers/" + cr.CPID
		wantContains(t, "charger page", c.get(page).body, `id="connector-facts"`, `action="/admin/chargers/`+cr.CPID+`/connectors/2"`)
		res := c.post(page+"/connectors/2", url.Values{"type": {"ccs2"}, "maxPowerW": {"150000"}, "maxCurrentA": {"375"}, "maxVoltageV": {"500"}})
		if res.status != http.StatusSeeOther {
			t.Fatalf("save: %d %s", res.status, excerpt(res.body))
		}
		ch, err := f.chargers.FindChargerByCPID(sysCtx(), cr.CPID)
		must(t, err)
		if k := ch.Connectors[1]; k.Type != volt.ConnectorCCS2 || k.PowerType != volt.PowerDC || k.MaxPowerW != 150000 || k.MaxVoltageV != 500 {
			t.Errorf("saved %+v", k)
		}
		wantContains(t, "facts shown", c.get(page).body, "CCS", "150.0 kW", "375 A")
		res = c.post(page+"/connectors/2", url.Values{"type": {"ccs2"}, "powerType": {"AC_1_PHASE"}})
		if res.status < 300 {
			t.Errorf("CCS on AC accepted: %d", res.status)
		}
		res = c.post(page+"/connectors/1", url.Values{"type": {"type2Socket"}, "maxPowerW": {"lots"}})
		wantContains(t, "bad number", res.body+c.get(page).body, "Max power must be a whole number")

		staff := f.client()
		staff.login("staff@spark.test")
		body := staff.get(page).body
		wantContains(t, "staff sees facts", body, `id="connector-facts"`, "CCS")
		wantMissing(t, "staff has no form", body, `/connectors/2"`)
	})
}
