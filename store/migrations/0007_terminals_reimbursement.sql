-- 0007: contactless terminals and home reimbursement agreements.

-- A contactless payment terminal on a charger (connector_id 0: every
-- connector). key_hash is the terminal's API key hashed with HashSecret;
-- user_id is the terminal's own guest user whose idTags start its sessions.
CREATE TABLE terminals (
    id               TEXT PRIMARY KEY,
    cpid             TEXT NOT NULL REFERENCES chargers (cpid),
    connector_id     INTEGER NOT NULL DEFAULT 0,
    provider         TEXT NOT NULL,
    serial           TEXT NOT NULL,
    cpo_id           TEXT NOT NULL,
    owner_id         TEXT NOT NULL,
    charger_group_id TEXT NOT NULL,
    user_id          TEXT NOT NULL REFERENCES users (id),
    key_hash         TEXT NOT NULL,
    created_at       BIGINT NOT NULL,
    deleted_at       BIGINT
);
CREATE UNIQUE INDEX terminals_serial ON terminals (provider, serial) WHERE deleted_at IS NULL;
CREATE INDEX terminals_cpid ON terminals (cpid);
CREATE INDEX terminals_cpo ON terminals (cpo_id, created_at);

-- A company's (owner's) home reimbursement of a driver's home charger at a
-- rate per kWh (decimal string, VAT included at the domestic rate).
CREATE TABLE reimbursement_agreements (
    id         TEXT PRIMARY KEY,
    owner_id   TEXT NOT NULL REFERENCES owners (id),
    cpo_id     TEXT NOT NULL,
    user_id    TEXT NOT NULL REFERENCES users (id),
    cpid       TEXT NOT NULL REFERENCES chargers (cpid),
    rate       TEXT NOT NULL,
    currency   TEXT NOT NULL,
    created_at BIGINT NOT NULL
);
CREATE UNIQUE INDEX reimbursement_agreements_driver ON reimbursement_agreements (owner_id, user_id);
CREATE INDEX reimbursement_agreements_user ON reimbursement_agreements (user_id);

ALTER TABLE reimbursement_statements ADD COLUMN cpid TEXT NOT NULL DEFAULT '';
ALTER TABLE reimbursement_statements ADD COLUMN cpo_id TEXT NOT NULL DEFAULT '';
CREATE INDEX reimbursement_statements_user ON reimbursement_statements (user_id, month);
