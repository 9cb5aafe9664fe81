package store

import (
	"context"
	"fmt"

	"github.com/volt-ev/volt"
)

// HelplineService implements volt.HelplineService on a DB: the helpline
// contact log and the support console's search.
type HelplineService struct {
	db *DB
}

var _ volt.HelplineService = (*HelplineService)(nil)

// NewHelplineService returns the helpline service of db.
func NewHelplineService(db *DB) *HelplineService { return &HelplineService{db: db} }

var helplineScope = scopeCols{CPO: "cpo_id", Owner: "owner_id", Group: "charger_group_id"}

const helplineCols = `id, at, support_user_id, channel, driver_contact, driver_user_id, cpid, session_id, ticket_id,
	summary, actions, cpo_id, owner_id, charger_group_id`

func scanHelpline(s rowScanner) (*volt.HelplineContact, error) {
	c := &volt.HelplineContact{}
	var at int64
	var actions string
	if err := s.Scan(&c.ID, &at, &c.SupportUserID, &c.Channel, &c.DriverContact, &c.DriverUserID, &c.CPID,
		&c.SessionID, &c.TicketID, &c.Summary, &actions, &c.CPOID, &c.OwnerID, &c.ChargerGroupID); err != nil {
		return nil, err
	}
	c.At = fromMS(at)
	var err error
	if c.Actions, err = decodeStringList(actions); err != nil {
		return nil, fmt.Errorf("helpline contact %s actions: %w", c.ID, err)
	}
	return c, nil
}

// RecordContact logs a helpline contact by the actor. It needs PermSupport
// where the contact sits: its charger, session or ticket (which must agree),
// or without them the CPO given.
func (s *HelplineService) RecordContact(ctx context.Context, c *volt.HelplineContact) error {
	a, err := actorOf(ctx)
	if err != nil {
		return err
	}
	if err := c.Validate(); err != nil {
		return err
	}
	return s.db.WithTx(ctx, func(tx *Tx) error {
		ref, err := locateContact(ctx, tx, a, c)
		if err != nil {
			return err
		}
		if !a.Can(volt.PermSupport, ref) {
			if ref != (volt.Ref{}) && a.Can(volt.PermRead, ref) {
				return volt.Errorf(volt.EFORBIDDEN, "You may not take helpline contacts here.")
			}
			return volt.Errorf(volt.ENOTFOUND, "Nothing found to log this contact against.")
		}
		if c.DriverUserID != "" {
			if _, err := findUser(ctx, tx, a, c.DriverUserID); err != nil {
				return fmt.Errorf("driver: %w", err)
			}
		}
		c.ID, c.At, c.SupportUserID = volt.NewID(volt.PrefixHelplineContact), tx.Now(), a.UserID
		c.CPOID, c.OwnerID, c.ChargerGroupID = ref.CPOID, ref.OwnerID, ref.ChargerGroupID
		_, err = tx.Exec(ctx, `INSERT INTO helpline_contacts (`+helplineCols+`) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
			c.ID, tx.NowMS(), c.SupportUserID, c.Channel, c.DriverContact, c.DriverUserID, c.CPID, c.SessionID,
			c.TicketID, c.Summary, encodeStringList(c.Actions), c.CPOID, c.OwnerID, c.ChargerGroupID)
		if err != nil {
			return fmt.Errorf("record helpline contact: %w", err)
		}
		return nil
	})
}

// locateContact returns where the contact sits, from its ticket, else its
// session, else its charger, else the CPO given. Each named one must exist
// and be readable (ENOTFOUND otherwise) and they must agree.
func locateContact(ctx context.Context, tx *Tx, a *volt.Actor, c *volt.HelplineContact) (volt.Ref, error) {
	if c.TicketID != "" {
		t, err := findTicket(ctx, tx, a, c.TicketID)
		if err != nil {
			return volt.Ref{}, err
		}
		// The ticket decides: its charger may have moved since it was opened.
		if (c.CPID != "" && c.CPID != t.CPID) || (c.SessionID != "" && c.SessionID != t.SessionID) {
			return volt.Ref{}, volt.FieldError("ticketId", "The ticket is about another charger or session.")
		}
		c.CPID, c.SessionID = t.CPID, t.SessionID
		return t.Ref(), nil
	}
	if c.SessionID != "" {
		var r volt.Ref
		var cpid string
		err := tx.QueryRow(ctx, `SELECT cpid, cpo_id, owner_id, charger_group_id FROM sessions WHERE id = ?`, c.SessionID).
			Scan(&cpid, &r.CPOID, &r.OwnerID, &r.ChargerGroupID)
		if err != nil || !a.Can(volt.PermRead, r) {
			return volt.Ref{}, volt.Errorf(volt.ENOTFOUND, "Session %q not found.", c.SessionID)
		}
		if c.CPID != "" && c.CPID != cpid {
			return volt.Ref{}, volt.FieldError("cpid", "The session was not on charger %s.", c.CPID)
		}
		c.CPID = cpid
		return r, nil
	}
	if c.CPID != "" {
		ch, err := findCharger(ctx, tx, a, "cpid", c.CPID)
		if err != nil {
			return volt.Ref{}, err
		}
		return ch.Ref(), nil
	}
	return volt.Ref{CPOID: c.CPOID}, nil
}

// FindHelplineContacts lists the contacts in the actor's read scope, newest
// first.
func (s *HelplineService) FindHelplineContacts(ctx context.Context, f volt.HelplineFilter) ([]*volt.HelplineContact, int, error) {
	a, err := actorOf(ctx)
	if err != nil {
		return nil, 0, err
	}
	w := &where{}
	if err := w.scope(a, volt.PermRead, helplineScope); err != nil {
		return nil, 0, err
	}
	w.eq("support_user_id", f.SupportUserID)
	w.eq("driver_contact", f.DriverContact)
	w.eq("cpid", f.CPID)
	w.eq("session_id", f.SessionID)
	w.eq("ticket_id", f.TicketID)
	if f.From != nil {
		w.add("at >= ?", toMS(*f.From))
	}
	if f.To != nil {
		w.add("at < ?", toMS(*f.To))
	}
	return list(ctx, s.db, listQuery{cols: helplineCols, from: "helpline_contacts", where: w,
		order: "at DESC, id DESC", page: f.Page}, scanHelpline)
}
