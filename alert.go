package volt

import (
	"context"
	"time"
)

// Alert kinds: what a CPO's rules watch (issue #17 item 5).
const (
	AlertChargerOffline  = "charger_offline"          // no connection for longer than OfflineMinutes
	AlertConnectorFault  = "connector_faulted"        // a connector reported Faulted
	AlertFailedStarts    = "failed_starts"            // FailedStarts refused starts in a row on a charger
	AlertStuckFinishing  = "stuck_finishing"          // a connector in Finishing longer than FinishingMinutes
	AlertMeterBackwards  = "meter_backwards"          // a session's meter reading went down
	AlertPaymentFailures = "payment_failures"         // failed payments above PaymentFailurePct of the last hour
	AlertReliability     = "reliability_below_target" // a site or EVSE below ReliabilityTargetPct this month so far
	AlertTicketBreach    = "ticket_sla_breached"      // a ticket missed its response or resolution target
	AlertSecurityEvent   = "security_event"           // a charger reported (or Volt refused) something critical
)

// Alert states.
const (
	AlertOpen         = "open"
	AlertAcknowledged = "acknowledged"
	AlertResolved     = "resolved"
)

// Alert is a condition a CPO's rules flagged, until resolved (by the
// condition clearing, or by hand).
type Alert struct {
	ID             string     `json:"id"`
	CPOID          string     `json:"cpoId"`
	Kind           string     `json:"kind"`
	Subject        string     `json:"subject"` // a CPID, "CPID/connector" or the CPO id
	CPID           string     `json:"cpid,omitempty"`
	Message        string     `json:"message"`
	State          string     `json:"state"`
	OpenedAt       time.Time  `json:"openedAt"`
	AcknowledgedAt *time.Time `json:"acknowledgedAt,omitempty"`
	AcknowledgedBy string     `json:"acknowledgedBy,omitempty"`
	TicketID       string     `json:"ticketId,omitempty"`
	ResolvedAt     *time.Time `json:"resolvedAt,omitempty"`
	UpdatedAt      time.Time  `json:"updatedAt"`
}

// Ref locates the alert in the hierarchy.
func (a *Alert) Ref() Ref { return Ref{CPOID: a.CPOID} }

// AlertRules are a CPO's alert rules; a zero number or false turns a rule
// off. Email receives each opened alert and the daily digest (empty: the
// CPO's admins are not mailed).
type AlertRules struct {
	CPOID             string `json:"cpoId"`
	OfflineMinutes    int    `json:"offlineMinutes"`
	Faulted           bool   `json:"faulted"`
	FailedStarts      int    `json:"failedStarts"`
	FinishingMinutes  int    `json:"finishingMinutes"`
	MeterBackwards    bool   `json:"meterBackwards"`
	PaymentFailurePct int    `json:"paymentFailurePct"`
	// ReliabilityTargetPct is the availability (UK reg. 7 method: excluded
	// downtime counts as up) every site and EVSE should keep this month;
	// zero is off.
	ReliabilityTargetPct Decimal   `json:"reliabilityTargetPct"`
	TicketBreaches       bool      `json:"ticketBreaches"` // a ticket missed its service level
	SecurityEvents       bool      `json:"securityEvents"` // a critical security event on a charger
	Email                string    `json:"email"`
	UpdatedAt            time.Time `json:"updatedAt"`
}

// Validate checks the rules' ranges.
func (r *AlertRules) Validate() error {
	switch {
	case r.CPOID == "":
		return FieldError("cpoId", "A CPO is required.")
	case r.OfflineMinutes < 0 || r.OfflineMinutes > 7*24*60:
		return FieldError("offlineMinutes", "From 0 (off) to 10080 minutes.")
	case r.FailedStarts < 0 || r.FailedStarts > 100:
		return FieldError("failedStarts", "From 0 (off) to 100.")
	case r.FinishingMinutes < 0 || r.FinishingMinutes > 7*24*60:
		return FieldError("finishingMinutes", "From 0 (off) to 10080 minutes.")
	case r.PaymentFailurePct < 0 || r.PaymentFailurePct > 100:
		return FieldError("paymentFailurePct", "From 0 (off) to 100 percent.")
	case r.ReliabilityTargetPct.Sign() < 0 || r.ReliabilityTargetPct.Cmp(NewDecimalInt(100)) > 0 ||
		r.ReliabilityTargetPct.Round(2) != r.ReliabilityTargetPct:
		return FieldError("reliabilityTargetPct", "From 0 (off) to 100 percent, at most two decimals.")
	case len(r.Email) > 254:
		return FieldError("email", "At most 254 characters.")
	}
	return nil
}

// AlertFilter selects alerts; nil or empty fields match all.
type AlertFilter struct {
	CPOID string
	State string // open, acknowledged, resolved, or "active" (open or acknowledged)
	Page  Page
}

// AlertService shows a CPO's alerts and rules. Reading needs PermRead on
// the CPO; acknowledging, resolving and changing rules PermSupport (rules:
// PermWrite).
type AlertService interface {
	FindAlerts(ctx context.Context, f AlertFilter) ([]*Alert, int, error)
	FindAlertByID(ctx context.Context, id string) (*Alert, error)
	// AcknowledgeAlert marks an open alert acknowledged, linked to ticketID
	// when not empty (a ticket the actor sees).
	AcknowledgeAlert(ctx context.Context, id, ticketID string) (*Alert, error)
	ResolveAlert(ctx context.Context, id string) (*Alert, error)
	FindAlertRules(ctx context.Context, cpoID string) (*AlertRules, error)
	SetAlertRules(ctx context.Context, r *AlertRules) (*AlertRules, error)
}
