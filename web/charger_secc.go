package web

import (
	volt "github.com/volt-ev/volt"
)

// findCertificate returns the charger's recorded certificate with serial
// (ENOTFOUND when it has none).
func (a *Admin) findCertificate(s *sess, c *volt.Charger, serial string) (*volt.ChargerCertificate, error) {
	certs, err := a.cfg.Security.FindCertificates(s.ctx, c.CPID)
	if err != nil {
		return nil, err
	}
	for i := range certs {
		if certs[i].Serial == serial {
			return &certs[i], nil
		}
	}
	return nil, volt.Errorf(volt.ENOTFOUND, "Charger %s has no certificate %s.", c.CPID, serial)
}

// deleteRevokedSECC tells the charger to delete a revoked SECC certificate
// (volt.DeleteV2GCertificate; the commander audits it) and says what happened. Volt runs
// no OCSP responder for the V2G CPO sub-CA: deleting the certificate from
// the charger is what makes it stop presenting it to vehicles.
func (a *Admin) deleteRevokedSECC(s *sess, c *volt.Charger, cert *volt.ChargerCertificate) string {
	if a.cfg.Commander == nil {
		return "charger commands are not available on this server, so the charger was not told to delete it."
	}
	st, err := volt.DeleteV2GCertificate(s.ctx, a.cfg.Commander, c, cert)
	if err != nil {
		return "the charger could not be told to delete it (" + errText(err) + "); it is no longer renewed."
	}
	return "the charger answered " + st + " to deleting it."
}
