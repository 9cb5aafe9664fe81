package credential

import (
	"encoding/json"
	"fmt"
)

// BasicAuthPassword201 sets the password of an OCPP 2.0.1 or 2.1 station
// with SetVariables SecurityCtrlr.BasicAuthPassword (OCPP 2.0.1 A01): the
// CSMS switches only when the station accepts (A01.FR.03/04).
type BasicAuthPassword201 struct{}

// Command implements Setter.
func (BasicAuthPassword201) Command(password string) (string, any) {
	return "SetVariables", map[string]any{"setVariableData": []map[string]any{{
		"component":      map[string]string{"name": "SecurityCtrlr"},
		"variable":       map[string]string{"name": "BasicAuthPassword"},
		"attributeValue": password,
	}}}
}

// Status implements Setter: the attributeStatus of the one result;
// Accepted, and RebootRequired (stored, used from the next boot), mean the
// station holds the password.
func (BasicAuthPassword201) Status(answer json.RawMessage) (string, bool, error) {
	var r struct {
		SetVariableResult []struct {
			AttributeStatus string `json:"attributeStatus"`
		} `json:"setVariableResult"`
	}
	if err := json.Unmarshal(answer, &r); err != nil || len(r.SetVariableResult) != 1 || r.SetVariableResult[0].AttributeStatus == "" {
		return "", false, fmt.Errorf("SetVariables answer %s: no attributeStatus", answer)
	}
	st := r.SetVariableResult[0].AttributeStatus
	return st, st == "Accepted" || st == "RebootRequired", nil
}
