package api

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"time"

	"github.com/danielgtaylor/huma/v2"
	"github.com/volt-ev/volt"
	"github.com/volt-ev/volt/report"
)

// The operator's business (issue 17 items 1, 2, 3 and 7): socket fee
// statements, the platform's income, reliability and its exclusions,
// ticket service levels.

// businessRoutes registers the routes of this file.
func (s *server) businessRoutes() {
	a := s.api
	const get, post, put, del = http.MethodGet, http.MethodPost, http.MethodPut, http.MethodDelete
	huma.Register(a, op("billSocketFees", post, "/socket-fee-statements", "Bill a CPO's socket fees for a period (super admins; again: replaces, never doubles)", "socket-fees", 201), s.billSocketFees)
	huma.Register(a, op("listSocketFeeStatements", get, "/socket-fee-statements", "List socket fee statements", "socket-fees", 200), s.listSocketFeeStatements)
	huma.Register(a, s.fileOp(op("getSocketFeeStatement", get, "/socket-fee-statements/{id}", "A socket fee statement with its owner lines (JSON, CSV, PDF)", "socket-fees", 200), volt.SocketFeeStatement{}, mediaCSV, mediaPDF), s.getSocketFeeStatement)
	huma.Register(a, s.fileOp(op("getPlatformIncomeReport", get, "/reports/platform-income", "The platform's own income: fees per CPO and month, VAT apart (super admins; JSON, CSV, PDF)", "reports", 200), volt.PlatformIncomeReport{}, mediaCSV, mediaPDF), s.platformIncomeReport)
	huma.Register(a, s.fileOp(op("getReliabilityReport", get, "/reports/reliability", "Availability per EVSE, site and network in a month, AFIR and UK reg. 7 methods (JSON, CSV, PDF)", "reports", 200), volt.ReliabilityReport{}, mediaCSV, mediaPDF), s.reliabilityReport)
	huma.Register(a, op("listReliabilityExclusions", get, "/reliability-exclusions", "List downtime excluded from the UK reliability figure", "reliability", 200), s.listExclusions)
	huma.Register(a, op("createReliabilityExclusion", post, "/reliability-exclusions", "Exclude downtime from the UK figure, with evidence", "reliability", 201), s.createExclusion)
	huma.Register(a, op("deleteReliabilityExclusion", del, "/reliability-exclusions/{id}", "Remove an exclusion", "reliability", 204), s.deleteExclusion)
	huma.Register(a, op("getTicketServiceLevels", get, "/cpos/{id}/ticket-service-levels", "A CPO's ticket response and resolution targets per priority", "tickets", 200), s.getServiceLevels)
	huma.Register(a, op("setTicketServiceLevels", put, "/cpos/{id}/ticket-service-levels", "Set a CPO's ticket targets (admins)", "tickets", 200), s.putServiceLevels)
	huma.Register(a, op("listTicketBreaches", get, "/ticket-breaches", "Open tickets that missed their response or resolution target", "tickets", 200), s.listTicketBreaches)
	huma.Register(a, op("setTicketConnectorInoperative", post, "/tickets/{id}/connector-inoperative", "A damaged connector reported on a ticket: ChangeAvailability Inoperative, noted on the ticket", "tickets", 200), s.ticketConnectorInoperative)
}

// SocketFeeBill is the body of POST /api/v1/socket-fee-statements.
type SocketFeeBill struct {
	CPOID  string `json:"cpoId" minLength:"1" maxLength:"64" doc:"The CPO billed."`
	Period string `json:"period" minLength:"4" maxLength:"7" doc:"YYYY-MM (monthly fee) or YYYY (annual fee)."`
}

type socketFeeBillInput struct{ Body SocketFeeBill }

func (s *server) billSocketFees(ctx context.Context, in *socketFeeBillInput) (*Out[*volt.SocketFeeStatement], error) {
	if s.SocketFees == nil {
		return nil, notWired("socket fee")
	}
	st, err := s.SocketFees.BillSocketFees(ctx, in.Body.CPOID, in.Body.Period)
	if err != nil {
		return nil, s.err(ctx, err)
	}
	return out(st), nil
}

type socketFeeListInput struct {
	CPOID  string `query:"cpoId" maxLength:"64"`
	Period string `query:"period" maxLength:"7" doc:"YYYY-MM or YYYY."`
	PageParams
}

func (s *server) listSocketFeeStatements(ctx context.Context, in *socketFeeListInput) (*ListOutput[*volt.SocketFeeStatement], error) {
	if s.SocketFees == nil {
		return nil, notWired("socket fee")
	}
	f := volt.SocketFeeFilter{CPOID: in.CPOID, Period: in.Period, Page: in.page()}
	items, total, err := s.SocketFees.FindSocketFeeStatements(ctx, f)
	if err != nil {
		return nil, s.err(ctx, err)
	}
	return listOf(items, total, f.Page), nil
}

type fileIDInput struct {
	ID     string `path:"id" maxLength:"64"`
	Format string `query:"format" enum:"json,csv,pdf" doc:"json (default), csv or pdf."`
}

func (s *server) getSocketFeeStatement(ctx context.Context, in *fileIDInput) (*FileOutput, error) {
	if s.SocketFees == nil {
		return nil, notWired("socket fee")
	}
	st, err := s.SocketFees.FindSocketFeeStatementByID(ctx, in.ID)
	if err != nil {
		return nil, s.err(ctx, err)
	}
	name := fmt.Sprintf("socket-fees-%s-%s", st.CPOID, st.Period)
	var buf bytes.Buffer
	switch in.Format {
	case "csv":
		err = report.WriteSocketFeeCSV(&buf, st)
		return &FileOutput{ContentType: mediaCSV, ContentDisposition: attachment(name + ".csv"), Body: buf.Bytes()}, s.errIf(ctx, err)
	case "pdf":
		cpo, names := st.CPOID, map[string]string{}
		if c, err := s.Hierarchy.FindCPOByID(ctx, st.CPOID); err == nil {
			cpo = c.Name
		}
		for _, l := range st.Lines {
			if o, err := s.Hierarchy.FindOwnerByID(ctx, l.OwnerID); err == nil {
				names[l.OwnerID] = o.Name
			}
		}
		err = report.WriteSocketFeePDF(&buf, st, cpo, names)
		return &FileOutput{ContentType: mediaPDF, ContentDisposition: attachment(name + ".pdf"), Body: buf.Bytes()}, s.errIf(ctx, err)
	}
	b, err := json.Marshal(st)
	return &FileOutput{ContentType: mediaJSON, Body: b}, s.errIf(ctx, err)
}

type platformIncomeInput struct {
	CPOID  string    `query:"cpoId" maxLength:"64" doc:"One CPO only."`
	From   time.Time `query:"from" required:"true" doc:"From (RFC 3339)."`
	To     time.Time `query:"to" required:"true" doc:"Before (RFC 3339)."`
	Format string    `query:"format" enum:"json,csv,pdf" doc:"json (default), csv or pdf (with a chart)."`
}

func (s *server) platformIncomeReport(ctx context.Context, in *platformIncomeInput) (*FileOutput, error) {
	pr, ok := s.Reports.(volt.PlatformReportService)
	if !ok {
		return nil, notWired("platform income")
	}
	r, err := pr.PlatformIncome(ctx, volt.PlatformIncomeFilter{CPOID: in.CPOID, From: in.From, To: in.To})
	if err != nil {
		return nil, s.err(ctx, err)
	}
	name := fmt.Sprintf("platform-income-%s-%s", in.From.UTC().Format("20060102"), in.To.UTC().Format("20060102"))
	var buf bytes.Buffer
	switch in.Format {
	case "csv":
		err = report.WritePlatformIncomeCSV(&buf, r)
		return &FileOutput{ContentType: mediaCSV, ContentDisposition: attachment(name + ".csv"), Body: buf.Bytes()}, s.errIf(ctx, err)
	case "pdf":
		err = report.WritePlatformIncomePDF(&buf, r, s.Operator)
		return &FileOutput{ContentType: mediaPDF, ContentDisposition: attachment(name + ".pdf"), Body: buf.Bytes()}, s.errIf(ctx, err)
	}
	b, err := json.Marshal(r)
	return &FileOutput{ContentType: mediaJSON, Body: b}, s.errIf(ctx, err)
}

type reliabilityInput struct {
	CPOID  string `query:"cpoId" maxLength:"64" doc:"The CPO's network."`
	SiteID string `query:"siteId" maxLength:"64" doc:"One site (wins over cpoId)."`
	Month  string `query:"month" required:"true" maxLength:"7" doc:"YYYY-MM (UTC)."`
	Format string `query:"format" enum:"json,csv,pdf" doc:"json (default), csv or pdf."`
}

func (s *server) reliabilityReport(ctx context.Context, in *reliabilityInput) (*FileOutput, error) {
	if s.Reliability == nil {
		return nil, notWired("reliability")
	}
	r, err := s.Reliability.Reliability(ctx, volt.ReliabilityFilter{CPOID: in.CPOID, SiteID: in.SiteID, Month: in.Month})
	if err != nil {
		return nil, s.err(ctx, err)
	}
	scope := r.CPOID
	if in.SiteID != "" {
		scope = in.SiteID
	}
	name := "reliability-" + scope + "-" + r.Month
	var buf bytes.Buffer
	switch in.Format {
	case "csv":
		err = report.WriteReliabilityCSV(&buf, r)
		return &FileOutput{ContentType: mediaCSV, ContentDisposition: attachment(name + ".csv"), Body: buf.Bytes()}, s.errIf(ctx, err)
	case "pdf":
		subject := scope
		if c, err := s.Hierarchy.FindCPOByID(ctx, r.CPOID); err == nil {
			subject = c.Name
		}
		if len(r.Sites) == 1 && in.SiteID != "" {
			subject = r.Sites[0].SiteName
		}
		err = report.WriteReliabilityPDF(&buf, r, subject)
		return &FileOutput{ContentType: mediaPDF, ContentDisposition: attachment(name + ".pdf"), Body: buf.Bytes()}, s.errIf(ctx, err)
	}
	b, err := json.Marshal(r)
	return &FileOutput{ContentType: mediaJSON, Body: b}, s.errIf(ctx, err)
}

// ExclusionCreate is the body of POST /api/v1/reliability-exclusions.
type ExclusionCreate struct {
	CPID        string    `json:"cpid" minLength:"1" maxLength:"32"`
	ConnectorID int       `json:"connectorId,omitempty" minimum:"0" doc:"0 or absent: the whole charger."`
	Reason      string    `json:"reason" enum:"planned_maintenance,grid_outage,vandalism,outside_operating_hours"`
	From        time.Time `json:"from"`
	To          time.Time `json:"to"`
	Evidence    string    `json:"evidence" maxLength:"2000" doc:"Required: an incident number, work order, police reference."`
	Note        string    `json:"note,omitempty" maxLength:"2000"`
}

type exclusionCreateInput struct{ Body ExclusionCreate }

type exclusionListInput struct {
	CPOID string `query:"cpoId" maxLength:"64"`
	CPID  string `query:"cpid" maxLength:"32"`
	Month string `query:"month" maxLength:"7" doc:"YYYY-MM: exclusions overlapping the month."`
	PageParams
}

func (s *server) listExclusions(ctx context.Context, in *exclusionListInput) (*ListOutput[*volt.ReliabilityExclusion], error) {
	if s.Reliability == nil {
		return nil, notWired("reliability")
	}
	f := volt.ExclusionFilter{CPOID: in.CPOID, CPID: in.CPID, Month: in.Month, Page: in.page()}
	items, total, err := s.Reliability.FindReliabilityExclusions(ctx, f)
	if err != nil {
		return nil, s.err(ctx, err)
	}
	return listOf(items, total, f.Page), nil
}

func (s *server) createExclusion(ctx context.Context, in *exclusionCreateInput) (*Out[*volt.ReliabilityExclusion], error) {
	if s.Reliability == nil {
		return nil, notWired("reliability")
	}
	b := in.Body
	e := &volt.ReliabilityExclusion{CPID: b.CPID, ConnectorID: b.ConnectorID, Reason: volt.DowntimeReason(b.Reason),
		From: b.From, To: b.To, Evidence: b.Evidence, Note: b.Note}
	if err := s.Reliability.CreateReliabilityExclusion(ctx, e); err != nil {
		return nil, s.err(ctx, err)
	}
	return out(e), nil
}

func (s *server) deleteExclusion(ctx context.Context, in *IDInput) (*struct{}, error) {
	if s.Reliability == nil {
		return nil, notWired("reliability")
	}
	return nil, s.errIf0(ctx, s.Reliability.DeleteReliabilityExclusion(ctx, in.ID))
}

// errIf0 converts a service error for a handler's return, nil staying nil.
func (s *server) errIf0(ctx context.Context, err error) error {
	if err == nil {
		return nil
	}
	return s.err(ctx, err)
}

func (s *server) getServiceLevels(ctx context.Context, in *IDInput) (*Out[*volt.TicketServiceLevels], error) {
	if s.TicketSLA == nil {
		return nil, notWired("ticket service level")
	}
	l, err := s.TicketSLA.TicketServiceLevels(ctx, in.ID)
	if err != nil {
		return nil, s.err(ctx, err)
	}
	return out(l), nil
}

// ServiceLevelsBody is the body of PUT /api/v1/cpos/{id}/ticket-service-levels.
type ServiceLevelsBody struct {
	Levels []volt.TicketServiceLevel `json:"levels" maxItems:"4" doc:"Per priority (low, normal, high, urgent): responseMinutes and resolutionMinutes."`
}

type serviceLevelsInput struct {
	ID   string `path:"id" maxLength:"64"`
	Body ServiceLevelsBody
}

func (s *server) putServiceLevels(ctx context.Context, in *serviceLevelsInput) (*Out[*volt.TicketServiceLevels], error) {
	if s.TicketSLA == nil {
		return nil, notWired("ticket service level")
	}
	if err := s.TicketSLA.SetTicketServiceLevels(ctx, &volt.TicketServiceLevels{CPOID: in.ID, Levels: in.Body.Levels}); err != nil {
		return nil, s.err(ctx, err)
	}
	return s.getServiceLevels(ctx, &IDInput{ID: in.ID})
}

type breachesInput struct {
	CPOID string `query:"cpoId" maxLength:"64"`
}

// BreachesBody lists the tickets that missed a target.
type BreachesBody struct {
	Items []volt.TicketSLA `json:"items"`
}

func (s *server) listTicketBreaches(ctx context.Context, in *breachesInput) (*Out[BreachesBody], error) {
	if s.TicketSLA == nil {
		return nil, notWired("ticket service level")
	}
	items, err := s.TicketSLA.TicketBreaches(ctx, in.CPOID)
	if err != nil {
		return nil, s.err(ctx, err)
	}
	return out(BreachesBody{Items: items}), nil
}

// InoperativeBody is the body of POST /api/v1/tickets/{id}/connector-inoperative.
type InoperativeBody struct {
	ConnectorID int `json:"connectorId,omitempty" minimum:"0" doc:"The connector; absent: the ticket's."`
}

type inoperativeInput struct {
	ID   string `path:"id" maxLength:"64"`
	Body *InoperativeBody
}

// InoperativeResult is the charger's answer and the note added to the ticket.
type InoperativeResult struct {
	CPID        string          `json:"cpid"`
	ConnectorID int             `json:"connectorId"`
	Response    json.RawMessage `json:"response"`
}

// ticketConnectorInoperative takes the connector a ticket reports damaged
// out of use: ChangeAvailability Inoperative to its charger (PermSupport on
// the ticket and PermCommand on the charger), then an internal note.
func (s *server) ticketConnectorInoperative(ctx context.Context, in *inoperativeInput) (*Out[InoperativeResult], error) {
	if s.Tickets == nil || s.Commander == nil {
		return nil, notWired("ticket command")
	}
	t, err := s.Tickets.FindTicketByID(ctx, in.ID)
	if err != nil {
		return nil, s.err(ctx, err)
	}
	actor := volt.ActorFromContext(ctx)
	if !actor.Can(volt.PermSupport, t.Ref()) {
		return nil, newError(volt.EFORBIDDEN, "Only support acts on the ticket's charger.", "")
	}
	conn := t.ConnectorID
	if in.Body != nil && in.Body.ConnectorID > 0 {
		conn = in.Body.ConnectorID
	}
	if t.CPID == "" || conn <= 0 {
		return nil, newError(volt.EUNPROCESSABLE, "The ticket names no charger connector.", "connectorId")
	}
	body := json.RawMessage(fmt.Sprintf(`{"connectorId": %d, "type": "Inoperative"}`, conn))
	cmd := &commandInput{Command: "change-availability", Body: &body}
	cmd.CPID = t.CPID
	res, err := s.sendCommand(ctx, cmd)
	if err != nil {
		return nil, err
	}
	note := &volt.TicketMessage{Internal: true, Body: fmt.Sprintf("Connector %d of %s set Inoperative (reported damaged); the charger answered %s.", conn, t.CPID, res.Body)}
	if err := s.Tickets.AddTicketMessage(ctx, t.ID, note); err != nil {
		return nil, s.err(ctx, err)
	}
	return out(InoperativeResult{CPID: t.CPID, ConnectorID: conn, Response: res.Body}), nil
}
