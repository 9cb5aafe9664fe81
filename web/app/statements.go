package app

import (
	"bytes"
	"fmt"
	"net/http"

	volt "github.com/volt-ev/volt"
	"github.com/volt-ev/volt/report"
)

// statements returns the signed-in driver's home reimbursement statements
// (the last 24 months), or none when the service is not wired or fails
// (the account page still shows; the failure is logged).
func (a *App) statements(q *req) []*volt.ReimbursementStatement {
	if a.cfg.Reimbursements == nil {
		return nil
	}
	sts, _, err := a.cfg.Reimbursements.FindReimbursementStatements(q.ctx, volt.ReimbursementFilter{UserID: q.User.ID, Page: volt.Page{Limit: 24}})
	if err != nil {
		a.log.Error("app: reimbursement statements", "user", q.User.ID, "err", err)
		return nil
	}
	return sts
}

// statementPDF serves one of the driver's reimbursement statements as a
// PDF (report.WriteStatementPDF); another driver's is not found.
func (a *App) statementPDF(w http.ResponseWriter, r *http.Request, q *req) {
	if a.cfg.Reimbursements == nil {
		a.fail(w, r, q, http.StatusNotFound, "Home reimbursement is not available here.")
		return
	}
	st, err := a.cfg.Reimbursements.FindReimbursementStatementByID(q.ctx, r.PathValue("id"))
	if err == nil && st.UserID != q.User.ID {
		err = volt.Errorf(volt.ENOTFOUND, "Statement not found.")
	}
	if err != nil {
		a.failErr(w, r, q, err)
		return
	}
	rs := report.Statement{Company: st.OwnerID, Driver: q.User.Name, St: st}
	if o, err := a.cfg.Hierarchy.FindOwnerByID(a.sys, st.OwnerID); err == nil {
		rs.Company = o.Name
	}
	var b bytes.Buffer
	if err := report.WriteStatementPDF(&b, rs); err != nil {
		a.failErr(w, r, q, fmt.Errorf("statement PDF %s: %w", st.ID, err))
		return
	}
	w.Header().Set("Content-Type", "application/pdf")
	w.Header().Set("Content-Disposition", `inline; filename="reimbursement-`+st.Month+`.pdf"`)
	_, _ = w.Write(b.Bytes())
}
