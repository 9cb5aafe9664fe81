-- 0016: the device model of OCPP 2.0.1/2.1 chargers (issue #13): one row per
-- attribute of a variable of a component, as NotifyReport reports it and
-- GetVariables/SetVariables update it. evse_id and connector_id are -1 when
-- the component is not on an EVSE (or connector), so that the key holds
-- without NULLs on both engines. value is NULL for a WriteOnly attribute.
CREATE TABLE charger_device_model (
    cpid               TEXT NOT NULL,
    component          TEXT NOT NULL,
    component_instance TEXT NOT NULL DEFAULT '',
    evse_id            INTEGER NOT NULL DEFAULT -1,
    connector_id       INTEGER NOT NULL DEFAULT -1,
    variable           TEXT NOT NULL,
    variable_instance  TEXT NOT NULL DEFAULT '',
    attribute_type     TEXT NOT NULL,
    value              TEXT,
    mutability         TEXT NOT NULL DEFAULT '',
    persistent         BOOLEAN NOT NULL DEFAULT FALSE,
    constant           BOOLEAN NOT NULL DEFAULT FALSE,
    data_type          TEXT NOT NULL DEFAULT '',
    unit               TEXT NOT NULL DEFAULT '',
    updated_at         BIGINT NOT NULL,
    PRIMARY KEY (cpid, component, component_instance, evse_id, connector_id, variable, variable_instance, attribute_type)
);
