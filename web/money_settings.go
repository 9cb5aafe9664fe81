package web

import (
	"net/http"

	volt "github.com/volt-ev/volt"
)

// moneyPageRoutes adds the money pages beside tariffs and income: a CPO's
// fees and money settings, drivers' wallets, contactless terminals and home
// reimbursement agreements with their statements.
func (a *Admin) moneyPageRoutes() {
	m, p := a.mux, AdminPrefix
	m.HandleFunc("GET "+p+"/money-settings", a.auth(a.moneySettingsShow))
	m.HandleFunc("POST "+p+"/money-settings", a.auth(a.moneySettingsSave))
	m.HandleFunc("GET "+p+"/wallets", a.auth(a.walletList))
	m.HandleFunc("GET "+p+"/wallets/{user}", a.auth(a.walletShow))
	m.HandleFunc("GET "+p+"/terminals", a.auth(a.terminalList))
	m.HandleFunc("POST "+p+"/terminals", a.auth(a.terminalCreate))
	m.HandleFunc("POST "+p+"/terminals/{id}/delete", a.auth(a.terminalDelete))
	m.HandleFunc("GET "+p+"/reimbursements", a.auth(a.reimbursementList))
	m.HandleFunc("POST "+p+"/reimbursements", a.auth(a.reimbursementCreate))
	m.HandleFunc("POST "+p+"/reimbursements/{id}/delete", a.auth(a.reimbursementDelete))
	m.HandleFunc("GET "+p+"/reimbursements/statements/{id}", a.auth(a.statementPDF))
}

// notWired answers a money page whose service is not wired.
func (a *Admin) notWired(w http.ResponseWriter, r *http.Request, s *sess, what string) {
	a.unavailable(w, r, s, what, what+" are not available on this server (the service is not configured).")
}

// settingsForm is what the money settings form shows: amounts as the
// person typed them (major units, exact decimals), so a refused save comes
// back as it was.
type settingsForm struct {
	CPOID, Currency                   string
	MinBalance, HoldAmount, MaxTopUp  string
	FeeVATRate, TxFlat, TxPercent     string
	SocketFlat, SocketPercent, Period string
}

// settingsView is the data of the money settings page.
type settingsView struct {
	CPOs     []*volt.CPO
	Form     settingsForm
	Editable bool
	// FeesEditable: the platform fees are the super admins'; a CPO admin
	// sees them read-only.
	FeesEditable bool
	Error        string
	Field        string
}

// minor formats minor units as an exact decimal of major units ("5.00").
func minor(amount int64, currency string) string {
	return volt.DecimalFromMinor(amount, volt.CurrencyExponent(currency)).StringFixed(max(volt.CurrencyExponent(currency), 0))
}

func formOfSettings(ms *volt.MoneySettings) settingsForm {
	f := settingsForm{CPOID: ms.CPOID, Currency: ms.Currency, MinBalance: minor(ms.MinBalance, ms.Currency),
		HoldAmount: minor(ms.HoldAmount, ms.Currency), MaxTopUp: minor(ms.MaxTopUp, ms.Currency), Period: string(volt.FeeMonthly)}
	if fe := ms.Fees; fe != nil {
		f.FeeVATRate, f.TxFlat, f.TxPercent = fe.VATRate.String(), fe.Transaction.Flat.String(), fe.Transaction.Percent.String()
		f.SocketFlat, f.SocketPercent, f.Period = fe.Socket.Rule.Flat.String(), fe.Socket.Rule.Percent.String(), string(fe.Socket.Period)
	}
	return f
}

// settingsCPO returns the CPO a settings page is about (the first the actor
// may read when none is asked for); the hierarchy service checks its scope,
// since MoneySettings itself does not.
func (a *Admin) settingsCPO(s *sess, id string) (*volt.CPO, []*volt.CPO, error) {
	cpos, _, err := a.cfg.Hierarchy.FindCPOs(s.ctx, volt.Filter{Page: volt.Page{Limit: 500}})
	if err != nil {
		return nil, nil, err
	}
	if id == "" {
		if len(cpos) == 0 {
			return nil, cpos, volt.Errorf(volt.ENOTFOUND, "You have no CPO whose money settings you may see.")
		}
		return cpos[0], cpos, nil
	}
	c, err := a.cfg.Hierarchy.FindCPOByID(s.ctx, id)
	return c, cpos, err
}

func (a *Admin) moneySettingsShow(w http.ResponseWriter, r *http.Request, s *sess) {
	if a.cfg.MoneySettings == nil {
		a.notWired(w, r, s, "Fees and money settings")
		return
	}
	c, cpos, err := a.settingsCPO(s, r.URL.Query().Get("cpo"))
	if err != nil {
		a.fail(w, r, s, err)
		return
	}
	ms, err := a.cfg.MoneySettings.MoneySettings(s.ctx, c.ID)
	if err != nil {
		a.fail(w, r, s, err)
		return
	}
	v := settingsView{CPOs: cpos, Form: formOfSettings(ms), Editable: s.actor.Can(volt.PermWrite, volt.Ref{CPOID: c.ID}),
		FeesEditable: s.actor.SuperAdmin}
	a.render(w, r, s, "money_settings", "Fees and money settings", v)
}

// moneySettingsSave stores the form. Read-only roles are refused here
// before the service refuses them too.
func (a *Admin) moneySettingsSave(w http.ResponseWriter, r *http.Request, s *sess) {
	if a.cfg.MoneySettings == nil {
		a.notWired(w, r, s, "Fees and money settings")
		return
	}
	c, cpos, err := a.settingsCPO(s, r.PostFormValue("cpoId"))
	if err != nil {
		a.fail(w, r, s, err)
		return
	}
	f := readSettingsForm(r, c)
	v := settingsView{CPOs: cpos, Form: f, Editable: s.actor.Can(volt.PermWrite, volt.Ref{CPOID: c.ID}), FeesEditable: s.actor.SuperAdmin}
	if !v.Editable {
		err = volt.Errorf(volt.EFORBIDDEN, "Only the CPO's admins change its money settings.")
	}
	var ms *volt.MoneySettings
	if err == nil {
		ms, err = settingsOfForm(f)
	}
	if err == nil && !v.FeesEditable {
		// The fee fields are read-only here: the fees stay as stored.
		var old *volt.MoneySettings
		if old, err = a.cfg.MoneySettings.MoneySettings(s.ctx, c.ID); err == nil {
			ms.Fees = old.Fees
			fo := formOfSettings(old)
			v.Form.FeeVATRate, v.Form.TxFlat, v.Form.TxPercent = fo.FeeVATRate, fo.TxFlat, fo.TxPercent
			v.Form.SocketFlat, v.Form.SocketPercent, v.Form.Period = fo.SocketFlat, fo.SocketPercent, fo.Period
		}
	}
	if err == nil {
		err = a.cfg.MoneySettings.SetMoneySettings(s.ctx, ms)
	}
	if err != nil {
		v.Error, v.Field = errText(err), fieldOf(err)
		status := httpStatus(err)
		if status >= 500 {
			a.log.Error("money settings save failed", "cpo", c.ID, "err", err)
		}
		a.renderStatus(w, r, s, status, "money_settings", "Fees and money settings", v)
		return
	}
	a.done(w, r, AdminPrefix+"/money-settings?cpo="+c.ID, "Money settings of "+c.Name+" saved. New sessions and payments use them.")
}

func readSettingsForm(r *http.Request, c *volt.CPO) settingsForm {
	return settingsForm{CPOID: c.ID, Currency: c.Currency, MinBalance: trimForm(r, "minBalance"), HoldAmount: trimForm(r, "holdAmount"),
		MaxTopUp:   trimForm(r, "maxTopUp"),
		FeeVATRate: trimForm(r, "feeVatRate"), TxFlat: trimForm(r, "txFlat"), TxPercent: trimForm(r, "txPercent"),
		SocketFlat: trimForm(r, "socketFlat"), SocketPercent: trimForm(r, "socketPercent"), Period: trimForm(r, "socketPeriod")}
}

// settingsOfForm turns the form into settings: amounts are exact decimals
// in major units, whole minor units of the CPO's currency; fees are left
// unset when every fee field is empty.
func settingsOfForm(f settingsForm) (*volt.MoneySettings, error) {
	ms := &volt.MoneySettings{CPOID: f.CPOID, Currency: f.Currency}
	var err error
	if ms.MinBalance, err = exactAmount(f.MinBalance, "minBalance", "Minimum balance", f.Currency); err != nil {
		return nil, err
	}
	if ms.HoldAmount, err = exactAmount(f.HoldAmount, "holdAmount", "Pre-authorisation amount", f.Currency); err != nil {
		return nil, err
	}
	if f.MaxTopUp != "" { // empty: the default (volt.DefaultMaxTopUp)
		if ms.MaxTopUp, err = exactAmount(f.MaxTopUp, "maxTopUp", "Largest wallet top-up", f.Currency); err != nil {
			return nil, err
		}
	}
	if f.FeeVATRate+f.TxFlat+f.TxPercent+f.SocketFlat+f.SocketPercent == "" {
		return ms, nil
	}
	fees := &volt.Fees{Currency: f.Currency, Socket: volt.SocketFee{Period: volt.FeePeriod(f.Period)}}
	for _, d := range []struct {
		val, name, label string
		dst              *volt.Decimal
	}{
		{f.FeeVATRate, "feeVatRate", "VAT rate on fees", &fees.VATRate},
		{f.TxFlat, "txFlat", "Flat transaction fee", &fees.Transaction.Flat},
		{f.TxPercent, "txPercent", "Transaction fee percentage", &fees.Transaction.Percent},
		{f.SocketFlat, "socketFlat", "Flat socket fee", &fees.Socket.Rule.Flat},
		{f.SocketPercent, "socketPercent", "Socket fee percentage", &fees.Socket.Rule.Percent},
	} {
		if d.val == "" {
			continue
		}
		v, err := volt.ParseDecimal(d.val)
		if err != nil {
			return nil, volt.FieldError(d.name, "%s must be a number such as 1.50, got %q.", d.label, d.val)
		}
		*d.dst = v
	}
	ms.Fees = fees
	return ms, nil
}

// exactAmount reads an amount in major units ("5.00") as minor units,
// refusing fractions of a minor unit rather than rounding them away.
func exactAmount(val, name, label, currency string) (int64, error) {
	if val == "" {
		return 0, volt.FieldError(name, "%s is required.", label)
	}
	d, err := volt.ParseDecimal(val)
	if err != nil {
		return 0, volt.FieldError(name, "%s must be an amount such as 5.00, got %q.", label, val)
	}
	n, ok := d.ExactMinor(volt.CurrencyExponent(currency))
	if !ok {
		return 0, volt.FieldError(name, "%s must be a whole number of minor units of %s, got %s.", label, currency, val)
	}
	return n, nil
}
