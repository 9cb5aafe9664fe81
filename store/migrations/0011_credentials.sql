-- 0011: charger credentials and card rules (issue #10 items 9-13).
--
-- Password rotation (OCPP 1.6 security whitepaper, AuthorizationKey; 2.0.1
-- A01 BasicAuthPassword): a rotation stores the new password's hash as
-- pending while the charger is asked to take it; when the charger accepts,
-- pending becomes current and the old hash stays valid as previous until the
-- charger connects with the new one or password_prev_until passes.
ALTER TABLE chargers ADD COLUMN password_pending_hash TEXT NOT NULL DEFAULT '';
ALTER TABLE chargers ADD COLUMN password_pending_until BIGINT;
ALTER TABLE chargers ADD COLUMN password_prev_hash TEXT NOT NULL DEFAULT '';
ALTER TABLE chargers ADD COLUMN password_prev_until BIGINT;

-- A card's group (OCPP 1.6 parentIdTag): '' means the card's user id.
ALTER TABLE rfid_cards ADD COLUMN group_id TEXT NOT NULL DEFAULT '';

-- How many sessions one card may have open at once in a CPO's network
-- (StartTransaction answers ConcurrentTx beyond it).
ALTER TABLE cpos ADD COLUMN max_concurrent_sessions_per_card INTEGER NOT NULL DEFAULT 1;
