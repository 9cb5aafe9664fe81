package volt

import (
	"context"
	"time"
)

// TicketServiceLevel is a CPO's target for tickets of one priority: the
// first answer to the driver within ResponseMinutes of opening, resolution
// within ResolutionMinutes (issue 17 item 7).
type TicketServiceLevel struct {
	Priority          TicketPriority `json:"priority"`
	ResponseMinutes   int            `json:"responseMinutes"`
	ResolutionMinutes int            `json:"resolutionMinutes"`
}

// TicketServiceLevels are a CPO's targets, one per priority.
type TicketServiceLevels struct {
	CPOID  string               `json:"cpoId"`
	Levels []TicketServiceLevel `json:"levels"`
}

// DefaultTicketServiceLevels apply to a CPO that set none.
func DefaultTicketServiceLevels() []TicketServiceLevel {
	return []TicketServiceLevel{
		{PriorityUrgent, 15, 4 * 60},
		{PriorityHigh, 60, 24 * 60},
		{PriorityNormal, 4 * 60, 3 * 24 * 60},
		{PriorityLow, 24 * 60, 7 * 24 * 60},
	}
}

// MaxServiceLevelMinutes bounds a target (a year).
const MaxServiceLevelMinutes = 366 * 24 * 60

// Validate checks the targets: known priorities, each once, targets from
// one minute to a year and resolution no sooner than response.
func (l *TicketServiceLevels) Validate() error {
	seen := map[TicketPriority]bool{}
	for _, v := range l.Levels {
		switch {
		case !v.Priority.Valid():
			return FieldError("priority", "Unknown priority %q.", v.Priority)
		case seen[v.Priority]:
			return FieldError("priority", "Priority %q is given twice.", v.Priority)
		case v.ResponseMinutes < 1 || v.ResponseMinutes > MaxServiceLevelMinutes:
			return FieldError("responseMinutes", "Response target must be from 1 to %d minutes.", MaxServiceLevelMinutes)
		case v.ResolutionMinutes < v.ResponseMinutes || v.ResolutionMinutes > MaxServiceLevelMinutes:
			return FieldError("resolutionMinutes", "Resolution target must be from the response target to %d minutes.", MaxServiceLevelMinutes)
		}
		seen[v.Priority] = true
	}
	return nil
}

// For returns the target of a priority (the default when not set).
func (l *TicketServiceLevels) For(p TicketPriority) TicketServiceLevel {
	for _, v := range l.Levels {
		if v.Priority == p {
			return v
		}
	}
	for _, v := range DefaultTicketServiceLevels() {
		if v.Priority == p {
			return v
		}
	}
	return TicketServiceLevel{Priority: p, ResponseMinutes: 24 * 60, ResolutionMinutes: 7 * 24 * 60}
}

// TicketSLA is where a ticket stands against its targets.
type TicketSLA struct {
	TicketID           string         `json:"ticketId"`
	Subject            string         `json:"subject"`
	CPID               string         `json:"cpid,omitempty"`
	Priority           TicketPriority `json:"priority"`
	Status             TicketStatus   `json:"status"`
	CreatedAt          time.Time      `json:"createdAt"`
	RespondedAt        *time.Time     `json:"respondedAt"`
	ResponseDue        time.Time      `json:"responseDue"`
	ResolutionDue      time.Time      `json:"resolutionDue"`
	ResponseBreached   bool           `json:"responseBreached"`
	ResolutionBreached bool           `json:"resolutionBreached"`
}

// Breached reports whether either target was missed.
func (s TicketSLA) Breached() bool { return s.ResponseBreached || s.ResolutionBreached }

// EvaluateSLA measures a ticket against its target at now (pure): the
// response is breached when the first answer came after its due time (or
// has not come and the time passed); resolution likewise with the time the
// ticket was closed or resolved.
func EvaluateSLA(t *Ticket, lv TicketServiceLevel, respondedAt *time.Time, now time.Time) TicketSLA {
	s := TicketSLA{TicketID: t.ID, Subject: t.Subject, CPID: t.CPID, Priority: t.Priority, Status: t.Status, CreatedAt: t.CreatedAt,
		RespondedAt: respondedAt,
		ResponseDue: t.CreatedAt.Add(time.Duration(lv.ResponseMinutes) * time.Minute), ResolutionDue: t.CreatedAt.Add(time.Duration(lv.ResolutionMinutes) * time.Minute)}
	answered := now
	if respondedAt != nil {
		answered = *respondedAt
	}
	s.ResponseBreached = answered.After(s.ResponseDue)
	closed := now
	if t.ClosedAt != nil {
		closed = *t.ClosedAt
	}
	s.ResolutionBreached = closed.After(s.ResolutionDue)
	return s
}

// TicketSLAService keeps the CPOs' ticket service levels and reports the
// tickets that breach them. Reading needs read access to the CPO (the
// support area), setting needs write access.
type TicketSLAService interface {
	TicketServiceLevels(ctx context.Context, cpoID string) (*TicketServiceLevels, error)
	SetTicketServiceLevels(ctx context.Context, l *TicketServiceLevels) error
	// TicketBreaches lists the open (not resolved or closed) tickets in the
	// actor's scope that missed a target, most overdue first; CPOID narrows
	// to one CPO. The alert rule "ticket breached its service level" reads
	// the same list in the alert sweep.
	TicketBreaches(ctx context.Context, cpoID string) ([]TicketSLA, error)
}
