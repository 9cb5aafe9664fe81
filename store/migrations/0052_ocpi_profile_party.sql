-- Issue 14, OCPI ChargingProfiles through a hub: the party behind the hub
-- that set a session's profile ("CC*PID" from the request's OCPI-from
-- headers; '': the partner itself), so the session's ActiveChargingProfile
-- pushes name it in OCPI-to, not the hub.
ALTER TABLE ocpi_charging_profiles ADD COLUMN to_party TEXT NOT NULL DEFAULT '';
