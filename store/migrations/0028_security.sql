-- 0028: OCPP security profiles 2 and 3, the CSMS certificate authority and
-- security events (issue 18).

-- A charger's security state; no row is profile 1, never upgraded.
CREATE TABLE charger_security (
    cpid              TEXT PRIMARY KEY,
    security_profile  INTEGER NOT NULL DEFAULT 1,
    connected_profile INTEGER NOT NULL DEFAULT 0,
    pending_profile   INTEGER NOT NULL DEFAULT 0,
    pending_until     BIGINT,
    upgrade_status    TEXT NOT NULL DEFAULT '',
    updated_at        BIGINT NOT NULL
);

-- Client certificates the CSMS CA signed; revoked_at set on revocation,
-- checked during every profile 3 handshake.
CREATE TABLE charger_certificates (
    serial            TEXT PRIMARY KEY,
    cpid              TEXT NOT NULL,
    identity          TEXT NOT NULL,
    not_before        BIGINT NOT NULL,
    not_after         BIGINT NOT NULL,
    chain_pem         TEXT NOT NULL,
    issued_at         BIGINT NOT NULL,
    revoked_at        BIGINT,
    revocation_reason TEXT NOT NULL DEFAULT ''
);
CREATE INDEX charger_certificates_cpid ON charger_certificates (cpid, issued_at);

-- The built-in CA: its certificate and its key sealed with VOLT_SECRET_KEY
-- (AES-GCM), one row per scope ('platform'; a CPO id for a CPO's own CA).
CREATE TABLE pki_authorities (
    scope      TEXT PRIMARY KEY,
    cert_pem   TEXT NOT NULL,
    key_sealed TEXT NOT NULL,
    created_at BIGINT NOT NULL
);

-- SecurityEventNotifications and Volt's own security refusals.
-- only: postgres
CREATE TABLE security_events (
    id          BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    cpid        TEXT NOT NULL,
    type        TEXT NOT NULL,
    tech_info   TEXT NOT NULL DEFAULT '',
    critical    BOOLEAN NOT NULL DEFAULT FALSE,
    at          BIGINT NOT NULL,
    received_at BIGINT NOT NULL
);
-- only: sqlite
CREATE TABLE security_events (
    id          INTEGER PRIMARY KEY AUTOINCREMENT,
    cpid        TEXT NOT NULL,
    type        TEXT NOT NULL,
    tech_info   TEXT NOT NULL DEFAULT '',
    critical    BOOLEAN NOT NULL DEFAULT FALSE,
    at          BIGINT NOT NULL,
    received_at BIGINT NOT NULL
);
CREATE INDEX security_events_cpid ON security_events (cpid, id);
