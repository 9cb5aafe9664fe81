package web

import (
	"net/http"
	"net/url"
	"testing"

	volt "github.com/volt-ev/volt"
	"github.com/volt-ev/volt/store/storetest"
)

func TestTariffPreviewAssignmentAndIncome(t *testing.T) {
	f := newFixture(t, storetest.SQLite(t))
	c := f.client()
	c.login("admin@spark.test")

	form := url.Values{"cpoId": {f.cpo.ID}, "name": {"Standard"}, "currency": {"GBP"}, "vatRate": {"0.20"},
		"energyPricePerKwh": {"0.45"}, "sessionFee": {"1.00"}}
	c.get("/admin/tariffs/new")
	// 20 kWh at 0.45 plus a 1.00 session fee is 10.00 including VAT.
	preview := c.do(http.MethodPost, "/admin/tariffs/preview", withPreview(form, "20", "120"),
		map[string]string{"HX-Request": "true", csrfHeader: c.csrf})
	wantContains(t, "preview", preview.body, "<strong>10.00 GBP</strong>", "for 20 kWh over 120 minutes")
	bad := c.do(http.MethodPost, "/admin/tariffs/preview", withPreview(url.Values{"energyPricePerKwh": {"cheap"}}, "20", "120"),
		map[string]string{"HX-Request": "true", csrfHeader: c.csrf})
	wantContains(t, "bad preview", bad.body, "Energy price must be a number")

	res := c.post("/admin/tariffs", form)
	if res.status != http.StatusSeeOther {
		t.Fatalf("create tariff: %d %s", res.status, excerpt(res.body))
	}
	tariffs, _, err := tariffsOf(f).FindTariffs(sysCtx(), volt.TariffFilter{CPOID: f.cpo.ID})
	must(t, err)
	if len(tariffs) != 1 || tariffs[0].EnergyPricePerKWh.String() != "0.45" {
		t.Fatalf("tariffs after create: %+v", tariffs)
	}

	c.get("/admin/tariff-assignments")
	res = c.post("/admin/tariff-assignments", url.Values{"chargerGroupId": {f.group.ID}, "usergroupId": {volt.PublicUsergroupID}, "tariffId": {tariffs[0].ID}})
	page := c.get(res.header.Get("Location"))
	wantContains(t, "assigned", page.body, "Tariff assigned.", `selected>Standard</option>`)
	as, _, err := tariffsOf(f).FindTariffAssignments(sysCtx(), volt.TariffAssignmentFilter{ChargerGroupID: f.group.ID})
	must(t, err)
	if len(as) != 1 || as[0].UsergroupID != volt.PublicUsergroupID {
		t.Fatalf("assignments: %+v", as)
	}

	income := c.get("/admin/income?scope=owner:" + f.owner.ID + "&from=2026-01-01&to=2026-01-31")
	if income.status != http.StatusOK {
		t.Fatalf("income: %d %s", income.status, excerpt(income.body))
	}
	wantContains(t, "income", income.body, "Net payment to you", "0.00 GBP")
	bad = c.get("/admin/income?scope=owner:" + f.owner.ID + "&from=2026-02-01&to=2026-01-01")
	wantContains(t, "bad period", bad.body, "must end after it starts")

	staff := f.client()
	staff.login("staff@spark.test")
	res = staff.post("/admin/tariffs/"+tariffs[0].ID, url.Values{"name": {"Hacked"}, "energyPricePerKwh": {"0.01"}})
	if res.status != http.StatusForbidden {
		t.Errorf("staff tariff update: %d", res.status)
	}
	wantMissing(t, "staff matrix", staff.get("/admin/tariff-assignments").body, `name="tariffId"`)
}

func withPreview(form url.Values, kwh, minutes string) url.Values {
	out := url.Values{}
	for k, v := range form {
		out[k] = v
	}
	out.Set("previewKwh", kwh)
	out.Set("previewMinutes", minutes)
	return out
}

func tariffsOf(f *fixture) volt.TariffService { return f.admin.cfg.Tariffs }
