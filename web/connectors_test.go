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

// TestCPOReceiptDetailsForm: the CPO page sets the receipt details; a bad
// VAT number comes back naming the field and keeps what was typed.
func TestCPOReceiptDetailsForm(t *testing.T) {
	f := newFixture(t, storetest.SQLite(t))
	c := f.client()
	c.login("admin@spark.test")
	page := "/admin/cpos/" + f.cpo.ID
	base := url.Values{"name": {f.cpo.Name}, "currency": {"GBP"}, "whitelabel": {"on"}, "displayName": {f.cpo.Theme.DisplayName},
		"legalName": {"Spark Networks Ltd"}, "legalAddress": {"1 Quay Street\nBristol BS1 4DJ"}}
	bad := url.Values{}
	for k, v := range base {
		bad[k] = v
	}
	bad.Set("vatNumber", "VAT-12")
	res := c.post(page, bad)
	if res.status != http.StatusBadRequest {
		t.Fatalf("bad VAT number: %d", res.status)
	}
	wantContains(t, "bad VAT number", res.body, "VAT number must be", `id="vatNumber" name="vatNumber" value="VAT-12"`)
	base.Set("vatNumber", "GB 123 4567 89")
	if res = c.post(page, base); res.status != http.StatusSeeOther {
		t.Fatalf("save: %d %s", res.status, excerpt(res.body))
	}
	got, err := f.hier.FindCPOByID(sysCtx(), f.cpo.ID)
	must(t, err)
	if got.LegalName != "Spark Networks Ltd" || got.LegalAddress != "1 Quay Street\nBristol BS1 4DJ" || got.VATNumber != "GB123456789" {
		t.Errorf("saved %q %q %q", got.LegalName, got.LegalAddress, got.VATNumber)
	}
	wantContains(t, "shown", c.get(page).body, `value="GB123456789"`, "Spark Networks Ltd")
}
