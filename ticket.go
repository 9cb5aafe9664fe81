package volt

import (
	"context"
	"net/mail"
	"strings"
	"time"
)

// ID prefixes of support resources.
const (
	PrefixTicket          = "tkt"
	PrefixTicketMessage   = "tkm"
	PrefixHelplineContact = "hlc"
)

// TicketStatus is where a support ticket is in its life.
type TicketStatus string

// Ticket statuses: open (support must act), pending (waiting on the driver
// or a third party), resolved (support thinks it is done; the driver may
// reopen it by replying), closed (final).
const (
	TicketOpen     TicketStatus = "open"
	TicketPending  TicketStatus = "pending"
	TicketResolved TicketStatus = "resolved"
	TicketClosed   TicketStatus = "closed"
)

// Valid reports whether s is a known status.
func (s TicketStatus) Valid() bool {
	switch s {
	case TicketOpen, TicketPending, TicketResolved, TicketClosed:
		return true
	}
	return false
}

// TicketPriority orders support work.
type TicketPriority string

// Ticket priorities.
const (
	PriorityLow    TicketPriority = "low"
	PriorityNormal TicketPriority = "normal"
	PriorityHigh   TicketPriority = "high"
	PriorityUrgent TicketPriority = "urgent"
)

// Valid reports whether p is a known priority.
func (p TicketPriority) Valid() bool {
	switch p {
	case PriorityLow, PriorityNormal, PriorityHigh, PriorityUrgent:
		return true
	}
	return false
}

// Ticket origins.
const (
	TicketFromDriver  = "driver"  // "Report a problem" in the Driver Web App
	TicketFromSupport = "support" // opened by a support user (helpline)
)

// Ticket is a driver's support request, linked to the driver (a user, or a
// guest's e-mail or phone), a charger and a session. It sits where its
// charger sits in the hierarchy (CPOID, OwnerID, ChargerGroupID, set by the
// store from the charger or session), so the charger's CPO and owner handle
// it; a driver sees only their own tickets and never internal notes.
type Ticket struct {
	ID             string          `json:"id"`
	Subject        string          `json:"subject"`
	Status         TicketStatus    `json:"status"`
	Priority       TicketPriority  `json:"priority"`
	Source         string          `json:"source"` // TicketFromDriver or TicketFromSupport
	DriverUserID   string          `json:"driverUserId,omitempty"`
	GuestEmail     string          `json:"guestEmail,omitempty"`
	GuestPhone     string          `json:"guestPhone,omitempty"`
	CPID           string          `json:"cpid,omitempty"`
	ConnectorID    int             `json:"connectorId,omitempty"`
	SessionID      string          `json:"sessionId,omitempty"`
	CPOID          string          `json:"cpoId,omitempty"`
	OwnerID        string          `json:"ownerId,omitempty"`
	ChargerGroupID string          `json:"chargerGroupId,omitempty"`
	AssigneeID     string          `json:"assigneeId,omitempty"`
	CreatedBy      string          `json:"createdBy,omitempty"`
	CreatedAt      time.Time       `json:"createdAt"`
	UpdatedAt      time.Time       `json:"updatedAt"`
	ClosedAt       *time.Time      `json:"closedAt"`
	Messages       []TicketMessage `json:"messages"`

	// Body is the first message, used by CreateTicket only.
	Body string `json:"body,omitempty"`
}

// Ref returns the ticket's place in the hierarchy.
func (t *Ticket) Ref() Ref {
	return Ref{CPOID: t.CPOID, OwnerID: t.OwnerID, ChargerGroupID: t.ChargerGroupID}
}

// Validate checks the ticket's own fields and sets defaults.
func (t *Ticket) Validate() error {
	t.Subject = strings.TrimSpace(t.Subject)
	if t.Subject == "" {
		return FieldError("subject", "Subject required.")
	}
	if len(t.Subject) > 200 {
		return FieldError("subject", "Subject must be at most 200 characters.")
	}
	if len(t.Body) > MaxTicketMessage {
		return FieldError("body", "Message must be at most %d characters.", MaxTicketMessage)
	}
	if t.Status == "" {
		t.Status = TicketOpen
	}
	if !t.Status.Valid() {
		return FieldError("status", "Unknown status %q.", t.Status)
	}
	if t.Priority == "" {
		t.Priority = PriorityNormal
	}
	if !t.Priority.Valid() {
		return FieldError("priority", "Unknown priority %q.", t.Priority)
	}
	t.GuestEmail = strings.ToLower(strings.TrimSpace(t.GuestEmail))
	if t.GuestEmail != "" {
		if a, err := mail.ParseAddress(t.GuestEmail); err != nil || a.Address != t.GuestEmail {
			return FieldError("guestEmail", "Email %q is not a valid address.", t.GuestEmail)
		}
	}
	t.GuestPhone = strings.TrimSpace(t.GuestPhone)
	if t.CPID != "" && !ValidCPID(t.CPID) {
		return FieldError("cpid", "CPID %q is not six or more digits.", t.CPID)
	}
	return nil
}

// MaxTicketMessage bounds one message of a ticket thread, in bytes.
const MaxTicketMessage = 10_000

// TicketMessage is one message of a ticket's thread. Internal notes are
// visible to support only, never to the driver.
type TicketMessage struct {
	ID         string    `json:"id"`
	TicketID   string    `json:"ticketId"`
	AuthorID   string    `json:"authorId,omitempty"`
	AuthorName string    `json:"authorName"`
	Body       string    `json:"body"`
	Internal   bool      `json:"internal"`
	CreatedAt  time.Time `json:"createdAt"`
}

// Validate checks the message's own fields.
func (m *TicketMessage) Validate() error {
	m.Body = strings.TrimSpace(m.Body)
	if m.Body == "" {
		return FieldError("body", "Message required.")
	}
	if len(m.Body) > MaxTicketMessage {
		return FieldError("body", "Message must be at most %d characters.", MaxTicketMessage)
	}
	return nil
}

// TicketFilter narrows a list of tickets. Empty fields are not set.
type TicketFilter struct {
	ID           string
	Status       TicketStatus
	Priority     TicketPriority
	AssigneeID   string
	DriverUserID string
	CPID         string
	SessionID    string
	CPOID        string
	Query        string // subject, guest e-mail or phone, CPID
	Page
}

// TicketUpdate changes a ticket; nil fields stay as they are. An empty
// AssigneeID unassigns.
type TicketUpdate struct {
	Subject    *string
	Status     *TicketStatus
	Priority   *TicketPriority
	AssigneeID *string
}

// TicketService manages support tickets. Reading: operators read the tickets
// in their read scope, everyone reads the tickets they are the driver of.
// Creating: anyone (a driver for themselves; support for any driver of a
// charger it supports). Changing status, priority, assignee and internal
// notes needs PermSupport on the ticket; a driver may add messages to their
// own ticket (which reopens a pending or resolved one). Deleting needs
// PermWrite.
type TicketService interface {
	FindTicketByID(ctx context.Context, id string) (*Ticket, error)
	FindTickets(ctx context.Context, f TicketFilter) ([]*Ticket, int, error)
	CreateTicket(ctx context.Context, t *Ticket) error
	UpdateTicket(ctx context.Context, id string, upd TicketUpdate) (*Ticket, error)
	DeleteTicket(ctx context.Context, id string) error
	// AddTicketMessage appends a message (or internal note) to the thread.
	AddTicketMessage(ctx context.Context, ticketID string, m *TicketMessage) error
}

// Helpline contact channels.
const (
	ChannelPhone = "phone"
	ChannelEmail = "email"
	ChannelChat  = "chat"
)

// HelplineContact is one contact with a driver through the helpline, logged
// as UK public charge point rules require: when, who answered, how, the
// driver's contact, what it was about and what was done (Actions such as
// "reset", "unlock", "stop", "refund: <reason>").
type HelplineContact struct {
	ID             string    `json:"id"`
	At             time.Time `json:"at"`
	SupportUserID  string    `json:"supportUserId"`
	Channel        string    `json:"channel"`
	DriverContact  string    `json:"driverContact"`
	DriverUserID   string    `json:"driverUserId,omitempty"`
	CPID           string    `json:"cpid,omitempty"`
	SessionID      string    `json:"sessionId,omitempty"`
	TicketID       string    `json:"ticketId,omitempty"`
	Summary        string    `json:"summary"`
	Actions        []string  `json:"actions"`
	CPOID          string    `json:"cpoId,omitempty"`
	OwnerID        string    `json:"ownerId,omitempty"`
	ChargerGroupID string    `json:"chargerGroupId,omitempty"`
}

// Ref returns the contact's place in the hierarchy.
func (c *HelplineContact) Ref() Ref {
	return Ref{CPOID: c.CPOID, OwnerID: c.OwnerID, ChargerGroupID: c.ChargerGroupID}
}

// Validate checks the contact's own fields.
func (c *HelplineContact) Validate() error {
	switch c.Channel {
	case ChannelPhone, ChannelEmail, ChannelChat:
	default:
		return FieldError("channel", "Channel must be phone, email or chat.")
	}
	c.DriverContact = strings.TrimSpace(c.DriverContact)
	if c.DriverContact == "" {
		return FieldError("driverContact", "The driver's phone or e-mail is required.")
	}
	c.Summary = strings.TrimSpace(c.Summary)
	if c.Summary == "" {
		return FieldError("summary", "Summary required.")
	}
	if len(c.Summary) > MaxTicketMessage {
		return FieldError("summary", "Summary must be at most %d characters.", MaxTicketMessage)
	}
	if c.Actions == nil {
		c.Actions = []string{}
	}
	if c.CPID != "" && !ValidCPID(c.CPID) {
		return FieldError("cpid", "CPID %q is not six or more digits.", c.CPID)
	}
	return nil
}

// HelplineFilter narrows a list of helpline contacts.
type HelplineFilter struct {
	SupportUserID string
	DriverContact string
	CPID          string
	SessionID     string
	TicketID      string
	From, To      *time.Time
	Page
}

// Search hit kinds.
const (
	HitCharger  = "charger"
	HitRFIDCard = "rfid-card"
	HitDriver   = "driver"
	HitSession  = "session"
)

// SearchHit is one result of the helpline console's search box.
type SearchHit struct {
	Kind     string `json:"kind"` // HitCharger, HitRFIDCard, HitDriver, HitSession
	ID       string `json:"id"`   // CPID, card id, user id, session id
	Title    string `json:"title"`
	Subtitle string `json:"subtitle"`
	CPID     string `json:"cpid,omitempty"`
	UserID   string `json:"userId,omitempty"`
}

// HelplineService is the support console's back end. RecordContact needs
// PermSupport where the contact sits (its charger, session or ticket; a
// contact about none of them, only its CPO); the support user is the actor.
// SupportSearch finds, within the actor's read scope, chargers by CPID,
// OCPP identity or serial, RFID cards by UID (case-insensitive), drivers by
// e-mail, name or phone and sessions by id or transaction id: at most
// MaxHitsPerKind of each kind.
type HelplineService interface {
	RecordContact(ctx context.Context, c *HelplineContact) error
	FindHelplineContacts(ctx context.Context, f HelplineFilter) ([]*HelplineContact, int, error)
	SupportSearch(ctx context.Context, q string) ([]SearchHit, error)
}

// MaxHitsPerKind bounds SupportSearch's hits of one kind.
const MaxHitsPerKind = 10
