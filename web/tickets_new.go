package web

import (
	"context"
	"net/http"
	"sort"
	"strings"

	volt "github.com/volt-ev/volt"
)

// ticketNewRoutes adds the form that opens a ticket from the portal (for a
// driver on the phone, or from a helpline contact).
func (a *Admin) ticketNewRoutes() {
	m, p := a.mux, AdminPrefix
	m.HandleFunc("GET "+p+"/tickets/new", a.auth(a.needTickets(a.ticketNew)))
	m.HandleFunc("POST "+p+"/tickets", a.auth(a.needTickets(a.ticketCreate)))
}

// ticketNewView is the form of a new ticket, echoed back after an error.
type ticketNewView struct {
	Subject, Body, Email, Phone, CPID, SessionID, Priority string
	Priorities                                             []string
	Error                                                  string
}

// ticketNew shows the form, prefilled from the query (the helpline links
// here with the contact it is serving).
func (a *Admin) ticketNew(w http.ResponseWriter, r *http.Request, s *sess) {
	q := r.URL.Query()
	v := ticketNewView{Subject: q.Get("subject"), Body: q.Get("body"), CPID: q.Get("cpid"), SessionID: q.Get("session"),
		Priority: string(volt.PriorityNormal), Priorities: ticketPriorities}
	contact := strings.TrimSpace(q.Get("contact"))
	if strings.Contains(contact, "@") {
		v.Email = contact
	} else {
		v.Phone = contact
	}
	a.render(w, r, s, "ticket_new", "New ticket", v)
}

// ticketCreate opens the ticket: for the registered driver with that
// e-mail, else for a guest by e-mail or phone; then shows it (PRG).
func (a *Admin) ticketCreate(w http.ResponseWriter, r *http.Request, s *sess) {
	v := ticketNewView{Subject: r.PostFormValue("subject"), Body: strings.TrimSpace(r.PostFormValue("body")),
		Email: strings.TrimSpace(r.PostFormValue("email")), Phone: strings.TrimSpace(r.PostFormValue("phone")),
		CPID: strings.TrimSpace(r.PostFormValue("cpid")), SessionID: strings.TrimSpace(r.PostFormValue("session")),
		Priority: r.PostFormValue("priority"), Priorities: ticketPriorities}
	t := &volt.Ticket{Subject: v.Subject, Body: v.Body, GuestPhone: v.Phone, CPID: v.CPID, SessionID: v.SessionID,
		Priority: volt.TicketPriority(v.Priority)}
	if v.Email != "" {
		if users, _, err := a.cfg.Users.FindUsers(s.ctx, volt.UserFilter{Email: v.Email, Page: volt.Page{Limit: 1}}); err == nil && len(users) == 1 {
			t.DriverUserID = users[0].ID
		} else {
			t.GuestEmail = v.Email
		}
	}
	if t.CPID == "" && t.SessionID == "" {
		if home := volt.HomeRef(s.actor); home.CPOID != "" {
			t.CPOID = home.CPOID
		}
	}
	if err := a.cfg.Tickets.CreateTicket(s.ctx, t); err != nil {
		v.Error = errText(err)
		a.renderStatus(w, r, s, httpStatus(err), "ticket_new", "New ticket", v)
		return
	}
	a.done(w, r, AdminPrefix+"/tickets/"+t.ID, "Ticket opened.")
}

// supportUsers lists who a ticket of the CPO may be assigned to: the members
// of its Support and Admin usergroups, by name.
func (a *Admin) supportUsers(ctx context.Context, cpoID string) []*volt.User {
	if cpoID == "" {
		return nil
	}
	groups, _, err := a.cfg.Users.FindUsergroups(ctx, volt.Filter{CPOID: cpoID, Page: volt.Page{Limit: 200}})
	if err != nil {
		return nil
	}
	seen := map[string]bool{}
	var out []*volt.User
	for _, g := range groups {
		if g.Role != volt.RoleSupport && g.Role != volt.RoleAdmin {
			continue
		}
		users, _, err := a.cfg.Users.FindUsers(ctx, volt.UserFilter{UsergroupID: g.ID, Page: volt.Page{Limit: 200}})
		if err != nil {
			continue
		}
		for _, u := range users {
			if !seen[u.ID] {
				seen[u.ID] = true
				out = append(out, u)
			}
		}
	}
	sort.Slice(out, func(i, j int) bool { return out[i].Name < out[j].Name })
	return out
}

// AssigneeName names the assignee of the ticket.
func (v *ticketView) AssigneeName(id string) string {
	for _, u := range v.Assignees {
		if u.ID == id {
			return u.Name + " <" + u.Email + ">"
		}
	}
	return id
}
