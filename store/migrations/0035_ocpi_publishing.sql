-- Issue 14: what is published over OCPI, and to whom.
-- ocpi_excluded: a public charger group kept out of OCPI (partners and the
-- open data feed); private groups are never published anyway.
ALTER TABLE charger_groups ADD COLUMN ocpi_excluded BOOLEAN NOT NULL DEFAULT FALSE;
-- charger_group_ids: the JSON list of groups an eMSP partner is limited to
-- ('[]': every published group); tariff_id: the partner's roaming tariff
-- ('': each group's Public tariff).
ALTER TABLE ocpi_partners ADD COLUMN charger_group_ids TEXT NOT NULL DEFAULT '[]';
ALTER TABLE ocpi_partners ADD COLUMN tariff_id TEXT NOT NULL DEFAULT '';
-- opening_hours: a site's regular opening hours, the JSON list of
-- {"weekday" 1-7, "begin", "end"} ('[]': open 24/7), published in OCPI.
ALTER TABLE sites ADD COLUMN opening_hours TEXT NOT NULL DEFAULT '[]';
