-- 0046 (issue 18): the ISO 15118 SECC (V2G) certificates the V2G CPO
-- sub-CA signs for chargers are recorded beside their client certificates,
-- so they can be listed, revoked and renewed. kind is the OCPP
-- CertificateSigningUse: ChargingStationCertificate (the CSMS CA's client
-- certificate, checked in profile 3 handshakes) or V2GCertificate.
-- issuer is the subject of the CA that signed it; hash_data the OCPP
-- CertificateHashData (JSON) a DeleteCertificate names it by.
ALTER TABLE charger_certificates ADD COLUMN kind TEXT NOT NULL DEFAULT 'ChargingStationCertificate';
ALTER TABLE charger_certificates ADD COLUMN subject TEXT NOT NULL DEFAULT '';
ALTER TABLE charger_certificates ADD COLUMN issuer TEXT NOT NULL DEFAULT '';
ALTER TABLE charger_certificates ADD COLUMN hash_data TEXT NOT NULL DEFAULT '';
CREATE INDEX charger_certificates_kind ON charger_certificates (cpid, kind, issued_at);
