-- 0001: the platform hierarchy, chargers, people and authentication.
-- Portable SQL for SQLite and PostgreSQL: TEXT ids from volt.NewID, BIGINT unix
-- milliseconds UTC for times, BOOLEAN, DOUBLE PRECISION for coordinates, JSON
-- documents (theme, address, lists) in TEXT columns.

CREATE TABLE counters (
	name TEXT PRIMARY KEY,
	value BIGINT NOT NULL
);
INSERT INTO counters (name, value) VALUES ('cpid', 0);

CREATE TABLE cpos (
	id TEXT PRIMARY KEY,
	name TEXT NOT NULL,
	whitelabel BOOLEAN NOT NULL DEFAULT FALSE,
	theme TEXT NOT NULL DEFAULT '{}',
	currency TEXT NOT NULL,
	created_at BIGINT NOT NULL,
	updated_at BIGINT NOT NULL
);

CREATE TABLE cpo_host_names (
	host_name TEXT PRIMARY KEY,
	cpo_id TEXT NOT NULL REFERENCES cpos (id) ON DELETE CASCADE
);
CREATE INDEX ix_cpo_host_names_cpo ON cpo_host_names (cpo_id);

CREATE TABLE owners (
	id TEXT PRIMARY KEY,
	cpo_id TEXT NOT NULL REFERENCES cpos (id),
	name TEXT NOT NULL,
	email TEXT NOT NULL DEFAULT '',
	phone TEXT NOT NULL DEFAULT '',
	address TEXT NOT NULL DEFAULT '{}',
	vat_number TEXT NOT NULL DEFAULT '',
	created_at BIGINT NOT NULL,
	updated_at BIGINT NOT NULL
);
CREATE INDEX ix_owners_cpo ON owners (cpo_id, name);

CREATE TABLE sites (
	id TEXT PRIMARY KEY,
	cpo_id TEXT NOT NULL REFERENCES cpos (id),
	owner_id TEXT NOT NULL REFERENCES owners (id),
	name TEXT NOT NULL,
	address TEXT NOT NULL DEFAULT '{}',
	latitude DOUBLE PRECISION NOT NULL DEFAULT 0,
	longitude DOUBLE PRECISION NOT NULL DEFAULT 0,
	amenities TEXT NOT NULL DEFAULT '[]',
	time_zone TEXT NOT NULL,
	created_at BIGINT NOT NULL,
	updated_at BIGINT NOT NULL
);
CREATE INDEX ix_sites_cpo ON sites (cpo_id, name);
CREATE INDEX ix_sites_owner ON sites (owner_id, name);

CREATE TABLE charger_groups (
	id TEXT PRIMARY KEY,
	cpo_id TEXT NOT NULL REFERENCES cpos (id),
	owner_id TEXT NOT NULL REFERENCES owners (id),
	site_id TEXT NOT NULL REFERENCES sites (id),
	name TEXT NOT NULL,
	private BOOLEAN NOT NULL DEFAULT FALSE,
	created_at BIGINT NOT NULL,
	updated_at BIGINT NOT NULL
);
CREATE INDEX ix_charger_groups_cpo ON charger_groups (cpo_id, name);
CREATE INDEX ix_charger_groups_owner ON charger_groups (owner_id, name);
CREATE INDEX ix_charger_groups_site ON charger_groups (site_id, name);

CREATE TABLE hosts (
	id TEXT PRIMARY KEY,
	cpo_id TEXT NOT NULL REFERENCES cpos (id),
	owner_id TEXT NOT NULL REFERENCES owners (id),
	name TEXT NOT NULL,
	created_at BIGINT NOT NULL,
	updated_at BIGINT NOT NULL
);
CREATE INDEX ix_hosts_cpo ON hosts (cpo_id, name);
CREATE INDEX ix_hosts_owner ON hosts (owner_id, name);

CREATE TABLE host_charger_groups (
	host_id TEXT NOT NULL REFERENCES hosts (id) ON DELETE CASCADE,
	charger_group_id TEXT NOT NULL REFERENCES charger_groups (id) ON DELETE CASCADE,
	PRIMARY KEY (host_id, charger_group_id)
);
CREATE INDEX ix_host_charger_groups_group ON host_charger_groups (charger_group_id);

-- Chargers are never deleted (deleted_at), so their CPID and the history that
-- refers to it stay. charger_group_id has no foreign key for that reason: a
-- group may be deleted once it has no live chargers.
CREATE TABLE chargers (
	cpid TEXT PRIMARY KEY,
	ocpp_identity TEXT NOT NULL,
	hub_id TEXT,
	cpo_id TEXT NOT NULL,
	owner_id TEXT NOT NULL,
	site_id TEXT NOT NULL,
	charger_group_id TEXT NOT NULL,
	name TEXT NOT NULL DEFAULT '',
	vendor TEXT NOT NULL DEFAULT '',
	model TEXT NOT NULL DEFAULT '',
	serial_number TEXT NOT NULL DEFAULT '',
	firmware TEXT NOT NULL DEFAULT '',
	iccid TEXT NOT NULL DEFAULT '',
	imsi TEXT NOT NULL DEFAULT '',
	meter_type TEXT NOT NULL DEFAULT '',
	ocpp_version TEXT NOT NULL DEFAULT '',
	online BOOLEAN NOT NULL DEFAULT FALSE,
	last_seen_at BIGINT,
	booted_at BIGINT,
	password_hash TEXT NOT NULL,
	created_at BIGINT NOT NULL,
	updated_at BIGINT NOT NULL,
	deleted_at BIGINT
);
CREATE UNIQUE INDEX ux_chargers_identity ON chargers (ocpp_identity) WHERE deleted_at IS NULL;
CREATE INDEX ix_chargers_cpo ON chargers (cpo_id, cpid) WHERE deleted_at IS NULL;
CREATE INDEX ix_chargers_owner ON chargers (owner_id, cpid) WHERE deleted_at IS NULL;
CREATE INDEX ix_chargers_site ON chargers (site_id, cpid) WHERE deleted_at IS NULL;
CREATE INDEX ix_chargers_group ON chargers (charger_group_id, cpid) WHERE deleted_at IS NULL;
-- (deleted_at, cpid) covers counting and CPID-ordered paging of live chargers
-- without reading the wide table rows.
CREATE INDEX ix_chargers_live ON chargers (deleted_at, cpid);

CREATE TABLE connectors (
	cpid TEXT NOT NULL REFERENCES chargers (cpid),
	connector_id INTEGER NOT NULL,
	type TEXT NOT NULL DEFAULT '',
	max_power_w BIGINT NOT NULL DEFAULT 0,
	status TEXT NOT NULL DEFAULT 'Unknown',
	error_code TEXT NOT NULL DEFAULT '',
	info TEXT NOT NULL DEFAULT '',
	vendor_error TEXT NOT NULL DEFAULT '',
	status_at BIGINT NOT NULL DEFAULT 0,
	PRIMARY KEY (cpid, connector_id)
);
CREATE INDEX ix_connectors_status ON connectors (status, cpid);

CREATE TABLE charger_models (
	vendor TEXT NOT NULL,
	model TEXT NOT NULL,
	certified BOOLEAN NOT NULL DEFAULT FALSE,
	relaxations TEXT NOT NULL DEFAULT '[]',
	notes TEXT NOT NULL DEFAULT '',
	updated_at BIGINT NOT NULL,
	PRIMARY KEY (vendor, model)
);

CREATE TABLE hubs (
	id TEXT PRIMARY KEY,
	ocpp_identity TEXT NOT NULL UNIQUE,
	cpo_id TEXT NOT NULL REFERENCES cpos (id),
	owner_id TEXT NOT NULL REFERENCES owners (id),
	created_at BIGINT NOT NULL,
	updated_at BIGINT NOT NULL
);

CREATE TABLE hub_sockets (
	hub_id TEXT NOT NULL REFERENCES hubs (id) ON DELETE CASCADE,
	hub_connector_id INTEGER NOT NULL,
	cpid TEXT NOT NULL REFERENCES chargers (cpid),
	connector_id INTEGER NOT NULL,
	PRIMARY KEY (hub_id, hub_connector_id)
);

CREATE TABLE users (
	id TEXT PRIMARY KEY,
	email TEXT NOT NULL UNIQUE,
	name TEXT NOT NULL DEFAULT '',
	phone TEXT NOT NULL DEFAULT '',
	cpo_id TEXT,
	super_admin BOOLEAN NOT NULL DEFAULT FALSE,
	guest BOOLEAN NOT NULL DEFAULT FALSE,
	disabled BOOLEAN NOT NULL DEFAULT FALSE,
	password_hash TEXT NOT NULL DEFAULT '',
	created_at BIGINT NOT NULL,
	updated_at BIGINT NOT NULL
);
CREATE INDEX ix_users_cpo ON users (cpo_id);

CREATE TABLE usergroups (
	id TEXT PRIMARY KEY,
	name TEXT NOT NULL,
	role TEXT NOT NULL,
	cpo_id TEXT NOT NULL REFERENCES cpos (id),
	owner_id TEXT REFERENCES owners (id),
	host_id TEXT REFERENCES hosts (id),
	private BOOLEAN NOT NULL DEFAULT FALSE,
	created_at BIGINT NOT NULL,
	updated_at BIGINT NOT NULL
);
CREATE INDEX ix_usergroups_cpo ON usergroups (cpo_id, name);
CREATE INDEX ix_usergroups_owner ON usergroups (owner_id);
CREATE INDEX ix_usergroups_host ON usergroups (host_id);

CREATE TABLE memberships (
	usergroup_id TEXT NOT NULL REFERENCES usergroups (id) ON DELETE CASCADE,
	user_id TEXT NOT NULL REFERENCES users (id) ON DELETE CASCADE,
	created_at BIGINT NOT NULL,
	PRIMARY KEY (usergroup_id, user_id)
);
CREATE INDEX ix_memberships_user ON memberships (user_id);

CREATE TABLE rfid_cards (
	id TEXT PRIMARY KEY,
	uid TEXT NOT NULL,
	uid_norm TEXT NOT NULL UNIQUE,
	user_id TEXT NOT NULL REFERENCES users (id) ON DELETE CASCADE,
	cpo_id TEXT,
	label TEXT NOT NULL DEFAULT '',
	blocked BOOLEAN NOT NULL DEFAULT FALSE,
	expires_at BIGINT,
	created_at BIGINT NOT NULL,
	updated_at BIGINT NOT NULL
);
CREATE INDEX ix_rfid_cards_user ON rfid_cards (user_id);

CREATE TABLE affiliate_codes (
	id TEXT PRIMARY KEY,
	code TEXT NOT NULL UNIQUE,
	usergroup_id TEXT NOT NULL REFERENCES usergroups (id) ON DELETE CASCADE,
	cpo_id TEXT NOT NULL,
	max_uses INTEGER NOT NULL DEFAULT 0,
	uses INTEGER NOT NULL DEFAULT 0,
	expires_at BIGINT,
	created_at BIGINT NOT NULL
);
CREATE INDEX ix_affiliate_codes_cpo ON affiliate_codes (cpo_id);

-- Bearer tokens: only the SHA-256 of the token is stored.
CREATE TABLE auth_tokens (
	id TEXT PRIMARY KEY,
	token_hash TEXT NOT NULL UNIQUE,
	user_id TEXT NOT NULL REFERENCES users (id) ON DELETE CASCADE,
	expires_at BIGINT NOT NULL,
	created_at BIGINT NOT NULL
);
CREATE INDEX ix_auth_tokens_user ON auth_tokens (user_id);
