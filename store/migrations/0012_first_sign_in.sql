-- 0012: a one-time password must be changed at first sign-in (the first
-- Super Admin created without VOLT_ADMIN_PASSWORD). Additive only.
ALTER TABLE users ADD COLUMN must_change_password BOOLEAN NOT NULL DEFAULT FALSE;
