-- 0013: what drivers see before they drive there (issue #11). Additive only.

-- A connector's facts as the operator sets them: type (type2Socket, ccs2,
-- ... see volt.ConnectorType) already has its column; the power type, the
-- format that follows the type, and the ratings OCPI publishes.
ALTER TABLE connectors ADD COLUMN power_type TEXT NOT NULL DEFAULT '';
ALTER TABLE connectors ADD COLUMN format TEXT NOT NULL DEFAULT '';
ALTER TABLE connectors ADD COLUMN max_current_a BIGINT NOT NULL DEFAULT 0;
ALTER TABLE connectors ADD COLUMN max_voltage_v BIGINT NOT NULL DEFAULT 0;

-- Who the receipt is from: the operator's legal name, registered address
-- and VAT number (a VAT receipt must carry them).
ALTER TABLE cpos ADD COLUMN legal_name TEXT NOT NULL DEFAULT '';
ALTER TABLE cpos ADD COLUMN legal_address TEXT NOT NULL DEFAULT '';
ALTER TABLE cpos ADD COLUMN vat_number TEXT NOT NULL DEFAULT '';

-- The card a payment was taken from, as the receipt shows it and as a
-- guest finds their receipts again: brand and last four digits only.
ALTER TABLE payments ADD COLUMN card_brand TEXT NOT NULL DEFAULT '';
ALTER TABLE payments ADD COLUMN card_last4 TEXT NOT NULL DEFAULT '';
CREATE INDEX ix_payments_guest_lookup ON payments (email, card_last4);
