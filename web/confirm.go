package web

import (
	"fmt"
	"sort"
	"strings"

	volt "github.com/volt-ev/volt"
)

// interruptQuestion is the confirmation asked before a command that can
// cut charging short: it names the charger and every running session.
func interruptQuestion(action string, c *volt.Charger, running []*volt.Session) string {
	name := "charger " + c.CPID
	if c.Name != "" {
		name += " (" + c.Name + ")"
	}
	q := fmt.Sprintf("%s %s?", action, name)
	if len(running) == 0 {
		return q + " No session is running on it now."
	}
	parts := make([]string, 0, len(running))
	for _, se := range running {
		parts = append(parts, fmt.Sprintf("session #%d on connector %d (%s so far)", se.TransactionID, se.ConnectorID, fmtKWh(se.EnergyWh)))
	}
	return q + " Running now: " + strings.Join(parts, "; ") + ". It may stop charging."
}

// ConfirmFor is the question the charger page asks before a command that
// can interrupt charging; empty for the others.
func (v *chargerView) ConfirmFor(cmd commandSpec) string {
	if !cmd.Interrupts {
		return ""
	}
	running := make([]*volt.Session, 0, len(v.Active))
	for _, se := range v.Active {
		running = append(running, se)
	}
	sort.Slice(running, func(i, j int) bool { return running[i].ConnectorID < running[j].ConnectorID })
	return interruptQuestion(cmd.Label, v.C, running)
}

// ConfirmFor is the question the helpline asks before an action on the
// charger that can interrupt charging ("reset", "unlock", "stop").
func (v *helplineView) ConfirmFor(do string) string {
	if v.Charger == nil {
		return ""
	}
	running := v.Active
	if v.Session != nil && v.Session.Status == volt.SessionActive {
		running = []*volt.Session{v.Session}
	}
	label := map[string]string{"reset": "Reset", "unlock": "Unlock a connector of", "stop": "Stop the session on"}[do]
	return interruptQuestion(label, v.Charger, running)
}

// bulkDetailGroups bounds how many groups the bulk form describes.
const bulkDetailGroups = 200

// bulkDetail says, per charger group, what a command to all of it reaches:
// "Group Level 1: 3 chargers. Running now: session #12 on 000001/1." The
// bulk form's confirmation adds the chosen group's line.
func (a *Admin) bulkDetail(s *sess, groups []*volt.ChargerGroup) map[string]string {
	out := map[string]string{}
	for i, g := range groups {
		if i == bulkDetailGroups {
			break
		}
		d := "Group " + g.Name + ": " + a.chargerCount(s.ctx, volt.ChargerFilter{ChargerGroupID: g.ID}) + "."
		if a.cfg.Charging != nil {
			running, n, err := a.cfg.Charging.FindSessions(s.ctx, volt.SessionFilter{ChargerGroupID: g.ID, Status: volt.SessionActive, Page: volt.Page{Limit: 5}})
			if err == nil && n > 0 {
				parts := make([]string, 0, len(running))
				for _, se := range running {
					parts = append(parts, fmt.Sprintf("#%d on %s/%d", se.TransactionID, se.CPID, se.ConnectorID))
				}
				more := ""
				if n > len(running) {
					more = fmt.Sprintf(" and %d more", n-len(running))
				}
				d += fmt.Sprintf(" Running now: %s%s; a reset or stop interrupts them.", strings.Join(parts, ", "), more)
			} else if err == nil {
				d += " No session is running."
			}
		}
		out[g.ID] = d
	}
	return out
}
