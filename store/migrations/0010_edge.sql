-- 0010: hardening at the edges (issue #10 items 6-8, #11 item 13).

-- A CPO's largest wallet top-up in minor units of its currency; 0 means the
-- default (volt.DefaultMaxTopUp: 250.00).
ALTER TABLE cpo_money_settings ADD COLUMN max_top_up BIGINT NOT NULL DEFAULT 0;

-- Sign-in throttling, shared by every node: per key ("addr:IP",
-- "acct:email", "reset:email", ...) the failures counted and the time before
-- which the next attempt is refused (exponential back-off). A key whose last
-- failure is older than a day starts again from zero.
CREATE TABLE auth_throttle (
    throttle_key  TEXT PRIMARY KEY,
    failures      INTEGER NOT NULL,
    blocked_until BIGINT NOT NULL,
    last_failure  BIGINT NOT NULL
);
CREATE INDEX auth_throttle_last ON auth_throttle (last_failure);

-- Known devices: a random token (only its SHA-256 kept) handed to a browser
-- or API client when it signs in to an account; a sign-in that presents it
-- is not held back by failures of that account from other devices.
CREATE TABLE known_devices (
    token_hash TEXT PRIMARY KEY,
    user_id    TEXT NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    created_at BIGINT NOT NULL,
    used_at    BIGINT NOT NULL
);
CREATE INDEX known_devices_user ON known_devices (user_id, used_at);

-- OCPP frames whose text had control characters or invalid UTF-8 replaced
-- before it was stored or acted on (see gateway/sanitize.go).
ALTER TABLE frame_log ADD COLUMN flags TEXT NOT NULL DEFAULT '';
