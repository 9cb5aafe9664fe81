-- 0026: the operator's business (issue 17 items 1, 2, 3 and 7): socket fee
-- statements, connection history and reliability exclusions, ticket service
-- levels. Additive only.

-- A CPO's socket fee statement for one period (a month "2026-03" or a year
-- "2026"); its lines are the owners' rows of socket_fee_charges. A re-run
-- replaces it (revision + 1) and posts only the difference to the ledger.
CREATE TABLE socket_fee_statements (
    id             TEXT PRIMARY KEY,
    cpo_id         TEXT NOT NULL,
    period         TEXT NOT NULL,
    fee_period     TEXT NOT NULL,
    period_start   BIGINT NOT NULL,
    period_end     BIGINT NOT NULL,
    currency       TEXT NOT NULL,
    sockets        INTEGER NOT NULL,
    income         BIGINT NOT NULL,
    flat_rate      TEXT NOT NULL,
    percent_rate   TEXT NOT NULL,
    amount         BIGINT NOT NULL,
    vat            BIGINT NOT NULL,
    revision       INTEGER NOT NULL,
    created_at     BIGINT NOT NULL,
    UNIQUE (cpo_id, period)
);
CREATE INDEX socket_fee_statements_period ON socket_fee_statements (period_start);

-- The income a line's percentage was taken of.
ALTER TABLE socket_fee_charges ADD COLUMN income BIGINT NOT NULL DEFAULT 0;

-- A charger's websocket connecting (online) and going away, for
-- reliability: a charger offline counts as every connector down.
CREATE TABLE connection_history (
    cpid   TEXT NOT NULL,
    online BOOLEAN NOT NULL,
    at     BIGINT NOT NULL
);
CREATE INDEX connection_history_cpid ON connection_history (cpid, at);

-- Downtime the operator excludes from the UK reg. 7 figure (planned
-- maintenance, grid outage, vandalism, outside operating hours), each with
-- its evidence. connector_id 0 is the whole charger.
CREATE TABLE reliability_exclusions (
    id           TEXT PRIMARY KEY,
    cpo_id       TEXT NOT NULL,
    cpid         TEXT NOT NULL,
    connector_id INTEGER NOT NULL DEFAULT 0,
    reason       TEXT NOT NULL,
    starts_at    BIGINT NOT NULL,
    ends_at      BIGINT NOT NULL,
    evidence     TEXT NOT NULL,
    note         TEXT NOT NULL DEFAULT '',
    created_by   TEXT NOT NULL DEFAULT '',
    created_at   BIGINT NOT NULL
);
CREATE INDEX reliability_exclusions_cpid ON reliability_exclusions (cpid, starts_at);
CREATE INDEX reliability_exclusions_cpo ON reliability_exclusions (cpo_id, starts_at);

-- A CPO's ticket service levels: per priority, the minutes to the first
-- answer and to resolution.
CREATE TABLE ticket_service_levels (
    cpo_id             TEXT NOT NULL,
    priority           TEXT NOT NULL,
    response_minutes   INTEGER NOT NULL,
    resolution_minutes INTEGER NOT NULL,
    updated_at         BIGINT NOT NULL,
    PRIMARY KEY (cpo_id, priority)
);
