package web

import (
	"bytes"
	"fmt"
	"net/http"

	volt "github.com/volt-ev/volt"
	"github.com/volt-ev/volt/report"
)

// agreementForm is the new-agreement form as typed.
type agreementForm struct {
	OwnerID, Email, CPID, Rate string
}

// reimbursementsView is the data of the home reimbursement page: the
// agreements of owners in scope, the form for a new one and the monthly
// statements with their PDF.
type reimbursementsView struct {
	Owners     []*volt.Owner
	OwnerNames map[string]string
	Drivers    map[string]string // user id → e-mail (or the id when not visible)
	Agreements []*volt.ReimbursementAgreement
	Endable    map[string]bool // agreement id → the actor may end it
	Statements []*volt.ReimbursementStatement
	Pager      pager
	Form       agreementForm
	Editable   bool
	Error      string
	Field      string
}

// Money formats minor units of a currency.
func (reimbursementsView) Money(amount int64, currency string) string {
	return fmtMinor(amount, currency)
}

func (a *Admin) reimbursementList(w http.ResponseWriter, r *http.Request, s *sess) {
	if a.cfg.Reimbursements == nil {
		a.notWired(w, r, s, "Home reimbursements")
		return
	}
	a.renderReimbursements(w, r, s, http.StatusOK, agreementForm{Rate: "0.30"}, nil)
}

func (a *Admin) renderReimbursements(w http.ResponseWriter, r *http.Request, s *sess, status int, form agreementForm, ferr error) {
	v := reimbursementsView{OwnerNames: map[string]string{}, Drivers: map[string]string{}, Form: form, Editable: canCreate(s)}
	ctx, all := s.ctx, volt.Page{Limit: 500}
	var err error
	if v.Agreements, _, err = a.cfg.Reimbursements.FindReimbursementAgreements(ctx, volt.ReimbursementFilter{Page: all}); err != nil {
		a.fail(w, r, s, err)
		return
	}
	page := pageOf(r, 50)
	sts, total, err := a.cfg.Reimbursements.FindReimbursementStatements(ctx, volt.ReimbursementFilter{Page: page})
	if err != nil {
		a.fail(w, r, s, err)
		return
	}
	v.Statements, v.Pager = sts, newPager(r, page, total)
	v.Owners, _, _ = a.cfg.Hierarchy.FindOwners(ctx, volt.Filter{Page: all})
	for _, o := range v.Owners {
		v.OwnerNames[o.ID] = o.Name
	}
	v.Endable = map[string]bool{}
	for _, ag := range v.Agreements {
		v.Endable[ag.ID] = s.actor.Can(volt.PermWrite, volt.Ref{CPOID: ag.CPOID, OwnerID: ag.OwnerID})
		a.driverName(s, v.Drivers, ag.UserID)
	}
	for _, st := range v.Statements {
		a.driverName(s, v.Drivers, st.UserID)
	}
	if ferr != nil {
		v.Error, v.Field, status = errText(ferr), fieldOf(ferr), httpStatus(ferr)
		if status >= 500 {
			a.log.Error("reimbursement agreement failed", "err", ferr)
		}
	}
	a.renderStatus(w, r, s, status, "reimbursements", "Home reimbursement", v)
}

// driverName remembers a driver's e-mail, or the id when the actor may not
// see the user.
func (a *Admin) driverName(s *sess, names map[string]string, id string) {
	if _, ok := names[id]; ok {
		return
	}
	names[id] = id
	if u, err := a.cfg.Users.FindUserByID(s.ctx, id); err == nil {
		names[id] = u.Email
	}
}

// reimbursementCreate records an agreement: the driver is found by e-mail,
// the rate is an exact decimal per kWh, VAT included.
func (a *Admin) reimbursementCreate(w http.ResponseWriter, r *http.Request, s *sess) {
	if a.cfg.Reimbursements == nil {
		a.notWired(w, r, s, "Home reimbursements")
		return
	}
	f := agreementForm{OwnerID: trimForm(r, "ownerId"), Email: trimForm(r, "email"), CPID: trimForm(r, "homeChargerCpid"), Rate: trimForm(r, "ratePerKwh")}
	ag := &volt.ReimbursementAgreement{OwnerID: f.OwnerID, CPID: f.CPID}
	rate, err := volt.ParseDecimal(f.Rate)
	if err != nil {
		err = volt.FieldError("ratePerKwh", "The rate per kWh must be a number such as 0.30, got %q.", f.Rate)
	}
	ag.Rate = rate
	if err == nil {
		ag.UserID, err = a.userByEmail(s, f.Email)
	}
	if err == nil {
		err = a.cfg.Reimbursements.CreateReimbursementAgreement(s.ctx, ag)
	}
	if err != nil {
		a.renderReimbursements(w, r, s, 0, f, err)
		return
	}
	a.done(w, r, AdminPrefix+"/reimbursements", "Agreement recorded: "+f.Email+" is reimbursed for charging on "+f.CPID+" from this month.")
}

func (a *Admin) userByEmail(s *sess, email string) (string, error) {
	if email == "" {
		return "", volt.FieldError("email", "Give the driver's e-mail address.")
	}
	users, _, err := a.cfg.Users.FindUsers(s.ctx, volt.UserFilter{Email: email, Page: volt.Page{Limit: 1}})
	if err != nil {
		return "", err
	}
	if len(users) == 0 {
		return "", volt.FieldError("email", "No driver with the e-mail %q is visible to you.", email)
	}
	return users[0].ID, nil
}

func (a *Admin) reimbursementDelete(w http.ResponseWriter, r *http.Request, s *sess) {
	back := AdminPrefix + "/reimbursements"
	if a.cfg.Reimbursements == nil {
		a.notWired(w, r, s, "Home reimbursements")
		return
	}
	if err := a.cfg.Reimbursements.DeleteReimbursementAgreement(s.ctx, r.PathValue("id")); err != nil {
		a.refused(w, r, back, err)
		return
	}
	a.done(w, r, back, "Agreement ended. Its statements stay.")
}

// statementPDF serves a reimbursement statement the actor may read as a
// PDF (report.WriteStatementPDF, the same document the driver gets).
func (a *Admin) statementPDF(w http.ResponseWriter, r *http.Request, s *sess) {
	if a.cfg.Reimbursements == nil {
		a.notWired(w, r, s, "Home reimbursements")
		return
	}
	st, err := a.cfg.Reimbursements.FindReimbursementStatementByID(s.ctx, r.PathValue("id"))
	if err != nil {
		a.fail(w, r, s, err)
		return
	}
	rs := report.Statement{Company: st.OwnerID, Driver: st.UserID, St: st}
	if o, err := a.cfg.Hierarchy.FindOwnerByID(s.ctx, st.OwnerID); err == nil {
		rs.Company = o.Name
	}
	if u, err := a.cfg.Users.FindUserByID(s.ctx, st.UserID); err == nil {
		rs.Driver = u.Name
	}
	var b bytes.Buffer
	if err := report.WriteStatementPDF(&b, rs); err != nil {
		a.fail(w, r, s, fmt.Errorf("statement PDF %s: %w", st.ID, err))
		return
	}
	w.Header().Set("Content-Type", "application/pdf")
	w.Header().Set("Content-Disposition", `attachment; filename="reimbursement-`+st.Month+`-`+st.ID+`.pdf"`)
	w.Header().Set("Cache-Control", "no-store")
	_, _ = w.Write(b.Bytes())
}
