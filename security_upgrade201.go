package volt

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"strconv"
	"strings"
	"time"
)

// SecureOCPPEndpoint is implemented by a ChargerSecurityService that knows
// the wss URL chargers reach Volt's TLS listener at (without the identity,
// e.g. "wss://cpms.example.com:8443/ocpp"). An OCPP 2.x upgrade needs it:
// SetNetworkProfile carries the URL of the new connection profile.
type SecureOCPPEndpoint interface {
	SecureOCPPURL() string
}

// networkPriorityVariable is the device model variable holding the order in
// which a 2.x station tries its connection profile slots (OCPP 2.0.1 Part 2
// Appendix, OCPPCommCtrlr).
var networkPriorityVariable = map[string]any{
	"component": map[string]string{"name": "OCPPCommCtrlr"},
	"variable":  map[string]string{"name": "NetworkConfigurationPriority"},
}

// upgradeProfile201 is the OCPP 2.0.1 A05 upgrade: GetVariables
// NetworkConfigurationPriority (the slots in use), SetNetworkProfile on a
// free slot with the new profile and the wss URL, SetVariables
// NetworkConfigurationPriority with that slot first and the old ones after
// it (the station falls back to them when it cannot connect, A05.FR.07),
// then Reset OnIdle so the station reconnects with it. It returns
// "Accepted" when every step was, else the first other answer.
func upgradeProfile201(ctx context.Context, cmd ChargerCommander, cpid, url string, profile int) (string, error) {
	// The slots in use, from the priority list ("0,1"); unknown: none.
	var slots []int
	res, err := cmd.Call(ctx, cpid, "GetVariables", map[string]any{"getVariableData": []any{networkPriorityVariable}})
	if err != nil {
		return "", fmt.Errorf("GetVariables NetworkConfigurationPriority: %w", err)
	}
	var got struct {
		GetVariableResult []struct {
			AttributeStatus string `json:"attributeStatus"`
			AttributeValue  string `json:"attributeValue"`
		} `json:"getVariableResult"`
	}
	if err := json.Unmarshal(res, &got); err != nil {
		return "", fmt.Errorf("GetVariables answer: %w", err)
	}
	if len(got.GetVariableResult) == 1 && got.GetVariableResult[0].AttributeStatus == "Accepted" {
		slots = parseSlots(got.GetVariableResult[0].AttributeValue)
	}
	slot := 0
	for _, s := range slots {
		slot = max(slot, s+1)
	}

	res, err = cmd.Call(ctx, cpid, "SetNetworkProfile", map[string]any{
		"configurationSlot": slot,
		"connectionData": map[string]any{
			"ocppVersion": "OCPP20", "ocppTransport": "JSON", "ocppCsmsUrl": url,
			"messageTimeout": 30, "securityProfile": profile, "ocppInterface": "Wired0",
		},
	})
	if st, err := callStatus(res, err, "SetNetworkProfile"); err != nil || st != "Accepted" {
		return st, err
	}

	prio := strconv.Itoa(slot)
	for _, s := range slots {
		prio += "," + strconv.Itoa(s)
	}
	set := map[string]any{"attributeValue": prio}
	for k, v := range networkPriorityVariable {
		set[k] = v
	}
	res, err = cmd.Call(ctx, cpid, "SetVariables", map[string]any{"setVariableData": []any{set}})
	if err != nil {
		return "", fmt.Errorf("SetVariables NetworkConfigurationPriority: %w", err)
	}
	var sv struct {
		SetVariableResult []struct {
			AttributeStatus string `json:"attributeStatus"`
		} `json:"setVariableResult"`
	}
	if err := json.Unmarshal(res, &sv); err != nil {
		return "", fmt.Errorf("SetVariables answer: %w", err)
	}
	if len(sv.SetVariableResult) != 1 {
		return "Rejected", nil
	}
	if st := sv.SetVariableResult[0].AttributeStatus; st != "Accepted" && st != "RebootRequired" {
		return st, nil
	}

	res, err = cmd.Call(ctx, cpid, "Reset", map[string]string{"type": "OnIdle"})
	st, err := callStatus(res, err, "Reset")
	if st == "Scheduled" { // busy: the station resets once idle
		st = "Accepted"
	}
	return st, err
}

// callStatus reads the status of a charger's answer.
func callStatus(res json.RawMessage, err error, action string) (string, error) {
	if err != nil {
		return "", fmt.Errorf("%s: %w", action, err)
	}
	var ans struct {
		Status string `json:"status"`
	}
	if err := json.Unmarshal(res, &ans); err != nil {
		return "", fmt.Errorf("%s answer: %w", action, err)
	}
	return ans.Status, nil
}

// parseSlots reads a NetworkConfigurationPriority value ("1,0"), skipping
// what is not a slot number.
func parseSlots(v string) []int {
	var out []int
	for _, f := range strings.Split(v, ",") {
		if n, err := strconv.Atoi(strings.TrimSpace(f)); err == nil && n >= 0 {
			out = append(out, n)
		}
	}
	return out
}

// cancelUpgrade drops a pending upgrade after a refused or failed step.
func cancelUpgrade(sys context.Context, sec ChargerSecurityService, cpid string, err error) error {
	if rerr := sec.StartUpgrade(sys, cpid, 0, time.Time{}); rerr != nil {
		return errors.Join(err, rerr)
	}
	return err
}
