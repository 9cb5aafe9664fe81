package ocpi

import (
	"context"
	"encoding/json"
	"errors"
	"math"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"time"

	"github.com/volt-ev/volt"
)

// ChargingProfiles module (OCPI 2.2.1 §14), both roles.
//
// Volt as CPO (receiver): an eMSP sets, reads or clears the profile of one
// of its drivers' sessions on Volt's chargers. Every request is answered
// at once (ACCEPTED, or UNKNOWN_SESSION for a session that is not an
// active session of this partner's token on the CPO's chargers: another
// CPO's or another eMSP's session is unknown, and nothing is touched);
// the charger's outcome is then queued for the partner's response_url
// (the push queue: nothing is lost across restarts).
//
// A profile is a cap, never an override of the site's limits. On a site
// whose load management is on, the profile is stored and the loop gives
// the session the lower of its share and the profile's limit (lms,
// Config.Profiles); the result is ACCEPTED once the charger's composite
// schedule (GetCompositeSchedule) is within the profile, REJECTED when it
// is not within the command timeout. On a site without load management
// the profile goes to the charger as a transaction profile of Volt's own
// id (chargerProfileID), which the charger combines with its own maximum
// (OCPP: the lower wins); the result is the charger's answer. A cleared
// profile is removed from the store (the loop raises the session again
// at its pace) and, without load management, cleared on the charger.
// GetActiveChargingProfile is the charger's composite schedule.
//
// Volt as eMSP (sender): SendChargingProfile, GetActiveChargingProfile and
// ClearChargingProfile call a partner CPO with a response_url of Volt's;
// the results it posts there and the ActiveChargingProfiles it pushes are
// kept as partner objects, read with ChargingProfileResultOf and
// ActiveChargingProfileOf; the last request per session is kept with the
// CPO's answer and shown, with its result and the active profile, in the
// API and on the partner's portal page (chargingprofiles_status.go).
//
// When the loop applies a new limit to a session an eMSP set a profile on,
// the session's ActiveChargingProfile (that limit, from now) is queued for
// the eMSP's sender interface (LimitApplied, §14.2.2.2), the pending one
// replaced by the newer. Without load management, a profile the charger
// accepted is the session's ActiveChargingProfile from now, as sent
// (activeFromNow), and once a profile is cleared the charger's own
// composite schedule is.
// A profile a hub routed keeps the party behind the hub that set it
// (SessionProfile.Party): its result and the session's
// ActiveChargingProfiles name that party in OCPI-to, not the hub.

// ChargingProfilePeriod is one period of a ChargingProfile (§14.4.6).
type ChargingProfilePeriod struct {
	StartPeriod int     `json:"start_period"`
	Limit       float64 `json:"limit"`
}

// ChargingProfile is OCPI's charging profile (§14.4.5).
type ChargingProfile struct {
	StartDateTime         string                  `json:"start_date_time,omitempty"`
	Duration              *int                    `json:"duration,omitempty"`
	ChargingRateUnit      string                  `json:"charging_rate_unit"`
	MinChargingRate       *float64                `json:"min_charging_rate,omitempty"`
	ChargingProfilePeriod []ChargingProfilePeriod `json:"charging_profile_period,omitempty"`
}

// SetChargingProfile is the body of a PUT to the receiver (§14.3.3).
type SetChargingProfile struct {
	ChargingProfile ChargingProfile `json:"charging_profile"`
	ResponseURL     string          `json:"response_url"`
}

// ChargingProfileResponse is the receiver's immediate answer (§14.3.1).
type ChargingProfileResponse struct {
	Result  string `json:"result"`
	Timeout int    `json:"timeout"`
}

// ActiveChargingProfile is the profile as the charger computes it
// (§14.4.1).
type ActiveChargingProfile struct {
	StartDateTime   string          `json:"start_date_time"`
	ChargingProfile ChargingProfile `json:"charging_profile"`
}

// ChargingProfileResult is the result posted to the response_url of a
// PUT, a DELETE (ClearProfileResult) or, with Profile, a GET
// (ActiveChargingProfileResult) (§14.3.2 to §14.3.4).
type ChargingProfileResult struct {
	Result  string                 `json:"result"`
	Profile *ActiveChargingProfile `json:"profile,omitempty"`
}

// Results of a charging profile request (ChargingProfileResultType).
const (
	ProfileAccepted = "ACCEPTED"
	ProfileRejected = "REJECTED"
	ProfileUnknown  = "UNKNOWN"
)

// profileModule names the module in the push queue and the partner objects
// (results); activeProfileModule the ActiveChargingProfiles pushed to Volt.
const (
	profileModule       = "chargingprofiles"
	activeProfileModule = "activechargingprofiles"
)

// chargerProfileIDBase is the OCPP charging profile id of an eMSP's
// profile sent to a charger of a site without load management, plus the
// connector (load management's own are 150000 to 152999); its stack level
// is above the failsafe's.
const (
	chargerProfileIDBase = 170000
	chargerProfileStack  = 2
)

// LoadManagedSites reads a site's load management model, to say whether
// it is on (volt.LoadManagementService).
type LoadManagedSites interface {
	FindLoadManagement(ctx context.Context, siteID string) (*volt.LoadManagement, error)
}

// chargingProfileRoutes mounts the module: the receiver served to eMSP
// partners, the sender's endpoints served to CPO partners.
func (s *Server) chargingProfileRoutes(mux *http.ServeMux, asCPO, asEMSP func(func(http.ResponseWriter, *http.Request) error) http.Handler) {
	mux.Handle("PUT /ocpi/cpo/2.2.1/chargingprofiles/{session_id}", asCPO(s.putChargingProfile))
	mux.Handle("GET /ocpi/cpo/2.2.1/chargingprofiles/{session_id}", asCPO(s.getActiveChargingProfile))
	mux.Handle("DELETE /ocpi/cpo/2.2.1/chargingprofiles/{session_id}", asCPO(s.deleteChargingProfile))
	mux.Handle("POST /ocpi/emsp/2.2.1/chargingprofiles/result/{uid}", asEMSP(s.receiveChargingProfileResult))
	mux.Handle("PUT /ocpi/emsp/2.2.1/chargingprofiles/{session_id}", asEMSP(s.receiveActiveChargingProfile))
}

// profiledSession finds the session a partner's request names: an active
// session of the partner's CPO whose token is the partner's; nil when it
// is not (UNKNOWN_SESSION, whatever the reason, so a partner learns
// nothing of sessions that are not its own).
func (s *Server) profiledSession(ctx context.Context, c *call, id string) *volt.Session {
	if s.Charging == nil || id == "" {
		return nil
	}
	sess, err := s.Charging.FindSessionByID(system(ctx), id)
	if err != nil || sess.CPOID != c.partner.CPOID || sess.Status != volt.SessionActive {
		return nil
	}
	if tok, err := s.Store.FindRoamingToken(ctx, sess.CPOID, sess.IDTag); err != nil || tok.PartnerID != c.partner.ID {
		return nil
	}
	return sess
}

// profileStore is the store of eMSPs' profiles (nil: the module is not
// supported).
func (s *Server) profileStore() volt.SessionProfileStore {
	ps, _ := s.Store.(volt.SessionProfileStore)
	return ps
}

// loadManaged says whether the session's site runs load management.
func (s *Server) loadManaged(ctx context.Context, siteID string) bool {
	if s.Sites == nil || siteID == "" {
		return false
	}
	lm, err := s.Sites.FindLoadManagement(system(ctx), siteID)
	return err == nil && lm.Mode != volt.LoadModeOff
}

// profilesSupported says whether Volt can apply profiles here.
func (s *Server) profilesSupported() bool {
	return s.Commander != nil && s.Charging != nil && s.profileStore() != nil
}

// sessionProfileOf checks an eMSP's profile and makes it Volt's.
func sessionProfileOf(cp ChargingProfile) (*volt.SessionProfile, error) {
	if cp.ChargingRateUnit != "A" && cp.ChargingRateUnit != "W" {
		return nil, badRequest(StatusInvalidParameters, "charging_rate_unit must be A or W.")
	}
	if len(cp.ChargingProfilePeriod) == 0 || len(cp.ChargingProfilePeriod) > 48 {
		return nil, badRequest(StatusInvalidParameters, "charging_profile_period needs 1 to 48 periods.")
	}
	p := &volt.SessionProfile{Unit: cp.ChargingRateUnit}
	for i, per := range cp.ChargingProfilePeriod {
		switch {
		case i == 0 && per.StartPeriod != 0:
			return nil, badRequest(StatusInvalidParameters, "charging_profile_period: the first period must start at 0.")
		case i > 0 && per.StartPeriod <= cp.ChargingProfilePeriod[i-1].StartPeriod:
			return nil, badRequest(StatusInvalidParameters, "charging_profile_period: start_period must increase.")
		case per.Limit < 0 || math.IsNaN(per.Limit) || math.IsInf(per.Limit, 0):
			return nil, badRequest(StatusInvalidParameters, "charging_profile_period: limit must be 0 or more.")
		}
		p.Periods = append(p.Periods, volt.ProfilePeriod{StartS: per.StartPeriod, Limit: math.Floor(per.Limit*10+1e-6) / 10})
	}
	if cp.Duration != nil {
		if *cp.Duration < 0 {
			return nil, badRequest(StatusInvalidParameters, "duration must be 0 or more.")
		}
		p.DurationS = *cp.Duration
	}
	if cp.StartDateTime != "" {
		t, err := ParseDateTime(cp.StartDateTime)
		if err != nil {
			return nil, err
		}
		p.StartAt = &t
	}
	return p, nil
}

// profileTarget is the session a request of the module is about, or nil
// once it answered: NOT_SUPPORTED when Volt cannot apply profiles here,
// UNKNOWN_SESSION unless it is an active session of the partner's own
// token on its CPO.
func (s *Server) profileTarget(w http.ResponseWriter, r *http.Request, c *call) *volt.Session {
	if !s.profilesSupported() {
		ok(w, ChargingProfileResponse{Result: "NOT_SUPPORTED"})
		return nil
	}
	sess := s.profiledSession(r.Context(), c, r.PathValue("session_id"))
	if sess == nil {
		ok(w, ChargingProfileResponse{Result: "UNKNOWN_SESSION"})
	}
	return sess
}

// putChargingProfile is SetChargingProfile (§14.2.1.2 PUT).
func (s *Server) putChargingProfile(w http.ResponseWriter, r *http.Request) error {
	c := callOf(r)
	var in SetChargingProfile
	if err := decode(r, &in); err != nil {
		return err
	}
	if !validURL(in.ResponseURL) {
		return badRequest(StatusInvalidParameters, "response_url must be http(s).")
	}
	prof, err := sessionProfileOf(in.ChargingProfile)
	if err != nil {
		return err
	}
	sess := s.profileTarget(w, r, c)
	if sess == nil {
		return nil // answered NOT_SUPPORTED or UNKNOWN_SESSION
	}
	prof.SessionID, prof.PartnerID, prof.CPOID, prof.SetAt, prof.Party = sess.ID, c.partner.ID, sess.CPOID, s.now(), partyOf(c.partner)
	if err := s.profileStore().PutSessionProfile(r.Context(), prof); err != nil {
		return err
	}
	managed := s.loadManaged(r.Context(), sess.SiteID)
	go s.runProfile(context.WithoutCancel(r.Context()), c.partner.ID, partyOf(c.partner), in.ResponseURL, "set:"+sess.ID, func(ctx context.Context) ChargingProfileResult {
		if managed {
			return s.awaitCap(ctx, sess, prof)
		}
		res := s.sendProfile(ctx, sess, in.ChargingProfile)
		if res.Result == ProfileAccepted { // the charger applies it from now (no loop will say so)
			if active, ok := activeFromNow(in.ChargingProfile, s.now()); ok {
				s.queueActiveProfile(ctx, c.partner.ID, prof.Party, sess.ID, active)
			}
		}
		return res
	})
	ok(w, ChargingProfileResponse{Result: "ACCEPTED", Timeout: s.timeoutSeconds()})
	return nil
}

// getActiveChargingProfile is GetActiveChargingProfile (§14.2.1.1 GET).
func (s *Server) getActiveChargingProfile(w http.ResponseWriter, r *http.Request) error {
	c := callOf(r)
	q := r.URL.Query()
	duration, err := strconv.Atoi(q.Get("duration"))
	if err != nil || duration <= 0 || duration > 7*24*3600 {
		return badRequest(StatusInvalidParameters, "duration must be a number of seconds from 1 to 604800.")
	}
	respURL := q.Get("response_url")
	if !validURL(respURL) {
		return badRequest(StatusInvalidParameters, "response_url must be http(s).")
	}
	sess := s.profileTarget(w, r, c)
	if sess == nil {
		return nil // answered NOT_SUPPORTED or UNKNOWN_SESSION
	}
	go s.runProfile(context.WithoutCancel(r.Context()), c.partner.ID, partyOf(c.partner), respURL, "get:"+sess.ID, func(ctx context.Context) ChargingProfileResult {
		res, _ := s.composite(ctx, sess, duration)
		return res
	})
	ok(w, ChargingProfileResponse{Result: "ACCEPTED", Timeout: s.timeoutSeconds()})
	return nil
}

// deleteChargingProfile is ClearProfile (§14.2.1.3 DELETE).
func (s *Server) deleteChargingProfile(w http.ResponseWriter, r *http.Request) error {
	c := callOf(r)
	respURL := r.URL.Query().Get("response_url")
	if !validURL(respURL) {
		return badRequest(StatusInvalidParameters, "response_url must be http(s).")
	}
	sess := s.profileTarget(w, r, c)
	if sess == nil {
		return nil // answered NOT_SUPPORTED or UNKNOWN_SESSION
	}
	had, err := s.profileStore().DeleteSessionProfile(r.Context(), sess.ID)
	if err != nil {
		return err
	}
	managed := s.loadManaged(r.Context(), sess.SiteID)
	go s.runProfile(context.WithoutCancel(r.Context()), c.partner.ID, partyOf(c.partner), respURL, "clear:"+sess.ID, func(ctx context.Context) ChargingProfileResult {
		switch {
		case !had:
			return ChargingProfileResult{Result: ProfileUnknown}
		case managed:
			return ChargingProfileResult{Result: ProfileAccepted} // the loop gives the session its share again
		}
		raw, err := s.Commander.Call(ctx, sess.CPID, "ClearChargingProfile", map[string]any{"id": chargerProfileIDBase + sess.ConnectorID})
		var ans struct{ Status string }
		switch {
		case err != nil:
			return ChargingProfileResult{Result: ProfileRejected}
		case json.Unmarshal(raw, &ans) != nil:
			return ChargingProfileResult{Result: ProfileRejected}
		case ans.Status == "Accepted":
			// What the charger does now without the profile: its own view.
			if res, _ := s.composite(ctx, sess, clearedProfileHorizon); res.Result == ProfileAccepted && res.Profile != nil {
				s.queueActiveProfile(ctx, c.partner.ID, partyOf(c.partner), sess.ID, *res.Profile)
			}
			return ChargingProfileResult{Result: ProfileAccepted}
		case ans.Status == "Unknown":
			return ChargingProfileResult{Result: ProfileUnknown}
		}
		return ChargingProfileResult{Result: ProfileRejected}
	})
	ok(w, ChargingProfileResponse{Result: "ACCEPTED", Timeout: s.timeoutSeconds()})
	return nil
}

// runProfile works out a request's result within the command timeout and
// queues it for the partner's response_url, addressed to the party to
// (partyOf).
func (s *Server) runProfile(ctx context.Context, partnerID, to, responseURL, key string, work func(ctx context.Context) ChargingProfileResult) {
	wctx, cancel := context.WithTimeout(system(ctx), s.commandTimeout())
	res := work(wctx)
	cancel()
	if err := s.enqueueTo(ctx, partnerID, to, profileModule, key, http.MethodPost, responseURL, res); err != nil {
		s.logger().Error("ocpi charging profile result", "partner", partnerID, "request", key, "err", err)
		return
	}
	if _, err := s.DeliverDue(ctx, 10); err != nil {
		s.logger().Warn("ocpi charging profile result delivery", "err", err)
	}
}

// sendProfile sends an eMSP's profile to the charger of a site without
// load management as a transaction profile (OCPP 1.6 shape; the gateway
// translates it for 2.x stations).
func (s *Server) sendProfile(ctx context.Context, sess *volt.Session, cp ChargingProfile) ChargingProfileResult {
	sched := map[string]any{"chargingRateUnit": cp.ChargingRateUnit}
	var periods []map[string]any
	for _, p := range cp.ChargingProfilePeriod {
		periods = append(periods, map[string]any{"startPeriod": p.StartPeriod, "limit": math.Floor(p.Limit*10+1e-6) / 10})
	}
	sched["chargingSchedulePeriod"] = periods
	if cp.Duration != nil && *cp.Duration > 0 {
		sched["duration"] = *cp.Duration
	}
	if cp.MinChargingRate != nil {
		sched["minChargingRate"] = math.Floor(*cp.MinChargingRate*10+1e-6) / 10
	}
	kind := "Relative"
	if cp.StartDateTime != "" {
		if t, err := ParseDateTime(cp.StartDateTime); err == nil {
			kind, sched["startSchedule"] = "Absolute", t.Format(time.RFC3339)
		}
	}
	req := map[string]any{"connectorId": sess.ConnectorID, "csChargingProfiles": map[string]any{
		"chargingProfileId": chargerProfileIDBase + sess.ConnectorID, "transactionId": sess.TransactionID,
		"stackLevel": chargerProfileStack, "chargingProfilePurpose": "TxProfile", "chargingProfileKind": kind, "chargingSchedule": sched}}
	raw, err := s.Commander.Call(ctx, sess.CPID, "SetChargingProfile", req)
	var ans struct{ Status string }
	if err != nil || json.Unmarshal(raw, &ans) != nil || ans.Status != "Accepted" {
		return ChargingProfileResult{Result: ProfileRejected}
	}
	return ChargingProfileResult{Result: ProfileAccepted}
}

// profileRecheck is how often the charger's composite schedule is read
// while waiting for the loop to apply a cap.
const profileRecheck = time.Second

// awaitCap waits until the charger's composite schedule of a load-managed
// session is within the profile's limit now (the loop applies it at its
// next step); REJECTED when it is not before ctx ends.
func (s *Server) awaitCap(ctx context.Context, sess *volt.Session, prof *volt.SessionProfile) ChargingProfileResult {
	for {
		capOK := true
		if want, bound := prof.LimitAt(sess.StartedAt, s.now()); bound {
			capOK = false
			if res, limit := s.composite(ctx, sess, 60); res.Result == ProfileAccepted && limit.unit != "" {
				capOK = limit.within(want, prof.Unit)
			}
		}
		if capOK {
			return ChargingProfileResult{Result: ProfileAccepted}
		}
		select {
		case <-ctx.Done():
			return ChargingProfileResult{Result: ProfileRejected}
		case <-time.After(profileRecheck):
		}
	}
}

// firstLimit is the first period's limit of a composite schedule.
type firstLimit struct {
	value  float64
	unit   string
	phases int
}

// within says whether the limit is at most want (in unit), a limit in
// the other unit converted at 230 V per phase.
func (l firstLimit) within(want float64, unit string) bool {
	v := l.value
	ph := 3.0
	if l.phases > 0 {
		ph = float64(l.phases)
	}
	switch {
	case l.unit == unit:
	case l.unit == "A" && unit == "W":
		v = l.value * 230 * ph
	case l.unit == "W" && unit == "A":
		v = l.value / (230 * ph)
	}
	return v <= want+0.1
}

// compositeSchedule reads an OCPP 1.6 or 2.x GetCompositeSchedule answer.
type compositeSchedule struct {
	Status           string        `json:"status"`
	ScheduleStart    string        `json:"scheduleStart"`
	ChargingSchedule *ocppSchedule `json:"chargingSchedule"` // 1.6
	Schedule         *ocppSchedule `json:"schedule"`         // 2.x
}

type ocppSchedule struct {
	ScheduleStart          string   `json:"scheduleStart"`
	Duration               *int     `json:"duration"`
	ChargingRateUnit       string   `json:"chargingRateUnit"`
	MinChargingRate        *float64 `json:"minChargingRate"`
	ChargingSchedulePeriod []struct {
		StartPeriod  int     `json:"startPeriod"`
		Limit        float64 `json:"limit"`
		NumberPhases *int    `json:"numberPhases"`
	} `json:"chargingSchedulePeriod"`
}

// composite asks the charger for the session's composite schedule over
// duration seconds and makes it an ActiveChargingProfileResult; it also
// returns the first period's limit. A charger that refuses or does not
// answer is REJECTED; one without a schedule UNKNOWN.
func (s *Server) composite(ctx context.Context, sess *volt.Session, duration int) (ChargingProfileResult, firstLimit) {
	raw, err := s.Commander.Call(ctx, sess.CPID, "GetCompositeSchedule", map[string]any{"connectorId": sess.ConnectorID, "duration": duration})
	var ans compositeSchedule
	if err != nil || json.Unmarshal(raw, &ans) != nil || ans.Status != "Accepted" {
		return ChargingProfileResult{Result: ProfileRejected}, firstLimit{}
	}
	sc := ans.ChargingSchedule
	if sc == nil {
		sc = ans.Schedule
	}
	if sc == nil || len(sc.ChargingSchedulePeriod) == 0 || (sc.ChargingRateUnit != "A" && sc.ChargingRateUnit != "W") {
		return ChargingProfileResult{Result: ProfileUnknown}, firstLimit{}
	}
	start := s.now()
	for _, st := range []string{ans.ScheduleStart, sc.ScheduleStart} {
		if t, err := time.Parse(time.RFC3339, st); err == nil && st != "" {
			start = t
			break
		}
	}
	cp := ChargingProfile{ChargingRateUnit: sc.ChargingRateUnit, Duration: sc.Duration, StartDateTime: DateTime(start)}
	if sc.MinChargingRate != nil {
		m := math.Floor(*sc.MinChargingRate*10+1e-6) / 10
		cp.MinChargingRate = &m
	}
	for _, p := range sc.ChargingSchedulePeriod {
		cp.ChargingProfilePeriod = append(cp.ChargingProfilePeriod, ChargingProfilePeriod{StartPeriod: p.StartPeriod, Limit: math.Floor(p.Limit*10+1e-6) / 10})
	}
	first := firstLimit{value: sc.ChargingSchedulePeriod[0].Limit, unit: sc.ChargingRateUnit, phases: 3}
	if n := sc.ChargingSchedulePeriod[0].NumberPhases; n != nil && *n > 0 {
		first.phases = *n
	}
	return ChargingProfileResult{Result: ProfileAccepted, Profile: &ActiveChargingProfile{StartDateTime: DateTime(start), ChargingProfile: cp}}, first
}

// receiveChargingProfileResult keeps a result a partner CPO posted to a
// response_url of Volt's (eMSP side, §14.2.2.1 POST).
func (s *Server) receiveChargingProfileResult(w http.ResponseWriter, r *http.Request) error {
	c := callOf(r)
	var in ChargingProfileResult
	if err := decode(r, &in); err != nil {
		return err
	}
	if in.Result != ProfileAccepted && in.Result != ProfileRejected && in.Result != ProfileUnknown {
		return badRequest(StatusInvalidParameters, "result must be ACCEPTED, REJECTED or UNKNOWN.")
	}
	if in.Profile != nil {
		if err := checkActiveProfile(in.Profile); err != nil {
			return err
		}
	}
	raw, err := json.Marshal(in)
	if err != nil {
		return err
	}
	if _, err := s.Store.PutPartnerObject(r.Context(), c.partner.ID, profileModule, r.PathValue("uid"), raw, s.now()); err != nil {
		return err
	}
	ok(w, nil)
	return nil
}

func checkActiveProfile(a *ActiveChargingProfile) error {
	if _, err := ParseDateTime(a.StartDateTime); err != nil {
		return err
	}
	if a.ChargingProfile.ChargingRateUnit != "A" && a.ChargingProfile.ChargingRateUnit != "W" {
		return badRequest(StatusInvalidParameters, "charging_rate_unit must be A or W.")
	}
	return nil
}

// receiveActiveChargingProfile keeps the ActiveChargingProfile a partner
// CPO pushes for a session (eMSP side, §14.2.2.2 PUT).
func (s *Server) receiveActiveChargingProfile(w http.ResponseWriter, r *http.Request) error {
	c := callOf(r)
	var in ActiveChargingProfile
	if err := decode(r, &in); err != nil {
		return err
	}
	if err := checkActiveProfile(&in); err != nil {
		return err
	}
	at, _ := ParseDateTime(in.StartDateTime)
	raw, err := json.Marshal(in)
	if err != nil {
		return err
	}
	if _, err := s.Store.PutPartnerObject(r.Context(), c.partner.ID, activeProfileModule, r.PathValue("session_id"), raw, at); err != nil {
		return err
	}
	ok(w, nil)
	return nil
}

// profileReceiver is a partner CPO's chargingprofiles receiver.
func (s *Server) profileReceiver(ctx context.Context, partnerID string) (*volt.OCPIPartner, string, error) {
	p, err := s.Store.FindOCPIPartnerSystem(ctx, partnerID)
	if err != nil {
		return nil, "", err
	}
	base := p.Endpoint(profileModule, "RECEIVER")
	if p.Status != volt.OCPIConnected || p.Role != volt.OCPIRoleCPO || base == "" {
		return nil, "", volt.Errorf(volt.EUNPROCESSABLE, "Partner %s takes no charging profiles.", p.Name)
	}
	return p, strings.TrimRight(base, "/"), nil
}

// profileRequest sends one request to a partner CPO's receiver with a
// fresh response_url of Volt's; it returns the immediate answer and the
// uid its result will be kept under.
func (s *Server) profileRequest(ctx context.Context, partnerID, sessionID, method string, query url.Values, body func(respURL string) any) (*ChargingProfileResponse, string, error) {
	p, base, err := s.profileReceiver(ctx, partnerID)
	if err != nil {
		return nil, "", err
	}
	uid := volt.NewID("cpr")
	respURL := s.url("/ocpi/emsp/2.2.1/chargingprofiles/result/" + url.PathEscape(uid))
	u := base + "/" + url.PathEscape(sessionID)
	var b any
	if body != nil {
		b = body(respURL)
	} else {
		if query == nil {
			query = url.Values{}
		}
		query.Set("response_url", respURL)
		u += "?" + query.Encode()
	}
	var resp ChargingProfileResponse
	if _, err := s.do(ctx, p, method, u, p.TheirToken, b, &resp); err != nil {
		_ = s.Store.RecordOCPIError(ctx, p.ID, err.Error())
		return nil, "", volt.Errorf(volt.EUNAVAILABLE, "Charging profile on %s: %s", p.Name, err.Error())
	}
	s.recordProfileRequest(ctx, p.ID, sessionID, uid, method, b, &resp)
	return &resp, uid, nil
}

// SendChargingProfile sets a profile on a session of a partner CPO (eMSP
// side, §14.2.1.2); the result arrives later under the returned uid
// (ChargingProfileResultOf).
func (s *Server) SendChargingProfile(ctx context.Context, partnerID, sessionID string, cp ChargingProfile) (*ChargingProfileResponse, string, error) {
	return s.profileRequest(ctx, partnerID, sessionID, http.MethodPut, nil, func(respURL string) any {
		return SetChargingProfile{ChargingProfile: cp, ResponseURL: respURL}
	})
}

// GetActiveChargingProfile asks a partner CPO for a session's active
// profile over durationS seconds (eMSP side, §14.2.1.1).
func (s *Server) GetActiveChargingProfile(ctx context.Context, partnerID, sessionID string, durationS int) (*ChargingProfileResponse, string, error) {
	return s.profileRequest(ctx, partnerID, sessionID, http.MethodGet, url.Values{"duration": {strconv.Itoa(durationS)}}, nil)
}

// ClearChargingProfile clears the profile Volt set on a partner CPO's
// session (eMSP side, §14.2.1.3).
func (s *Server) ClearChargingProfile(ctx context.Context, partnerID, sessionID string) (*ChargingProfileResponse, string, error) {
	return s.profileRequest(ctx, partnerID, sessionID, http.MethodDelete, nil, nil)
}

// ChargingProfileResultOf reads the result a partner CPO posted for the
// request uid (ENOTFOUND while none has arrived).
func (s *Server) ChargingProfileResultOf(ctx context.Context, partnerID, uid string) (*ChargingProfileResult, error) {
	raw, err := s.Store.FindPartnerObject(ctx, partnerID, profileModule, uid)
	if err != nil {
		return nil, err
	}
	var out ChargingProfileResult
	if err := json.Unmarshal(raw, &out); err != nil {
		return nil, errors.Join(volt.Errorf(volt.EINTERNAL, "stored charging profile result %s", uid), err)
	}
	return &out, nil
}

// ActiveChargingProfileOf reads the ActiveChargingProfile a partner CPO
// pushed for one of its sessions (ENOTFOUND: none).
func (s *Server) ActiveChargingProfileOf(ctx context.Context, partnerID, sessionID string) (*ActiveChargingProfile, error) {
	raw, err := s.Store.FindPartnerObject(ctx, partnerID, activeProfileModule, sessionID)
	if err != nil {
		return nil, err
	}
	var out ActiveChargingProfile
	if err := json.Unmarshal(raw, &out); err != nil {
		return nil, errors.Join(volt.Errorf(volt.EINTERNAL, "stored active charging profile of %s", sessionID), err)
	}
	return &out, nil
}

// LimitApplied is the load management loop's news of a limit a charger
// accepted for a session (lms.Manager.OnApplied): when a roaming eMSP set
// a profile on the session, its ActiveChargingProfile, the limit in A per
// phase from now, is queued for the eMSP (PUT on its chargingprofiles
// sender interface; only the newest pending one is sent).
func (s *Server) LimitApplied(ctx context.Context, sessionID string, currentA float64) {
	ps := s.profileStore()
	if ps == nil || sessionID == "" {
		return
	}
	ctx = system(ctx)
	prof, err := ps.FindSessionProfile(ctx, sessionID)
	if err != nil {
		if !volt.IsCode(err, volt.ENOTFOUND) {
			s.logger().Warn("ocpi active charging profile", "session", sessionID, "err", err)
		}
		return
	}
	s.queueActiveProfile(ctx, prof.PartnerID, prof.Party, sessionID, ActiveChargingProfile{StartDateTime: DateTime(s.now()), ChargingProfile: ChargingProfile{ChargingRateUnit: "A",
		ChargingProfilePeriod: []ChargingProfilePeriod{{StartPeriod: 0, Limit: math.Floor(math.Max(currentA, 0)*10+1e-6) / 10}}}})
}

// clearedProfileHorizon is how far ahead the charger's composite schedule
// is read once an eMSP's profile is cleared on a site without load
// management (the ActiveChargingProfile pushed then).
const clearedProfileHorizon = 3600

// coalescedQueuer queues a coalesced push for a party behind the partner
// (store.OCPIService).
type coalescedQueuer interface {
	QueueCoalescedPushTo(ctx context.Context, p *volt.OCPIPush) error
}

// queueActiveProfile queues a session's ActiveChargingProfile for the
// eMSP's sender interface (PUT, §14.2.2.2; only the newest pending one
// is sent), addressed to the party to ("CC*PID": the one that set the
// profile, behind a hub; "": the partner); nothing when the eMSP takes
// none.
func (s *Server) queueActiveProfile(ctx context.Context, partnerID, to, sessionID string, active ActiveChargingProfile) {
	ctx = system(ctx)
	p, err := s.Store.FindOCPIPartnerSystem(ctx, partnerID)
	if err != nil {
		s.logger().Warn("ocpi active charging profile", "session", sessionID, "err", err)
		return
	}
	base := p.Endpoint(profileModule, "SENDER")
	if base == "" {
		return // the eMSP takes no pushed ActiveChargingProfiles
	}
	body, err := json.Marshal(active)
	if err != nil {
		return
	}
	if to == partyOf(p) {
		to = "" // the partner itself
	}
	push := &volt.OCPIPush{PartnerID: p.ID, Module: profileModule, ObjectID: "active:" + sessionID,
		Method: http.MethodPut, URL: strings.TrimRight(base, "/") + "/" + url.PathEscape(sessionID), Body: body, To: to}
	if q, ok := s.Store.(coalescedQueuer); ok {
		err = q.QueueCoalescedPushTo(ctx, push)
	} else if to == "" {
		err = s.Store.QueueCoalescedPushes(ctx, []*volt.OCPIPush{push})
	} else {
		err = s.Store.EnqueueOCPIPush(ctx, push) // not coalesced, but addressed
	}
	if err != nil {
		s.logger().Warn("ocpi active charging profile", "session", sessionID, "err", err)
	}
}

// activeFromNow is the ActiveChargingProfile of a profile a charger
// accepted just now, as sent to it: from now (a relative profile starts
// now; an absolute one is taken from the period in force now on, its
// duration shortened by what has passed). False when it has ended.
func activeFromNow(cp ChargingProfile, now time.Time) (ActiveChargingProfile, bool) {
	start := now
	if cp.StartDateTime != "" {
		if t, err := ParseDateTime(cp.StartDateTime); err == nil {
			start = t
		}
	}
	floor := func(v float64) float64 { return math.Floor(v*10+1e-6) / 10 }
	out := ChargingProfile{ChargingRateUnit: cp.ChargingRateUnit}
	if cp.MinChargingRate != nil {
		m := floor(*cp.MinChargingRate)
		out.MinChargingRate = &m
	}
	el := 0
	if now.After(start) {
		el = int(now.Sub(start) / time.Second)
		start = now
	}
	if cp.Duration != nil && *cp.Duration > 0 {
		if *cp.Duration <= el {
			return ActiveChargingProfile{}, false
		}
		d := *cp.Duration - el
		out.Duration = &d
	}
	for _, p := range cp.ChargingProfilePeriod {
		switch {
		case p.StartPeriod <= el && len(out.ChargingProfilePeriod) > 0 && out.ChargingProfilePeriod[0].StartPeriod == 0:
			out.ChargingProfilePeriod[0].Limit = floor(p.Limit) // a later period already in force
		case p.StartPeriod <= el:
			out.ChargingProfilePeriod = append(out.ChargingProfilePeriod, ChargingProfilePeriod{StartPeriod: 0, Limit: floor(p.Limit)})
		default:
			out.ChargingProfilePeriod = append(out.ChargingProfilePeriod, ChargingProfilePeriod{StartPeriod: p.StartPeriod - el, Limit: floor(p.Limit)})
		}
	}
	if len(out.ChargingProfilePeriod) == 0 {
		return ActiveChargingProfile{}, false
	}
	return ActiveChargingProfile{StartDateTime: DateTime(start), ChargingProfile: out}, true
}
