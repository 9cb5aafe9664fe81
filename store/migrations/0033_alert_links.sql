-- 0033: the alert rules linked to reliability, ticket service levels and
-- security events (issue #17 item 5). The reliability target is in
-- hundredths of a percent (9900 = 99 %); 0 turns each rule off.
ALTER TABLE alert_rules ADD COLUMN reliability_target_bp INTEGER NOT NULL DEFAULT 0;
ALTER TABLE alert_rules ADD COLUMN ticket_breaches INTEGER NOT NULL DEFAULT 0;
ALTER TABLE alert_rules ADD COLUMN security_events INTEGER NOT NULL DEFAULT 0;
