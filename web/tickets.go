package web

import (
	"net/http"
	"strings"

	volt "github.com/volt-ev/volt"
)

var ticketStatuses = []string{string(volt.TicketOpen), string(volt.TicketPending), string(volt.TicketResolved), string(volt.TicketClosed)}
var ticketPriorities = []string{string(volt.PriorityLow), string(volt.PriorityNormal), string(volt.PriorityHigh), string(volt.PriorityUrgent)}

// ticketListView is the data of the ticket list.
type ticketListView struct {
	Status, Q string
	Mine      bool
	Statuses  []string
	Tickets   []*volt.Ticket
	Pager     pager
	Breached  map[string]bool // ticket id → missed a service level (issue 17)
}

// ticketList lists the support tickets in the actor's scope with filters.
func (a *Admin) ticketList(w http.ResponseWriter, r *http.Request, s *sess) {
	q := r.URL.Query()
	v := ticketListView{Status: q.Get("status"), Q: strings.TrimSpace(q.Get("q")), Mine: q.Get("mine") == "1", Statuses: ticketStatuses}
	f := volt.TicketFilter{Status: volt.TicketStatus(v.Status), Query: v.Q, Page: pageOf(r, 50)}
	if v.Mine {
		f.AssigneeID = s.actor.UserID
	}
	list, total, err := a.cfg.Tickets.FindTickets(s.ctx, f)
	if err != nil {
		a.fail(w, r, s, err)
		return
	}
	v.Tickets, v.Pager = list, newPager(r, f.Page, total)
	v.Breached = a.breachedTickets(s)
	a.render(w, r, s, "tickets", "Support tickets", v)
}

// ticketView is the data of one ticket's page.
type ticketView struct {
	Ticket     *volt.Ticket
	CanSupport bool
	Statuses   []string
	Priorities []string
	Me         string
	Error      string
	Body       string
	Assignees  []*volt.User // Support and Admin users of the ticket's CPO
}

func (a *Admin) loadTicket(r *http.Request, s *sess) (*ticketView, error) {
	t, err := a.cfg.Tickets.FindTicketByID(s.ctx, r.PathValue("id"))
	if err != nil {
		return nil, err
	}
	v := &ticketView{Ticket: t, CanSupport: s.actor.Can(volt.PermSupport, t.Ref()), Statuses: ticketStatuses,
		Priorities: ticketPriorities, Me: s.actor.UserID}
	if v.CanSupport {
		v.Assignees = a.supportUsers(s.ctx, t.CPOID)
	}
	return v, nil
}

// ticketShow shows a ticket's thread with internal notes, and the forms to
// reply, add a note and change its status, priority or assignee.
func (a *Admin) ticketShow(w http.ResponseWriter, r *http.Request, s *sess) {
	v, err := a.loadTicket(r, s)
	if err != nil {
		a.fail(w, r, s, err)
		return
	}
	a.render(w, r, s, "ticket", "Ticket: "+v.Ticket.Subject, v)
}

// ticketUpdate changes status, priority or assignee ("me", "" to unassign,
// or a user id).
func (a *Admin) ticketUpdate(w http.ResponseWriter, r *http.Request, s *sess) {
	id := r.PathValue("id")
	var upd volt.TicketUpdate
	if st := r.PostFormValue("status"); st != "" {
		x := volt.TicketStatus(st)
		upd.Status = &x
	}
	if p := r.PostFormValue("priority"); p != "" {
		x := volt.TicketPriority(p)
		upd.Priority = &x
	}
	if _, ok := r.PostForm["assignee"]; ok {
		as := strings.TrimSpace(r.PostFormValue("assignee"))
		if as == "me" {
			as = s.actor.UserID
		}
		upd.AssigneeID = &as
	}
	back := AdminPrefix + "/tickets/" + id
	if _, err := a.cfg.Tickets.UpdateTicket(s.ctx, id, upd); err != nil {
		a.refused(w, r, back, err)
		return
	}
	a.done(w, r, back, "Ticket updated.")
}

// ticketReply adds a reply to the driver or, with internal set, a note only
// support sees.
func (a *Admin) ticketReply(w http.ResponseWriter, r *http.Request, s *sess) {
	id := r.PathValue("id")
	m := &volt.TicketMessage{Body: r.PostFormValue("body"), Internal: r.PostFormValue("internal") == "1"}
	if err := a.cfg.Tickets.AddTicketMessage(s.ctx, id, m); err != nil {
		v, lerr := a.loadTicket(r, s)
		if lerr != nil {
			a.fail(w, r, s, err)
			return
		}
		v.Error, v.Body = errText(err), r.PostFormValue("body")
		a.renderStatus(w, r, s, httpStatus(err), "ticket", "Ticket: "+v.Ticket.Subject, v)
		return
	}
	msg := "Reply sent."
	if m.Internal {
		msg = "Internal note added."
	}
	a.done(w, r, AdminPrefix+"/tickets/"+id, msg)
}
