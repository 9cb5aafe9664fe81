package api

import (
	"bytes"
	"context"
	"encoding/json"
	"time"

	"github.com/volt-ev/volt"
	"github.com/volt-ev/volt/audit"
)

// HelplineContactCreate is the body of POST /api/v1/helpline/contacts: one
// contact with a driver, logged as UK public charge point rules require.
type HelplineContactCreate struct {
	Channel       string   `json:"channel" enum:"phone,email,chat"`
	DriverContact string   `json:"driverContact" minLength:"1" maxLength:"320" doc:"The driver's phone or e-mail."`
	DriverUserID  string   `json:"driverUserId,omitempty" maxLength:"64"`
	CPID          string   `json:"cpid,omitempty" maxLength:"32"`
	SessionID     string   `json:"sessionId,omitempty" maxLength:"64"`
	TicketID      string   `json:"ticketId,omitempty" maxLength:"64"`
	CPOID         string   `json:"cpoId,omitempty" maxLength:"64" doc:"Without charger, session or ticket: the CPO it is for."`
	Summary       string   `json:"summary" minLength:"1" maxLength:"10000"`
	Actions       []string `json:"actions,omitempty" maxItems:"20" doc:"What was done: reset, unlock, stop, \"refund: <reason>\"."`
}

type helplineListInput struct {
	SupportUserID string    `query:"supportUserId" maxLength:"64"`
	DriverContact string    `query:"driverContact" maxLength:"320"`
	CPID          string    `query:"cpid" maxLength:"32"`
	SessionID     string    `query:"sessionId" maxLength:"64"`
	TicketID      string    `query:"ticketId" maxLength:"64"`
	From          time.Time `query:"from" doc:"At or after (RFC 3339)."`
	To            time.Time `query:"to" doc:"Before (RFC 3339)."`
	PageParams
}

type helplineCreateInput struct{ Body HelplineContactCreate }

type searchInput struct {
	Query string `query:"q" required:"true" minLength:"1" maxLength:"200" doc:"A CPID, OCPP identity, card UID, driver e-mail, name or phone, or session id."`
}

// SearchResult is the answer of the helpline search.
type SearchResult struct {
	Hits []volt.SearchHit `json:"hits"`
}

func timeOrNil(t time.Time) *time.Time {
	if t.IsZero() {
		return nil
	}
	return &t
}

func (s *server) listHelplineContacts(ctx context.Context, in *helplineListInput) (*ListOutput[*volt.HelplineContact], error) {
	if s.Helpline == nil {
		return nil, notWired("helpline")
	}
	f := volt.HelplineFilter{SupportUserID: in.SupportUserID, DriverContact: in.DriverContact, CPID: in.CPID,
		SessionID: in.SessionID, TicketID: in.TicketID, From: timeOrNil(in.From), To: timeOrNil(in.To), Page: in.page()}
	items, total, err := s.Helpline.FindHelplineContacts(ctx, f)
	if err != nil {
		return nil, s.err(ctx, err)
	}
	return listOf(items, total, f.Page), nil
}

// recordHelplineContact logs a contact by the caller (support where the
// contact sits).
func (s *server) recordHelplineContact(ctx context.Context, in *helplineCreateInput) (*Out[*volt.HelplineContact], error) {
	if s.Helpline == nil {
		return nil, notWired("helpline")
	}
	b := in.Body
	c := &volt.HelplineContact{Channel: b.Channel, DriverContact: b.DriverContact, DriverUserID: b.DriverUserID,
		CPID: b.CPID, SessionID: b.SessionID, TicketID: b.TicketID, CPOID: b.CPOID, Summary: b.Summary, Actions: b.Actions}
	if err := s.Helpline.RecordContact(audit.WithDriverContact(ctx, b.DriverContact), c); err != nil {
		return nil, s.err(ctx, err)
	}
	return out(c), nil
}

// helplineSearch finds chargers, cards, drivers and sessions in the
// caller's scope (operators only; drivers 403).
func (s *server) helplineSearch(ctx context.Context, in *searchInput) (*Out[SearchResult], error) {
	if s.Helpline == nil {
		return nil, notWired("helpline")
	}
	hits, err := s.Helpline.SupportSearch(ctx, in.Query)
	if err != nil {
		return nil, s.err(ctx, err)
	}
	if hits == nil {
		hits = []volt.SearchHit{}
	}
	return out(SearchResult{Hits: hits}), nil
}

type auditListInput struct {
	ActorID      string    `query:"actorId" maxLength:"64"`
	Action       string    `query:"action" maxLength:"100" doc:"Exact, or a prefix ending in \".\" (\"charger.\")."`
	ResourceType string    `query:"resourceType" maxLength:"50"`
	ResourceID   string    `query:"resourceId" maxLength:"64"`
	CPOID        string    `query:"cpoId" maxLength:"64"`
	Outcome      string    `query:"outcome" enum:"ok,failed"`
	From         time.Time `query:"from" doc:"At or after (RFC 3339)."`
	To           time.Time `query:"to" doc:"Before (RFC 3339)."`
	Query        string    `query:"q" maxLength:"200" doc:"Actor e-mail, action, resource id, driver contact."`
	Format       string    `query:"format" enum:"json,csv" doc:"json (a page, default) or csv (every matching entry, as a download)."`
	PageParams
}

// auditLog lists the audit entries in the caller's read scope, newest
// first, as a JSON page or the whole selection as CSV (audit.Export).
func (s *server) auditLog(ctx context.Context, in *auditListInput) (*FileOutput, error) {
	if s.Audit == nil {
		return nil, notWired("audit")
	}
	f := volt.AuditFilter{ActorID: in.ActorID, Action: in.Action, ResourceType: in.ResourceType, ResourceID: in.ResourceID,
		CPOID: in.CPOID, Outcome: in.Outcome, From: timeOrNil(in.From), To: timeOrNil(in.To), Query: in.Query, Page: in.page()}
	if in.Format == "csv" {
		var buf bytes.Buffer
		if _, err := audit.Export(ctx, s.Audit, f, &buf); err != nil {
			return nil, s.err(ctx, err)
		}
		name := "audit-log-" + s.Now().UTC().Format("20060102T150405Z") + ".csv"
		return &FileOutput{ContentType: mediaCSV, ContentDisposition: attachment(name), Body: buf.Bytes()}, nil
	}
	items, total, err := s.Audit.FindAuditEntries(ctx, f)
	if err != nil {
		return nil, s.err(ctx, err)
	}
	b, err := json.Marshal(listOf(items, total, f.Page).Body)
	return &FileOutput{ContentType: mediaJSON, Body: b}, s.errIf(ctx, err)
}
