package store

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"strings"

	"github.com/volt-ev/volt"
)

// TicketService implements volt.TicketService on a DB.
//
// A ticket is placed where its charger is (or its session was); without
// either, under the CPO given or the driver's own CPO. Operators read the
// tickets their read scope covers and see internal notes; everyone reads the
// tickets they are the driver of, without internal notes. FindTickets
// returns tickets without their messages; FindTicketByID loads the thread.
type TicketService struct {
	db *DB
}

var _ volt.TicketService = (*TicketService)(nil)

// NewTicketService returns the ticket service of db.
func NewTicketService(db *DB) *TicketService { return &TicketService{db: db} }

const ticketCols = `t.id, t.subject, t.status, t.priority, t.source, t.driver_user_id, t.guest_email, t.guest_phone,
	t.cpid, t.connector_id, t.session_id, t.cpo_id, t.owner_id, t.charger_group_id, t.assignee_id, t.created_by,
	t.created_at, t.updated_at, t.closed_at`

func scanTicket(s rowScanner) (*volt.Ticket, error) {
	t := &volt.Ticket{Messages: []volt.TicketMessage{}}
	var status, prio string
	var created, updated int64
	var closed sql.NullInt64
	if err := s.Scan(&t.ID, &t.Subject, &status, &prio, &t.Source, &t.DriverUserID, &t.GuestEmail, &t.GuestPhone,
		&t.CPID, &t.ConnectorID, &t.SessionID, &t.CPOID, &t.OwnerID, &t.ChargerGroupID, &t.AssigneeID, &t.CreatedBy,
		&created, &updated, &closed); err != nil {
		return nil, err
	}
	t.Status, t.Priority = volt.TicketStatus(status), volt.TicketPriority(prio)
	t.CreatedAt, t.UpdatedAt, t.ClosedAt = fromMS(created), fromMS(updated), fromNullMS(closed)
	return t, nil
}

// ticketWhere restricts tickets (alias t) to those the actor reads: its read
// scope, and its own tickets as a driver.
func ticketWhere(a *volt.Actor) (*where, error) {
	frag, args, err := scopeWhere(a, volt.PermRead, scopeCols{CPO: "t.cpo_id", Owner: "t.owner_id", Group: "t.charger_group_id"})
	if err != nil {
		return nil, err
	}
	w := &where{}
	if a.UserID != "" {
		frag = "(" + frag + " OR t.driver_user_id = ?)"
		args = append(args, a.UserID)
	}
	w.add(frag, args...)
	return w, nil
}

func findTicket(ctx context.Context, q querier, a *volt.Actor, id string) (*volt.Ticket, error) {
	w, err := ticketWhere(a)
	if err != nil {
		return nil, err
	}
	w.add("t.id = ?", id)
	t, err := scanTicket(q.QueryRow(ctx, `SELECT `+ticketCols+` FROM tickets t WHERE `+w.String(), w.args...))
	if err != nil {
		return nil, notFound(err, "Ticket", id)
	}
	return t, nil
}

// driverHome returns the home CPO of the actor's user ("" for none), for
// asDriver.
func driverHome(ctx context.Context, q querier, a *volt.Actor) (string, error) {
	if a.UserID == "" || a.SuperAdmin {
		return "", nil
	}
	var cpo sql.NullString
	err := q.QueryRow(ctx, `SELECT cpo_id FROM users WHERE id = ?`, a.UserID).Scan(&cpo)
	if err != nil && !errors.Is(err, sql.ErrNoRows) {
		return "", fmt.Errorf("home of %s: %w", a.UserID, err)
	}
	return cpo.String, nil
}

// asDriver returns t as an actor who does not read where it sits sees it
// (the driver who opened it, on another tenant's charger): without that
// tenant's internal ids (CPO, owner, charger group, support staff). The CPID,
// its session and the driver's own ids stay. home is the driver's own CPO,
// whose ids are not another tenant's.
func asDriver(a *volt.Actor, home string, t *volt.Ticket) *volt.Ticket {
	if a.Can(volt.PermRead, t.Ref()) || (home != "" && t.CPOID == home) {
		return t
	}
	t.CPOID, t.OwnerID, t.ChargerGroupID, t.AssigneeID = "", "", "", ""
	if t.CreatedBy != a.UserID {
		t.CreatedBy = ""
	}
	for i := range t.Messages {
		if t.Messages[i].AuthorID != a.UserID {
			t.Messages[i].AuthorID = ""
		}
	}
	return t
}

// loadMessages fills t's thread; internal notes only when withInternal.
func loadMessages(ctx context.Context, q querier, t *volt.Ticket, withInternal bool) error {
	query := `SELECT id, ticket_id, author_id, author_name, body, internal, created_at FROM ticket_messages WHERE ticket_id = ?`
	if !withInternal {
		query += ` AND internal = FALSE`
	}
	rows, err := q.Query(ctx, query+` ORDER BY created_at, id`, t.ID)
	if err != nil {
		return fmt.Errorf("messages of ticket %s: %w", t.ID, err)
	}
	defer rows.Close()
	t.Messages = []volt.TicketMessage{}
	for rows.Next() {
		var m volt.TicketMessage
		var created int64
		if err := rows.Scan(&m.ID, &m.TicketID, &m.AuthorID, &m.AuthorName, &m.Body, &m.Internal, &created); err != nil {
			return fmt.Errorf("messages of ticket %s: %w", t.ID, mapError(err))
		}
		m.CreatedAt = fromMS(created)
		t.Messages = append(t.Messages, m)
	}
	return mapError(rows.Err())
}

// FindTicketByID returns a ticket the actor reads, with its thread.
func (s *TicketService) FindTicketByID(ctx context.Context, id string) (*volt.Ticket, error) {
	a, err := actorOf(ctx)
	if err != nil {
		return nil, err
	}
	t, err := findTicket(ctx, s.db, a, id)
	if err != nil {
		return nil, err
	}
	if err := loadMessages(ctx, s.db, t, a.Can(volt.PermRead, t.Ref())); err != nil {
		return nil, err
	}
	home, err := driverHome(ctx, s.db, a)
	if err != nil {
		return nil, err
	}
	return asDriver(a, home, t), nil
}

// FindTickets lists the tickets the actor reads, most recently changed first.
func (s *TicketService) FindTickets(ctx context.Context, f volt.TicketFilter) ([]*volt.Ticket, int, error) {
	a, err := actorOf(ctx)
	if err != nil {
		return nil, 0, err
	}
	w, err := ticketWhere(a)
	if err != nil {
		return nil, 0, err
	}
	w.eq("t.id", f.ID)
	w.eq("t.status", string(f.Status))
	w.eq("t.priority", string(f.Priority))
	w.eq("t.assignee_id", f.AssigneeID)
	w.eq("t.driver_user_id", f.DriverUserID)
	w.eq("t.cpid", f.CPID)
	w.eq("t.session_id", f.SessionID)
	w.eq("t.cpo_id", f.CPOID)
	w.contains(f.Query, "t.subject", "t.guest_email", "t.guest_phone", "t.cpid")
	items, total, err := list(ctx, s.db, listQuery{cols: ticketCols, from: "tickets t", where: w,
		order: "t.updated_at DESC, t.id DESC", page: f.Page}, scanTicket)
	if err != nil {
		return nil, 0, err
	}
	home, err := driverHome(ctx, s.db, a)
	if err != nil {
		return nil, 0, err
	}
	for _, t := range items {
		asDriver(a, home, t)
	}
	return items, total, nil
}

// CreateTicket opens a ticket. An actor with PermSupport where the ticket
// sits may open it for any driver (user or guest contact); anyone else opens
// it for themselves, as "Report a problem", with the defaults (open, normal
// priority, unassigned).
func (s *TicketService) CreateTicket(ctx context.Context, t *volt.Ticket) error {
	a, err := actorOf(ctx)
	if err != nil {
		return err
	}
	if err := t.Validate(); err != nil {
		return err
	}
	err = s.db.WithTx(ctx, func(tx *Tx) error {
		if err := locateTicket(ctx, tx, a, t); err != nil {
			return err
		}
		if err := ticketCreator(ctx, tx, a, t); err != nil {
			return err
		}
		t.ID = volt.NewID(volt.PrefixTicket)
		t.CreatedBy = a.UserID
		t.CreatedAt, t.UpdatedAt, t.ClosedAt = tx.Now(), tx.Now(), nil
		if t.Status == volt.TicketClosed {
			now := tx.Now()
			t.ClosedAt = &now
		}
		_, err := tx.Exec(ctx, `INSERT INTO tickets (id, subject, status, priority, source, driver_user_id, guest_email,
			guest_phone, cpid, connector_id, session_id, cpo_id, owner_id, charger_group_id, assignee_id, created_by,
			created_at, updated_at, closed_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
			t.ID, t.Subject, string(t.Status), string(t.Priority), t.Source, t.DriverUserID, t.GuestEmail, t.GuestPhone,
			t.CPID, t.ConnectorID, t.SessionID, t.CPOID, t.OwnerID, t.ChargerGroupID, t.AssigneeID, t.CreatedBy,
			tx.NowMS(), tx.NowMS(), toNullMS(t.ClosedAt))
		if err != nil {
			return fmt.Errorf("create ticket: %w", err)
		}
		t.Messages = []volt.TicketMessage{}
		if err := emitTicket(ctx, tx, volt.EventTicketCreated, t); err != nil {
			return err
		}
		if strings.TrimSpace(t.Body) == "" {
			return nil
		}
		m := volt.TicketMessage{Body: t.Body}
		if err := insertMessage(ctx, tx, a, t.ID, &m); err != nil {
			return err
		}
		t.Messages = append(t.Messages, m)
		return nil
	})
	if err != nil {
		return err
	}
	home, err := driverHome(ctx, s.db, a)
	if err != nil {
		return err
	}
	asDriver(a, home, t)
	return nil
}

// ticketCreator applies who may open the ticket for whom.
func ticketCreator(ctx context.Context, tx *Tx, a *volt.Actor, t *volt.Ticket) error {
	if a.Can(volt.PermSupport, t.Ref()) {
		if t.Source == "" {
			t.Source = volt.TicketFromSupport
		}
		if t.AssigneeID != "" {
			if _, err := findUser(ctx, tx, a, t.AssigneeID); err != nil {
				return fmt.Errorf("assignee: %w", err)
			}
		}
		if t.DriverUserID != "" {
			if _, err := findUser(ctx, tx, a, t.DriverUserID); err != nil {
				return fmt.Errorf("driver: %w", err)
			}
			return nil
		}
		if t.GuestEmail == "" && t.GuestPhone == "" {
			return volt.FieldError("guestEmail", "A ticket needs a driver: a user, or a guest's e-mail or phone.")
		}
		return nil
	}
	if a.UserID == "" {
		return volt.Errorf(volt.EFORBIDDEN, "You may not open tickets here.")
	}
	t.DriverUserID, t.Source = a.UserID, volt.TicketFromDriver
	t.Status, t.Priority, t.AssigneeID = volt.TicketOpen, volt.PriorityNormal, ""
	return nil
}

// locateTicket places t from its charger or session, checking a driver
// links only its own session; without either, from the CPO given or the
// driver's CPO.
func locateTicket(ctx context.Context, tx *Tx, a *volt.Actor, t *volt.Ticket) error {
	t.CPID = strings.TrimSpace(t.CPID)
	if t.SessionID != "" {
		var uid, cpid string
		var ref volt.Ref
		err := tx.QueryRow(ctx, `SELECT user_id, cpid, cpo_id, owner_id, charger_group_id FROM sessions WHERE id = ?`, t.SessionID).
			Scan(&uid, &cpid, &ref.CPOID, &ref.OwnerID, &ref.ChargerGroupID)
		if err != nil {
			return notFound(err, "Session", t.SessionID)
		}
		if !a.Can(volt.PermRead, ref) && (a.UserID == "" || uid != a.UserID) {
			return volt.Errorf(volt.ENOTFOUND, "Session %q not found.", t.SessionID)
		}
		if t.CPID != "" && t.CPID != cpid {
			return volt.FieldError("cpid", "The session was not on charger %s.", t.CPID)
		}
		t.CPID = cpid
		t.CPOID, t.OwnerID, t.ChargerGroupID = ref.CPOID, ref.OwnerID, ref.ChargerGroupID
		return nil
	}
	if t.CPID != "" {
		// A driver may report a problem on any charger it may use: a public
		// one (its sticker is public) or a private one it has access to. A
		// private charger it cannot use is not found, as a wrong number.
		err := tx.QueryRow(ctx, `SELECT cpo_id, owner_id, charger_group_id FROM chargers WHERE cpid = ? AND deleted_at IS NULL`, t.CPID).
			Scan(&t.CPOID, &t.OwnerID, &t.ChargerGroupID)
		if err != nil {
			return notFound(err, "Charger", t.CPID)
		}
		if a.Can(volt.PermRead, t.Ref()) {
			return nil
		}
		private, access, err := groupAccess(ctx, tx, t.ChargerGroupID, a.UserID)
		if err != nil {
			return err
		}
		if private && !access {
			return notFound(sql.ErrNoRows, "Charger", t.CPID)
		}
		return nil
	}
	t.OwnerID, t.ChargerGroupID = "", ""
	if t.CPOID == "" && a.UserID != "" {
		var cpo sql.NullString
		if err := tx.QueryRow(ctx, `SELECT cpo_id FROM users WHERE id = ?`, a.UserID).Scan(&cpo); err != nil {
			return notFound(err, "User", a.UserID)
		}
		t.CPOID = cpo.String
	}
	if t.CPOID != "" {
		var n int
		if err := tx.QueryRow(ctx, `SELECT count(*) FROM cpos WHERE id = ?`, t.CPOID).Scan(&n); err != nil {
			return fmt.Errorf("ticket cpo: %w", err)
		}
		if n == 0 {
			return volt.Errorf(volt.ENOTFOUND, "CPO %q not found.", t.CPOID)
		}
	}
	return nil
}

// insertMessage appends m to a ticket's thread as the actor.
func insertMessage(ctx context.Context, tx *Tx, a *volt.Actor, ticketID string, m *volt.TicketMessage) error {
	if err := m.Validate(); err != nil {
		return err
	}
	m.ID, m.TicketID, m.AuthorID, m.CreatedAt = volt.NewID(volt.PrefixTicketMessage), ticketID, a.UserID, tx.Now()
	m.AuthorName = "Volt"
	if a.UserID != "" {
		var name, email string
		if err := tx.QueryRow(ctx, `SELECT name, email FROM users WHERE id = ?`, a.UserID).Scan(&name, &email); err == nil {
			m.AuthorName = cmpOr(name, email)
		}
	}
	_, err := tx.Exec(ctx, `INSERT INTO ticket_messages (id, ticket_id, author_id, author_name, body, internal, created_at)
		VALUES (?, ?, ?, ?, ?, ?, ?)`, m.ID, ticketID, m.AuthorID, m.AuthorName, m.Body, m.Internal, tx.NowMS())
	if err != nil {
		return fmt.Errorf("add message to ticket %s: %w", ticketID, err)
	}
	return nil
}

func cmpOr(a, b string) string {
	if a != "" {
		return a
	}
	return b
}
