package api

import (
	"context"
	"time"

	"github.com/volt-ev/volt"
)

// SessionListParams filter sessions and CDRs.
type SessionListParams struct {
	CPID           string    `query:"cpid" maxLength:"32" doc:"Only this charger."`
	CPOID          string    `query:"cpoId"`
	OwnerID        string    `query:"ownerId"`
	SiteID         string    `query:"siteId"`
	ChargerGroupID string    `query:"chargerGroupId"`
	UserID         string    `query:"userId"`
	From           time.Time `query:"from" doc:"Started at or after (RFC 3339)."`
	To             time.Time `query:"to" doc:"Started before (RFC 3339)."`
	PageParams
}

func (p SessionListParams) filter() volt.SessionFilter {
	f := volt.SessionFilter{CPID: p.CPID, CPOID: p.CPOID, OwnerID: p.OwnerID, SiteID: p.SiteID,
		ChargerGroupID: p.ChargerGroupID, UserID: p.UserID, Page: p.page()}
	if !p.From.IsZero() {
		f.From = &p.From
	}
	if !p.To.IsZero() {
		f.To = &p.To
	}
	return f
}

type sessionListInput struct {
	SessionListParams
	Status string `query:"status" enum:"active,completed"`
}

type cdrListInput struct{ SessionListParams }

func (s *server) listSessions(ctx context.Context, in *sessionListInput) (*ListOutput[*volt.Session], error) {
	f := in.filter()
	f.Status = volt.SessionStatus(in.Status)
	items, total, err := s.Charging.FindSessions(ctx, f)
	if err != nil {
		return nil, s.err(ctx, err)
	}
	return listOf(items, total, f.Page), nil
}

func (s *server) getSession(ctx context.Context, in *IDInput) (*Out[*volt.Session], error) {
	v, err := s.Charging.FindSessionByID(ctx, in.ID)
	if err != nil {
		return nil, s.err(ctx, err)
	}
	return out(v), nil
}

// meterValuesOutput is every sampled value of a session in time order.
type meterValuesOutput struct {
	Body struct {
		SessionID string             `json:"sessionId"`
		Items     []volt.MeterSample `json:"items"`
	}
}

func (s *server) listSessionMeterValues(ctx context.Context, in *IDInput) (*meterValuesOutput, error) {
	v, err := s.Charging.FindMeterValues(ctx, in.ID)
	if err != nil {
		return nil, s.err(ctx, err)
	}
	o := &meterValuesOutput{}
	o.Body.SessionID, o.Body.Items = in.ID, v
	return o, nil
}

func (s *server) listCDRs(ctx context.Context, in *cdrListInput) (*ListOutput[*volt.CDR], error) {
	f := in.filter()
	items, total, err := s.Charging.FindCDRs(ctx, f)
	if err != nil {
		return nil, s.err(ctx, err)
	}
	return listOf(items, total, f.Page), nil
}

func (s *server) getCDR(ctx context.Context, in *IDInput) (*Out[*volt.CDR], error) {
	items, _, err := s.Charging.FindCDRs(ctx, volt.SessionFilter{ID: in.ID, Page: volt.Page{Limit: 1}})
	if err != nil {
		return nil, s.err(ctx, err)
	}
	if len(items) == 0 {
		return nil, newError(volt.ENOTFOUND, "CDR not found.", "")
	}
	return out(items[0]), nil
}
