package api

import (
	"fmt"
	"testing"

	"github.com/volt-ev/volt"
)

// buildCertHub gives tenant x a hub of two sockets and the platform a
// catalogue model named after x (issue 16 items 4-5).
func buildCertHub(t *testing.T, cfg Config, x *tenant) {
	t.Helper()
	if cfg.Hubs != nil {
		h, err := cfg.Hubs.CreateHub(sys(), volt.HubCreate{ChargerGroupID: x.Group, OCPPIdentity: "HUB-" + x.Name, Sockets: 2})
		must(t, err)
		x.Hub = h.ID
		for _, s := range h.Sockets {
			x.HubCPIDs = append(x.HubCPIDs, s.CPID)
		}
	}
	if cfg.Certification != nil {
		m := &volt.ChargerModel{Vendor: "Acme", Model: fmt.Sprintf("Model-%s", x.Name)}
		must(t, cfg.Certification.CreateModel(sys(), m))
		x.Model = m.ID
	}
}
