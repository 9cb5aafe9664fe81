package api

import (
	"bytes"
	"context"
	"encoding/json"
	"net/http"
	"strings"
	"time"

	"github.com/danielgtaylor/huma/v2"

	"github.com/volt-ev/volt"
	"github.com/volt-ev/volt/report"
)

type reconciliationInput struct {
	ID     string `path:"id" maxLength:"64"`
	Month  string `query:"month" required:"true" pattern:"^[0-9]{4}-(0[1-9]|1[0-2])$" doc:"The month, YYYY-MM (UTC)."`
	Format string `query:"format" enum:"json,csv,pdf" doc:"json, csv or pdf; without it, the Accept header chooses (default json)."`
	Accept string `header:"Accept" maxLength:"500"`
}

// format is the answer's format: the query's, else the first of PDF or
// CSV the Accept header names, else JSON.
func (in *reconciliationInput) format() string {
	if in.Format != "" {
		return in.Format
	}
	for _, part := range strings.Split(in.Accept, ",") {
		switch mt, _, _ := strings.Cut(strings.TrimSpace(part), ";"); strings.TrimSpace(mt) {
		case mediaPDF:
			return "pdf"
		case "text/csv":
			return "csv"
		case mediaJSON, "application/*", "*/*":
			return "json"
		}
	}
	return "json"
}

// ocpiReconciliation answers a partner CPO's monthly reconciliation: its
// CDRs against what Volt owes it (issue 14).
func (s *server) ocpiReconciliation(ctx context.Context, in *reconciliationInput) (*FileOutput, error) {
	if s.OCPIReconciler == nil {
		return nil, notWired("OCPI reconciliation")
	}
	month, err := time.Parse("2006-01", in.Month)
	if err != nil {
		return nil, s.err(ctx, volt.FieldError("month", "Give the month as YYYY-MM."))
	}
	r, err := s.OCPIReconciler.RoamingReconciliation(ctx, in.ID, month)
	if err != nil {
		return nil, s.err(ctx, err)
	}
	name := "roaming-" + r.PartnerID + "-" + r.Month
	var buf bytes.Buffer
	switch in.format() {
	case "csv":
		err := report.WriteReconciliationCSV(&buf, r)
		return &FileOutput{ContentType: mediaCSV, ContentDisposition: attachment(name + ".csv"), Body: buf.Bytes()}, s.errIf(ctx, err)
	case "pdf":
		err := report.WriteReconciliationPDF(&buf, r, s.reconciliationBrand(ctx, in.ID))
		return &FileOutput{ContentType: mediaPDF, ContentDisposition: attachment(name + ".pdf"), Body: buf.Bytes()}, s.errIf(ctx, err)
	}
	b, err := json.Marshal(r)
	return &FileOutput{ContentType: mediaJSON, Body: b}, s.errIf(ctx, err)
}

// reconciliationBrand names who prepared the PDF: the partner's CPO
// ("" when it cannot be read).
func (s *server) reconciliationBrand(ctx context.Context, partnerID string) string {
	if s.OCPIPartners == nil || s.Hierarchy == nil {
		return ""
	}
	p, err := s.OCPIPartners.FindOCPIPartnerByID(ctx, partnerID)
	if err != nil {
		return ""
	}
	if c, err := s.Hierarchy.FindCPOByID(ctx, p.CPOID); err == nil {
		return c.Name
	}
	return ""
}

func (s *server) ocpiReconciliationRoute() {
	huma.Register(s.api, s.fileOp(op("getOcpiPartnerReconciliation", http.MethodGet, "/ocpi-partners/{id}/reconciliation",
		"A partner CPO's monthly roaming reconciliation: its CDRs against what Volt owes it (the payable), JSON, CSV or PDF", "ocpi-partners", 200),
		volt.RoamingReconciliation{}, mediaCSV, mediaPDF), s.ocpiReconciliation)
}
