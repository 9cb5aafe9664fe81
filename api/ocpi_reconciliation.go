package api

import (
	"bytes"
	"context"
	"encoding/json"
	"net/http"
	"time"

	"github.com/danielgtaylor/huma/v2"

	"github.com/volt-ev/volt"
	"github.com/volt-ev/volt/report"
)

type reconciliationInput struct {
	ID     string `path:"id" maxLength:"64"`
	Month  string `query:"month" required:"true" pattern:"^[0-9]{4}-(0[1-9]|1[0-2])$" doc:"The month, YYYY-MM (UTC)."`
	Format string `query:"format" enum:"json,csv" doc:"json (default) or csv."`
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
	if in.Format == "csv" {
		var buf bytes.Buffer
		err := report.WriteReconciliationCSV(&buf, r)
		return &FileOutput{ContentType: mediaCSV, ContentDisposition: attachment("roaming-" + r.PartnerID + "-" + r.Month + ".csv"), Body: buf.Bytes()}, s.errIf(ctx, err)
	}
	b, err := json.Marshal(r)
	return &FileOutput{ContentType: mediaJSON, Body: b}, s.errIf(ctx, err)
}

func (s *server) ocpiReconciliationRoute() {
	huma.Register(s.api, s.fileOp(op("getOcpiPartnerReconciliation", http.MethodGet, "/ocpi-partners/{id}/reconciliation",
		"A partner CPO's monthly roaming reconciliation: its CDRs against what Volt owes it (the payable), JSON or CSV", "ocpi-partners", 200),
		volt.RoamingReconciliation{}, mediaCSV), s.ocpiReconciliation)
}
