package audit

import (
	"context"

	"github.com/volt-ev/volt"
)

// tickets audits every change of a volt.TicketService.
type tickets struct {
	volt.TicketService
	r *Recorder
}

// WrapTickets returns next with ticket changes recorded ("ticket.create",
// "ticket.update", "ticket.delete", "ticket.add-message", "ticket.add-note"
// for internal notes). Ticket snapshots leave the thread out; the message
// added is in Details.
func WrapTickets(next volt.TicketService, r *Recorder) volt.TicketService {
	return &tickets{TicketService: next, r: r}
}

func (t *tickets) tracked() tracked[*volt.Ticket] {
	return tracked[*volt.Ticket]{typ: volt.ResourceTicket, place: (*volt.Ticket).Ref,
		find: func(ctx context.Context, id string) (*volt.Ticket, error) {
			x, err := t.FindTicketByID(ctx, id)
			if err != nil {
				return nil, err
			}
			x.Messages = nil
			return x, nil
		}}
}

// CreateTicket opens and records "ticket.create".
func (t *tickets) CreateTicket(ctx context.Context, x *volt.Ticket) error {
	return run(ctx, t.r, t.tracked(), mutation{action: "ticket.create", call: func() (string, error) {
		return idIf(x.ID, t.TicketService.CreateTicket(ctx, x))
	}})
}

// UpdateTicket updates and records "ticket.update".
func (t *tickets) UpdateTicket(ctx context.Context, id string, upd volt.TicketUpdate) (*volt.Ticket, error) {
	var out *volt.Ticket
	err := run(ctx, t.r, t.tracked(), mutation{action: "ticket.update", id: id, call: func() (string, error) {
		var err error
		out, err = t.TicketService.UpdateTicket(ctx, id, upd)
		return idIf(id, err)
	}})
	return out, err
}

// DeleteTicket deletes and records "ticket.delete".
func (t *tickets) DeleteTicket(ctx context.Context, id string) error {
	return run(ctx, t.r, t.tracked(), mutation{action: "ticket.delete", id: id, deletes: true, call: func() (string, error) {
		return idIf(id, t.TicketService.DeleteTicket(ctx, id))
	}})
}

// AddTicketMessage adds a message and records "ticket.add-message" (or
// "ticket.add-note" for an internal note) with the message in Details.
func (t *tickets) AddTicketMessage(ctx context.Context, ticketID string, m *volt.TicketMessage) error {
	action := "ticket.add-message"
	if m.Internal {
		action = "ticket.add-note"
	}
	return run(ctx, t.r, t.tracked(), mutation{action: action, id: ticketID, details: m, call: func() (string, error) {
		return idIf(ticketID, t.TicketService.AddTicketMessage(ctx, ticketID, m))
	}})
}

// helpline audits the helpline contact log.
type helpline struct {
	volt.HelplineService
	r *Recorder
}

// WrapHelpline returns next with every recorded contact also in the audit
// log as "helpline.contact", with the driver contact set.
func WrapHelpline(next volt.HelplineService, r *Recorder) volt.HelplineService {
	return &helpline{HelplineService: next, r: r}
}

// RecordContact logs the contact and records "helpline.contact".
func (h *helpline) RecordContact(ctx context.Context, c *volt.HelplineContact) error {
	ctx = WithDriverContact(ctx, c.DriverContact)
	t := tracked[*volt.HelplineContact]{typ: volt.ResourceHelplineContact, place: (*volt.HelplineContact).Ref,
		find: func(context.Context, string) (*volt.HelplineContact, error) { return c, nil }}
	return run(ctx, h.r, t, mutation{action: "helpline.contact", call: func() (string, error) {
		return idIf(c.ID, h.HelplineService.RecordContact(ctx, c))
	}})
}
