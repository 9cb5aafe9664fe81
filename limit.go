package volt

import "context"

// SessionLimit is where a driver asked Volt to stop a session (set in the
// Driver Web App at start): at an energy, or at a cost (VAT included, minor
// units of Currency). Zero fields are not set.
type SessionLimit struct {
	SessionID string `json:"sessionId"`
	EnergyWh  int64  `json:"energyWh,omitempty"`
	Amount    int64  `json:"amount,omitempty"`
	Currency  string `json:"currency,omitempty"`
	// SoCPercent is the driver's charge target (issue 19): not stored with
	// the session; the guard's limits add it (store.FleetLimits).
	SoCPercent int `json:"socPercent,omitempty"`
}

// Validate checks a limit: exactly one of energy and amount, positive; an
// amount needs a known currency.
func (l *SessionLimit) Validate() error {
	switch {
	case l.SessionID == "":
		return FieldError("sessionId", "A limit needs its session.")
	case l.EnergyWh < 0 || l.Amount < 0:
		return FieldError("limit", "A limit must be positive.")
	case (l.EnergyWh > 0) == (l.Amount > 0):
		return FieldError("limit", "Choose one limit: energy or amount.")
	case l.Amount > 0 && !ValidCurrency(l.Currency):
		return FieldError("currency", "Unknown currency %q.", l.Currency)
	}
	return nil
}

// Reached reports whether session s has reached the limit: its energy, or
// its live cost in the limit's currency.
func (l *SessionLimit) Reached(s *Session) bool {
	if l == nil || s == nil {
		return false
	}
	if l.EnergyWh > 0 && s.EnergyWh >= l.EnergyWh {
		return true
	}
	if l.SoCPercent > 0 && l.SoCPercent < 100 && s.SoCPercent != nil && *s.SoCPercent >= l.SoCPercent {
		return true
	}
	return l.Amount > 0 && s.LiveCost != nil && s.LiveCost.Currency == l.Currency && s.LiveCost.InclVAT >= l.Amount
}

// SessionLimits stores drivers' session limits.
type SessionLimits interface {
	// SetSessionLimit records the limit of a session (replacing any).
	SetSessionLimit(ctx context.Context, l *SessionLimit) error
	// FindSessionLimit returns the limit of a session, ENOTFOUND when none.
	FindSessionLimit(ctx context.Context, sessionID string) (*SessionLimit, error)
}

// HoldReleaser cancels a card pre-authorisation no session will use (the
// charger refused the start), at once rather than when it lapses. A
// PaymentService that can release implements it.
type HoldReleaser interface {
	Release(ctx context.Context, paymentID string) (*Payment, error)
}
