-- 0034 (issue 12, many nodes). OCPI pushes are claimed by one node at a time (issue 12, the
-- OCPI push queue on many nodes): a node sends a push only while its
-- claim lasts; an expired claim (the node died) is taken over.
ALTER TABLE ocpi_pushes ADD COLUMN claimed_by TEXT NOT NULL DEFAULT '';
ALTER TABLE ocpi_pushes ADD COLUMN claimed_until BIGINT NOT NULL DEFAULT 0;
CREATE INDEX ocpi_pushes_claimed ON ocpi_pushes (claimed_by) WHERE claimed_by <> '';

-- Meter values of ended sessions thinned for retention
-- (VOLT_METER_DOWNSAMPLE_AFTER): a session is thinned once.
ALTER TABLE sessions ADD COLUMN meter_thinned BOOLEAN NOT NULL DEFAULT FALSE;
CREATE INDEX sessions_to_thin ON sessions (stopped_at) WHERE status = 'completed' AND meter_thinned = FALSE;
