package volt

import (
	"fmt"
	"regexp"
)

// OpeningPeriod is one span a site is open on a weekday, in its local time
// (issue 14: published as OCPI regular hours). A site without any is open
// 24/7.
type OpeningPeriod struct {
	Weekday int    `json:"weekday"` // 1 Monday .. 7 Sunday
	Begin   string `json:"begin"`   // local HH:MM it opens
	End     string `json:"end"`     // local HH:MM it closes, after Begin (past midnight: two periods)
}

var hhmmRE = regexp.MustCompile(`^([0-1][0-9]|2[0-3]):[0-5][0-9]$`)

// ValidateOpeningHours checks a site's opening hours: each weekday 1-7,
// HH:MM times with the end after the begin, at most 50 periods.
func ValidateOpeningHours(ps []OpeningPeriod) error {
	if len(ps) > 50 {
		return FieldError("openingHours", "At most 50 opening periods.")
	}
	for i, p := range ps {
		switch {
		case p.Weekday < 1 || p.Weekday > 7:
			return FieldError("openingHours", "Period %d: weekday must be 1 (Monday) to 7 (Sunday).", i+1)
		case !hhmmRE.MatchString(p.Begin) || !hhmmRE.MatchString(p.End):
			return FieldError("openingHours", "Period %d: begin and end are times HH:MM (00:00 to 23:59).", i+1)
		case p.End <= p.Begin:
			return FieldError("openingHours", "Period %d: the end %s must be after the begin %s.", i+1, p.End, p.Begin)
		}
	}
	return nil
}

// String is the period as "Mon 08:00-18:00".
func (p OpeningPeriod) String() string {
	days := [...]string{"", "Mon", "Tue", "Wed", "Thu", "Fri", "Sat", "Sun"}
	d := "?"
	if p.Weekday >= 1 && p.Weekday <= 7 {
		d = days[p.Weekday]
	}
	return fmt.Sprintf("%s %s-%s", d, p.Begin, p.End)
}
