package sim

import (
	"testing"

	"github.com/volt-ev/volt/ocpp"
	"github.com/volt-ev/volt/ocpp/v201"
)

// TestSetNetworkProfile201 (issue 18): the station keeps a new connection
// profile only when it can use it (no downgrade, wss for 2 and 3, a client
// certificate for 3, not the slot in use, OCPP 2.0 over JSON);
// NetworkConfigurationPriority lists only known slots; the reboot moves to
// the first slot and a failed first connection falls back.
func TestSetNetworkProfile201(t *testing.T) {
	c := New2x(Config{Identity: "ST1", Password: "0123456789abcdef", URL: "ws://127.0.0.1:1/ocpp", TLSURL: "wss://127.0.0.1:1/ocpp",
		SecurityProfile: 2}, ocpp.V201)
	prof := func(slot, p int, url string) *v201.SetNetworkProfileRequest {
		return &v201.SetNetworkProfileRequest{ConfigurationSlot: slot, ConnectionData: v201.NetworkConnectionProfile{
			OcppVersion: v201.OCPPVersionEnumOCPP20, OcppTransport: v201.OCPPTransportEnumJSON, OcppCsmsURL: url,
			MessageTimeout: 30, SecurityProfile: p, OcppInterface: v201.OCPPInterfaceEnumWired0}}
	}
	status := func(r any) v201.SetNetworkProfileStatusEnum { return r.(*v201.SetNetworkProfileResponse).Status }
	for name, req := range map[string]*v201.SetNetworkProfileRequest{
		"downgrade":      prof(1, 1, "ws://x/ocpp"),
		"3 without cert": prof(1, 3, "wss://x/ocpp"),
		"2 over ws":      prof(1, 2, "ws://x/ocpp"),
		"active slot":    prof(0, 2, "wss://x/ocpp"),
	} {
		if r, _ := c.onSetNetworkProfile(req); status(r) != v201.SetNetworkProfileStatusEnumRejected {
			t.Errorf("%s: %s, want Rejected", name, status(r))
		}
	}
	if r, _ := c.onSetNetworkProfile(prof(1, 2, "wss://new.example/ocpp")); status(r) != v201.SetNetworkProfileStatusEnumAccepted {
		t.Fatalf("slot 1: %s", status(r))
	}
	set := func(v string) v201.SetVariableStatusEnum {
		r, _ := c.onSetVariables(&v201.SetVariablesRequest{SetVariableData: []v201.SetVariableData{{
			Component: v201.Component{Name: "OCPPCommCtrlr"}, Variable: v201.Variable{Name: "NetworkConfigurationPriority"}, AttributeValue: v}}})
		return r.(*v201.SetVariablesResponse).SetVariableResult[0].AttributeStatus
	}
	for _, bad := range []string{"2,0", "1,1", "x", ""} {
		if st := set(bad); st != v201.SetVariableStatusEnumRejected {
			t.Errorf("priority %q: %s", bad, st)
		}
	}
	if st := set("1,0"); st != v201.SetVariableStatusEnumRebootRequired {
		t.Fatalf("priority 1,0: %s", st)
	}
	c.sec.applyPriority("1,0")
	if c.sec.url != "wss://new.example/ocpp" || c.sec.profile != 2 || !c.sec.trying {
		t.Fatalf("after reboot: %+v", c.sec.slots)
	}
	// The first connection on the new slot fails (nothing listens): back
	// to the configured connection.
	if _, err := c.sec.dialSec(t.Context(), &c.cfg, ocpp.V201, "0123456789abcdef"); err == nil {
		t.Fatal("dial to a closed port succeeded")
	}
	if c.sec.url != "" || c.sec.trying {
		t.Fatalf("no fallback: url %q", c.sec.url)
	}
}
