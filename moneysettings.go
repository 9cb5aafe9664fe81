package volt

import "context"

// MoneySettingsService reads and changes a CPO's money settings: the
// minimum wallet balance to start on credit, the card pre-authorisation
// amount and the platform fees (transaction and socket fees).
type MoneySettingsService interface {
	// MoneySettings returns a CPO's settings, defaults where none are set.
	// It does not check the actor's scope: callers show only CPOs the actor
	// may read.
	MoneySettings(ctx context.Context, cpoID string) (*MoneySettings, error)
	// SetMoneySettings stores a CPO's settings; CPO admins only (EFORBIDDEN
	// for read-only roles). The currency is always the CPO's.
	SetMoneySettings(ctx context.Context, s *MoneySettings) error
}
