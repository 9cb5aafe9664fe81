package web

import (
	"errors"
	"fmt"
	"net/http"
	"strconv"
	"strings"

	volt "github.com/volt-ev/volt"
)

// smartView is a charger group's smart charging page (issue 15 item 6):
// off-peak by default, its peak windows (one a line) and the randomised
// delay, as the regulations ask.
type smartView struct {
	Group    *volt.ChargerGroup
	Setting  *volt.SmartCharging
	Windows  string // one "HH:MM-HH:MM [days] [limit A]" a line
	Delay    string
	Editable bool
	Error    string
	Field    string
	// BadWindows marks the windows' field when the refusal names one.
	BadWindows bool
}

// smartOf reads a group (scoped: not found outside the actor's reach) and
// its setting.
func (a *Admin) smartOf(s *sess, id string) (*smartView, error) {
	if a.cfg.SmartCharging == nil {
		return nil, volt.Errorf(volt.ENOTIMPLEMENTED, "Smart charging is not configured on this node.")
	}
	g, err := a.cfg.Hierarchy.FindChargerGroupByID(s.ctx, id)
	if err != nil {
		return nil, err
	}
	sc, err := a.cfg.SmartCharging.FindSmartCharging(s.ctx, id)
	if err != nil {
		return nil, err
	}
	return &smartView{Group: g, Setting: sc, Windows: formatWindows(sc.PeakWindows), Delay: strconv.Itoa(sc.RandomDelayMaxS),
		Editable: s.actor.Can(volt.PermWrite, g.Ref())}, nil
}

func (a *Admin) groupSmart(w http.ResponseWriter, r *http.Request, s *sess) {
	v, err := a.smartOf(s, r.PathValue("id"))
	if err != nil {
		a.fail(w, r, s, err)
		return
	}
	a.render(w, r, s, "group_smart", "Smart charging of "+v.Group.Name, v)
}

// groupSmartSave replaces the group's setting from the form; a refusal
// shows the form again with the field named.
func (a *Admin) groupSmartSave(w http.ResponseWriter, r *http.Request, s *sess) {
	id := r.PathValue("id")
	v, err := a.smartOf(s, id)
	if err != nil {
		a.fail(w, r, s, err)
		return
	}
	v.Windows, v.Delay = r.PostFormValue("peakWindows"), strings.TrimSpace(r.PostFormValue("randomDelayMaxS"))
	sc := &volt.SmartCharging{ChargerGroupID: id, OffPeakDefault: r.PostFormValue("offPeakDefault") == "on",
		TimeZone: strings.TrimSpace(r.PostFormValue("timeZone"))}
	v.Setting.OffPeakDefault, v.Setting.TimeZone = sc.OffPeakDefault, sc.TimeZone
	if sc.RandomDelayMaxS, err = strconv.Atoi(v.Delay); v.Delay != "" && err != nil {
		err = volt.FieldError("randomDelayMaxS", "The randomised delay is a whole number of seconds.")
	} else if sc.PeakWindows, err = parseWindows(v.Windows); err == nil {
		err = a.cfg.SmartCharging.SetSmartCharging(s.ctx, sc)
	}
	if err != nil {
		v.Error = errText(err)
		var ve *volt.Error
		if errors.As(err, &ve) && ve.Field != "" {
			v.Field, v.BadWindows = ve.Field, strings.HasPrefix(ve.Field, "peakWindows")
			v.Error = fmt.Sprintf("%s (%s)", v.Error, ve.Field)
		}
		a.renderStatus(w, r, s, httpStatus(err), "group_smart", "Smart charging of "+v.Group.Name, v)
		return
	}
	a.done(w, r, AdminPrefix+"/charger-groups/"+id+"/smart-charging", "Smart charging saved.")
}

// formatWindows writes peak windows one a line: "08:00-11:00 1,2,3,4,5 0A".
func formatWindows(ws []volt.LoadWindow) string {
	var b strings.Builder
	for _, w := range ws {
		b.WriteString(w.From + "-" + w.To)
		if len(w.Days) > 0 {
			ds := make([]string, len(w.Days))
			for i, d := range w.Days {
				ds[i] = strconv.Itoa(d)
			}
			b.WriteString(" " + strings.Join(ds, ","))
		}
		if w.LimitA > 0 {
			b.WriteString(" " + strconv.FormatFloat(w.LimitA, 'f', -1, 64) + "A")
		}
		b.WriteString("\n")
	}
	return b.String()
}

// parseWindows reads what formatWindows writes: per line a time range,
// optional ISO weekdays (1 Monday … 7 Sunday) and an optional limit ending
// in A. The times and limits themselves are checked by Validate.
func parseWindows(text string) ([]volt.LoadWindow, error) {
	out := []volt.LoadWindow{}
	for i, line := range strings.Split(strings.ReplaceAll(text, "\r", ""), "\n") {
		f := strings.Fields(line)
		if len(f) == 0 {
			continue
		}
		field := fmt.Sprintf("peakWindows[%d]", len(out))
		from, to, ok := strings.Cut(f[0], "-")
		if !ok {
			return nil, volt.FieldError(field, "Line %d: a window starts with HH:MM-HH:MM.", i+1)
		}
		w := volt.LoadWindow{From: from, To: to}
		for _, x := range f[1:] {
			if a, ok := strings.CutSuffix(strings.ToUpper(x), "A"); ok {
				v, err := strconv.ParseFloat(a, 64)
				if err != nil {
					return nil, volt.FieldError(field+".limitA", "Line %d: %q is not a limit like 16A.", i+1, x)
				}
				w.LimitA = v
				continue
			}
			for _, d := range strings.Split(x, ",") {
				n, err := strconv.Atoi(d)
				if err != nil {
					return nil, volt.FieldError(field+".days", "Line %d: days are numbers 1 (Monday) to 7 (Sunday), got %q.", i+1, d)
				}
				w.Days = append(w.Days, n)
			}
		}
		out = append(out, w)
	}
	return out, nil
}
