package app

import (
	"fmt"

	volt "github.com/volt-ev/volt"
)

// loadNote tells the driver when the site's load management limits or
// queues their session, and why (issue 15).
func (a *App) loadNote(s *volt.Session) string {
	if a.cfg.LoadStatus == nil || s.Status != volt.SessionActive {
		return ""
	}
	la, ok := a.cfg.LoadStatus.OutletLoad(s.CPID, s.ConnectorID)
	if !ok || la.SessionID != s.ID {
		return ""
	}
	switch la.Reason {
	case "queued":
		return "Queued: this site's grid connection is fully used. Your car starts charging when capacity frees up; whoever has waited longest goes first."
	case "limited":
		return fmt.Sprintf("Limited to %.1f A: this site shares its grid connection between the cars charging here.", la.CurrentA)
	}
	return ""
}
