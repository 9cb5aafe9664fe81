package web

import (
	"fmt"
	"net/http"
	"sort"
	"strconv"
	"strings"
	"time"

	volt "github.com/volt-ev/volt"
)

// contactReportView is the quarterly report of helpline contacts: how many,
// by channel and month, and what was done. UK operators keep such records
// of their helpline (The Public Charge Point Regulations 2023, reg. 9,
// staffed 24/7 helpline).
type contactReportView struct {
	Quarter    string // "2026-Q3"
	From, To   time.Time
	Months     []string
	Channels   []string
	Counts     map[string]map[string]int // channel -> month -> contacts
	ByChannel  map[string]int
	ByMonth    map[string]int
	Actions    []actionCount
	Total      int
	WithAction int
	Partial    bool
	Error      string
	CSV        string
}

type actionCount struct {
	Action string
	N      int
}

// Count reads one cell of the table.
func (v *contactReportView) Count(channel, month string) int { return v.Counts[channel][month] }

// contactReportPages bounds the contacts read for one report (pages of 500).
const contactReportPages = 200

// quarterOf parses "2026-Q3" into its first day and the first day after it,
// UTC; an empty q is the quarter before now's.
func quarterOf(q string, now time.Time) (string, time.Time, time.Time, error) {
	if q == "" {
		now = now.UTC()
		start := time.Date(now.Year(), time.Month((int(now.Month())-1)/3*3+1), 1, 0, 0, 0, 0, time.UTC).AddDate(0, -3, 0)
		q = fmt.Sprintf("%d-Q%d", start.Year(), (int(start.Month())-1)/3+1)
	}
	y, n, ok := strings.Cut(q, "-Q")
	year, err1 := strconv.Atoi(y)
	quarter, err2 := strconv.Atoi(n)
	if !ok || err1 != nil || err2 != nil || quarter < 1 || quarter > 4 || year < 2000 || year > 2200 {
		return q, time.Time{}, time.Time{}, volt.FieldError("quarter", "The quarter must look like 2026-Q3.")
	}
	from := time.Date(year, time.Month((quarter-1)*3+1), 1, 0, 0, 0, 0, time.UTC)
	return q, from, from.AddDate(0, 3, 0), nil
}

// helplineReport shows (or, with format=csv, exports) the contacts of a
// quarter in the actor's scope.
func (a *Admin) helplineReport(w http.ResponseWriter, r *http.Request, s *sess) {
	q, from, to, err := quarterOf(strings.TrimSpace(r.URL.Query().Get("quarter")), a.now())
	v := &contactReportView{Quarter: q, From: from, To: to, Channels: []string{volt.ChannelPhone, volt.ChannelEmail, volt.ChannelChat},
		Counts: map[string]map[string]int{}, ByChannel: map[string]int{}, ByMonth: map[string]int{}}
	if err != nil {
		v.Error = errText(err)
		a.renderStatus(w, r, s, http.StatusBadRequest, "helpline_report", "Helpline contacts", v)
		return
	}
	for m := from; m.Before(to); m = m.AddDate(0, 1, 0) {
		v.Months = append(v.Months, m.Format("2006-01"))
	}
	actions := map[string]int{}
	f := volt.HelplineFilter{From: &from, To: &to, Page: volt.Page{Limit: 500}}
	for page := 0; ; page++ {
		if page == contactReportPages {
			v.Partial = true
			break
		}
		list, total, err := a.cfg.Helpline.FindHelplineContacts(s.ctx, f)
		if err != nil {
			a.fail(w, r, s, err)
			return
		}
		for _, c := range list {
			month := c.At.UTC().Format("2006-01")
			if v.Counts[c.Channel] == nil {
				v.Counts[c.Channel] = map[string]int{}
			}
			v.Counts[c.Channel][month]++
			v.ByChannel[c.Channel]++
			v.ByMonth[month]++
			v.Total++
			if len(c.Actions) > 0 {
				v.WithAction++
			}
			for _, act := range c.Actions {
				name, _, _ := strings.Cut(act, ":")
				actions[strings.TrimSuffix(name, " failed")]++
			}
		}
		f.Offset += len(list)
		if len(list) == 0 || f.Offset >= total {
			break
		}
	}
	for act, n := range actions {
		v.Actions = append(v.Actions, actionCount{act, n})
	}
	sort.Slice(v.Actions, func(i, j int) bool { return v.Actions[i].N > v.Actions[j].N })
	if r.URL.Query().Get("format") == "csv" {
		cw := csvHeader(w, "helpline-contacts-"+q+".csv")
		_ = cw.Write(append([]string{"channel"}, append(v.Months, "total")...))
		for _, ch := range v.Channels {
			row := []string{ch}
			for _, m := range v.Months {
				row = append(row, strconv.Itoa(v.Count(ch, m)))
			}
			_ = cw.Write(append(row, strconv.Itoa(v.ByChannel[ch])))
		}
		row := []string{"all"}
		for _, m := range v.Months {
			row = append(row, strconv.Itoa(v.ByMonth[m]))
		}
		_ = cw.Write(append(row, strconv.Itoa(v.Total)))
		cw.Flush()
		return
	}
	v.CSV = AdminPrefix + "/helpline/report?format=csv&quarter=" + q
	a.render(w, r, s, "helpline_report", "Helpline contacts "+q, v)
}
