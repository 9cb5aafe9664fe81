package web

import (
	"net/http"

	volt "github.com/volt-ev/volt"
)

// Issue 14 item 4: a driver's roaming whitelist and each card's, from the
// user's page: how partner CPOs may authorise the driver's tokens (NEVER:
// they ask Volt before every start). The token sync sends the change.

func (a *Admin) roamingWhitelistRoutes() {
	m, p := a.mux, AdminPrefix
	m.HandleFunc("GET "+p+"/users/{id}/roaming-whitelist", a.auth(a.roamingWhitelistShow))
	m.HandleFunc("POST "+p+"/users/{id}/roaming-whitelist", a.auth(a.roamingWhitelistSet))
}

// whitelistModes are the choices offered, "" being the default.
var whitelistModes = []string{volt.WhitelistAlways, volt.WhitelistAllowed, volt.WhitelistAllowedOffline, volt.WhitelistNever}

// roamingWhitelistView is the page's data.
type roamingWhitelistView struct {
	User      *volt.User
	Whitelist *volt.RoamingWhitelist
	Modes     []string
	Editable  bool
}

func (a *Admin) roamingWhitelistShow(w http.ResponseWriter, r *http.Request, s *sess) {
	if a.cfg.RoamingWhitelists == nil {
		a.notWired(w, r, s, "OCPI roaming whitelists")
		return
	}
	id := r.PathValue("id")
	u, err := a.cfg.Users.FindUserByID(s.ctx, id)
	if err != nil {
		a.fail(w, r, s, err)
		return
	}
	wl, err := a.cfg.RoamingWhitelists.FindRoamingWhitelist(s.ctx, id)
	if err != nil {
		a.fail(w, r, s, err)
		return
	}
	v := &roamingWhitelistView{User: u, Whitelist: wl, Modes: whitelistModes,
		Editable: u.CPOID != "" && s.actor.Can(volt.PermWrite, volt.Ref{CPOID: u.CPOID})}
	a.renderStatus(w, r, s, http.StatusOK, "roaming_whitelist", "Roaming whitelist of "+u.Name, v)
}

func (a *Admin) roamingWhitelistSet(w http.ResponseWriter, r *http.Request, s *sess) {
	id := r.PathValue("id")
	back := AdminPrefix + "/users/" + id + "/roaming-whitelist"
	if a.cfg.RoamingWhitelists == nil {
		a.notWired(w, r, s, "OCPI roaming whitelists")
		return
	}
	card, mode := trimForm(r, "cardId"), trimForm(r, "whitelist")
	if _, err := a.cfg.RoamingWhitelists.SetRoamingWhitelist(s.ctx, id, card, mode); err != nil {
		a.refused(w, r, back, err)
		return
	}
	msg := "Roaming whitelist saved: partner CPOs are sent it with the driver's tokens."
	if mode == volt.WhitelistNever {
		msg = "Roaming whitelist NEVER saved: partner CPOs will ask before every start."
	}
	a.done(w, r, back, msg)
}
