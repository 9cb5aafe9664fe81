package web

import (
	"net/http"
	"strconv"
	"strings"
	"time"

	volt "github.com/volt-ev/volt"
)

// moneyRoutes adds tariffs with a live price preview, the tariff assignment
// matrix and income reports; without the services the pages say so.
func (a *Admin) moneyRoutes() {
	m, p := a.mux, AdminPrefix
	m.HandleFunc("GET "+p+"/tariffs", a.auth(a.needTariffs(a.tariffList)))
	m.HandleFunc("GET "+p+"/tariffs/new", a.auth(a.needTariffs(a.tariffNew)))
	m.HandleFunc("POST "+p+"/tariffs", a.auth(a.needTariffs(a.tariffCreate)))
	m.HandleFunc("POST "+p+"/tariffs/preview", a.auth(a.tariffPreview))
	m.HandleFunc("GET "+p+"/tariffs/{id}", a.auth(a.needTariffs(a.tariffShow)))
	m.HandleFunc("POST "+p+"/tariffs/{id}", a.auth(a.needTariffs(a.tariffUpdate)))
	m.HandleFunc("POST "+p+"/tariffs/{id}/delete", a.auth(a.needTariffs(a.tariffDelete)))
	m.HandleFunc("GET "+p+"/tariff-assignments", a.auth(a.needTariffs(a.assignmentMatrix)))
	m.HandleFunc("POST "+p+"/tariff-assignments", a.auth(a.needTariffs(a.assignmentSet)))
	m.HandleFunc("GET "+p+"/income", a.auth(a.income))
}

// needTariffs shows a clear message when no TariffService is wired.
func (a *Admin) needTariffs(h handler) handler {
	return func(w http.ResponseWriter, r *http.Request, s *sess) {
		if a.cfg.Tariffs == nil {
			a.moneyTODO(w, r, s)
			return
		}
		h(w, r, s)
	}
}

func (a *Admin) moneyTODO(w http.ResponseWriter, r *http.Request, s *sess) {
	a.renderStatus(w, r, s, http.StatusOK, "money_todo", "Money", errorView{
		Message: "Tariffs and income reports are not available on this server (no tariff or report service is configured)."})
}

func (a *Admin) tariffList(w http.ResponseWriter, r *http.Request, s *sess) {
	page := pageOf(r, 50)
	list, total, err := a.cfg.Tariffs.FindTariffs(s.ctx, volt.TariffFilter{CPOID: r.URL.Query().Get("cpo"), Page: page})
	if err != nil {
		a.fail(w, r, s, err)
		return
	}
	v := listView{Cols: []string{"Name", "Energy per kWh", "Per hour", "Session fee", "VAT"}, Pager: newPager(r, page, total),
		NewHref: AdminPrefix + "/tariffs/new", NewLabel: "New tariff", Empty: "No tariffs yet."}
	for _, t := range list {
		name := t.Name
		if t.FreeVend {
			name += " (free vend)"
		}
		v.Rows = append(v.Rows, []cell{{Text: name, Href: AdminPrefix + "/tariffs/" + t.ID}, {Text: price(t.EnergyPricePerKWh, t.Currency)},
			{Text: price(t.TimePricePerHour, t.Currency)}, {Text: price(t.SessionFee, t.Currency)}, {Text: percent(t.VATRate)}})
	}
	a.renderList(w, r, s, "Tariffs", v)
}

func price(d volt.Decimal, currency string) string { return d.StringFixed(4) + " " + currency }

func percent(d volt.Decimal) string {
	p, err := d.MulInt(100)
	if err != nil {
		return d.String()
	}
	return p.String() + " %"
}

func (a *Admin) tariffNew(w http.ResponseWriter, r *http.Request, s *sess) {
	t := &volt.Tariff{Currency: "GBP", VATRate: volt.MustDecimal("0.20")}
	v := formView{New: true, Editable: canCreate(s), Item: t, Action: AdminPrefix + "/tariffs"}
	a.choices(s, &v, true, false, false, false)
	a.renderForm(w, r, s, http.StatusOK, "tariff", "New tariff", v, nil)
}

func (a *Admin) tariffForm(s *sess, t *volt.Tariff) formView {
	v := formView{Editable: s.actor.Can(volt.PermWrite, volt.Ref{CPOID: t.CPOID}), Item: t, Action: AdminPrefix + "/tariffs/" + t.ID}
	if v.Editable {
		v.Delete = v.Action + "/delete"
	}
	return v
}

func (a *Admin) tariffShow(w http.ResponseWriter, r *http.Request, s *sess) {
	t, err := a.cfg.Tariffs.FindTariffByID(s.ctx, r.PathValue("id"))
	if err != nil {
		a.fail(w, r, s, err)
		return
	}
	a.renderForm(w, r, s, http.StatusOK, "tariff", t.Name, a.tariffForm(s, t), nil)
}

// readTariff copies the form's prices into t; the first malformed amount is
// the error.
func readTariff(r *http.Request, t *volt.Tariff) error {
	t.Name = trimForm(r, "name")
	if c := strings.ToUpper(trimForm(r, "currency")); c != "" {
		t.Currency = c
	}
	t.FreeVend = r.PostFormValue("freeVend") == "on"
	fields := []struct {
		name, label string
		dst         *volt.Decimal
	}{
		{"vatRate", "VAT rate", &t.VATRate}, {"energyPricePerKwh", "Energy price", &t.EnergyPricePerKWh},
		{"timePricePerHour", "Time price", &t.TimePricePerHour}, {"idleFeePerMinute", "Idle fee", &t.IdleFeePerMinute},
		{"sessionFee", "Session fee", &t.SessionFee}, {"minPrice", "Minimum price", &t.MinPrice},
	}
	for _, f := range fields {
		d, err := formDecimal(r, f.name, f.label)
		if err != nil {
			return err
		}
		*f.dst = d
	}
	t.MaxPrice = nil
	if trimForm(r, "maxPrice") != "" {
		d, err := formDecimal(r, "maxPrice", "Maximum price")
		if err != nil {
			return err
		}
		t.MaxPrice = &d
	}
	g, err := strconv.Atoi(strings.TrimSpace("0" + trimForm(r, "idleGraceMinutes")))
	if err != nil || g < 0 {
		return volt.FieldError("idleGraceMinutes", "Idle grace must be a whole number of minutes.")
	}
	t.IdleGraceMinutes = g
	return nil
}

func formDecimal(r *http.Request, name, label string) (volt.Decimal, error) {
	v := trimForm(r, name)
	if v == "" {
		return volt.Decimal{}, nil
	}
	d, err := volt.ParseDecimal(v)
	if err != nil {
		return d, volt.FieldError(name, "%s must be a number such as 0.45.", label)
	}
	return d, nil
}

func (a *Admin) tariffCreate(w http.ResponseWriter, r *http.Request, s *sess) {
	t := &volt.Tariff{CPOID: r.PostFormValue("cpoId")}
	err := readTariff(r, t)
	if err == nil {
		err = a.cfg.Tariffs.CreateTariff(s.ctx, t)
	}
	if err != nil {
		v := formView{New: true, Editable: canCreate(s), Item: t, Action: AdminPrefix + "/tariffs"}
		a.choices(s, &v, true, false, false, false)
		a.renderForm(w, r, s, 0, "tariff", "New tariff", v, err)
		return
	}
	a.done(w, r, AdminPrefix+"/tariffs/"+t.ID, "Tariff "+t.Name+" created.")
}

func (a *Admin) tariffUpdate(w http.ResponseWriter, r *http.Request, s *sess) {
	t, err := a.cfg.Tariffs.FindTariffByID(s.ctx, r.PathValue("id"))
	if err != nil {
		a.fail(w, r, s, err)
		return
	}
	err = readTariff(r, t)
	if err == nil {
		err = a.cfg.Tariffs.UpdateTariff(s.ctx, t)
	}
	if err != nil {
		a.renderForm(w, r, s, 0, "tariff", t.Name, a.tariffForm(s, t), err)
		return
	}
	a.done(w, r, AdminPrefix+"/tariffs/"+t.ID, "Tariff "+t.Name+" saved. Sessions in progress keep the price they started with.")
}

func (a *Admin) tariffDelete(w http.ResponseWriter, r *http.Request, s *sess) {
	id := r.PathValue("id")
	if err := a.cfg.Tariffs.DeleteTariff(s.ctx, id); err != nil {
		a.refused(w, r, AdminPrefix+"/tariffs/"+id, err)
		return
	}
	a.done(w, r, AdminPrefix+"/tariffs", "Tariff deleted.")
}

// previewView is the live price of an example session under the tariff
// being edited.
type previewView struct {
	KWh, Minutes int64
	Cost         *volt.Cost
	Error        string
}

// tariffPreview prices an example session with the form's values through
// volt.PriceSession, the same function as live costs and CDRs. It changes
// nothing, so read-only roles may use it.
func (a *Admin) tariffPreview(w http.ResponseWriter, r *http.Request, s *sess) {
	t := &volt.Tariff{Currency: "GBP"}
	v := previewView{KWh: int64(formInt(r, "previewKwh", 20)), Minutes: int64(formInt(r, "previewMinutes", 120))}
	err := readTariff(r, t)
	if err == nil && (v.KWh < 0 || v.KWh > 1000 || v.Minutes < 1 || v.Minutes > 7*24*60) {
		err = volt.Errorf(volt.EINVALID, "Example sessions are 0 to 1000 kWh and 1 minute to 7 days long.")
	}
	if err == nil {
		if !volt.ValidCurrency(t.Currency) {
			t.Currency = "GBP"
		}
		start := a.now().UTC().Truncate(time.Minute)
		snap := &volt.TariffSnapshot{Tariff: *t, TimeZone: "UTC", TakenAt: start}
		cost := volt.PriceSession(snap, volt.Usage{Start: start, Readings: []volt.MeterReading{
			{At: start.Add(time.Duration(v.Minutes) * time.Minute), Wh: v.KWh * 1000}}})
		v.Cost = &cost
	}
	if err != nil {
		v.Error = errText(err)
	}
	a.renderFragment(w, "tariff", "preview", http.StatusOK, v)
}
