-- 0014: the event outbox of many nodes (issue #12). Additive only.

-- Domain events written in the same transaction as the change they
-- describe, when the node runs with NATS (DB.EnableOutbox); a relay
-- publishes them to JetStream and deletes them. Empty on a single node.
-- only: postgres
CREATE TABLE outbox (
    id          BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    type        TEXT NOT NULL,
    cpid        TEXT NOT NULL DEFAULT '',
    cpo_id      TEXT NOT NULL DEFAULT '',
    at          BIGINT NOT NULL,
    data        TEXT NOT NULL DEFAULT 'null',
    created_at  BIGINT NOT NULL
);
-- only: sqlite
CREATE TABLE outbox (
    id          INTEGER PRIMARY KEY AUTOINCREMENT,
    type        TEXT NOT NULL,
    cpid        TEXT NOT NULL DEFAULT '',
    cpo_id      TEXT NOT NULL DEFAULT '',
    at          BIGINT NOT NULL,
    data        TEXT NOT NULL DEFAULT 'null',
    created_at  BIGINT NOT NULL
);
