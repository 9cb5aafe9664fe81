package store

import (
	"context"
	"fmt"

	"github.com/volt-ev/volt"
)

// UpdateTicket changes subject, status, priority or assignee; it needs
// PermSupport on the ticket. The assignee must be a user the actor reads.
func (s *TicketService) UpdateTicket(ctx context.Context, id string, upd volt.TicketUpdate) (*volt.Ticket, error) {
	a, err := actorOf(ctx)
	if err != nil {
		return nil, err
	}
	var out *volt.Ticket
	err = s.db.WithTx(ctx, func(tx *Tx) error {
		t, err := findTicket(ctx, tx, a, id)
		if err != nil {
			return err
		}
		if !a.Can(volt.PermSupport, t.Ref()) {
			return forbidden("ticket")
		}
		if err := applyTicketUpdate(ctx, tx, a, t, upd); err != nil {
			return err
		}
		if _, err := tx.Exec(ctx, `UPDATE tickets SET subject = ?, status = ?, priority = ?, assignee_id = ?, updated_at = ?, closed_at = ?
			WHERE id = ?`, t.Subject, string(t.Status), string(t.Priority), t.AssigneeID, tx.NowMS(), toNullMS(t.ClosedAt), t.ID); err != nil {
			return fmt.Errorf("update ticket %s: %w", id, err)
		}
		t.UpdatedAt = tx.Now()
		if err := emitTicket(ctx, tx, volt.EventTicketUpdated, t); err != nil {
			return err
		}
		if err := loadMessages(ctx, tx, t, true); err != nil {
			return err
		}
		out = t
		return nil
	})
	return out, err
}

func applyTicketUpdate(ctx context.Context, tx *Tx, a *volt.Actor, t *volt.Ticket, upd volt.TicketUpdate) error {
	if upd.Subject != nil {
		t.Subject = *upd.Subject
	}
	if upd.Priority != nil {
		t.Priority = *upd.Priority
	}
	if upd.Status != nil && *upd.Status != t.Status {
		t.Status = *upd.Status
		t.ClosedAt = nil
		if t.Status == volt.TicketClosed {
			now := tx.Now()
			t.ClosedAt = &now
		}
	}
	if err := t.Validate(); err != nil {
		return err
	}
	if upd.AssigneeID != nil && *upd.AssigneeID != t.AssigneeID {
		if *upd.AssigneeID != "" {
			if _, err := findUser(ctx, tx, a, *upd.AssigneeID); err != nil {
				return fmt.Errorf("assignee: %w", err)
			}
		}
		t.AssigneeID = *upd.AssigneeID
	}
	return nil
}

// DeleteTicket deletes a ticket and its thread; it needs PermWrite.
func (s *TicketService) DeleteTicket(ctx context.Context, id string) error {
	a, err := actorOf(ctx)
	if err != nil {
		return err
	}
	return s.db.WithTx(ctx, func(tx *Tx) error {
		t, err := findTicket(ctx, tx, a, id)
		if err != nil {
			return err
		}
		if !a.Can(volt.PermWrite, t.Ref()) {
			return forbidden("ticket")
		}
		if _, err := tx.Exec(ctx, `DELETE FROM ticket_messages WHERE ticket_id = ?`, id); err != nil {
			return fmt.Errorf("delete ticket %s messages: %w", id, err)
		}
		res, err := tx.Exec(ctx, `DELETE FROM tickets WHERE id = ?`, id)
		if err != nil {
			return fmt.Errorf("delete ticket %s: %w", id, err)
		}
		return rowsAffected(res, "Ticket", id)
	})
}

// AddTicketMessage appends a message to the thread. Support (PermSupport on
// the ticket) may add internal notes; the ticket's driver may add messages,
// which reopen a pending or resolved ticket; a closed ticket takes no more
// messages from its driver.
func (s *TicketService) AddTicketMessage(ctx context.Context, ticketID string, m *volt.TicketMessage) error {
	a, err := actorOf(ctx)
	if err != nil {
		return err
	}
	return s.db.WithTx(ctx, func(tx *Tx) error {
		t, err := findTicket(ctx, tx, a, ticketID)
		if err != nil {
			return err
		}
		status := t.Status
		if !a.Can(volt.PermSupport, t.Ref()) {
			if a.UserID == "" || a.UserID != t.DriverUserID {
				return forbidden("ticket")
			}
			if m.Internal {
				return volt.FieldError("internal", "Only support may add internal notes.")
			}
			switch t.Status {
			case volt.TicketClosed:
				return volt.Errorf(volt.EUNPROCESSABLE, "This ticket is closed; please open a new one.")
			case volt.TicketPending, volt.TicketResolved:
				status = volt.TicketOpen
			}
		}
		if err := insertMessage(ctx, tx, a, t.ID, m); err != nil {
			return err
		}
		if _, err := tx.Exec(ctx, `UPDATE tickets SET status = ?, updated_at = ? WHERE id = ?`, string(status), tx.NowMS(), t.ID); err != nil {
			return fmt.Errorf("touch ticket %s: %w", t.ID, err)
		}
		return nil
	})
}
