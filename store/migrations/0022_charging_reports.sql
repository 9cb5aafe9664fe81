-- 0022: smart-charging reports of OCPP 2.0.1/2.1 stations (issue #13, for
-- load management #15): NotifyChargingLimit, ClearedChargingLimit,
-- ReportChargingProfiles and NotifyEVChargingNeeds as sent, one row each.
-- Rows older than 31 days are dropped when a new one of the charger comes.
CREATE TABLE charger_charging_reports (
    id          TEXT PRIMARY KEY,
    cpid        TEXT NOT NULL,
    evse_id     INTEGER NOT NULL,
    kind        TEXT NOT NULL,
    request_id  BIGINT,
    payload     TEXT NOT NULL,
    received_at BIGINT NOT NULL
);
CREATE INDEX charger_charging_reports_cpid ON charger_charging_reports (cpid, kind, received_at);
