package ocpi

import (
	"fmt"
	"testing"
	"time"
)

// TestActiveFromNow: the ActiveChargingProfile of a profile a charger took
// without load management is the profile as sent, from now: a relative
// one as is; an absolute one that started earlier from the period in
// force now, its later periods and duration moved by what has passed; one
// that starts later at its start; one that has ended is none.
func TestActiveFromNow(t *testing.T) {
	now := time.Date(2026, 3, 1, 12, 0, 0, 0, time.UTC)
	dur := func(s int) *int { return &s }
	periods := []ChargingProfilePeriod{{0, 32}, {600, 16.04}, {1800, 8}}
	for _, c := range []struct {
		name string
		cp   ChargingProfile
		want string
	}{
		{"relative", ChargingProfile{ChargingRateUnit: "A", ChargingProfilePeriod: periods}, "2026-03-01T12:00:00Z A - 32@0 16@600 8@1800"},
		{"absolute, 15 min in", ChargingProfile{ChargingRateUnit: "W", StartDateTime: "2026-03-01T11:45:00Z", Duration: dur(3600), ChargingProfilePeriod: periods},
			"2026-03-01T12:00:00Z W 2700 16@0 8@900"},
		{"absolute, 40 min in", ChargingProfile{ChargingRateUnit: "A", StartDateTime: "2026-03-01T11:20:00Z", ChargingProfilePeriod: periods}, "2026-03-01T12:00:00Z A - 8@0"},
		{"absolute, later", ChargingProfile{ChargingRateUnit: "A", StartDateTime: "2026-03-01T13:00:00Z", ChargingProfilePeriod: periods}, "2026-03-01T13:00:00Z A - 32@0 16@600 8@1800"},
		{"ended", ChargingProfile{ChargingRateUnit: "A", StartDateTime: "2026-03-01T10:00:00Z", Duration: dur(3600), ChargingProfilePeriod: periods}, "none"},
	} {
		a, ok := activeFromNow(c.cp, now)
		got := "none"
		if ok {
			d := "-"
			if a.ChargingProfile.Duration != nil {
				d = fmt.Sprint(*a.ChargingProfile.Duration)
			}
			got = a.StartDateTime + " " + a.ChargingProfile.ChargingRateUnit + " " + d
			for _, p := range a.ChargingProfile.ChargingProfilePeriod {
				got += fmt.Sprintf(" %g@%d", p.Limit, p.StartPeriod)
			}
		}
		if got != c.want {
			t.Errorf("%s: %s, want %s", c.name, got, c.want)
		}
	}
}
