package web

import volt "github.com/volt-ev/volt"

// The audit log page's filters offer OCPI partner changes (issue 14): the
// families are added here rather than in audit.go's tables, which other
// areas extend too.
func init() {
	auditActionPrefixes = append(auditActionPrefixes, "ocpi-partner.", "ocpi-party.")
	auditResourceTypes = append(auditResourceTypes, volt.ResourceOCPIPartner, volt.ResourceOCPIParty)
}
