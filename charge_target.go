package volt

import (
	"context"
	"time"
)

// ChargeTarget is the state of charge (%) a driver's sessions stop at
// (issue 19): the guard stops a session once its SoC, from the charger or
// else from the company car's telematics, reaches it.
type ChargeTarget struct {
	UserID    string    `json:"userId"`
	Percent   int       `json:"percent"`
	UpdatedAt time.Time `json:"updatedAt"`
}

// Validate checks a target: 20 to 100 % (100 charges to full).
func (c *ChargeTarget) Validate() error {
	if c.Percent < 20 || c.Percent > 100 {
		return FieldError("percent", "A charge target is 20 to 100 %%, got %d.", c.Percent)
	}
	return nil
}

// ChargeTargets keeps drivers' charge targets: a driver their own (the
// platform anyone's). A driver without one charges to full (100).
type ChargeTargets interface {
	FindChargeTarget(ctx context.Context, userID string) (*ChargeTarget, error)
	SetChargeTarget(ctx context.Context, c *ChargeTarget) error
}
