-- 0034: OCPI pushes are claimed by one node at a time (issue 12, the
-- OCPI push queue on many nodes): a node sends a push only while its
-- claim lasts; an expired claim (the node died) is taken over.
ALTER TABLE ocpi_pushes ADD COLUMN claimed_by TEXT NOT NULL DEFAULT '';
ALTER TABLE ocpi_pushes ADD COLUMN claimed_until BIGINT NOT NULL DEFAULT 0;
CREATE INDEX ocpi_pushes_claimed ON ocpi_pushes (claimed_by) WHERE claimed_by <> '';
