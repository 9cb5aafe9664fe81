package api

import (
	"bytes"
	"context"
	"net/http"

	"github.com/danielgtaylor/huma/v2"
	"github.com/volt-ev/volt"
	"github.com/volt-ev/volt/report"
)

// ReimbursementAgreementCreate is the body of
// POST /api/v1/reimbursement-agreements.
type ReimbursementAgreementCreate struct {
	OwnerID         string       `json:"ownerId" minLength:"1" maxLength:"64" doc:"The company (owner) that reimburses."`
	UserID          string       `json:"userId" minLength:"1" maxLength:"64" doc:"The driver."`
	HomeChargerCPID string       `json:"homeChargerCpid" minLength:"1" maxLength:"32" doc:"The driver's home charger, one of the owner's."`
	RatePerKWh      volt.Decimal `json:"ratePerKwh" pattern:"^-?[0-9]{1,12}(\\.[0-9]{1,6})?$" patternDescription:"a decimal like \"0.0745\"" doc:"Per kWh in the CPO's currency, VAT included (5 % domestic)."`
}

type agreementCreateInput struct{ Body ReimbursementAgreementCreate }

type reimbursementListInput struct {
	OwnerID string `query:"ownerId" maxLength:"64"`
	UserID  string `query:"userId" maxLength:"64"`
	PageParams
}

type statementListInput struct {
	reimbursementListInput
	Month string `query:"month" maxLength:"7" doc:"YYYY-MM."`
}

func (s *server) listReimbursementAgreements(ctx context.Context, in *reimbursementListInput) (*ListOutput[*volt.ReimbursementAgreement], error) {
	if s.Reimbursements == nil {
		return nil, notWired("reimbursement")
	}
	f := volt.ReimbursementFilter{OwnerID: in.OwnerID, UserID: in.UserID, Page: in.page()}
	items, total, err := s.Reimbursements.FindReimbursementAgreements(ctx, f)
	if err != nil {
		return nil, s.err(ctx, err)
	}
	return listOf(items, total, f.Page), nil
}

func (s *server) createReimbursementAgreement(ctx context.Context, in *agreementCreateInput) (*Out[*volt.ReimbursementAgreement], error) {
	if s.Reimbursements == nil {
		return nil, notWired("reimbursement")
	}
	ag := &volt.ReimbursementAgreement{OwnerID: in.Body.OwnerID, UserID: in.Body.UserID, CPID: in.Body.HomeChargerCPID, Rate: in.Body.RatePerKWh}
	if err := s.Reimbursements.CreateReimbursementAgreement(ctx, ag); err != nil {
		return nil, s.err(ctx, err)
	}
	return out(ag), nil
}

func (s *server) deleteReimbursementAgreement(ctx context.Context, in *IDInput) (*struct{}, error) {
	if s.Reimbursements == nil {
		return nil, notWired("reimbursement")
	}
	if err := s.Reimbursements.DeleteReimbursementAgreement(ctx, in.ID); err != nil {
		return nil, s.err(ctx, err)
	}
	return nil, nil
}

func (s *server) listReimbursementStatements(ctx context.Context, in *statementListInput) (*ListOutput[*volt.ReimbursementStatement], error) {
	if s.Reimbursements == nil {
		return nil, notWired("reimbursement")
	}
	if in.Month != "" {
		if _, err := volt.ParseMonth(in.Month); err != nil {
			return nil, s.err(ctx, err)
		}
	}
	f := volt.ReimbursementFilter{OwnerID: in.OwnerID, UserID: in.UserID, Month: in.Month, Page: in.page()}
	items, total, err := s.Reimbursements.FindReimbursementStatements(ctx, f)
	if err != nil {
		return nil, s.err(ctx, err)
	}
	return listOf(items, total, f.Page), nil
}

func (s *server) getReimbursementStatement(ctx context.Context, in *IDInput) (*Out[*volt.ReimbursementStatement], error) {
	if s.Reimbursements == nil {
		return nil, notWired("reimbursement")
	}
	st, err := s.Reimbursements.FindReimbursementStatementByID(ctx, in.ID)
	if err != nil {
		return nil, s.err(ctx, err)
	}
	return out(st), nil
}

// reimbursementStatementPDF answers the statement as a PDF, naming the
// company and the driver where the caller may read them.
func (s *server) reimbursementStatementPDF(ctx context.Context, in *IDInput) (*FileOutput, error) {
	if s.Reimbursements == nil {
		return nil, notWired("reimbursement")
	}
	st, err := s.Reimbursements.FindReimbursementStatementByID(ctx, in.ID)
	if err != nil {
		return nil, s.err(ctx, err)
	}
	rs := report.Statement{Company: st.OwnerID, Driver: st.UserID, St: st}
	sys := volt.NewContextWithActor(ctx, volt.SystemActor) // names only, of a statement the caller may read
	if o, err := s.Hierarchy.FindOwnerByID(sys, st.OwnerID); err == nil {
		rs.Company = o.Name
	}
	if u, err := s.Users.FindUserByID(sys, st.UserID); err == nil {
		rs.Driver = u.Name
	}
	var buf bytes.Buffer
	if err := report.WriteStatementPDF(&buf, rs); err != nil {
		return nil, s.err(ctx, err)
	}
	return &FileOutput{ContentType: mediaPDF, ContentDisposition: attachment("reimbursement-" + st.Month + "-" + st.ID + ".pdf"), Body: buf.Bytes()}, nil
}

// reimbursementRoutes are home reimbursement agreements and statements.
func (s *server) reimbursementRoutes() {
	a := s.api
	const get, post, del = http.MethodGet, http.MethodPost, http.MethodDelete
	huma.Register(a, op("listReimbursementAgreements", get, "/reimbursement-agreements", "List home reimbursement agreements", "reimbursements", 200), s.listReimbursementAgreements)
	huma.Register(a, op("createReimbursementAgreement", post, "/reimbursement-agreements", "A company reimburses a driver's home charger at a rate per kWh", "reimbursements", 201), s.createReimbursementAgreement)
	huma.Register(a, op("deleteReimbursementAgreement", del, "/reimbursement-agreements/{id}", "End a reimbursement agreement (statements stay)", "reimbursements", 204), s.deleteReimbursementAgreement)
	huma.Register(a, op("listReimbursementStatements", get, "/reimbursement-statements", "Monthly home reimbursement statements (drivers: their own)", "reimbursements", 200), s.listReimbursementStatements)
	huma.Register(a, op("getReimbursementStatement", get, "/reimbursement-statements/{id}", "Get a reimbursement statement", "reimbursements", 200), s.getReimbursementStatement)
	huma.Register(a, s.receiptOp(op("getReimbursementStatementPdf", get, "/reimbursement-statements/{id}/statement.pdf", "A reimbursement statement as PDF", "reimbursements", 200)), s.reimbursementStatementPDF)
}
