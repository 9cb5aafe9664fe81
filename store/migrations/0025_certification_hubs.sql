-- 0025 (issue 16 items 4-5): charge point certification and hubs.
-- A charger model gets an id for URLs, the firmware and OCPP versions it was
-- certified on, who certified it and when, connector defaults for chargers
-- that boot as it (item 6), and its test report; a CPO may require certified
-- models; a charger remembers whether its last boot was held Pending.

ALTER TABLE charger_models ADD COLUMN id TEXT;
-- only: sqlite
UPDATE charger_models SET id = 'cmo_' || lower(hex(randomblob(10))) WHERE id IS NULL;
-- only: postgres
UPDATE charger_models SET id = 'cmo_' || substr(md5(random()::text || vendor || model), 1, 20) WHERE id IS NULL;
CREATE UNIQUE INDEX ux_charger_models_id ON charger_models (id);
ALTER TABLE charger_models ADD COLUMN firmware_versions TEXT NOT NULL DEFAULT '[]';
ALTER TABLE charger_models ADD COLUMN ocpp_versions TEXT NOT NULL DEFAULT '[]';
ALTER TABLE charger_models ADD COLUMN certified_by TEXT NOT NULL DEFAULT '';
ALTER TABLE charger_models ADD COLUMN certified_at BIGINT;
ALTER TABLE charger_models ADD COLUMN connector_defaults TEXT NOT NULL DEFAULT '{}';
ALTER TABLE charger_models ADD COLUMN created_at BIGINT NOT NULL DEFAULT 0;

-- The test report of a model, kept with the data (one per model, replaced
-- by a new upload). Its content is base64 text: one spelling on both engines.
CREATE TABLE charger_model_reports (
	model_id TEXT PRIMARY KEY,
	file_name TEXT NOT NULL,
	content_type TEXT NOT NULL,
	size BIGINT NOT NULL,
	content TEXT NOT NULL,
	uploaded_by TEXT NOT NULL,
	uploaded_at BIGINT NOT NULL
);

ALTER TABLE cpos ADD COLUMN require_certified_chargers BOOLEAN NOT NULL DEFAULT FALSE;

-- boot_pending: the charger's last BootNotification was answered Pending
-- because its model is not certified and its CPO requires certification.
ALTER TABLE chargers ADD COLUMN boot_pending BOOLEAN NOT NULL DEFAULT FALSE;

-- Hubs: the hub's OCPP identity is its first socket's charger identity (that
-- charger holds the password); the other sockets' chargers get identities no
-- websocket URL can carry. A charger is in at most one hub.
ALTER TABLE hubs ADD COLUMN charger_group_id TEXT NOT NULL DEFAULT '';
CREATE UNIQUE INDEX ux_hub_sockets_cpid ON hub_sockets (cpid, connector_id);
CREATE INDEX ix_hubs_cpo ON hubs (cpo_id);
CREATE INDEX ix_chargers_model ON chargers (vendor, model) WHERE deleted_at IS NULL;
