package remotestart_test

import (
	"context"
	"encoding/json"
	"testing"
	"time"

	"github.com/volt-ev/volt"
	"github.com/volt-ev/volt/inmem"
	"github.com/volt-ev/volt/remotestart"
)

// charger answers RemoteStartTransaction and then plays events on the bus,
// as the gateway would publish them.
type charger struct {
	bus    volt.EventBus
	answer string
	then   []volt.Event
}

func (c *charger) Call(ctx context.Context, cpid, action string, req any) (json.RawMessage, error) {
	if c.answer == "" {
		<-ctx.Done()
		return nil, volt.Errorf(volt.ETIMEOUT, "no answer")
	}
	go func() {
		for _, e := range c.then {
			c.bus.Publish(context.Background(), e)
		}
	}()
	return json.RawMessage(`{"status":"` + c.answer + `"}`), nil
}

func status(cpid string, n int, st volt.ConnectorStatus) volt.Event {
	return volt.Event{Type: volt.EventConnectorStatus, CPID: cpid, Data: volt.Connector{CPID: cpid, ConnectorID: n, Status: st}}
}

// TestRemoteStartOutcomes: every way a remote start ends is told apart,
// from events only, including events that crossed a node as JSON.
func TestRemoteStartOutcomes(t *testing.T) {
	const cpid = "000007"
	asJSON := func(v any) any { b, _ := json.Marshal(v); var m map[string]any; _ = json.Unmarshal(b, &m); return m }
	for _, tc := range []struct {
		name    string
		answer  string
		events  []volt.Event
		outcome string
		code    string
	}{
		{"started", "Accepted", []volt.Event{
			status("000008", 1, volt.StatusPreparing), // another charger
			status(cpid, 1, volt.StatusPreparing),
			{Type: volt.EventSessionStarted, CPID: cpid, Data: &volt.Session{ID: "ses_other", CPID: cpid, ConnectorID: 1, IDTag: "OTHER"}},
			{Type: volt.EventSessionStarted, CPID: cpid, Data: &volt.Session{ID: "ses_1", CPID: cpid, ConnectorID: 1, IDTag: "TAG1"}},
		}, volt.RemoteStartStarted, ""},
		{"started, from another node", "Accepted", []volt.Event{
			{Type: volt.EventSessionStarted, CPID: cpid, Data: asJSON(volt.Session{ID: "ses_1", CPID: cpid, ConnectorID: 1, IDTag: "TAG1"})},
		}, volt.RemoteStartStarted, ""},
		{"refused at Authorize", "Accepted", []volt.Event{
			{Type: volt.EventAuthorization, CPID: cpid, Data: volt.AuthorizationDecision{CPID: cpid, IDTag: "tag1", Action: "Authorize", Status: volt.AuthBlocked, Reason: "card blocked"}},
		}, volt.RemoteStartRefused, ""},
		{"not plugged", "Accepted", []volt.Event{status(cpid, 1, volt.StatusPreparing), status(cpid, 1, volt.StatusAvailable)}, volt.RemoteStartNotPlugged, ""},
		{"nothing in time", "Accepted", nil, volt.RemoteStartNoSession, ""},
		{"rejected", "Rejected", nil, volt.RemoteStartRejected, ""},
		{"charger timeout", "", nil, "", volt.ETIMEOUT},
	} {
		t.Run(tc.name, func(t *testing.T) {
			bus := inmem.NewBus()
			s := &remotestart.Starter{Commander: &charger{bus: bus, answer: tc.answer, then: tc.events}, Bus: bus,
				CallTimeout: 200 * time.Millisecond, Slack: 300 * time.Millisecond,
				Configuration: func(context.Context, string) ([]volt.ConfigKey, error) {
					zero := "1"
					return []volt.ConfigKey{{Key: "ConnectionTimeOut", Value: &zero}}, nil
				}}
			out, err := s.RemoteStartAndWait(context.Background(), cpid, volt.RemoteStartRequest{ConnectorID: 1, IDTag: "TAG1"})
			if tc.code != "" {
				if !volt.IsCode(err, tc.code) {
					t.Fatalf("err %v, want %s", err, tc.code)
				}
				return
			}
			if err != nil || out.Outcome != tc.outcome {
				t.Fatalf("outcome %+v %v, want %s", out, err, tc.outcome)
			}
			if tc.outcome == volt.RemoteStartStarted && (out.Session == nil || out.Session.ID != "ses_1") {
				t.Fatalf("session %+v", out.Session)
			}
			if tc.outcome == volt.RemoteStartRefused && (out.AuthStatus != volt.AuthBlocked || out.Reason != "card blocked") {
				t.Fatalf("refusal %+v", out)
			}
		})
	}
}
