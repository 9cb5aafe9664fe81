package volt

import (
	"context"
	"fmt"
	"time"
)

// SmartCharging is a charger group's setting for the UK Electric Vehicles
// (Smart Charge Points) Regulations 2021 (issue 15 item 6): by default a
// session does not charge inside the peak windows, and every session
// starts after a randomised delay; the driver may override both for a
// session ("charge now").
type SmartCharging struct {
	ChargerGroupID string `json:"chargerGroupId"`
	// OffPeakDefault holds sessions inside PeakWindows (at each window's
	// LimitA, 0 by default).
	OffPeakDefault bool `json:"offPeakDefault"`
	// PeakWindows are the peak hours, in TimeZone (the same windows as a
	// site's load management; LimitA is what a session may draw in them).
	// None with OffPeakDefault: the regulation's, DefaultPeakWindows.
	PeakWindows []LoadWindow `json:"peakWindows"`
	// RandomDelayMaxS is the longest randomised delay before a session
	// charges (0 to MaxRandomDelayS; 0: none).
	RandomDelayMaxS int `json:"randomDelayMaxS"`
	// TimeZone is the IANA zone of the windows (default the site's).
	TimeZone  string    `json:"timeZone"`
	UpdatedAt time.Time `json:"updatedAt"`
}

// MaxRandomDelayS is the regulation's longest default randomised delay.
const MaxRandomDelayS = 600

// DefaultPeakWindows are the regulation's default peak hours: 08:00–11:00
// and 16:00–22:00 on weekdays, at 0 A.
func DefaultPeakWindows() []LoadWindow {
	wd := []int{1, 2, 3, 4, 5}
	return []LoadWindow{{From: "08:00", To: "11:00", Days: wd}, {From: "16:00", To: "22:00", Days: wd}}
}

// Validate checks the setting and fills defaults (the regulation's peak
// windows when off-peak is on without windows).
func (s *SmartCharging) Validate() error {
	if s.TimeZone == "" {
		s.TimeZone = "UTC"
	}
	if _, err := time.LoadLocation(s.TimeZone); err != nil {
		return FieldError("timeZone", "Unknown time zone %q.", s.TimeZone)
	}
	if s.RandomDelayMaxS < 0 || s.RandomDelayMaxS > MaxRandomDelayS {
		return FieldError("randomDelayMaxS", "The randomised delay is 0 to %d seconds.", MaxRandomDelayS)
	}
	if s.OffPeakDefault && len(s.PeakWindows) == 0 {
		s.PeakWindows = DefaultPeakWindows()
	}
	if s.PeakWindows == nil {
		s.PeakWindows = []LoadWindow{}
	}
	if len(s.PeakWindows) > 50 {
		return FieldError("peakWindows", "At most 50 peak windows.")
	}
	for i, w := range s.PeakWindows {
		f := fmt.Sprintf("peakWindows[%d]", i)
		from, err := clockMinutes(w.From)
		if err != nil {
			return FieldError(f+".from", "A time of day is HH:MM.")
		}
		to, err := clockMinutes(w.To)
		if err != nil || to == from {
			return FieldError(f+".to", "A time of day is HH:MM, not the start.")
		}
		for _, d := range w.Days {
			if d < 1 || d > 7 {
				return FieldError(f+".days", "Days are 1 (Monday) to 7 (Sunday).")
			}
		}
		if !amps(w.LimitA) || (w.LimitA > 0 && w.LimitA < MinChargeCurrentA) {
			return FieldError(f+".limitA", "A peak window's limit is 0 or at least %d A.", MinChargeCurrentA)
		}
	}
	return nil
}

// PeakAt returns the peak window in force at t (the lowest limit of those
// that are) and when it ends; ok false outside every window. Times of day
// are wall-clock in the setting's zone, so a window keeps its local hours
// across a daylight-saving change.
func (s *SmartCharging) PeakAt(t time.Time) (limitA float64, end time.Time, ok bool) {
	loc, err := time.LoadLocation(s.TimeZone)
	if err != nil || s.TimeZone == "" {
		loc = time.UTC
	}
	lt := t.In(loc)
	mins := lt.Hour()*60 + lt.Minute()
	for _, w := range s.PeakWindows {
		from, err1 := clockMinutes(w.From)
		to, err2 := clockMinutes(w.To)
		if err1 != nil || err2 != nil {
			continue
		}
		day := lt
		in := false
		switch {
		case from < to:
			in = mins >= from && mins < to
		case mins >= from:
			in = true
		case mins < to:
			in, day = true, lt.AddDate(0, 0, -1)
		}
		if !in || !w.onDay(day.Weekday()) {
			continue
		}
		endDay := day
		if to <= from {
			endDay = day.AddDate(0, 0, 1)
		}
		e := time.Date(endDay.Year(), endDay.Month(), endDay.Day(), to/60, to%60, 0, 0, loc)
		if !ok || w.LimitA < limitA || (w.LimitA == limitA && e.After(end)) {
			limitA, end, ok = w.LimitA, e, true
		}
	}
	return limitA, end, ok
}

// SmartChargingService keeps charger groups' smart charging settings and
// drivers' "charge now" overrides.
type SmartChargingService interface {
	// FindSmartCharging returns a group's setting (all off when never set).
	FindSmartCharging(ctx context.Context, groupID string) (*SmartCharging, error)
	// SetSmartCharging replaces a group's setting (the group's writers).
	SetSmartCharging(ctx context.Context, s *SmartCharging) error
	// ChargeNow lifts the delay and off-peak hold of an active session:
	// its own driver's, or an admin's of its charger.
	ChargeNow(ctx context.Context, sessionID string) error
	// SmartChargingOfSite returns the settings of a site's groups by group
	// id (the system's view, for the load management loop).
	SmartChargingOfSite(ctx context.Context, siteID string) (map[string]*SmartCharging, error)
	// ChargeNowOf reports which of the sessions their driver overrode.
	ChargeNowOf(ctx context.Context, sessionIDs []string) (map[string]bool, error)
}
