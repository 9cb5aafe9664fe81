-- Driver app roaming (issue 14, eMSP side): each app account's APP_USER
-- token (one per driver, made on first use; its uid at most 20
-- characters so it survives an OCPP 1.6 idTag), and the starts drivers
-- asked for on partner CPOs' chargers, which the app follows, each with
-- the partner's session it led to once seen.
CREATE TABLE ocpi_app_tokens (
    user_id    TEXT PRIMARY KEY,
    cpo_id     TEXT NOT NULL,
    uid        TEXT NOT NULL,
    uid_norm   TEXT NOT NULL UNIQUE,
    created_at BIGINT NOT NULL
);

CREATE TABLE ocpi_app_starts (
    id          TEXT PRIMARY KEY,
    user_id     TEXT NOT NULL,
    partner_id  TEXT NOT NULL REFERENCES ocpi_partners(id) ON DELETE CASCADE,
    location_id TEXT NOT NULL,
    evse_uid    TEXT NOT NULL,
    token_uid   TEXT NOT NULL,
    created_at  BIGINT NOT NULL,
    session_id  TEXT NOT NULL DEFAULT ''
);
CREATE INDEX ocpi_app_starts_user ON ocpi_app_starts (user_id, created_at);
-- A partner's session belongs to one start (claimed when first seen).
CREATE UNIQUE INDEX ocpi_app_starts_session ON ocpi_app_starts (partner_id, session_id) WHERE session_id <> '';
