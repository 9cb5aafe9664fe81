package store

import "context"

// MigrateTo applies the embedded migrations up to version, for tests of one
// migration's conversion of older data.
func (db *DB) MigrateTo(ctx context.Context, version int) error {
	ms, err := loadMigrations()
	if err != nil {
		return err
	}
	if _, err := db.Exec(ctx, createMigrationsTable); err != nil {
		return err
	}
	for _, m := range ms {
		if m.version <= version {
			if err := db.applyMigration(ctx, m); err != nil {
				return err
			}
		}
	}
	return nil
}

// PromotePendingLate is what AuthenticateCharger does for a charger that
// connected with its pending password, called with the pending hash read
// before the rotation finished (a race the tests cannot time).
func (s *ChargingService) PromotePendingLate(ctx context.Context, cpid, pendingHash string) error {
	return s.promotePending(ctx, cpid, pendingHash)
}
