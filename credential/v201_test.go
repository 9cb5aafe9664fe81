package credential

import (
	"encoding/json"
	"strings"
	"testing"
)

// TestBasicAuthPassword201: the 2.x setter sends SetVariables of
// SecurityCtrlr.BasicAuthPassword and switches only when the station
// accepted (or stored it for its next boot), A01.FR.03/04.
func TestBasicAuthPassword201(t *testing.T) {
	action, req := BasicAuthPassword201{}.Command("new-password-0123456789")
	b, _ := json.Marshal(req)
	if action != "SetVariables" || !strings.Contains(string(b), `"name":"SecurityCtrlr"`) ||
		!strings.Contains(string(b), `"name":"BasicAuthPassword"`) || !strings.Contains(string(b), `"attributeValue":"new-password-0123456789"`) {
		t.Fatalf("command %s %s", action, b)
	}
	for _, c := range []struct {
		answer string
		holds  bool
		err    bool
	}{
		{`{"setVariableResult":[{"attributeStatus":"Accepted","component":{"name":"SecurityCtrlr"},"variable":{"name":"BasicAuthPassword"}}]}`, true, false},
		{`{"setVariableResult":[{"attributeStatus":"RebootRequired","component":{"name":"SecurityCtrlr"},"variable":{"name":"BasicAuthPassword"}}]}`, true, false},
		{`{"setVariableResult":[{"attributeStatus":"Rejected","component":{"name":"SecurityCtrlr"},"variable":{"name":"BasicAuthPassword"}}]}`, false, false},
		{`{"status":"Accepted"}`, false, true},
	} {
		_, holds, err := BasicAuthPassword201{}.Status(json.RawMessage(c.answer))
		if holds != c.holds || (err != nil) != c.err {
			t.Errorf("%s: holds %v, err %v", c.answer, holds, err)
		}
	}
	if s, ok := setterFor("ocpp2.0.1"); !ok || s != (BasicAuthPassword201{}) {
		t.Errorf("no 2.0.1 setter registered")
	}
}
