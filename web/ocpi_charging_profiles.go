package web

import (
	"fmt"
	"strconv"
	"strings"
	"time"

	volt "github.com/volt-ev/volt"
)

// The charging profiles of our drivers' sessions on a partner CPO's
// chargers (issue 14), on the partner's page: per session the last
// request Volt sent (set, read, clear), the CPO's answer and its result,
// and the active profile the CPO pushed or answered.

// roamingProfilesShown bounds the sessions on the partner's page.
const roamingProfilesShown = 20

// roamingProfileRow is one session's line.
type roamingProfileRow struct {
	SessionID string
	Request   string // e.g. "Set 16 A, then 8 A after 15 min"
	SentAt    time.Time
	Answer    string
	Result    string // the result, "Awaited" or "None by <due>"
	Active    string // e.g. "12.5 A from 2026-01-01 10:00:00 UTC (pushed)"; "—"
	Class     string // the result's badge: st-ok, st-busy (awaited), st-bad
}

// roamingProfileRows reads the rows of a partner CPO (nil for an eMSP
// partner or when not wired).
func (a *Admin) roamingProfileRows(s *sess, p *volt.OCPIPartner) ([]roamingProfileRow, error) {
	if a.cfg.RoamingProfiles == nil || p.Role != volt.OCPIRoleCPO {
		return nil, nil
	}
	list, err := a.cfg.RoamingProfiles.RoamingProfileStatuses(s.ctx, p.ID, roamingProfilesShown)
	if err != nil {
		return nil, err
	}
	rows := make([]roamingProfileRow, 0, len(list))
	now := time.Now()
	for _, st := range list {
		row := roamingProfileRow{SessionID: st.SessionID, Active: "—"}
		if q := st.LastRequest; q != nil {
			row.SentAt, row.Answer = q.SentAt, q.Answer
			switch q.Kind {
			case "set":
				row.Request = "Set"
				if q.Profile != nil {
					row.Request += " " + profileText(*q.Profile)
				}
			case "get":
				row.Request = "Read the active profile"
			default:
				row.Request = "Clear"
			}
			switch {
			case q.Result != "":
				row.Result = q.Result
			case q.ResultDueBy == nil:
				row.Result = "—"
			case now.After(*q.ResultDueBy):
				row.Result = "None by " + fmtTime(*q.ResultDueBy)
			default:
				row.Result = "Awaited"
			}
			switch {
			case q.Answer != "ACCEPTED" || (q.Result != "" && q.Result != "ACCEPTED") || strings.HasPrefix(row.Result, "None"):
				row.Class = "st-bad"
			case row.Result == "Awaited":
				row.Class = "st-busy"
			default:
				row.Class = "st-ok"
			}
		}
		if ac := st.Active; ac != nil {
			row.Active = profileText(ac.Profile) + " from " + fmtTime(ac.StartAt) + " (" + ac.Source + ")"
		}
		rows = append(rows, row)
	}
	return rows, nil
}

// profileText says a profile's periods in words: "16 A, then 8 A after
// 15 min".
func profileText(p volt.RoamingProfile) string {
	var parts []string
	for i, per := range p.Periods {
		l := strconv.FormatFloat(per.Limit, 'f', -1, 64) + " " + p.Unit
		if i > 0 {
			l = "then " + l + " after " + durationText(per.StartS)
		}
		parts = append(parts, l)
	}
	out := strings.Join(parts, ", ")
	if p.DurationS > 0 {
		out += " for " + durationText(p.DurationS)
	}
	return out
}

func durationText(s int) string {
	switch {
	case s%3600 == 0 && s > 0:
		return fmt.Sprintf("%d h", s/3600)
	case s%60 == 0:
		return fmt.Sprintf("%d min", s/60)
	}
	return fmt.Sprintf("%d s", s)
}
