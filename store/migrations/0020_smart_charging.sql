-- 0020: smart charging of charger groups (issue 15 item 6, UK Smart Charge
-- Points Regulations 2021). Additive only.

-- A charger group's setting (volt.SmartCharging) as JSON, read and written
-- whole; site_id lets the load management loop read a site's at once.
CREATE TABLE charger_group_smart_charging (
    charger_group_id TEXT PRIMARY KEY REFERENCES charger_groups(id) ON DELETE CASCADE,
    site_id          TEXT NOT NULL,
    settings         TEXT NOT NULL,
    updated_at       BIGINT NOT NULL
);
CREATE INDEX charger_group_smart_charging_site ON charger_group_smart_charging (site_id);

-- Sessions whose driver (or an admin) chose "charge now": no randomised
-- delay, no off-peak hold. No foreign key: sessions are partitioned.
CREATE TABLE session_charge_now (
    session_id  TEXT PRIMARY KEY,
    user_id     TEXT NOT NULL,
    at          BIGINT NOT NULL
);
