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
	// for read-only roles). The currency is always the CPO's. The fees
	// (transaction and socket) are the platform's: only super admins set or
	// clear them; a CPO admin's call must carry the fees as stored (they
	// read them, read-only) or is EFORBIDDEN on "fees", and changes only
	// the CPO's own settings (minimum balance, hold).
	SetMoneySettings(ctx context.Context, s *MoneySettings) error
}
