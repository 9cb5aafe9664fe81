-- 0027: durable event consumers, outgoing webhooks and alerts (issue #17
-- items 5 and 6). Additive only.

-- The event journal: every domain event, on every engine, written by the
-- transaction that makes the change (store/eventlog.go). Named consumers
-- (webhooks, alerts) read it in id order from their persisted cursor; rows
-- every consumer has passed are pruned.
-- only: postgres
CREATE TABLE event_log (
    id          BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    type        TEXT NOT NULL,
    cpid        TEXT NOT NULL DEFAULT '',
    cpo_id      TEXT NOT NULL DEFAULT '',
    at          BIGINT NOT NULL,
    data        TEXT NOT NULL DEFAULT 'null',
    created_at  BIGINT NOT NULL
);
-- only: sqlite
CREATE TABLE event_log (
    id          INTEGER PRIMARY KEY AUTOINCREMENT,
    type        TEXT NOT NULL,
    cpid        TEXT NOT NULL DEFAULT '',
    cpo_id      TEXT NOT NULL DEFAULT '',
    at          BIGINT NOT NULL,
    data        TEXT NOT NULL DEFAULT 'null',
    created_at  BIGINT NOT NULL
);

-- A named consumer's cursor: the id of the last event it acknowledged.
CREATE TABLE event_consumers (
    name        TEXT PRIMARY KEY,
    position    BIGINT NOT NULL DEFAULT 0,
    updated_at  BIGINT NOT NULL
);

-- A CPO's webhook endpoints. events is a JSON list of event types; the
-- secret signs deliveries (shown once, rotatable). disabled_at is set when
-- the endpoint kept failing (or by its CPO).
CREATE TABLE webhook_endpoints (
    id              TEXT PRIMARY KEY,
    cpo_id          TEXT NOT NULL REFERENCES cpos(id),
    url             TEXT NOT NULL,
    events          TEXT NOT NULL,
    secret          TEXT NOT NULL,
    description     TEXT NOT NULL DEFAULT '',
    enabled         INTEGER NOT NULL DEFAULT 1,
    disabled_reason TEXT NOT NULL DEFAULT '',
    created_at      BIGINT NOT NULL,
    updated_at      BIGINT NOT NULL
);
CREATE INDEX webhook_endpoints_cpo ON webhook_endpoints (cpo_id);

-- One event to one endpoint: retried with back-off until delivered or
-- given up (3 days); the body is fixed at fan-out so every attempt and a
-- replay send the same bytes.
CREATE TABLE webhook_deliveries (
    id              TEXT PRIMARY KEY,
    endpoint_id     TEXT NOT NULL REFERENCES webhook_endpoints(id) ON DELETE CASCADE,
    cpo_id          TEXT NOT NULL,
    event_id        BIGINT NOT NULL,
    event_type      TEXT NOT NULL,
    body            TEXT NOT NULL,
    state           TEXT NOT NULL,
    attempts        INTEGER NOT NULL DEFAULT 0,
    next_at         BIGINT NOT NULL,
    last_code       INTEGER NOT NULL DEFAULT 0,
    last_latency_ms INTEGER NOT NULL DEFAULT 0,
    last_error      TEXT NOT NULL DEFAULT '',
    created_at      BIGINT NOT NULL,
    updated_at      BIGINT NOT NULL,
    UNIQUE (endpoint_id, event_id)
);
CREATE INDEX webhook_deliveries_due ON webhook_deliveries (state, next_at);
CREATE INDEX webhook_deliveries_endpoint ON webhook_deliveries (endpoint_id, created_at);

-- Every attempt of a delivery: response code (0: no response) and latency.
CREATE TABLE webhook_attempts (
    delivery_id TEXT NOT NULL REFERENCES webhook_deliveries(id) ON DELETE CASCADE,
    attempt     INTEGER NOT NULL,
    at          BIGINT NOT NULL,
    code        INTEGER NOT NULL,
    latency_ms  INTEGER NOT NULL,
    error       TEXT NOT NULL DEFAULT '',
    PRIMARY KEY (delivery_id, attempt)
);

-- A CPO's alert rules: 0 turns a rule off.
CREATE TABLE alert_rules (
    cpo_id              TEXT PRIMARY KEY REFERENCES cpos(id),
    offline_minutes     INTEGER NOT NULL DEFAULT 0,
    faulted             INTEGER NOT NULL DEFAULT 0,
    failed_starts       INTEGER NOT NULL DEFAULT 0,
    finishing_minutes   INTEGER NOT NULL DEFAULT 0,
    meter_backwards     INTEGER NOT NULL DEFAULT 0,
    payment_failure_pct INTEGER NOT NULL DEFAULT 0,
    email               TEXT NOT NULL DEFAULT '',
    updated_at          BIGINT NOT NULL
);

-- Alerts: open, acknowledged (optionally linked to a ticket), resolved.
-- subject is what the alert is about (a CPID, "CPID/connector", the CPO):
-- at most one unresolved alert per CPO, kind and subject.
CREATE TABLE alerts (
    id              TEXT PRIMARY KEY,
    cpo_id          TEXT NOT NULL REFERENCES cpos(id),
    kind            TEXT NOT NULL,
    subject         TEXT NOT NULL,
    cpid            TEXT NOT NULL DEFAULT '',
    message         TEXT NOT NULL,
    state           TEXT NOT NULL,
    opened_at       BIGINT NOT NULL,
    acknowledged_at BIGINT,
    acknowledged_by TEXT NOT NULL DEFAULT '',
    ticket_id       TEXT NOT NULL DEFAULT '',
    resolved_at     BIGINT,
    updated_at      BIGINT NOT NULL
);
CREATE INDEX alerts_cpo_state ON alerts (cpo_id, state, opened_at);
CREATE INDEX alerts_subject ON alerts (cpo_id, kind, subject, state);
