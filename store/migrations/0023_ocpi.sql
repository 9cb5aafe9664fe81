-- 0023: OCPI 2.2.1 roaming (issue 14). Additive only.

-- A CPO's own OCPI party: each CPO roams as itself.
CREATE TABLE ocpi_parties (
    cpo_id       TEXT PRIMARY KEY REFERENCES cpos(id) ON DELETE CASCADE,
    country_code TEXT NOT NULL,
    party_id     TEXT NOT NULL,
    updated_at   BIGINT NOT NULL,
    UNIQUE (country_code, party_id)
);

-- A CPO's roaming partners. Tokens the partner calls Volt with are kept
-- as SHA-256 hex (random 256-bit tokens: looked up, never guessed); the
-- token Volt calls the partner with must be sent, so it is kept as is.
-- token_prev_sha: the partner's previous token during a rotation; rotating:
-- Volt sent a new token and the exchange has not completed, so the old one
-- stays valid even once the partner has called with the new one.
CREATE TABLE ocpi_partners (
    id             TEXT PRIMARY KEY,
    cpo_id         TEXT NOT NULL REFERENCES cpos(id) ON DELETE CASCADE,
    name           TEXT NOT NULL,
    country_code   TEXT NOT NULL,
    party_id       TEXT NOT NULL,
    role           TEXT NOT NULL,
    status         TEXT NOT NULL,
    token_a_sha    TEXT,
    token_c_sha    TEXT,
    token_prev_sha TEXT,
    rotating       BOOLEAN NOT NULL DEFAULT FALSE,
    their_token    TEXT NOT NULL DEFAULT '',
    versions_url   TEXT NOT NULL DEFAULT '',
    version        TEXT NOT NULL DEFAULT '',
    endpoints      TEXT NOT NULL DEFAULT '[]',
    margin_micro   BIGINT NOT NULL DEFAULT 0,
    last_error     TEXT NOT NULL DEFAULT '',
    last_error_at  BIGINT,
    created_at     BIGINT NOT NULL,
    updated_at     BIGINT NOT NULL,
    UNIQUE (cpo_id, country_code, party_id, role)
);
CREATE UNIQUE INDEX ocpi_partners_token_a ON ocpi_partners (token_a_sha);
CREATE UNIQUE INDEX ocpi_partners_token_c ON ocpi_partners (token_c_sha);
CREATE INDEX ocpi_partners_token_prev ON ocpi_partners (token_prev_sha);

-- Tokens eMSP partners pushed to a CPO (OCPI Tokens module, CPO side).
CREATE TABLE ocpi_tokens (
    partner_id   TEXT NOT NULL REFERENCES ocpi_partners(id) ON DELETE CASCADE,
    cpo_id       TEXT NOT NULL,
    uid          TEXT NOT NULL,
    uid_norm     TEXT NOT NULL,
    type         TEXT NOT NULL,
    country_code TEXT NOT NULL,
    party_id     TEXT NOT NULL,
    contract_id  TEXT NOT NULL,
    valid        BOOLEAN NOT NULL,
    whitelist    TEXT NOT NULL,
    data         TEXT NOT NULL,
    last_updated BIGINT NOT NULL,
    PRIMARY KEY (partner_id, uid, type)
);
CREATE INDEX ocpi_tokens_uid ON ocpi_tokens (cpo_id, uid_norm);

-- Requests Volt owes partners (CDRs, sessions, statuses): a row until the
-- partner accepts, retried with back-off, so a restart loses nothing.
CREATE TABLE ocpi_pushes (
    id         TEXT PRIMARY KEY,
    partner_id TEXT NOT NULL REFERENCES ocpi_partners(id) ON DELETE CASCADE,
    module     TEXT NOT NULL,
    object_id  TEXT NOT NULL,
    method     TEXT NOT NULL,
    url        TEXT NOT NULL,
    body       TEXT NOT NULL,
    attempts   INTEGER NOT NULL DEFAULT 0,
    next_at    BIGINT NOT NULL,
    last_error TEXT NOT NULL DEFAULT '',
    created_at BIGINT NOT NULL
);
CREATE INDEX ocpi_pushes_due ON ocpi_pushes (next_at);

-- Objects partners pushed or Volt pulled from them (eMSP side: their
-- locations, tariffs, sessions and CDRs), one row per partner and id.
CREATE TABLE ocpi_partner_objects (
    partner_id   TEXT NOT NULL REFERENCES ocpi_partners(id) ON DELETE CASCADE,
    module       TEXT NOT NULL,
    object_id    TEXT NOT NULL,
    data         TEXT NOT NULL,
    last_updated BIGINT NOT NULL,
    received_at  BIGINT NOT NULL,
    PRIMARY KEY (partner_id, module, object_id)
);

-- CDRs of Volt's chargers charged with a partner's token: queued for the
-- partner and counted as its third-party income, once (issue 14 item 4).
-- body: the OCPI CDR as sent, for the partner's pull (GET cdrs).
CREATE TABLE ocpi_roaming_cdrs (
    cdr_id     TEXT PRIMARY KEY,
    partner_id TEXT NOT NULL,
    cpo_id     TEXT NOT NULL,
    queued_at  BIGINT NOT NULL,
    body       TEXT NOT NULL DEFAULT ''
);
CREATE INDEX ocpi_roaming_cdrs_partner ON ocpi_roaming_cdrs (partner_id);

-- Drivers' cards Volt (as eMSP) pushed to partner CPOs, with the state
-- sent, so only changes are pushed again (blocked, expired, deleted).
CREATE TABLE ocpi_tokens_sent (
    partner_id TEXT NOT NULL REFERENCES ocpi_partners(id) ON DELETE CASCADE,
    uid        TEXT NOT NULL,
    state      TEXT NOT NULL,
    sent_at    BIGINT NOT NULL,
    PRIMARY KEY (partner_id, uid)
);

-- Roaming sessions on Volt's chargers pushed to the partner, with the
-- state last sent (throttled updates, the final state once).
CREATE TABLE ocpi_sessions_sent (
    session_id TEXT PRIMARY KEY,
    partner_id TEXT NOT NULL,
    state      TEXT NOT NULL,
    sent_at    BIGINT NOT NULL
);
