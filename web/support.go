package web

import (
	"net/http"
)

// supportRoutes adds the audit log, the helpline console and support
// tickets; each page says so when its service is not configured.
func (a *Admin) supportRoutes() {
	m, p := a.mux, AdminPrefix
	m.HandleFunc("GET "+p+"/audit", a.auth(a.needAudit(a.auditLog)))
	m.HandleFunc("GET "+p+"/audit.csv", a.auth(a.needAudit(a.auditCSV)))
	m.HandleFunc("GET "+p+"/helpline", a.auth(a.needSupport(a.helpline)))
	m.HandleFunc("GET "+p+"/helpline/report", a.auth(a.needSupport(a.helplineReport)))
	m.HandleFunc("POST "+p+"/helpline", a.auth(a.needSupport(a.helplineAct)))
	a.ticketNewRoutes()
	m.HandleFunc("GET "+p+"/tickets", a.auth(a.needTickets(a.ticketList)))
	m.HandleFunc("GET "+p+"/tickets/{id}", a.auth(a.needTickets(a.ticketShow)))
	m.HandleFunc("POST "+p+"/tickets/{id}", a.auth(a.needTickets(a.ticketUpdate)))
	m.HandleFunc("POST "+p+"/tickets/{id}/messages", a.auth(a.needTickets(a.ticketReply)))
}

func (a *Admin) unavailable(w http.ResponseWriter, r *http.Request, s *sess, title, msg string) {
	a.renderStatus(w, r, s, http.StatusOK, "money_todo", title, errorView{Message: msg})
}

func (a *Admin) needSupport(h handler) handler {
	return func(w http.ResponseWriter, r *http.Request, s *sess) {
		if a.cfg.Helpline == nil {
			a.unavailable(w, r, s, "Helpline", "The helpline console is not available on this server (no helpline service is configured).")
			return
		}
		h(w, r, s)
	}
}

func (a *Admin) needTickets(h handler) handler {
	return func(w http.ResponseWriter, r *http.Request, s *sess) {
		if a.cfg.Tickets == nil {
			a.unavailable(w, r, s, "Tickets", "Support tickets are not available on this server (no ticket service is configured).")
			return
		}
		h(w, r, s)
	}
}
