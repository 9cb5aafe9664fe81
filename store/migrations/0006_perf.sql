-- 0006: indexes for the Admin Portal on a 100,000-charger estate (issue #5:
-- every page under 100 ms). Additive only.

-- Session and CDR lists newest first (ORDER BY started_at DESC, id DESC) for
-- actors whose scope is not one CPO (a Super Admin), and the dashboard's
-- energy since midnight (started_at >= ?): walked from the end, not sorted.
CREATE INDEX sessions_started ON sessions (started_at, id);
CREATE INDEX cdrs_started ON cdrs (started_at, id);

-- Support search by OCPP transaction id whatever the session's origin (the
-- unique sessions_transaction_id holds origin = 'start' only).
CREATE INDEX sessions_transaction ON sessions (transaction_id);

-- Charger text search: case-insensitive prefix of the OCPP identity, serial
-- number and name, queried as a byte range on lower(col) (store.prefixMatch).
-- SQLite compares BINARY (bytes); PostgreSQL needs the "C" collation for the
-- range to be a prefix whatever the database's locale.
-- only: sqlite
CREATE INDEX ix_chargers_identity_lower ON chargers (lower(ocpp_identity)) WHERE deleted_at IS NULL;
-- only: sqlite
CREATE INDEX ix_chargers_serial_lower ON chargers (lower(serial_number)) WHERE deleted_at IS NULL;
-- only: sqlite
CREATE INDEX ix_chargers_name_lower ON chargers (lower(name)) WHERE deleted_at IS NULL;
-- only: postgres
CREATE INDEX ix_chargers_identity_lower ON chargers ((lower(ocpp_identity) COLLATE "C")) WHERE deleted_at IS NULL;
-- only: postgres
CREATE INDEX ix_chargers_serial_lower ON chargers ((lower(serial_number) COLLATE "C")) WHERE deleted_at IS NULL;
-- only: postgres
CREATE INDEX ix_chargers_name_lower ON chargers ((lower(name) COLLATE "C")) WHERE deleted_at IS NULL;

-- Dashboard tiles: live chargers and how many are online, from the index.
CREATE INDEX ix_chargers_online ON chargers (deleted_at, online);
