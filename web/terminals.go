package web

import (
	"net/http"
	"strconv"
	"strings"

	volt "github.com/volt-ev/volt"
)

// terminalsView is the data of the contactless terminal page: the list
// (of one charger when CPID is set) and the registration form.
type terminalsView struct {
	CPID      string
	Terminals []*volt.Terminal
	Pager     pager
	Form      *volt.Terminal
	Editable  bool
	Error     string
	Field     string
}

// terminalKeyView is the page shown once after a registration.
type terminalKeyView struct {
	Terminal *volt.Terminal
	Key      string
}

func (a *Admin) terminalList(w http.ResponseWriter, r *http.Request, s *sess) {
	if a.cfg.Terminals == nil {
		a.notWired(w, r, s, "Contactless terminals")
		return
	}
	cpid := strings.TrimSpace(r.URL.Query().Get("cpid"))
	a.renderTerminals(w, r, s, http.StatusOK, cpid, &volt.Terminal{CPID: cpid, Provider: "payter"}, nil)
}

// renderTerminals draws the list and the form; a failed registration comes
// back with its error and the values typed.
func (a *Admin) renderTerminals(w http.ResponseWriter, r *http.Request, s *sess, status int, cpid string, form *volt.Terminal, ferr error) {
	page := pageOf(r, 50)
	list, total, err := a.cfg.Terminals.FindTerminals(s.ctx, volt.TerminalFilter{CPID: cpid, Page: page})
	if err != nil {
		a.fail(w, r, s, err)
		return
	}
	v := terminalsView{CPID: cpid, Terminals: list, Pager: newPager(r, page, total), Form: form, Editable: canCreate(s)}
	if ferr != nil {
		v.Error, v.Field, status = errText(ferr), fieldOf(ferr), httpStatus(ferr)
		if status >= 500 {
			a.log.Error("terminal registration failed", "cpid", form.CPID, "err", ferr)
		}
	}
	a.renderStatus(w, r, s, status, "terminals", "Contactless terminals", v)
}

// terminalCreate registers a terminal and shows its API key this once:
// only a hash of it is kept.
func (a *Admin) terminalCreate(w http.ResponseWriter, r *http.Request, s *sess) {
	if a.cfg.Terminals == nil {
		a.notWired(w, r, s, "Contactless terminals")
		return
	}
	t := &volt.Terminal{CPID: trimForm(r, "cpid"), Provider: trimForm(r, "provider"), Serial: trimForm(r, "serial")}
	var err error
	if c := trimForm(r, "connectorId"); c != "" {
		if t.ConnectorID, err = strconv.Atoi(c); err != nil || t.ConnectorID < 0 {
			err = volt.FieldError("connectorId", "Connector must be a whole number from 1, or empty for every connector.")
		}
	}
	var key string
	if err == nil {
		key, err = a.cfg.Terminals.CreateTerminal(s.ctx, t)
	}
	if err != nil {
		a.renderTerminals(w, r, s, 0, trimForm(r, "back"), t, err)
		return
	}
	w.Header().Set("Cache-Control", "no-store")
	a.renderStatus(w, r, s, http.StatusCreated, "terminal_key", "Terminal registered", terminalKeyView{Terminal: t, Key: key})
}

func (a *Admin) terminalDelete(w http.ResponseWriter, r *http.Request, s *sess) {
	back := AdminPrefix + "/terminals"
	if a.cfg.Terminals == nil {
		a.notWired(w, r, s, "Contactless terminals")
		return
	}
	if err := a.cfg.Terminals.DeleteTerminal(s.ctx, r.PathValue("id")); err != nil {
		a.refused(w, r, back, err)
		return
	}
	a.done(w, r, back, "Terminal removed: its API key no longer works.")
}
