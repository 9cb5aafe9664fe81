package ocpi

import (
	"context"
	"encoding/json"
	"net/http"
	"sort"
	"strconv"
	"time"

	"github.com/volt-ev/volt"
)

// Volt as eMSP: what it knows of the charging profiles of its drivers'
// sessions on partner CPOs' chargers (volt.RoamingProfileReader), for the
// API and the Admin Portal. Every request Volt sends a partner CPO is kept
// as the session's last request (a partner object of
// profileRequestModule, by session id) with the CPO's immediate answer;
// the result posted to the response_url and the ActiveChargingProfile the
// CPO pushes are kept as they arrive (chargingprofiles.go).
// The driver app's roaming charge page shows the limit in force now
// (chargeLimitNow, AppRoaming.FindRoamingCharge).

var _ volt.RoamingProfileReader = (*Server)(nil)

// profileRequestModule names the last request Volt sent per session in the
// partner objects.
const profileRequestModule = "chargingprofilerequests"

// profileRequestRecord is the stored last request of a session.
type profileRequestRecord struct {
	SessionID string           `json:"session_id"`
	UID       string           `json:"uid"`
	Kind      string           `json:"kind"`
	SentAt    time.Time        `json:"sent_at"`
	Answer    string           `json:"answer"`
	Timeout   int              `json:"timeout"`
	Profile   *ChargingProfile `json:"profile,omitempty"`
}

// recordProfileRequest keeps a request Volt sent as the session's last
// (a failure to keep it is logged: the request itself went out).
func (s *Server) recordProfileRequest(ctx context.Context, partnerID, sessionID, uid, method string, body any, resp *ChargingProfileResponse) {
	rec := profileRequestRecord{SessionID: sessionID, UID: uid, SentAt: s.now().UTC(), Answer: resp.Result, Timeout: resp.Timeout}
	switch method {
	case http.MethodPut:
		rec.Kind = "set"
		if set, ok := body.(SetChargingProfile); ok {
			rec.Profile = &set.ChargingProfile
		}
	case http.MethodGet:
		rec.Kind = "get"
	default:
		rec.Kind = "clear"
	}
	raw, err := json.Marshal(rec)
	if err == nil {
		_, err = s.Store.PutPartnerObject(system(ctx), partnerID, profileRequestModule, sessionID, raw, rec.SentAt)
	}
	if err != nil {
		s.logger().Warn("ocpi charging profile request not kept", "partner", partnerID, "session", sessionID, "err", err)
	}
}

// scopedPartner reads a partner the actor may read (ENOTFOUND otherwise).
func (s *Server) scopedPartner(ctx context.Context, partnerID string) (*volt.OCPIPartner, error) {
	if s.Partners == nil {
		return nil, volt.Errorf(volt.EUNAVAILABLE, "OCPI partners are not wired.")
	}
	return s.Partners.FindOCPIPartnerByID(ctx, partnerID)
}

// RoamingProfileStatus reads what Volt knows of the charging profile of a
// session on the partner CPO's charger: its last request, that request's
// result and the active profile (ENOTFOUND: none of them, or a partner
// outside the actor's scope).
func (s *Server) RoamingProfileStatus(ctx context.Context, partnerID, sessionID string) (*volt.RoamingProfileStatus, error) {
	p, err := s.scopedPartner(ctx, partnerID)
	if err != nil {
		return nil, err
	}
	var rec *profileRequestRecord
	raw, err := s.Store.FindPartnerObject(system(ctx), p.ID, profileRequestModule, sessionID)
	switch {
	case err == nil:
		rec = &profileRequestRecord{}
		if err := json.Unmarshal(raw, rec); err != nil {
			return nil, volt.Errorf(volt.EINTERNAL, "stored charging profile request of %s: %v", sessionID, err)
		}
	case !volt.IsCode(err, volt.ENOTFOUND):
		return nil, err
	}
	st, err := s.profileStatusOf(ctx, p.ID, sessionID, rec)
	if err != nil {
		return nil, err
	}
	if st.LastRequest == nil && st.Active == nil {
		return nil, volt.Errorf(volt.ENOTFOUND, "No charging profile of roaming session %s.", sessionID)
	}
	return st, nil
}

// RoamingProfileStatuses reads the partner's sessions Volt sent a charging
// profile request for, the newest request first, at most limit.
func (s *Server) RoamingProfileStatuses(ctx context.Context, partnerID string, limit int) ([]*volt.RoamingProfileStatus, error) {
	p, err := s.scopedPartner(ctx, partnerID)
	if err != nil {
		return nil, err
	}
	raws, err := s.Store.FindPartnerObjects(system(ctx), p.ID, profileRequestModule)
	if err != nil {
		return nil, err
	}
	recs := make([]*profileRequestRecord, 0, len(raws))
	for _, raw := range raws {
		var rec profileRequestRecord
		if json.Unmarshal(raw, &rec) == nil && rec.SessionID != "" {
			recs = append(recs, &rec)
		}
	}
	sort.SliceStable(recs, func(i, j int) bool { return recs[i].SentAt.After(recs[j].SentAt) })
	if limit > 0 && len(recs) > limit {
		recs = recs[:limit]
	}
	out := make([]*volt.RoamingProfileStatus, 0, len(recs))
	for _, rec := range recs {
		st, err := s.profileStatusOf(ctx, p.ID, rec.SessionID, rec)
		if err != nil {
			return nil, err
		}
		out = append(out, st)
	}
	return out, nil
}

// profileStatusOf completes a session's status with its last request's
// result and the active profile.
func (s *Server) profileStatusOf(ctx context.Context, partnerID, sessionID string, rec *profileRequestRecord) (*volt.RoamingProfileStatus, error) {
	ctx = system(ctx)
	st := &volt.RoamingProfileStatus{PartnerID: partnerID, SessionID: sessionID}
	var requested *ActiveChargingProfile
	if rec != nil {
		req := &volt.RoamingProfileRequest{ID: rec.UID, Kind: rec.Kind, SentAt: rec.SentAt, Answer: rec.Answer}
		if rec.Profile != nil {
			rp := roamingProfileOf(*rec.Profile)
			req.Profile = &rp
		}
		if rec.Answer == "ACCEPTED" {
			due := rec.SentAt.Add(time.Duration(rec.Timeout) * time.Second)
			req.ResultDueBy = &due
		}
		res, err := s.ChargingProfileResultOf(ctx, partnerID, rec.UID)
		switch {
		case err == nil:
			req.Result = res.Result
			if rec.Kind == "get" {
				requested = res.Profile
			}
		case !volt.IsCode(err, volt.ENOTFOUND):
			return nil, err
		}
		st.LastRequest = req
	}
	source, active := "pushed", (*ActiveChargingProfile)(nil)
	a, err := s.ActiveChargingProfileOf(ctx, partnerID, sessionID)
	switch {
	case err == nil:
		active = a
	case !volt.IsCode(err, volt.ENOTFOUND):
		return nil, err
	case requested != nil:
		source, active = "requested", requested
	}
	if active != nil {
		at, _ := ParseDateTime(active.StartDateTime)
		st.Active = &volt.RoamingActiveProfile{Source: source, StartAt: at, Profile: roamingProfileOf(active.ChargingProfile)}
	}
	return st, nil
}

// roamingProfileOf makes an OCPI profile Volt's.
func roamingProfileOf(cp ChargingProfile) volt.RoamingProfile {
	out := volt.RoamingProfile{Unit: cp.ChargingRateUnit, MinChargingRate: cp.MinChargingRate, Periods: []volt.RoamingProfilePeriod{}}
	if cp.Duration != nil {
		out.DurationS = *cp.Duration
	}
	if cp.StartDateTime != "" {
		if t, err := ParseDateTime(cp.StartDateTime); err == nil {
			out.StartAt = &t
		}
	}
	for _, p := range cp.ChargingProfilePeriod {
		out.Periods = append(out.Periods, volt.RoamingProfilePeriod{StartS: p.StartPeriod, Limit: p.Limit})
	}
	return out
}

// chargeLimitNow is the limit in force now of the active profile the
// partner CPO pushed for a session ("16 A", "7.4 kW"; "": none known,
// or not in force now).
func (s *Server) chargeLimitNow(ctx context.Context, partnerID, sessionID string) string {
	a, err := s.ActiveChargingProfileOf(system(ctx), partnerID, sessionID)
	if err != nil {
		return ""
	}
	start, err := ParseDateTime(a.StartDateTime)
	if err != nil {
		return ""
	}
	el := int(s.now().Sub(start) / time.Second)
	cp := a.ChargingProfile
	if el < 0 || (cp.Duration != nil && *cp.Duration > 0 && el >= *cp.Duration) {
		return ""
	}
	limit, found := 0.0, false
	for _, p := range cp.ChargingProfilePeriod {
		if p.StartPeriod > el {
			break
		}
		limit, found = p.Limit, true
	}
	switch {
	case !found:
		return ""
	case cp.ChargingRateUnit == "W":
		return strconv.FormatFloat(limit/1000, 'f', -1, 64) + " kW"
	}
	return strconv.FormatFloat(limit, 'f', -1, 64) + " A"
}
