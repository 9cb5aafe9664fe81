-- 0004: the audit log, support tickets with their message threads, and the
-- helpline contact log. Portable SQL for SQLite and PostgreSQL; times are
-- BIGINT unix ms UTC; hierarchy columns are '' when not set, so that scope
-- filters (cpo_id IN (...)) never need NULL handling.

-- Append-only: the store offers no update or delete of audit entries.
CREATE TABLE audit_log (
    id               TEXT PRIMARY KEY,
    at               BIGINT NOT NULL,
    actor_id         TEXT NOT NULL DEFAULT '',
    actor_email      TEXT NOT NULL DEFAULT '',
    actor_roles      TEXT NOT NULL DEFAULT '',
    source           TEXT NOT NULL,
    client_addr      TEXT NOT NULL DEFAULT '',
    action           TEXT NOT NULL,
    resource_type    TEXT NOT NULL DEFAULT '',
    resource_id      TEXT NOT NULL DEFAULT '',
    cpo_id           TEXT NOT NULL DEFAULT '',
    owner_id         TEXT NOT NULL DEFAULT '',
    charger_group_id TEXT NOT NULL DEFAULT '',
    before_json      TEXT,
    after_json       TEXT,
    details          TEXT,
    outcome          TEXT NOT NULL,
    error_code       TEXT NOT NULL DEFAULT '',
    error_message    TEXT NOT NULL DEFAULT '',
    driver_contact   TEXT NOT NULL DEFAULT ''
);
CREATE INDEX ix_audit_at ON audit_log (at, id);
CREATE INDEX ix_audit_cpo ON audit_log (cpo_id, at);
CREATE INDEX ix_audit_owner ON audit_log (owner_id, at);
CREATE INDEX ix_audit_group ON audit_log (charger_group_id, at);
CREATE INDEX ix_audit_resource ON audit_log (resource_type, resource_id, at);
CREATE INDEX ix_audit_actor ON audit_log (actor_id, at);

CREATE TABLE tickets (
    id               TEXT PRIMARY KEY,
    subject          TEXT NOT NULL,
    status           TEXT NOT NULL,
    priority         TEXT NOT NULL,
    source           TEXT NOT NULL,
    driver_user_id   TEXT NOT NULL DEFAULT '',
    guest_email      TEXT NOT NULL DEFAULT '',
    guest_phone      TEXT NOT NULL DEFAULT '',
    cpid             TEXT NOT NULL DEFAULT '',
    connector_id     INTEGER NOT NULL DEFAULT 0,
    session_id       TEXT NOT NULL DEFAULT '',
    cpo_id           TEXT NOT NULL DEFAULT '',
    owner_id         TEXT NOT NULL DEFAULT '',
    charger_group_id TEXT NOT NULL DEFAULT '',
    assignee_id      TEXT NOT NULL DEFAULT '',
    created_by       TEXT NOT NULL DEFAULT '',
    created_at       BIGINT NOT NULL,
    updated_at       BIGINT NOT NULL,
    closed_at        BIGINT
);
CREATE INDEX ix_tickets_cpo ON tickets (cpo_id, updated_at);
CREATE INDEX ix_tickets_owner ON tickets (owner_id, updated_at);
CREATE INDEX ix_tickets_group ON tickets (charger_group_id, updated_at);
CREATE INDEX ix_tickets_driver ON tickets (driver_user_id, updated_at);
CREATE INDEX ix_tickets_assignee ON tickets (assignee_id, status);
CREATE INDEX ix_tickets_cpid ON tickets (cpid);

CREATE TABLE ticket_messages (
    id          TEXT PRIMARY KEY,
    ticket_id   TEXT NOT NULL REFERENCES tickets (id) ON DELETE CASCADE,
    author_id   TEXT NOT NULL DEFAULT '',
    author_name TEXT NOT NULL DEFAULT '',
    body        TEXT NOT NULL,
    internal    BOOLEAN NOT NULL DEFAULT FALSE,
    created_at  BIGINT NOT NULL
);
CREATE INDEX ix_ticket_messages_ticket ON ticket_messages (ticket_id, created_at);

CREATE TABLE helpline_contacts (
    id               TEXT PRIMARY KEY,
    at               BIGINT NOT NULL,
    support_user_id  TEXT NOT NULL DEFAULT '',
    channel          TEXT NOT NULL,
    driver_contact   TEXT NOT NULL,
    driver_user_id   TEXT NOT NULL DEFAULT '',
    cpid             TEXT NOT NULL DEFAULT '',
    session_id       TEXT NOT NULL DEFAULT '',
    ticket_id        TEXT NOT NULL DEFAULT '',
    summary          TEXT NOT NULL,
    actions          TEXT NOT NULL DEFAULT '[]',
    cpo_id           TEXT NOT NULL DEFAULT '',
    owner_id         TEXT NOT NULL DEFAULT '',
    charger_group_id TEXT NOT NULL DEFAULT ''
);
CREATE INDEX ix_helpline_cpo ON helpline_contacts (cpo_id, at);
CREATE INDEX ix_helpline_owner ON helpline_contacts (owner_id, at);
CREATE INDEX ix_helpline_group ON helpline_contacts (charger_group_id, at);
CREATE INDEX ix_helpline_contact ON helpline_contacts (driver_contact, at);
CREATE INDEX ix_helpline_ticket ON helpline_contacts (ticket_id);
