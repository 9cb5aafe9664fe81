-- 0002: OCPP charging: sessions, CDRs, meter samples, connector status
-- history, frame log, charger configuration, reservations, local
-- authorisation lists and private charger-group access.
-- Portable SQL for SQLite and PostgreSQL; times are BIGINT unix ms UTC.

-- A session is one OCPP transaction. origin is 'start' for sessions opened by
-- a StartTransaction (transaction_id issued by Volt, unique platform-wide) and
-- 'unknown_stop' for sessions created from a StopTransaction whose id Volt
-- never issued (-1 or lost): those keep the charger's id, not unique.
CREATE TABLE sessions (
    id               TEXT PRIMARY KEY,
    transaction_id   BIGINT NOT NULL,
    origin           TEXT NOT NULL,
    cpid             TEXT NOT NULL,
    connector_id     INTEGER NOT NULL,
    cpo_id           TEXT NOT NULL,
    owner_id         TEXT NOT NULL,
    site_id          TEXT NOT NULL,
    charger_group_id TEXT NOT NULL,
    id_tag           TEXT NOT NULL,
    user_id          TEXT NOT NULL DEFAULT '',
    status           TEXT NOT NULL,
    started_at       BIGINT NOT NULL,
    stopped_at       BIGINT,
    meter_start      BIGINT NOT NULL,
    meter_stop       BIGINT,
    last_meter_wh    BIGINT NOT NULL,
    last_meter_at    BIGINT,
    power_w          BIGINT NOT NULL DEFAULT 0,
    soc_percent      INTEGER,
    energy_wh        BIGINT NOT NULL DEFAULT 0,
    stop_reason      TEXT NOT NULL DEFAULT '',
    flags            TEXT NOT NULL DEFAULT '',
    reservation_id   BIGINT,
    payment_method   TEXT NOT NULL DEFAULT '',
    tariff_snapshot  TEXT,
    live_cost        TEXT,
    -- The idTagInfo answered at start, returned again to a replayed start.
    auth_status      TEXT NOT NULL DEFAULT '',
    auth_reason      TEXT NOT NULL DEFAULT '',
    auth_expires_at  BIGINT,
    auth_parent      TEXT NOT NULL DEFAULT '',
    free_vend        BOOLEAN NOT NULL DEFAULT FALSE,
    -- The StopTransaction that came (meterStop, timestamp), NULL until one
    -- does: a replayed stop is recognised by them.
    stop_req_meter   BIGINT,
    stop_req_at      BIGINT,
    created_at       BIGINT NOT NULL,
    updated_at       BIGINT NOT NULL
);
-- Issued transaction ids are unique platform-wide.
CREATE UNIQUE INDEX sessions_transaction_id ON sessions (transaction_id) WHERE origin = 'start';
-- A replayed StartTransaction (same connector, idTag, meterStart, timestamp)
-- can never insert a second session, even concurrently.
CREATE UNIQUE INDEX sessions_start_replay ON sessions (cpid, connector_id, id_tag, meter_start, started_at) WHERE origin = 'start';
-- A replayed StopTransaction for an unknown id creates one session only.
CREATE UNIQUE INDEX sessions_unknown_stop_replay ON sessions (cpid, transaction_id, stop_req_meter, stop_req_at) WHERE origin = 'unknown_stop';
-- At most one active session per connector.
CREATE UNIQUE INDEX sessions_active_connector ON sessions (cpid, connector_id) WHERE status = 'active';
CREATE INDEX sessions_cpid_started ON sessions (cpid, started_at);
CREATE INDEX sessions_cpo_started ON sessions (cpo_id, started_at);
CREATE INDEX sessions_user_started ON sessions (user_id, started_at);
CREATE INDEX sessions_active_id_tag ON sessions (id_tag, status);

-- A CDR is written once per session and never changed; a correction is a new
-- CDR with credits_cdr_id set.
CREATE TABLE cdrs (
    id               TEXT PRIMARY KEY,
    session_id       TEXT NOT NULL,
    transaction_id   BIGINT NOT NULL,
    cpid             TEXT NOT NULL,
    connector_id     INTEGER NOT NULL,
    cpo_id           TEXT NOT NULL,
    owner_id         TEXT NOT NULL,
    site_id          TEXT NOT NULL,
    charger_group_id TEXT NOT NULL,
    id_tag           TEXT NOT NULL,
    user_id          TEXT NOT NULL DEFAULT '',
    started_at       BIGINT NOT NULL,
    stopped_at       BIGINT NOT NULL,
    duration_seconds BIGINT NOT NULL,
    meter_start      BIGINT NOT NULL,
    meter_stop       BIGINT NOT NULL,
    energy_wh        BIGINT NOT NULL,
    stop_reason      TEXT NOT NULL DEFAULT '',
    flags            TEXT NOT NULL DEFAULT '',
    payment_method   TEXT NOT NULL DEFAULT '',
    total_cost       TEXT,
    credits_cdr_id   TEXT NOT NULL DEFAULT '',
    created_at       BIGINT NOT NULL
);
CREATE UNIQUE INDEX cdrs_session ON cdrs (session_id) WHERE credits_cdr_id = '';
CREATE INDEX cdrs_cpid_started ON cdrs (cpid, started_at);
CREATE INDEX cdrs_cpo_started ON cdrs (cpo_id, started_at);
CREATE INDEX cdrs_user_started ON cdrs (user_id, started_at);

-- Every sampled value as sent. session_id is '' for samples outside any
-- session.
CREATE TABLE meter_samples (
    session_id     TEXT NOT NULL,
    cpid           TEXT NOT NULL,
    connector_id   INTEGER NOT NULL,
    transaction_id BIGINT,
    sampled_at     BIGINT NOT NULL,
    measurand      TEXT NOT NULL,
    phase          TEXT NOT NULL DEFAULT '',
    location       TEXT NOT NULL DEFAULT '',
    context        TEXT NOT NULL DEFAULT '',
    unit           TEXT NOT NULL DEFAULT '',
    format         TEXT NOT NULL DEFAULT '',
    value          TEXT NOT NULL
);
CREATE INDEX meter_samples_session ON meter_samples (session_id, sampled_at);
CREATE INDEX meter_samples_cpid ON meter_samples (cpid, sampled_at);

-- Connector status and error history.
CREATE TABLE status_history (
    cpid         TEXT NOT NULL,
    connector_id INTEGER NOT NULL,
    status       TEXT NOT NULL,
    error_code   TEXT NOT NULL DEFAULT '',
    info         TEXT NOT NULL DEFAULT '',
    vendor_error TEXT NOT NULL DEFAULT '',
    at           BIGINT NOT NULL,
    received_at  BIGINT NOT NULL
);
CREATE INDEX status_history_cpid ON status_history (cpid, connector_id, at);

-- OCPP frames in and out. id is generated by the store (time-ordered), so
-- pages by id are pages by time.
CREATE TABLE frame_log (
    id        BIGINT PRIMARY KEY,
    cpid      TEXT NOT NULL,
    identity  TEXT NOT NULL DEFAULT '',
    direction TEXT NOT NULL,
    action    TEXT NOT NULL DEFAULT '',
    unique_id TEXT NOT NULL DEFAULT '',
    frame     TEXT NOT NULL,
    at        BIGINT NOT NULL
);
CREATE INDEX frame_log_cpid ON frame_log (cpid, id);
CREATE INDEX frame_log_at ON frame_log (at);

-- The charger's configuration keys as last read (GetConfiguration).
CREATE TABLE charger_configuration (
    cpid       TEXT NOT NULL,
    config_key TEXT NOT NULL,
    value      TEXT,
    readonly   BOOLEAN NOT NULL DEFAULT FALSE,
    updated_at BIGINT NOT NULL,
    PRIMARY KEY (cpid, config_key)
);

-- Reservations (OCPP 1.6 ReserveNow); id is the OCPP reservationId.
CREATE TABLE reservations (
    id            BIGINT PRIMARY KEY,
    cpid          TEXT NOT NULL,
    connector_id  INTEGER NOT NULL,
    id_tag        TEXT NOT NULL,
    parent_id_tag TEXT NOT NULL DEFAULT '',
    user_id       TEXT NOT NULL DEFAULT '',
    expires_at    BIGINT NOT NULL,
    status        TEXT NOT NULL,
    created_at    BIGINT NOT NULL,
    updated_at    BIGINT NOT NULL
);
CREATE INDEX reservations_cpid ON reservations (cpid, status);

-- The local authorisation list sent to each charger (OCPP 1.6 SendLocalList)
-- and its version.
CREATE TABLE local_auth_list (
    cpid          TEXT NOT NULL,
    id_tag        TEXT NOT NULL,
    status        TEXT NOT NULL,
    expires_at    BIGINT,
    parent_id_tag TEXT NOT NULL DEFAULT '',
    PRIMARY KEY (cpid, id_tag)
);
CREATE TABLE local_auth_list_versions (
    cpid       TEXT PRIMARY KEY,
    version    INTEGER NOT NULL,
    updated_at BIGINT NOT NULL
);

-- Usergroups admitted to a private charger group.
CREATE TABLE charger_group_access (
    charger_group_id TEXT NOT NULL,
    usergroup_id     TEXT NOT NULL,
    PRIMARY KEY (charger_group_id, usergroup_id)
);
CREATE INDEX charger_group_access_usergroup ON charger_group_access (usergroup_id);
