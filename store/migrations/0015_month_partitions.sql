-- 0015: on PostgreSQL, meter_values and the message log (frame_log) are
-- partitioned by month (issue #12: many nodes write them at once, and
-- retention drops a month's partition instead of deleting its rows). The
-- tables keep their names, columns and indexes; the Go step of this
-- migration (store/partition.go) creates the month partitions from the
-- oldest row to two months ahead and moves the rows over. SQLite is
-- unchanged. Rows outside every month partition land in the DEFAULT
-- partition (a charger whose clock is years off).

-- only: postgres
ALTER TABLE meter_values RENAME TO meter_values_unpartitioned;
-- only: postgres
ALTER INDEX meter_values_transaction RENAME TO meter_values_transaction_unpartitioned;
-- only: postgres
CREATE TABLE meter_values (
    cpid           TEXT NOT NULL,
    transaction_id BIGINT NOT NULL,
    sampled_at     BIGINT NOT NULL,
    digest         TEXT NOT NULL,
    seq            INTEGER NOT NULL,
    session_id     TEXT NOT NULL,
    connector_id   INTEGER NOT NULL,
    energy_wh      BIGINT,
    samples        TEXT NOT NULL,
    received_at    BIGINT NOT NULL
) PARTITION BY RANGE (sampled_at);
-- only: postgres
CREATE UNIQUE INDEX meter_values_transaction ON meter_values (cpid, transaction_id, sampled_at, digest, seq);
-- only: postgres
CREATE TABLE meter_values_default PARTITION OF meter_values DEFAULT;

-- The message log is partitioned by its id, which is time-ordered
-- (milliseconds since 2020 in the top bits, store/charging_frames.go), so
-- that the id alone stays the primary key.
-- only: postgres
ALTER TABLE frame_log RENAME TO frame_log_unpartitioned;
-- only: postgres
ALTER TABLE frame_log_unpartitioned RENAME CONSTRAINT frame_log_pkey TO frame_log_unpartitioned_pkey;
-- only: postgres
ALTER INDEX frame_log_cpid RENAME TO frame_log_cpid_unpartitioned;
-- only: postgres
ALTER INDEX frame_log_at RENAME TO frame_log_at_unpartitioned;
-- only: postgres
CREATE TABLE frame_log (
    id        BIGINT NOT NULL,
    cpid      TEXT NOT NULL,
    identity  TEXT NOT NULL DEFAULT '',
    direction TEXT NOT NULL,
    action    TEXT NOT NULL DEFAULT '',
    unique_id TEXT NOT NULL DEFAULT '',
    frame     TEXT NOT NULL,
    at        BIGINT NOT NULL,
    flags     TEXT NOT NULL DEFAULT '', -- 0010: what the gateway noticed (sanitized input)
    PRIMARY KEY (id)
) PARTITION BY RANGE (id);
-- only: postgres
CREATE INDEX frame_log_cpid ON frame_log (cpid, id);
-- only: postgres
CREATE INDEX frame_log_at ON frame_log (at);
-- only: postgres
CREATE TABLE frame_log_default PARTITION OF frame_log DEFAULT;
