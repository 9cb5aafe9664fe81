package ocpi

import (
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"net/url"
	"strings"
	"time"

	"github.com/volt-ev/volt"
)

// Session is an OCPI Session (§9.3.1) of a roaming token on Volt's charger.
type Session struct {
	CountryCode   string   `json:"country_code"`
	PartyID       string   `json:"party_id"`
	ID            string   `json:"id"`
	StartDateTime string   `json:"start_date_time"`
	EndDateTime   string   `json:"end_date_time,omitempty"`
	KWh           float64  `json:"kwh"`
	CDRToken      CDRToken `json:"cdr_token"`
	AuthMethod    string   `json:"auth_method"`
	LocationID    string   `json:"location_id"`
	EVSEUID       string   `json:"evse_uid"`
	ConnectorID   string   `json:"connector_id"`
	Currency      string   `json:"currency"`
	TotalCost     *Price   `json:"total_cost,omitempty"`
	Status        string   `json:"status"`
	LastUpdated   string   `json:"last_updated"`
}

// SessionPushInterval is the least time between two pushes of a session's
// progress to its partner (throttled); a start and an end go at once.
const SessionPushInterval = time.Minute

// SyncRoamingSessions pushes the sessions partners' tokens started on
// Volt's chargers: at start, as they progress (at most every
// SessionPushInterval) and the final state at the end, always as a full
// PUT (LESSONS OCPI 3). It reads state, so nothing depends on an event.
// It returns how many it queued.
func (s *Server) SyncRoamingSessions(ctx context.Context) (int, error) {
	now := s.now()
	list, err := s.Store.RoamingSessionsToPush(ctx, now.Add(-24*time.Hour), 500)
	if err != nil {
		return 0, err
	}
	n := 0
	for _, rs := range list {
		o, err := s.sessionOf(ctx, rs)
		if err != nil {
			s.logger().Warn("ocpi roaming session", "session", rs.Session.ID, "err", err)
			continue
		}
		cost := ""
		if o.TotalCost != nil {
			cost = fmt.Sprint(o.TotalCost.InclVAT)
		}
		state := o.Status + "|" + fmt.Sprint(o.KWh) + "|" + cost
		if state == rs.SentState {
			continue
		}
		sentStatus, _, _ := strings.Cut(rs.SentState, "|")
		if rs.SentAt != nil && sentStatus == o.Status && now.Sub(*rs.SentAt) < SessionPushInterval {
			continue // progress, throttled
		}
		body, err := json.Marshal(o)
		if err != nil {
			return n, err
		}
		path := "/" + o.CountryCode + "/" + o.PartyID + "/" + url.PathEscape(o.ID)
		if err := s.Store.QueueSessionPush(ctx, o.ID, state, &volt.OCPIPush{PartnerID: rs.PartnerID, Module: "sessions",
			ObjectID: o.ID, Method: http.MethodPut, URL: path, Body: body}); err != nil {
			return n, err
		}
		n++
	}
	return n, nil
}

func (s *Server) sessionOf(ctx context.Context, rs volt.RoamingSession) (*Session, error) {
	x := rs.Session
	party, err := s.Store.OCPIPartyOf(ctx, x.CPOID)
	if err != nil {
		return nil, err
	}
	tok, err := s.Store.FindRoamingToken(ctx, x.CPOID, x.IDTag)
	if err != nil {
		return nil, err
	}
	o := &Session{CountryCode: party.CountryCode, PartyID: party.PartyID, ID: x.ID, StartDateTime: DateTime(x.StartedAt),
		KWh: float64(x.EnergyWh) / 1000, AuthMethod: "WHITELIST", LocationID: x.SiteID, EVSEUID: EVSEUID(x.CPID, x.ConnectorID),
		ConnectorID: "1", Currency: "GBP", Status: "ACTIVE", LastUpdated: DateTime(x.UpdatedAt),
		CDRToken: CDRToken{CountryCode: tok.CountryCode, PartyID: tok.PartyID, UID: tok.UID, Type: tok.Type, ContractID: tok.ContractID}}
	if x.LiveCost != nil {
		o.Currency = x.LiveCost.Currency
		o.TotalCost = minorPrice(x.LiveCost.ExclVAT, x.LiveCost.InclVAT, volt.CurrencyExponent(x.LiveCost.Currency))
	}
	if x.Status != volt.SessionActive {
		o.Status = "COMPLETED"
		if x.StoppedAt != nil {
			o.EndDateTime = DateTime(*x.StoppedAt)
		}
	}
	return o, nil
}

// listSessions is the Sessions sender (§9.2.1.1): the sessions of the
// partner's tokens on the CPO's chargers, as they would be pushed now,
// paged in the window of their last update.
func (s *Server) listSessions(w http.ResponseWriter, r *http.Request) error {
	p, err := parsePaging(r)
	if err != nil {
		return err
	}
	list, total, err := s.Store.RoamingSessionsOf(r.Context(), callOf(r).partner.ID, p.From, p.To, p.Offset, p.Limit)
	if err != nil {
		return err
	}
	out := make([]*Session, 0, len(list))
	for _, rs := range list {
		o, err := s.sessionOf(r.Context(), rs)
		if err != nil {
			return err
		}
		out = append(out, o)
	}
	setPagingHeaders(w, r, s.url("/ocpi/cpo/2.2.1/sessions"), p, total, len(out))
	ok(w, out)
	return nil
}
