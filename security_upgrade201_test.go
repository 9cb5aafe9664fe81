package volt_test

import (
	"context"
	"encoding/json"
	"errors"
	"strings"
	"testing"
	"time"

	volt "github.com/volt-ev/volt"
)

// upgradeSec is the part of the security service an upgrade uses: the
// pending profile, and the wss URL.
type upgradeSec struct {
	volt.ChargerSecurityService
	url     string
	pending []int
}

func (s *upgradeSec) StartUpgrade(_ context.Context, _ string, p int, _ time.Time) error {
	s.pending = append(s.pending, p)
	return nil
}
func (s *upgradeSec) SecureOCPPURL() string { return s.url }

// scriptedStation answers each action with a fixed payload and records the
// requests.
type scriptedStation struct {
	answers map[string]string
	calls   []string
	bodies  map[string]string
}

func (s *scriptedStation) Call(_ context.Context, _, action string, req any) (json.RawMessage, error) {
	b, _ := json.Marshal(req)
	s.calls = append(s.calls, action)
	s.bodies[action] = string(b)
	a, ok := s.answers[action]
	if !ok {
		return nil, errors.New("no answer")
	}
	return json.RawMessage(a), nil
}

func TestUpgradeSecurityProfile201(t *testing.T) {
	ok := map[string]string{
		"GetVariables":      `{"getVariableResult":[{"attributeStatus":"Accepted","attributeValue":"0,2","component":{"name":"OCPPCommCtrlr"},"variable":{"name":"NetworkConfigurationPriority"}}]}`,
		"SetNetworkProfile": `{"status":"Accepted"}`,
		"SetVariables":      `{"setVariableResult":[{"attributeStatus":"RebootRequired"}]}`,
		"Reset":             `{"status":"Scheduled"}`,
	}
	ch := &volt.Charger{CPID: "CP1", OCPPVersion: "ocpp2.0.1"}
	t.Run("accepted", func(t *testing.T) {
		sec := &upgradeSec{url: "wss://cpms.example/ocpp"}
		st := &scriptedStation{answers: ok, bodies: map[string]string{}}
		status, err := volt.UpgradeSecurityProfile(context.Background(), sec, st, ch, 3, time.Now())
		if err != nil || status != "Accepted" {
			t.Fatalf("status %q err %v", status, err)
		}
		if strings.Join(st.calls, ",") != "GetVariables,SetNetworkProfile,SetVariables,Reset" {
			t.Fatalf("calls %v", st.calls)
		}
		// Slot 3 is the first free one after 0 and 2; it goes first.
		for action, want := range map[string]string{
			"SetNetworkProfile": `"configurationSlot":3`, "SetVariables": `"attributeValue":"3,0,2"`, "Reset": `"type":"OnIdle"`,
		} {
			if !strings.Contains(st.bodies[action], want) {
				t.Errorf("%s %s, want %s", action, st.bodies[action], want)
			}
		}
		for _, want := range []string{`"securityProfile":3`, `"ocppCsmsUrl":"wss://cpms.example/ocpp"`, `"ocppVersion":"OCPP20"`} {
			if !strings.Contains(st.bodies["SetNetworkProfile"], want) {
				t.Errorf("SetNetworkProfile %s, want %s", st.bodies["SetNetworkProfile"], want)
			}
		}
		if len(sec.pending) != 1 || sec.pending[0] != 3 {
			t.Fatalf("pending %v", sec.pending)
		}
	})
	// A refused step stops the flow and cancels the pending upgrade.
	for action, answer := range map[string]string{
		"SetNetworkProfile": `{"status":"Rejected"}`,
		"SetVariables":      `{"setVariableResult":[{"attributeStatus":"Rejected"}]}`,
		"Reset":             `{"status":"Rejected"}`,
	} {
		t.Run(action+" refused", func(t *testing.T) {
			answers := map[string]string{}
			for k, v := range ok {
				answers[k] = v
			}
			answers[action] = answer
			sec := &upgradeSec{url: "wss://cpms.example/ocpp"}
			st := &scriptedStation{answers: answers, bodies: map[string]string{}}
			status, err := volt.UpgradeSecurityProfile(context.Background(), sec, st, ch, 2, time.Now())
			if err != nil || status != "Rejected" || st.calls[len(st.calls)-1] != action {
				t.Fatalf("status %q err %v calls %v", status, err, st.calls)
			}
			if len(sec.pending) != 2 || sec.pending[1] != 0 {
				t.Fatalf("pending %v, want the upgrade cancelled", sec.pending)
			}
		})
	}
	t.Run("no wss URL", func(t *testing.T) {
		sec := &upgradeSec{}
		st := &scriptedStation{answers: ok, bodies: map[string]string{}}
		if _, err := volt.UpgradeSecurityProfile(context.Background(), sec, st, ch, 2, time.Now()); volt.ErrorCode(err) != volt.EUNPROCESSABLE || len(st.calls) != 0 {
			t.Fatalf("err %v calls %v", err, st.calls)
		}
	})
}
