package app

import (
	"encoding/json"

	volt "github.com/volt-ev/volt"
)

// curveOf returns the chart series of a session the browser owns (checked
// by the caller) as JSON, or "" when there are fewer than two points to
// draw or the readings cannot be read.
func (a *App) curveOf(s *volt.Session) string {
	samples, err := a.cfg.Charging.FindMeterValues(a.sys, s.ID)
	if err != nil {
		a.log.Warn("app: meter values of a session", "session", s.ID, "err", err)
		return ""
	}
	c := volt.NewSessionCurve(s, samples)
	if len(c.At) < 2 {
		return ""
	}
	b, err := json.Marshal(c)
	if err != nil {
		return ""
	}
	return string(b)
}
