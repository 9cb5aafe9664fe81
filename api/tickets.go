package api

import (
	"context"

	"github.com/volt-ev/volt"
)

// TicketCreate is the body of POST /api/v1/tickets. A driver opens a ticket
// for themself ("Report a problem"); support opens one for any driver of a
// charger it supports (a user, or a guest's e-mail or phone). The ticket
// sits where its charger or session is.
type TicketCreate struct {
	Subject      string `json:"subject" minLength:"1" maxLength:"200"`
	Body         string `json:"body,omitempty" maxLength:"10000" doc:"The first message."`
	Priority     string `json:"priority,omitempty" enum:"low,normal,high,urgent"`
	Status       string `json:"status,omitempty" enum:"open,pending,resolved,closed"`
	DriverUserID string `json:"driverUserId,omitempty" maxLength:"64"`
	GuestEmail   string `json:"guestEmail,omitempty" maxLength:"320"`
	GuestPhone   string `json:"guestPhone,omitempty" maxLength:"40"`
	CPID         string `json:"cpid,omitempty" maxLength:"32"`
	ConnectorID  int    `json:"connectorId,omitempty" minimum:"0"`
	SessionID    string `json:"sessionId,omitempty" maxLength:"64"`
	CPOID        string `json:"cpoId,omitempty" maxLength:"64" doc:"Without charger or session: the CPO it is for (default the driver's)."`
	AssigneeID   string `json:"assigneeId,omitempty" maxLength:"64"`
}

// TicketPatch is the body of PATCH /api/v1/tickets/{id} (support only);
// absent fields are kept, an empty assigneeId unassigns.
type TicketPatch struct {
	Subject    *string `json:"subject,omitempty" minLength:"1" maxLength:"200"`
	Status     *string `json:"status,omitempty" enum:"open,pending,resolved,closed"`
	Priority   *string `json:"priority,omitempty" enum:"low,normal,high,urgent"`
	AssigneeID *string `json:"assigneeId,omitempty" maxLength:"64"`
}

// TicketStatusChange is the body of PUT /api/v1/tickets/{id}/status.
type TicketStatusChange struct {
	Status string `json:"status" enum:"open,pending,resolved,closed"`
}

// TicketMessageCreate is the body of POST /api/v1/tickets/{id}/messages.
type TicketMessageCreate struct {
	Body     string `json:"body" minLength:"1" maxLength:"10000"`
	Internal bool   `json:"internal,omitempty" doc:"An internal note, never shown to the driver (support only)."`
}

type ticketListInput struct {
	Status       string `query:"status" enum:"open,pending,resolved,closed"`
	Priority     string `query:"priority" enum:"low,normal,high,urgent"`
	AssigneeID   string `query:"assigneeId" maxLength:"64"`
	DriverUserID string `query:"driverUserId" maxLength:"64"`
	CPID         string `query:"cpid" maxLength:"32"`
	SessionID    string `query:"sessionId" maxLength:"64"`
	CPOID        string `query:"cpoId" maxLength:"64"`
	Query        string `query:"q" maxLength:"200" doc:"Subject, guest e-mail or phone, CPID."`
	PageParams
}

type ticketCreateInput struct{ Body TicketCreate }

type ticketPatchInput struct {
	IDInput
	Body TicketPatch
}

type ticketStatusInput struct {
	IDInput
	Body TicketStatusChange
}

type ticketMessageInput struct {
	IDInput
	Body TicketMessageCreate
}

func (s *server) listTickets(ctx context.Context, in *ticketListInput) (*ListOutput[*volt.Ticket], error) {
	if s.Tickets == nil {
		return nil, notWired("ticket")
	}
	f := volt.TicketFilter{Status: volt.TicketStatus(in.Status), Priority: volt.TicketPriority(in.Priority),
		AssigneeID: in.AssigneeID, DriverUserID: in.DriverUserID, CPID: in.CPID, SessionID: in.SessionID,
		CPOID: in.CPOID, Query: in.Query, Page: in.page()}
	items, total, err := s.Tickets.FindTickets(ctx, f)
	if err != nil {
		return nil, s.err(ctx, err)
	}
	return listOf(items, total, f.Page), nil
}

func (s *server) getTicket(ctx context.Context, in *IDInput) (*Out[*volt.Ticket], error) {
	if s.Tickets == nil {
		return nil, notWired("ticket")
	}
	t, err := s.Tickets.FindTicketByID(ctx, in.ID)
	if err != nil {
		return nil, s.err(ctx, err)
	}
	return out(t), nil
}

func (s *server) createTicket(ctx context.Context, in *ticketCreateInput) (*Out[*volt.Ticket], error) {
	if s.Tickets == nil {
		return nil, notWired("ticket")
	}
	b := in.Body
	t := &volt.Ticket{Subject: b.Subject, Body: b.Body, Priority: volt.TicketPriority(b.Priority), Status: volt.TicketStatus(b.Status),
		DriverUserID: b.DriverUserID, GuestEmail: b.GuestEmail, GuestPhone: b.GuestPhone, CPID: b.CPID,
		ConnectorID: b.ConnectorID, SessionID: b.SessionID, CPOID: b.CPOID, AssigneeID: b.AssigneeID}
	if err := s.Tickets.CreateTicket(ctx, t); err != nil {
		return nil, s.err(ctx, err)
	}
	return out(t), nil
}

func (s *server) patchTicket(ctx context.Context, in *ticketPatchInput) (*Out[*volt.Ticket], error) {
	if s.Tickets == nil {
		return nil, notWired("ticket")
	}
	b := in.Body
	upd := volt.TicketUpdate{Subject: b.Subject, AssigneeID: b.AssigneeID}
	if b.Status != nil {
		st := volt.TicketStatus(*b.Status)
		upd.Status = &st
	}
	if b.Priority != nil {
		p := volt.TicketPriority(*b.Priority)
		upd.Priority = &p
	}
	t, err := s.Tickets.UpdateTicket(ctx, in.ID, upd)
	if err != nil {
		return nil, s.err(ctx, err)
	}
	return out(t), nil
}

// setTicketStatus changes only the status (support only): resolving,
// closing, reopening.
func (s *server) setTicketStatus(ctx context.Context, in *ticketStatusInput) (*Out[*volt.Ticket], error) {
	if s.Tickets == nil {
		return nil, notWired("ticket")
	}
	st := volt.TicketStatus(in.Body.Status)
	t, err := s.Tickets.UpdateTicket(ctx, in.ID, volt.TicketUpdate{Status: &st})
	if err != nil {
		return nil, s.err(ctx, err)
	}
	return out(t), nil
}

func (s *server) deleteTicket(ctx context.Context, in *IDInput) (*struct{}, error) {
	if s.Tickets == nil {
		return nil, notWired("ticket")
	}
	if err := s.Tickets.DeleteTicket(ctx, in.ID); err != nil {
		return nil, s.err(ctx, err)
	}
	return nil, nil
}

// addTicketMessage appends to the thread: support any message or internal
// note, the ticket's driver a message (reopening a pending or resolved
// ticket; a closed one is 422).
func (s *server) addTicketMessage(ctx context.Context, in *ticketMessageInput) (*Out[*volt.TicketMessage], error) {
	if s.Tickets == nil {
		return nil, notWired("ticket")
	}
	m := &volt.TicketMessage{Body: in.Body.Body, Internal: in.Body.Internal}
	if err := s.Tickets.AddTicketMessage(ctx, in.ID, m); err != nil {
		return nil, s.err(ctx, err)
	}
	return out(m), nil
}
