-- 0041 (issue 19): fleet wallets. A fleet (an owner's fleet_manager
-- usergroup) whose wallet is on pays its drivers' charging on its CPO's
-- network, up to each driver's monthly limit; each charge is kept for the
-- fleet's monthly invoice (its ledger posting is keyed by the CDR).

CREATE TABLE fleet_wallets (
    fleet_id   TEXT PRIMARY KEY REFERENCES usergroups (id),
    enabled    BOOLEAN NOT NULL,
    updated_at BIGINT NOT NULL
);

-- No row: no limit. monthly_limit is in the CPO's minor units, VAT included.
CREATE TABLE fleet_driver_limits (
    fleet_id      TEXT NOT NULL REFERENCES usergroups (id),
    user_id       TEXT NOT NULL REFERENCES users (id),
    monthly_limit BIGINT NOT NULL,
    updated_at    BIGINT NOT NULL,
    PRIMARY KEY (fleet_id, user_id)
);

CREATE TABLE fleet_charges (
    cdr_id     TEXT PRIMARY KEY,
    fleet_id   TEXT NOT NULL,
    cpo_id     TEXT NOT NULL,
    owner_id   TEXT NOT NULL,
    user_id    TEXT NOT NULL,
    vehicle_id TEXT NOT NULL,
    cpid       TEXT NOT NULL,
    month      TEXT NOT NULL,
    started_at BIGINT NOT NULL,
    stopped_at BIGINT NOT NULL,
    energy_wh  BIGINT NOT NULL,
    currency   TEXT NOT NULL,
    net        BIGINT NOT NULL,
    vat        BIGINT NOT NULL,
    gross      BIGINT NOT NULL
);
CREATE INDEX fleet_charges_fleet ON fleet_charges (fleet_id, month, user_id);
