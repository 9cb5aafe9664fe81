package api

import (
	"bytes"
	"context"
	"net/http"

	"github.com/danielgtaylor/huma/v2"
	"github.com/volt-ev/volt"
	"github.com/volt-ev/volt/report"
)

// Issue 19: the owner's payout choice for approved home reimbursement
// claims, and the driver's claim statement naming the payout.

// PayoutSettingsUpdate is the body of PUT /owners/{id}/payout-settings.
type PayoutSettingsUpdate struct {
	Method            string           `json:"method" enum:"wallet,bacs18,payroll_csv" doc:"How approved claims are paid when a payout names no method: the driver's wallet, a Bacs Standard 18 file, or a payroll CSV line."`
	Originator        volt.BankAccount `json:"originator,omitempty" doc:"bacs18: the company's account the credits come from."`
	ServiceUserNumber string           `json:"serviceUserNumber,omitempty" maxLength:"6" doc:"bacs18: the company's Bacs service user number (6 digits)."`
}

type payoutSettingsInput struct {
	IDInput
	Body PayoutSettingsUpdate
}

// fleetPayouts is the payout side of the fleet service, when it has one.
func (s *server) fleetPayouts() (volt.FleetPayouts, error) {
	p, ok := s.Fleets.(volt.FleetPayouts)
	if !ok {
		return nil, notWired("fleet payout")
	}
	return p, nil
}

func (s *server) getPayoutSettings(ctx context.Context, in *IDInput) (*Out[*volt.PayoutSettings], error) {
	fp, err := s.fleetPayouts()
	if err != nil {
		return nil, err
	}
	p, err := fp.FindPayoutSettings(ctx, in.ID)
	if err != nil {
		return nil, s.err(ctx, err)
	}
	return out(p), nil
}

func (s *server) setPayoutSettings(ctx context.Context, in *payoutSettingsInput) (*Out[*volt.PayoutSettings], error) {
	fp, err := s.fleetPayouts()
	if err != nil {
		return nil, err
	}
	p := &volt.PayoutSettings{OwnerID: in.ID, Method: in.Body.Method, Originator: in.Body.Originator, ServiceUserNumber: in.Body.ServiceUserNumber}
	if err := fp.SetPayoutSettings(ctx, p); err != nil {
		return nil, s.err(ctx, err)
	}
	return out(p), nil
}

// claimStatementPDF answers a readable claim's statement: its sessions
// with their verdicts, what was paid and how (or that it is not paid yet).
func (s *server) claimStatementPDF(ctx context.Context, in *IDInput) (*FileOutput, error) {
	fp, err := s.fleetPayouts()
	if err != nil {
		return nil, err
	}
	c, err := s.Fleets.FindClaimByID(ctx, in.ID)
	if err != nil {
		return nil, s.err(ctx, err)
	}
	cs := report.ClaimStatement{Company: c.OwnerID, Driver: c.UserID, Claim: c}
	if c.State == volt.ClaimIsPaid {
		if cs.Payout, err = fp.FindClaimPayout(ctx, c.ID); err != nil {
			return nil, s.err(ctx, err)
		}
	}
	// Names only, of a claim the caller may read (the vehicle may have
	// left the fleet since).
	sys := volt.NewContextWithActor(ctx, volt.SystemActor)
	if o, err := s.Hierarchy.FindOwnerByID(sys, c.OwnerID); err == nil {
		cs.Company = o.Name
	}
	if u, err := s.Users.FindUserByID(sys, c.UserID); err == nil {
		cs.Driver = u.Name
	}
	if v, err := s.Fleets.FindVehicleByID(sys, c.VehicleID); err == nil {
		cs.Vehicle = v.Make + " " + v.Model + " " + v.Registration
	}
	var buf bytes.Buffer
	if err := report.WriteClaimStatementPDF(&buf, cs); err != nil {
		return nil, s.err(ctx, err)
	}
	return &FileOutput{ContentType: mediaPDF, ContentDisposition: attachment("claim-" + c.Month + "-" + c.ID + ".pdf"), Body: buf.Bytes()}, nil
}

// fleetPayoutRoutes are the owner's payout settings and the claim
// statement.
func (s *server) fleetPayoutRoutes() {
	a := s.api
	const get, put = http.MethodGet, http.MethodPut
	huma.Register(a, op("getOwnerPayoutSettings", get, "/owners/{id}/payout-settings", "How the owner pays approved home reimbursement claims (wallet by default)", "fleets", 200), s.getPayoutSettings)
	huma.Register(a, op("setOwnerPayoutSettings", put, "/owners/{id}/payout-settings", "Choose how the owner pays claims: wallet, bacs18 (account and service user number) or payroll_csv", "fleets", 200), s.setPayoutSettings)
	huma.Register(a, s.receiptOp(op("getReimbursementClaimStatementPdf", get, "/reimbursement-claims/{id}/statement.pdf", "A claim's statement as PDF: sessions, verdicts, what was paid and how", "fleets", 200)), s.claimStatementPDF)
}
