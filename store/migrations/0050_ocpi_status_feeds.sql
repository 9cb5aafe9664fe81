-- 0050 (issue 14): EVSE status pushes read the connectors changed since a
-- position per partner instead of queueing one ocpi_pushes row per EVSE and
-- partner. status_changed_at is the server's time (ms) of a connector's last
-- status write; a charger going online or offline moves chargers.updated_at.
ALTER TABLE connectors ADD COLUMN status_changed_at BIGINT NOT NULL DEFAULT 0;
CREATE INDEX ix_connectors_status_changed ON connectors (status_changed_at);
CREATE INDEX ix_chargers_updated ON chargers (updated_at);

-- One row per eMSP partner taking status pushes: the position (ms, as above)
-- up to which every change has been delivered, the node delivering to it
-- (claimed_by until claimed_until: one node at a time) and a resync
-- generation (raised to send the whole estate again).
CREATE TABLE ocpi_status_feeds (
	partner_id TEXT PRIMARY KEY,
	delivered_through BIGINT NOT NULL DEFAULT 0,
	resync BIGINT NOT NULL DEFAULT 0,
	claimed_by TEXT NOT NULL DEFAULT '',
	claimed_until BIGINT NOT NULL DEFAULT 0
);
