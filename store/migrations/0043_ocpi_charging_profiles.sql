-- Issue 14, OCPI ChargingProfiles: the profile a roaming eMSP set on a
-- session on our charger, a cap the load management loop applies (or, on
-- a site without load management, the transaction profile sent).
-- periods: the JSON list of {"start_period", "limit"}; start_at: the
-- profile's absolute start in ms (0: the session's start).
CREATE TABLE ocpi_charging_profiles (
    session_id TEXT PRIMARY KEY,
    partner_id TEXT NOT NULL REFERENCES ocpi_partners(id) ON DELETE CASCADE,
    cpo_id     TEXT NOT NULL,
    unit       TEXT NOT NULL,
    start_at   BIGINT NOT NULL DEFAULT 0,
    duration_s INTEGER NOT NULL DEFAULT 0,
    periods    TEXT NOT NULL,
    set_at     BIGINT NOT NULL
);

-- Issue 14, hubs: the party behind a hub a queued push is for ("CC*PID"
-- in its OCPI-to headers; '': the partner itself), e.g. the result of a
-- command the hub routed from that party.
ALTER TABLE ocpi_pushes ADD COLUMN to_party TEXT NOT NULL DEFAULT '';
