-- 0018: load management (issue 15). Additive only.

-- A site's capacity model (volt.LoadManagement) as JSON: its connection,
-- circuits, outlets and priorities are read and written whole.
CREATE TABLE site_load_management (
    site_id     TEXT PRIMARY KEY REFERENCES sites(id) ON DELETE CASCADE,
    mode        TEXT NOT NULL,
    model       TEXT NOT NULL,
    updated_at  BIGINT NOT NULL
);
CREATE INDEX site_load_management_mode ON site_load_management (mode);

-- Building-load readings per phase in milliamperes (exact on both
-- engines). A resent reading (same site and time) stores nothing twice.
-- Pruned after 31 days (voltd): the loop needs only the newest.
CREATE TABLE site_meter_readings (
    site_id     TEXT NOT NULL REFERENCES sites(id) ON DELETE CASCADE,
    at          BIGINT NOT NULL,
    l1_ma       BIGINT NOT NULL,
    l2_ma       BIGINT NOT NULL DEFAULT 0,
    l3_ma       BIGINT NOT NULL DEFAULT 0,
    phases      INTEGER NOT NULL,
    source      TEXT NOT NULL,
    PRIMARY KEY (site_id, at)
);
