-- EVSE status pushes (issue 14): a push may carry a coalescing key, one
-- pending row per key, so that a partner owed many status changes of one
-- EVSE is sent only the latest.
ALTER TABLE ocpi_pushes ADD COLUMN coalesce_key TEXT NOT NULL DEFAULT '';
CREATE UNIQUE INDEX ocpi_pushes_coalesce ON ocpi_pushes (coalesce_key) WHERE coalesce_key <> '';
