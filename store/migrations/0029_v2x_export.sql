-- V2X (issue 15): the energy a car gave back during a session (the rise of
-- the station's Energy.Active.Export.Register), on the session and its CDR;
-- the credit for it is a line of the CDR's cost.
ALTER TABLE sessions ADD COLUMN exported_wh BIGINT NOT NULL DEFAULT 0;
ALTER TABLE cdrs ADD COLUMN exported_wh BIGINT NOT NULL DEFAULT 0;
