-- 0053: each node relays the outbox rows it wrote (issue #12). Additive only.

-- Rows written before this migration, or by a node that names none, have
-- node '' and are relayed as stale rows (RelayStaleOutbox) by any node.
ALTER TABLE outbox ADD COLUMN node TEXT NOT NULL DEFAULT '';
CREATE INDEX outbox_node ON outbox (node, id);
