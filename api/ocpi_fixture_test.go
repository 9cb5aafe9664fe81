package api

import (
	"fmt"
	"testing"

	"github.com/volt-ev/volt"
)

// buildOCPI gives the tenant's CPO its OCPI party and a roaming partner.
func buildOCPI(t *testing.T, cfg Config, tn *tenant) {
	t.Helper()
	if cfg.OCPIPartners == nil {
		return
	}
	must(t, cfg.OCPIPartners.SetOCPIParty(sys(), &volt.OCPIParty{CPOID: tn.CPO, CountryCode: "GB", PartyID: fmt.Sprintf("T%02d", n()%100)}))
	p := &volt.OCPIPartner{CPOID: tn.CPO, Name: "Partner of " + tn.Name, CountryCode: "NL", PartyID: "EMS", Role: volt.OCPIRoleEMSP}
	_, err := cfg.OCPIPartners.CreateOCPIPartner(sys(), p)
	must(t, err)
	tn.OCPIPartner = p.ID
}
