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
