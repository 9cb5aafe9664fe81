-- 0030 (issue 19): fleets. Vehicles of an owner's fleet (a usergroup with
-- the fleet_manager role), their telematics readings, and the trusted home
-- reimbursement claims (each home session matched or flagged).

CREATE TABLE vehicles (
    id                  TEXT PRIMARY KEY,
    cpo_id              TEXT NOT NULL,
    owner_id            TEXT NOT NULL REFERENCES owners (id),
    fleet_id            TEXT NOT NULL REFERENCES usergroups (id),
    driver_id           TEXT NOT NULL REFERENCES users (id),
    make                TEXT NOT NULL,
    model               TEXT NOT NULL,
    battery_wh          BIGINT NOT NULL,
    registration        TEXT NOT NULL,
    vin                 TEXT NOT NULL,
    provider            TEXT NOT NULL DEFAULT '',
    provider_vehicle_id TEXT NOT NULL DEFAULT '',
    created_at          BIGINT NOT NULL,
    deleted_at          BIGINT
);
CREATE UNIQUE INDEX vehicles_vin ON vehicles (vin) WHERE deleted_at IS NULL;
CREATE UNIQUE INDEX vehicles_provider ON vehicles (provider, provider_vehicle_id) WHERE deleted_at IS NULL AND provider <> '';
CREATE INDEX vehicles_owner ON vehicles (owner_id, created_at);
CREATE INDEX vehicles_driver ON vehicles (driver_id);

-- One reading per vehicle and instant: a duplicate or replayed webhook is
-- stored once; out-of-order readings simply sort by at.
CREATE TABLE telematics_readings (
    vehicle_id   TEXT NOT NULL REFERENCES vehicles (id),
    at           BIGINT NOT NULL,
    odometer_m   BIGINT NOT NULL,
    soc_permille INTEGER NOT NULL,
    latitude     DOUBLE PRECISION NOT NULL,
    longitude    DOUBLE PRECISION NOT NULL,
    charging     BOOLEAN NOT NULL,
    received_at  BIGINT NOT NULL,
    PRIMARY KEY (vehicle_id, at)
);

CREATE TABLE reimbursement_claims (
    id           TEXT PRIMARY KEY,
    cpo_id       TEXT NOT NULL,
    owner_id     TEXT NOT NULL,
    fleet_id     TEXT NOT NULL,
    user_id      TEXT NOT NULL,
    vehicle_id   TEXT NOT NULL,
    agreement_id TEXT NOT NULL,
    cpid         TEXT NOT NULL,
    month        TEXT NOT NULL,
    state        TEXT NOT NULL,
    rate         TEXT NOT NULL,
    currency     TEXT NOT NULL,
    paid_wh      BIGINT NOT NULL DEFAULT 0,
    amount       BIGINT NOT NULL DEFAULT 0,
    created_at   BIGINT NOT NULL,
    approved_at  BIGINT
);
CREATE UNIQUE INDEX reimbursement_claims_month ON reimbursement_claims (agreement_id, month);
CREATE INDEX reimbursement_claims_owner ON reimbursement_claims (owner_id, month);
CREATE INDEX reimbursement_claims_fleet ON reimbursement_claims (fleet_id, month);

CREATE TABLE reimbursement_claim_sessions (
    claim_id   TEXT NOT NULL REFERENCES reimbursement_claims (id),
    cdr_id     TEXT NOT NULL,
    started_at BIGINT NOT NULL,
    stopped_at BIGINT NOT NULL,
    energy_wh  BIGINT NOT NULL,
    state      TEXT NOT NULL,
    reason     TEXT NOT NULL DEFAULT '',
    gained_wh  BIGINT NOT NULL DEFAULT 0,
    decided_by TEXT NOT NULL DEFAULT '',
    PRIMARY KEY (claim_id, cdr_id)
);

-- An approved claim is paid once: by the driver's wallet or by a Bacs
-- Standard 18 file (kept, with its reference).
CREATE TABLE reimbursement_payouts (
    claim_id   TEXT PRIMARY KEY REFERENCES reimbursement_claims (id),
    month      TEXT NOT NULL,
    method     TEXT NOT NULL,
    reference  TEXT NOT NULL,
    amount     BIGINT NOT NULL,
    currency   TEXT NOT NULL,
    file       TEXT NOT NULL DEFAULT '',
    created_at BIGINT NOT NULL
);
