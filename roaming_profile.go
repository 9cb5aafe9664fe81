package volt

import (
	"context"
	"time"
)

// SessionProfile is the charging profile a roaming eMSP set on a session
// on Volt's charger (OCPI 2.2.1 ChargingProfiles, issue 14). It is a cap:
// on a load-managed site the loop gives the session the lower of its
// share and the profile's limit, so the site's limits always win; on a
// site without load management it is sent to the charger as a
// transaction profile, which the charger combines with its own maximum.
type SessionProfile struct {
	SessionID string
	PartnerID string
	CPOID     string
	// Unit is "A" (per phase) or "W" (total).
	Unit string
	// StartAt is the profile's absolute start; nil: the session's start.
	StartAt *time.Time
	// DurationS bounds the profile (0: until the session ends).
	DurationS int
	// Periods are in the order of their starts, the first at 0.
	Periods []ProfilePeriod
	SetAt   time.Time
	// Party is the party that set it ("CC*PID"): one behind a hub when
	// the hub routed the request, whom the session's ActiveChargingProfile
	// is addressed to ("": the partner itself).
	Party string
}

// ProfilePeriod is one period of a SessionProfile: its limit from StartS
// seconds after the profile's start until the next period's.
type ProfilePeriod struct {
	StartS int     `json:"start_period"`
	Limit  float64 `json:"limit"`
}

// LimitAt returns the profile's limit in force at now for a session that
// started at sessionStart, in the profile's unit; false when the profile
// has not started yet or has ended (no cap then).
func (p *SessionProfile) LimitAt(sessionStart, now time.Time) (float64, bool) {
	start := sessionStart
	if p.StartAt != nil {
		start = *p.StartAt
	}
	el := now.Sub(start)
	if el < 0 || len(p.Periods) == 0 || (p.DurationS > 0 && el >= time.Duration(p.DurationS)*time.Second) {
		return 0, false
	}
	limit, ok := 0.0, false
	for _, per := range p.Periods {
		if time.Duration(per.StartS)*time.Second > el {
			break
		}
		limit, ok = per.Limit, true
	}
	return limit, ok
}

// LimitA is LimitAt in amperes per phase: a limit in W is shared over
// the phases at voltageV.
func (p *SessionProfile) LimitA(sessionStart, now time.Time, voltageV float64, phases int) (float64, bool) {
	l, ok := p.LimitAt(sessionStart, now)
	if !ok || p.Unit != "W" {
		return l, ok
	}
	if voltageV <= 0 {
		voltageV = 230
	}
	return l / (voltageV * float64(max(phases, 1))), true
}

// SessionProfileStore keeps the profiles roaming eMSPs set on sessions.
type SessionProfileStore interface {
	// PutSessionProfile sets (or replaces) a session's profile.
	PutSessionProfile(ctx context.Context, p *SessionProfile) error
	// FindSessionProfile reads a session's profile (ENOTFOUND: none).
	FindSessionProfile(ctx context.Context, sessionID string) (*SessionProfile, error)
	// DeleteSessionProfile clears a session's profile; false when it had
	// none.
	DeleteSessionProfile(ctx context.Context, sessionID string) (bool, error)
	// SessionProfiles returns the profiles of those sessions that have one.
	SessionProfiles(ctx context.Context, sessionIDs []string) (map[string]*SessionProfile, error)
}
