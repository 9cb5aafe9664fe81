-- 0005: where money meets charging. Additive only.

-- A driver's limit on a session (set in the Driver Web App at start):
-- Volt stops the session when its energy or its live cost (incl. VAT)
-- reaches it. Kept here so a restart keeps it.
CREATE TABLE session_limits (
    session_id  TEXT PRIMARY KEY,
    energy_wh   BIGINT NOT NULL DEFAULT 0,
    amount      BIGINT NOT NULL DEFAULT 0,
    currency    TEXT NOT NULL DEFAULT '',
    created_at  BIGINT NOT NULL
);

-- One row per MeterValues message stored: a message the charger resends
-- (its answer was lost) has the same digest and stores nothing twice.
CREATE TABLE meter_messages (
    cpid        TEXT NOT NULL,
    digest      TEXT NOT NULL,
    created_at  BIGINT NOT NULL,
    PRIMARY KEY (cpid, digest)
);
CREATE INDEX meter_messages_created ON meter_messages (created_at);

-- CDRs whose settlement ran (wallet charged, capture or release done, or
-- left to RetryFailed after an outage): the settlement sweep skips them.
CREATE TABLE cdr_settlements (
    cdr_id      TEXT PRIMARY KEY,
    settled_at  BIGINT NOT NULL
);

-- Receipts e-mailed, once per CDR.
CREATE TABLE cdr_receipts (
    cdr_id      TEXT PRIMARY KEY,
    email       TEXT NOT NULL,
    sent_at     BIGINT NOT NULL
);
