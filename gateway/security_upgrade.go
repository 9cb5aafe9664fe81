package gateway

import (
	"context"
	"encoding/json"
	"fmt"
	"strconv"
	"time"

	volt "github.com/volt-ev/volt"
	"github.com/volt-ev/volt/ocpp"
	"github.com/volt-ev/volt/ocpp/v16"
)

// UpgradeWindow is how long a charger asked to move to a higher security
// profile has to connect with it before the upgrade is rolled back (its old
// minimum profile kept).
const UpgradeWindow = 10 * time.Minute

// UpgradeSecurityProfile asks a connected charger to move to profile (2 or
// 3) and records the upgrade as pending: the charger's minimum profile is
// raised only when it connects with the new one, so a charger that cannot
// reconnect falls back to its old profile (1.6 security extension §2.3;
// 2.0.1 A05) and is still let in. It returns the charger's answer.
func (g *Gateway) UpgradeSecurityProfile(ctx context.Context, cpid string, profile int) (string, error) {
	if g.cfg.Security == nil {
		return "", volt.Errorf(volt.EINVALID, "security profiles are not configured")
	}
	if profile < volt.SecurityProfileTLSBasic || profile > volt.SecurityProfileTLSClient {
		return "", volt.FieldError("securityProfile", "The security profile to upgrade to must be 2 or 3.")
	}
	c := g.lookup(cpid)
	if c == nil {
		return "", volt.Errorf(volt.ECONFLICT, "Charger %s is not connected to this node.", cpid)
	}
	if c.proto.version != ocpp.V16 {
		// TODO(issue 18): 2.0.1 upgrade by SetNetworkProfile and
		// SetVariables OCPPCommCtrlr.NetworkConfigurationPriority.
		return "", volt.Errorf(volt.EINVALID, "Upgrading the security profile of an OCPP %s charger is not supported yet.", c.proto.version)
	}
	body, _ := json.Marshal(&v16.ChangeConfigurationRequest{Key: "SecurityProfile", Value: strconv.Itoa(profile)})
	if err := g.cfg.Security.StartUpgrade(ctx, cpid, profile, g.cfg.Now().Add(UpgradeWindow)); err != nil {
		return "", fmt.Errorf("start upgrade of %s: %w", cpid, err)
	}
	res, err := c.call(ctx, v16.ActionChangeConfiguration, body)
	if err != nil {
		return "", err
	}
	var ans v16.ChangeConfigurationResponse
	if err := json.Unmarshal(res, &ans); err != nil {
		return "", fmt.Errorf("change configuration answer: %w", err)
	}
	if ans.Status != v16.ConfigurationStatusAccepted {
		// Nothing changes on the charger: drop the pending upgrade now.
		if err := g.cfg.Security.StartUpgrade(ctx, cpid, 0, time.Time{}); err != nil {
			g.log.Warn("gateway: roll back upgrade", "cpid", cpid, "err", err)
		}
	}
	return string(ans.Status), nil
}

// RenewCertificate asks a charger connected to this node for a new CSR:
// ExtendedTriggerMessage SignChargePointCertificate on 1.6 (security
// extension), TriggerMessage SignChargingStationCertificate on 2.x (A02).
// It returns ENOTFOUND when the charger is not connected here.
func (g *Gateway) RenewCertificate(ctx context.Context, cpid string) (string, error) {
	c := g.lookup(cpid)
	if c == nil {
		return "", volt.Errorf(volt.ENOTFOUND, "Charger %s is not connected to this node.", cpid)
	}
	action, body := "TriggerMessage", `{"requestedMessage":"SignChargingStationCertificate"}`
	if c.proto.version == ocpp.V16 {
		action, body = v16.ActionExtendedTriggerMessage, `{"requestedMessage":"SignChargePointCertificate"}`
	}
	res, err := c.call(ctx, action, json.RawMessage(body))
	if err != nil {
		return "", fmt.Errorf("renew certificate of %s: %w", cpid, err)
	}
	var ans struct {
		Status string `json:"status"`
	}
	_ = json.Unmarshal(res, &ans)
	return ans.Status, nil
}
