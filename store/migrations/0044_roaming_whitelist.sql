-- Issue 14 item 4: the roaming whitelist Volt sends with a driver's tokens
-- to partner CPOs (OCPI 2.2.1 WhitelistType). '' on a card: its driver's;
-- '' on a driver: ALLOWED.
ALTER TABLE users ADD COLUMN roaming_whitelist TEXT NOT NULL DEFAULT '';
ALTER TABLE rfid_cards ADD COLUMN roaming_whitelist TEXT NOT NULL DEFAULT '';
