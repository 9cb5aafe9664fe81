package api

import (
	"context"
	"net/http"

	"github.com/danielgtaylor/huma/v2"

	"github.com/volt-ev/volt"
)

// roamingProfileInput addresses one session of a partner CPO.
type roamingProfileInput struct {
	ID        string `path:"id" maxLength:"64" doc:"The OCPI partner (a CPO) id."`
	SessionID string `path:"sessionId" maxLength:"36" doc:"The partner's session id (OCPI Session.id)."`
}

// roamingProfileListInput lists a partner's sessions with a request.
type roamingProfileListInput struct {
	ID    string `path:"id" maxLength:"64" doc:"The OCPI partner (a CPO) id."`
	Limit int    `query:"limit" minimum:"1" maximum:"200" default:"50" doc:"At most this many sessions, the newest request first."`
}

// roamingProfileList is the body of the list: no paging, the newest first.
type roamingProfileList struct {
	Items []*volt.RoamingProfileStatus `json:"items"`
}

// getRoamingProfile is what Volt, as eMSP, knows of the charging profile
// of one of its drivers' sessions on a partner CPO's charger (issue 14):
// the last request it sent, the CPO's answer and result, and the active
// profile. Another CPO's partner, or a session with none of them, is
// not_found.
func (s *server) getRoamingProfile(ctx context.Context, in *roamingProfileInput) (*Out[*volt.RoamingProfileStatus], error) {
	if s.RoamingProfiles == nil {
		return nil, notWired("OCPI charging profiles")
	}
	st, err := s.RoamingProfiles.RoamingProfileStatus(ctx, in.ID, in.SessionID)
	if err != nil {
		return nil, s.err(ctx, err)
	}
	return out(st), nil
}

// listRoamingProfiles lists the partner's sessions Volt sent a charging
// profile request for, the newest request first.
func (s *server) listRoamingProfiles(ctx context.Context, in *roamingProfileListInput) (*Out[roamingProfileList], error) {
	if s.RoamingProfiles == nil {
		return nil, notWired("OCPI charging profiles")
	}
	items, err := s.RoamingProfiles.RoamingProfileStatuses(ctx, in.ID, in.Limit)
	if err != nil {
		return nil, s.err(ctx, err)
	}
	return out(roamingProfileList{Items: items}), nil
}

func (s *server) roamingProfileRoutes() {
	huma.Register(s.api, op("listOcpiPartnerChargingProfiles", http.MethodGet, "/ocpi-partners/{id}/charging-profiles",
		"The partner CPO's sessions of our drivers we sent a charging profile request for: last request, its result, the active profile", "ocpi-partners", 200),
		s.listRoamingProfiles)
	huma.Register(s.api, op("getOcpiPartnerSessionChargingProfile", http.MethodGet, "/ocpi-partners/{id}/sessions/{sessionId}/charging-profile",
		"A roaming session's charging profile on the partner CPO's charger: the last request we sent, its answer and result, the active profile", "ocpi-partners", 200),
		s.getRoamingProfile)
}
