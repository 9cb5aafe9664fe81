package api

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"reflect"
	"time"

	"github.com/danielgtaylor/huma/v2"
	"github.com/volt-ev/volt"
	"github.com/volt-ev/volt/report"
)

// Media types of the file answers.
const (
	mediaJSON = "application/json"
	mediaCSV  = "text/csv; charset=utf-8"
	mediaPDF  = "application/pdf"
)

// FileOutput is an answer whose body is rendered by the handler: JSON, CSV
// or PDF, with its type and, for files, a download name.
type FileOutput struct {
	ContentType        string `header:"Content-Type"`
	ContentDisposition string `header:"Content-Disposition"`
	Body               []byte
}

// fileOp documents the media types an operation answers with (huma sees
// only bytes): JSON of jsonType when set, and the other types as strings.
func (s *server) fileOp(o huma.Operation, jsonType any, types ...string) huma.Operation {
	content := map[string]*huma.MediaType{}
	if jsonType != nil {
		content[mediaJSON] = &huma.MediaType{Schema: s.api.OpenAPI().Components.Schemas.Schema(reflect.TypeOf(jsonType), true, "")}
	}
	for _, t := range types {
		sch := &huma.Schema{Type: huma.TypeString}
		if t == mediaPDF {
			sch.Format = "binary"
		}
		content[t] = &huma.MediaType{Schema: sch}
	}
	o.Responses = map[string]*huma.Response{
		"200": {Description: "OK", Content: content},
	}
	return o
}

func attachment(name string) string { return `attachment; filename="` + name + `"` }

type incomeInput struct {
	CPOID   string    `query:"cpoId" maxLength:"64" doc:"Report on this CPO."`
	OwnerID string    `query:"ownerId" maxLength:"64" doc:"Report on this owner."`
	SiteID  string    `query:"siteId" maxLength:"64" doc:"Report on this site (the narrowest scope given wins)."`
	From    time.Time `query:"from" required:"true" doc:"CDRs stopped at or after (RFC 3339)."`
	To      time.Time `query:"to" required:"true" doc:"CDRs stopped before (RFC 3339)."`
	Format  string    `query:"format" enum:"json,csv,pdf" doc:"json (default), csv or pdf (with a chart)."`
}

// incomeReport answers the income of a CPO, owner or site for a period as
// JSON, CSV or PDF.
func (s *server) incomeReport(ctx context.Context, in *incomeInput) (*FileOutput, error) {
	if s.Reports == nil {
		return nil, notWired("report")
	}
	f := volt.IncomeFilter{CPOID: in.CPOID, OwnerID: in.OwnerID, SiteID: in.SiteID, From: in.From, To: in.To}
	r, err := s.Reports.IncomeReport(ctx, f)
	if err != nil {
		return nil, s.err(ctx, err)
	}
	scope := f.CPOID
	switch {
	case f.SiteID != "":
		scope = f.SiteID
	case f.OwnerID != "":
		scope = f.OwnerID
	}
	name := fmt.Sprintf("income-%s-%s-%s", scope, f.From.UTC().Format("20060102"), f.To.UTC().Format("20060102"))
	var buf bytes.Buffer
	switch in.Format {
	case "csv":
		err = report.WriteIncomeCSV(&buf, r)
		return &FileOutput{ContentType: mediaCSV, ContentDisposition: attachment(name + ".csv"), Body: buf.Bytes()}, s.errIf(ctx, err)
	case "pdf":
		err = report.WriteIncomePDFWith(&buf, r, s.incomeHeading(ctx, f, scope))
		return &FileOutput{ContentType: mediaPDF, ContentDisposition: attachment(name + ".pdf"), Body: buf.Bytes()}, s.errIf(ctx, err)
	}
	b, err := json.Marshal(r)
	return &FileOutput{ContentType: mediaJSON, Body: b}, s.errIf(ctx, err)
}

// errIf converts err for a handler's return, nil staying nil.
func (s *server) errIf(ctx context.Context, err error) error {
	if err == nil {
		return nil
	}
	return s.err(ctx, fmt.Errorf("render: %w", err))
}

// cdrReceipt answers a driver's receipt of a priced CDR as a PDF: to the
// driver and to operators who read the CDR. A CDR without a cost (not
// priced) is 422.
func (s *server) cdrReceipt(ctx context.Context, in *IDInput) (*FileOutput, error) {
	items, _, err := s.Charging.FindCDRs(ctx, volt.SessionFilter{ID: in.ID, Page: volt.Page{Limit: 1}})
	if err != nil {
		return nil, s.err(ctx, err)
	}
	if len(items) == 0 {
		return nil, newError(volt.ENOTFOUND, "CDR not found.", "")
	}
	c := items[0]
	rc := report.Receipt{Operator: s.Operator, CDR: c, Payment: s.paymentOf(ctx, c.SessionID)}
	if cpo, err := s.Hierarchy.FindCPOByID(ctx, c.CPOID); err == nil {
		rc.Operator = cpo.Name
		if cpo.Theme.DisplayName != "" {
			rc.Operator = cpo.Theme.DisplayName
		}
	}
	var buf bytes.Buffer
	if err := report.WriteReceiptPDF(&buf, rc); err != nil {
		return nil, s.err(ctx, err)
	}
	return &FileOutput{ContentType: mediaPDF, ContentDisposition: attachment("receipt-" + c.ID + ".pdf"), Body: buf.Bytes()}, nil
}

// paymentOf returns the card payment of a session for its receipt, or nil
// (paid otherwise, or payments cannot be listed here).
func (s *server) paymentOf(ctx context.Context, sessionID string) *volt.Payment {
	finder, ok := s.Payments.(volt.PaymentFinder)
	if !ok || sessionID == "" {
		return nil
	}
	items, _, err := finder.FindPayments(ctx, volt.PaymentFilter{SessionID: sessionID, Page: volt.Page{Limit: 1}})
	if err != nil || len(items) == 0 {
		return nil
	}
	return items[0]
}

// receiptOp documents the receipt: a PDF.
func (s *server) receiptOp(o huma.Operation) huma.Operation {
	o = s.fileOp(o, nil, mediaPDF)
	o.Errors = append(o.Errors, http.StatusUnprocessableEntity)
	return o
}
