-- 0021: a fencing value for charger connections (issue 12, many nodes).
-- Every recorded connection raises conn_fence; a disconnection is recorded
-- only with the fence of the connection it ends, so a node closing a stale
-- socket cannot mark offline a charger that reconnected to another node.
ALTER TABLE chargers ADD COLUMN conn_fence BIGINT NOT NULL DEFAULT 0;
