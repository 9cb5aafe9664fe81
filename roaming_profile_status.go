package volt

import (
	"context"
	"time"
)

// RoamingProfileStatus is what Volt, as the eMSP, knows of the charging
// profile of one of its drivers' sessions on a partner CPO's charger
// (OCPI 2.2.1 ChargingProfiles, issue 14): the last request Volt sent
// about it with the CPO's answer and result, and the session's active
// profile.
type RoamingProfileStatus struct {
	PartnerID string `json:"partnerId"`
	SessionID string `json:"sessionId"`
	// LastRequest is nil when Volt sent none for the session.
	LastRequest *RoamingProfileRequest `json:"lastRequest"`
	// Active is the session's active profile: the one the CPO pushed
	// last, else the one the last GET request's result carried; nil when
	// none is known.
	Active *RoamingActiveProfile `json:"activeProfile"`
}

// RoamingProfileRequest is one charging profile request Volt sent a
// partner CPO.
type RoamingProfileRequest struct {
	// ID is the request's uid: its result arrives at Volt's response_url
	// under it.
	ID string `json:"id"`
	// Kind is "set" (SetChargingProfile), "get" (GetActiveChargingProfile)
	// or "clear" (ClearProfile).
	Kind   string    `json:"kind" enum:"set,get,clear"`
	SentAt time.Time `json:"sentAt"`
	// Answer is the CPO's immediate answer (ChargingProfileResponseType):
	// ACCEPTED, NOT_SUPPORTED, REJECTED, TOO_OFTEN or UNKNOWN_SESSION.
	Answer string `json:"answer"`
	// ResultDueBy is when the result is due (the answer's timeout);
	// nil unless the request was ACCEPTED.
	ResultDueBy *time.Time `json:"resultDueBy,omitempty"`
	// Result is the result the CPO posted (ACCEPTED, REJECTED or
	// UNKNOWN); "" while none has arrived.
	Result string `json:"result,omitempty"`
	// Profile is the profile sent (set requests).
	Profile *RoamingProfile `json:"profile,omitempty"`
}

// RoamingProfile is a charging profile as OCPI carries it.
type RoamingProfile struct {
	// StartAt is the profile's absolute start; nil: relative.
	StartAt *time.Time `json:"startAt,omitempty"`
	// Unit is "A" (per phase) or "W" (total).
	Unit string `json:"unit" enum:"A,W"`
	// DurationS bounds the profile (0: unbounded).
	DurationS       int                    `json:"durationS,omitempty"`
	MinChargingRate *float64               `json:"minChargingRate,omitempty"`
	Periods         []RoamingProfilePeriod `json:"periods"`
}

// RoamingProfilePeriod is one period of a RoamingProfile: its limit from
// StartS seconds after the profile's start.
type RoamingProfilePeriod struct {
	StartS int     `json:"startS"`
	Limit  float64 `json:"limit"`
}

// RoamingActiveProfile is a session's active profile on a partner CPO's
// charger.
type RoamingActiveProfile struct {
	// Source is "pushed" (the CPO pushed it) or "requested" (the result of
	// Volt's GET request).
	Source  string         `json:"source" enum:"pushed,requested"`
	StartAt time.Time      `json:"startAt"`
	Profile RoamingProfile `json:"profile"`
}

// RoamingProfileReader reads, as the eMSP, the charging profiles of
// Volt's drivers' sessions on partner CPOs' chargers. The partner must be
// in the actor's read scope: another CPO's partner is ENOTFOUND.
type RoamingProfileReader interface {
	// RoamingProfileStatus reads one session's (ENOTFOUND when Volt sent
	// no request for it and has no active profile of it).
	RoamingProfileStatus(ctx context.Context, partnerID, sessionID string) (*RoamingProfileStatus, error)
	// RoamingProfileStatuses reads those of the partner's sessions Volt
	// sent a request for, the newest request first, at most limit.
	RoamingProfileStatuses(ctx context.Context, partnerID string, limit int) ([]*RoamingProfileStatus, error)
}
