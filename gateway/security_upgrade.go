package gateway

import (
	"context"
	"encoding/json"
	"fmt"

	volt "github.com/volt-ev/volt"
)

// UpgradeSecurityProfile is volt.UpgradeSecurityProfile for a charger
// connected to this node, with the gateway as the commander.
func (g *Gateway) UpgradeSecurityProfile(ctx context.Context, cpid string, profile int) (string, error) {
	if g.cfg.Security == nil {
		return "", volt.Errorf(volt.EUNPROCESSABLE, "security profiles are not configured")
	}
	c := g.lookup(cpid)
	if c == nil {
		return "", offlineError(cpid, nil)
	}
	ch := &volt.Charger{CPID: cpid, OCPPVersion: string(c.proto.version)}
	return volt.UpgradeSecurityProfile(ctx, g.cfg.Security, g, ch, profile, g.cfg.Now())
}

// RenewCertificate is volt.RenewChargerCertificate for a charger connected
// to this node (ENOTFOUND otherwise); it returns the charger's status.
func (g *Gateway) RenewCertificate(ctx context.Context, cpid string) (string, error) {
	c := g.lookup(cpid)
	if c == nil {
		return "", volt.Errorf(volt.ENOTFOUND, "Charger %s is not connected to this node.", cpid)
	}
	res, err := volt.RenewChargerCertificate(ctx, g, &volt.Charger{CPID: cpid, OCPPVersion: string(c.proto.version)})
	if err != nil {
		return "", fmt.Errorf("renew certificate of %s: %w", cpid, err)
	}
	var ans struct {
		Status string `json:"status"`
	}
	_ = json.Unmarshal(res, &ans)
	return ans.Status, nil
}

// RenewV2GCertificate is volt.RenewV2GCertificate for a charger connected
// to this node (ENOTFOUND otherwise): it asks for a new SECC CSR and
// returns the charger's status.
func (g *Gateway) RenewV2GCertificate(ctx context.Context, cpid string) (string, error) {
	c := g.lookup(cpid)
	if c == nil {
		return "", volt.Errorf(volt.ENOTFOUND, "Charger %s is not connected to this node.", cpid)
	}
	st, err := volt.RenewV2GCertificate(ctx, g, &volt.Charger{CPID: cpid, OCPPVersion: string(c.proto.version)})
	if err != nil {
		return "", fmt.Errorf("renew SECC certificate of %s: %w", cpid, err)
	}
	return st, nil
}
