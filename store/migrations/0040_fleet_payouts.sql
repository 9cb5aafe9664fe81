-- 0040 (issue 19): how an owner pays its drivers' approved home
-- reimbursement claims (wallet, Bacs Standard 18 or payroll CSV), and the
-- claim marked paid with its payout's reference; the vehicles' OAuth
-- tokens at vehicle-data APIs (telematics_tokens).

CREATE TABLE owner_payout_settings (
    owner_id            TEXT PRIMARY KEY REFERENCES owners (id),
    cpo_id              TEXT NOT NULL,
    method              TEXT NOT NULL,
    originator_sort     TEXT NOT NULL DEFAULT '',
    originator_account  TEXT NOT NULL DEFAULT '',
    originator_name     TEXT NOT NULL DEFAULT '',
    service_user_number TEXT NOT NULL DEFAULT '',
    updated_at          BIGINT NOT NULL
);

ALTER TABLE reimbursement_claims ADD COLUMN payout_method TEXT NOT NULL DEFAULT '';
ALTER TABLE reimbursement_claims ADD COLUMN payout_reference TEXT NOT NULL DEFAULT '';
ALTER TABLE reimbursement_claims ADD COLUMN paid_at BIGINT;

-- A Bacs file's serial number is unique per owner (its service user
-- number); wallet and payroll payouts have none (0).
ALTER TABLE reimbursement_payouts ADD COLUMN owner_id TEXT NOT NULL DEFAULT '';
ALTER TABLE reimbursement_payouts ADD COLUMN serial INTEGER NOT NULL DEFAULT 0;
CREATE UNIQUE INDEX reimbursement_payouts_serial ON reimbursement_payouts (owner_id, serial) WHERE serial > 0;

-- Each vehicle's OAuth grant at a vehicle-data API (the driver authorised
-- Volt to read that vehicle); refreshed tokens replace the row.
CREATE TABLE telematics_tokens (
    provider            TEXT NOT NULL,
    provider_vehicle_id TEXT NOT NULL,
    access_token        TEXT NOT NULL,
    refresh_token       TEXT NOT NULL DEFAULT '',
    expires_at          BIGINT,
    updated_at          BIGINT NOT NULL,
    PRIMARY KEY (provider, provider_vehicle_id)
);

-- The state of charge a session took from the company car (the charger
-- sent none): kept to tell it from a later charger value, which wins.
CREATE TABLE session_car_soc (
    session_id  TEXT PRIMARY KEY,
    vehicle_id  TEXT NOT NULL,
    soc_percent INTEGER NOT NULL,
    at          BIGINT NOT NULL
);

-- A driver's charge target: sessions stop when the car reaches it.
CREATE TABLE charge_targets (
    user_id        TEXT PRIMARY KEY REFERENCES users (id) ON DELETE CASCADE,
    target_percent INTEGER NOT NULL,
    updated_at     BIGINT NOT NULL
);
