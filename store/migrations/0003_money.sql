-- 0003: money. Tariffs and their assignments, per-CPO money settings, the
-- double-entry ledger, payments with every provider call recorded, the
-- income facts of each CDR, socket fee runs and home reimbursement rates.
-- Amounts are BIGINT minor units with their currency; prices are decimal
-- strings (volt.Decimal) inside the tariff's JSON document.

CREATE TABLE tariffs (
    id         TEXT PRIMARY KEY,
    cpo_id     TEXT NOT NULL REFERENCES cpos (id),
    name       TEXT NOT NULL,
    currency   TEXT NOT NULL,
    -- The whole volt.Tariff as JSON: components, bands, VAT rate.
    doc        TEXT NOT NULL,
    created_at BIGINT NOT NULL,
    updated_at BIGINT NOT NULL
);
CREATE INDEX tariffs_cpo ON tariffs (cpo_id, name);

CREATE TABLE tariff_assignments (
    id               TEXT PRIMARY KEY,
    tariff_id        TEXT NOT NULL REFERENCES tariffs (id),
    usergroup_id     TEXT NOT NULL,
    charger_group_id TEXT NOT NULL REFERENCES charger_groups (id) ON DELETE CASCADE,
    cpo_id           TEXT NOT NULL,
    owner_id         TEXT NOT NULL,
    created_at       BIGINT NOT NULL
);
-- One tariff per usergroup on a charger group.
CREATE UNIQUE INDEX tariff_assignments_group_usergroup ON tariff_assignments (charger_group_id, usergroup_id);
CREATE INDEX tariff_assignments_tariff ON tariff_assignments (tariff_id);

-- Money settings of a CPO: minimum wallet balance to start on credit, the
-- PAYG pre-authorisation hold, platform fees (volt.Fees as JSON).
CREATE TABLE cpo_money_settings (
    cpo_id      TEXT PRIMARY KEY REFERENCES cpos (id) ON DELETE CASCADE,
    min_balance BIGINT NOT NULL,
    hold_amount BIGINT NOT NULL,
    fees        TEXT NOT NULL DEFAULT '',
    updated_at  BIGINT NOT NULL
);

-- A posting is one balanced movement; idempotency_key makes a retried job or
-- a replayed webhook post once.
CREATE TABLE ledger_postings (
    id              TEXT PRIMARY KEY,
    idempotency_key TEXT NOT NULL,
    kind            TEXT NOT NULL,
    currency        TEXT NOT NULL,
    ref             TEXT NOT NULL DEFAULT '',
    memo            TEXT NOT NULL DEFAULT '',
    created_at      BIGINT NOT NULL
);
CREATE UNIQUE INDEX ledger_postings_key ON ledger_postings (idempotency_key);
CREATE INDEX ledger_postings_ref ON ledger_postings (ref);

-- Entries: positive amounts are debits, negative credits; the entries of a
-- posting sum to zero.
CREATE TABLE ledger_entries (
    posting_id TEXT NOT NULL REFERENCES ledger_postings (id),
    seq        INTEGER NOT NULL,
    account    TEXT NOT NULL,
    amount     BIGINT NOT NULL,
    currency   TEXT NOT NULL,
    created_at BIGINT NOT NULL,
    PRIMARY KEY (posting_id, seq)
);
CREATE INDEX ledger_entries_account ON ledger_entries (account, created_at);

-- A payment: a card pre-authorisation (PAYG, guest, contactless, card on
-- file) bound to a session, or a wallet top-up.
CREATE TABLE payments (
    id              TEXT PRIMARY KEY,
    kind            TEXT NOT NULL,
    state           TEXT NOT NULL,
    provider        TEXT NOT NULL,
    provider_ref    TEXT NOT NULL DEFAULT '',
    user_id         TEXT NOT NULL DEFAULT '',
    email           TEXT NOT NULL DEFAULT '',
    cpo_id          TEXT NOT NULL DEFAULT '',
    cpid            TEXT NOT NULL DEFAULT '',
    connector_id    INTEGER NOT NULL DEFAULT 0,
    terminal_id     TEXT NOT NULL DEFAULT '',
    session_id      TEXT NOT NULL DEFAULT '',
    currency        TEXT NOT NULL,
    amount          BIGINT NOT NULL,
    captured        BIGINT NOT NULL DEFAULT 0,
    refunded        BIGINT NOT NULL DEFAULT 0,
    idempotency_key TEXT NOT NULL,
    failure         TEXT NOT NULL DEFAULT '',
    -- The provider's card token (never card data), so a retried call
    -- replays exactly the same request under its idempotency key.
    card_token      TEXT NOT NULL DEFAULT '',
    created_at      BIGINT NOT NULL,
    updated_at      BIGINT NOT NULL
);
CREATE UNIQUE INDEX payments_key ON payments (idempotency_key);
CREATE UNIQUE INDEX payments_session ON payments (session_id) WHERE session_id <> '';
CREATE INDEX payments_connector ON payments (cpid, connector_id, state);
CREATE INDEX payments_provider_ref ON payments (provider, provider_ref);

-- Every provider call, its outcome, and for failures the retry schedule.
CREATE TABLE payment_attempts (
    id              TEXT PRIMARY KEY,
    payment_id      TEXT NOT NULL REFERENCES payments (id),
    op              TEXT NOT NULL,
    amount          BIGINT NOT NULL,
    idempotency_key TEXT NOT NULL,
    state           TEXT NOT NULL,
    error           TEXT NOT NULL DEFAULT '',
    tries           INTEGER NOT NULL DEFAULT 0,
    next_at         BIGINT,
    created_at      BIGINT NOT NULL,
    updated_at      BIGINT NOT NULL
);
CREATE UNIQUE INDEX payment_attempts_key ON payment_attempts (idempotency_key);
CREATE INDEX payment_attempts_due ON payment_attempts (state, next_at);

-- Webhook events already processed (provider event id).
CREATE TABLE payment_webhooks (
    provider   TEXT NOT NULL,
    event_id   TEXT NOT NULL,
    type       TEXT NOT NULL,
    created_at BIGINT NOT NULL,
    PRIMARY KEY (provider, event_id)
);

-- The income facts of each charged CDR, in integer columns, so income
-- reports aggregate in SQL. channel: app, credit, contactless, roaming.
CREATE TABLE income_lines (
    cdr_id          TEXT PRIMARY KEY,
    cpo_id          TEXT NOT NULL,
    owner_id        TEXT NOT NULL,
    site_id         TEXT NOT NULL,
    channel         TEXT NOT NULL,
    currency        TEXT NOT NULL,
    stopped_at      BIGINT NOT NULL,
    energy_wh       BIGINT NOT NULL,
    incl_vat        BIGINT NOT NULL,
    vat             BIGINT NOT NULL,
    transaction_fee BIGINT NOT NULL
);
CREATE INDEX income_lines_cpo ON income_lines (cpo_id, stopped_at);
CREATE INDEX income_lines_owner ON income_lines (owner_id, stopped_at);
CREATE INDEX income_lines_site ON income_lines (site_id, stopped_at);

-- Socket fees charged, one row per owner and period (idempotent job).
CREATE TABLE socket_fee_charges (
    cpo_id       TEXT NOT NULL,
    owner_id     TEXT NOT NULL,
    period       TEXT NOT NULL,
    period_start BIGINT NOT NULL,
    sockets      INTEGER NOT NULL,
    currency     TEXT NOT NULL,
    amount       BIGINT NOT NULL,
    created_at   BIGINT NOT NULL,
    PRIMARY KEY (owner_id, period)
);
CREATE INDEX socket_fee_charges_cpo ON socket_fee_charges (cpo_id, period_start);

-- A user's card on file (a provider payment-method token), for RFID starts
-- against the account when the wallet is short.
CREATE TABLE payment_cards (
    user_id    TEXT PRIMARY KEY REFERENCES users (id) ON DELETE CASCADE,
    provider   TEXT NOT NULL,
    token      TEXT NOT NULL,
    label      TEXT NOT NULL DEFAULT '',
    created_at BIGINT NOT NULL
);

-- Home reimbursement: a company (owner) pays a driver a rate per kWh for
-- home-charger sessions; one statement per driver and month.
CREATE TABLE reimbursement_statements (
    id         TEXT PRIMARY KEY,
    owner_id   TEXT NOT NULL,
    user_id    TEXT NOT NULL,
    month      TEXT NOT NULL,
    sessions   INTEGER NOT NULL,
    energy_wh  BIGINT NOT NULL,
    rate       TEXT NOT NULL,
    currency   TEXT NOT NULL,
    amount     BIGINT NOT NULL,
    created_at BIGINT NOT NULL
);
CREATE UNIQUE INDEX reimbursement_statements_month ON reimbursement_statements (owner_id, user_id, month);
