package gateway

import (
	"context"
	"encoding/json"
	"math/rand/v2"
	"slices"
	"strings"

	volt "github.com/volt-ev/volt"
	"github.com/volt-ev/volt/ocpp"
	v16 "github.com/volt-ev/volt/ocpp/v16"
	"github.com/volt-ev/volt/ocpp/v201"
	"github.com/volt-ev/volt/ocpp/v21"
)

// One command vocabulary (issue #13). The API's command names are those of
// OCPP 1.6 (remote-start, get-configuration, ...) plus the kebab-case names
// of the actions only 2.0.1 and 2.1 have (get-variables,
// request-start-transaction, ...). Call sends them per the connection's
// version:
//
//   - on a 2.x charger a 1.6 action with a 2.x counterpart is sent as that
//     action (RemoteStartTransaction → RequestStartTransaction,
//     GetConfiguration → GetVariables, ...); a body already valid for the 2.x
//     action goes as is, a 1.6 body is translated (translations below);
//   - an action the connection's version lacks answers EUNPROCESSABLE (HTTP
//     422) naming the version: get-variables on a 1.6 charger,
//     get-diagnostics on a 2.0.1 one.
//
// The answer is the charger's payload, unchanged: a 2.x charger answers in
// 2.x terms.

// commands2x maps the command names of actions only OCPP 2.0.1 or 2.1 has
// to their action.
var commands2x = func() map[string]string {
	m := map[string]string{}
	for _, reg := range []*ocpp.Registry{v201.Registry(), v21.Registry()} {
		for name, action := range buildCommands(reg) {
			if _, in16 := commands16[name]; !in16 {
				m[name] = action
			}
		}
	}
	return m
}()

// CommandVersions returns, for every API command name, the OCPP versions
// whose chargers accept it (directly or translated), for the API's
// documentation.
func CommandVersions() map[string][]string {
	out := map[string][]string{}
	add := func(name string, v ocpp.Version) {
		if !slices.Contains(out[name], string(v)) {
			out[name] = append(out[name], string(v))
		}
	}
	for name, action := range commands16 {
		add(name, ocpp.V16)
		for _, p := range []*protocol{newV201(), newV21()} {
			if _, ok := translations[action]; ok {
				add(name, p.version)
			} else if spec, ok := p.registry.Lookup(action); ok && spec.Direction&ocpp.CSMSToCharger != 0 {
				add(name, p.version)
			}
		}
	}
	for name, action := range commands2x {
		for _, p := range []*protocol{newV201(), newV21()} {
			if spec, ok := p.registry.Lookup(action); ok && spec.Direction&ocpp.CSMSToCharger != 0 {
				add(name, p.version)
			}
		}
	}
	return out
}

// translation sends a 1.6 action to a 2.x charger.
type translation struct {
	action  string
	convert func(ctx context.Context, c *conn, req any) (any, error)
}

var translations = map[string]translation{
	v16.ActionRemoteStartTransaction: {v201.ActionRequestStartTransaction, remoteStartTo201},
	v16.ActionRemoteStopTransaction:  {v201.ActionRequestStopTransaction, remoteStopTo201},
	v16.ActionGetConfiguration:       {v201.ActionGetVariables, getConfigurationTo201},
	v16.ActionChangeConfiguration:    {v201.ActionSetVariables, changeConfigurationTo201},
	v16.ActionReset:                  {v201.ActionReset, resetTo201},
	v16.ActionUnlockConnector:        {v201.ActionUnlockConnector, unlockTo201},
	v16.ActionChangeAvailability:     {v201.ActionChangeAvailability, availabilityTo201},
	v16.ActionTriggerMessage:         {v201.ActionTriggerMessage, triggerTo201},
	// Smart charging, reservations, local lists and firmware: see
	// v201_translate.go.
}

// versionName spells a version for people: "OCPP 2.0.1".
func versionName(v ocpp.Version) string { return "OCPP " + strings.TrimPrefix(string(v), "ocpp") }

// translate returns the action and payload to send for a CALL of action on
// connection c (see the comment at the top of this file).
func translate(ctx context.Context, c *conn, action string, request any) (string, any, error) {
	if !c.proto.version.Is2x() {
		return action, request, nil
	}
	if action == v16.ActionGetConfiguration && isEmptyBody(request) {
		// All keys: the whole configuration comes as NotifyReport (B07)
		// and is stored; the answer is GetBaseReport's status.
		return v201.ActionGetBaseReport, map[string]any{"requestId": rand.IntN(1 << 30), "reportBase": "ConfigurationInventory"}, nil
	}
	tr, ok := translations[action]
	if !ok {
		return action, request, nil
	}
	payload, err := payloadOf(action, request)
	if err != nil {
		return "", nil, err
	}
	if v, err := ocpp.DecodeRequest(c.proto.registry, ocpp.CSMSToCharger, tr.action, payload, ocpp.Strict); err == nil && onlyFieldsOf(v, payload) {
		return tr.action, payload, nil // a 2.x body
	}
	req16, err := ocpp.DecodeRequest(v16.Registry(), ocpp.CSMSToCharger, action, payload, ocpp.Strict)
	if err != nil {
		return tr.action, payload, nil // neither: validation names the 2.x field
	}
	out, err := tr.convert(ctx, c, req16)
	if err != nil {
		return "", nil, err
	}
	return tr.action, out, nil
}

func isEmptyBody(request any) bool {
	switch r := request.(type) {
	case nil:
		return true
	case json.RawMessage:
		return isEmptyObject(r)
	case []byte:
		return isEmptyObject(r)
	}
	return false
}

func isEmptyObject(b []byte) bool {
	var m map[string]json.RawMessage
	s := strings.TrimSpace(string(b))
	return s == "" || s == "null" || json.Unmarshal(b, &m) == nil && len(m) == 0
}

func unprocessable(c *conn, format string, args ...any) error {
	e := volt.Errorf(volt.EUNPROCESSABLE, format, args...)
	e.Message += " (" + versionName(c.proto.version) + ")"
	return e
}

func remoteStartTo201(_ context.Context, c *conn, req any) (any, error) {
	r := req.(*v16.RemoteStartTransactionRequest)
	if r.ChargingProfile != nil {
		return nil, unprocessable(c, "remote-start with a 1.6 chargingProfile cannot be translated; send the 2.0.1 body")
	}
	out := &v201.RequestStartTransactionRequest{IDToken: v201.IDToken{IDToken: r.IdTag, Type: v201.IDTokenEnumCentral},
		RemoteStartID: 1 + rand.IntN(1<<30)}
	if r.ConnectorID != nil && *r.ConnectorID > 0 {
		id := *r.ConnectorID
		out.EvseID = &id
	}
	return out, nil
}

func remoteStopTo201(ctx context.Context, c *conn, req any) (any, error) {
	r := req.(*v16.RemoteStopTransactionRequest)
	f, ok := c.g.cfg.Charging.(chargerTxStore)
	if !ok {
		return nil, unprocessable(c, "transactionId %d cannot be mapped to the charger's id", r.TransactionID)
	}
	// The caller may send commands to this charger (checked before Call);
	// the look-up is the gateway's own, as the system.
	id, err := f.FindChargerTransactionID(volt.NewContextWithActor(ctx, volt.SystemActor), c.cpid, int64(r.TransactionID))
	if err != nil {
		if volt.IsCode(err, volt.ENOTFOUND) {
			return nil, unprocessable(c, "transaction %d is not a transaction of this charger", r.TransactionID)
		}
		return nil, err
	}
	return &v201.RequestStopTransactionRequest{TransactionID: id}, nil
}

// wellKnown16 maps the 1.6 configuration keys Volt itself uses to their
// 2.0.1 device model variables (OCPP 2.0.1 Part 2, Appendix: referenced
// components and variables).
var wellKnown16 = map[string][2]string{
	"HeartbeatInterval":         {"OCPPCommCtrlr", "HeartbeatInterval"},
	"MeterValueSampleInterval":  {"SampledDataCtrlr", "TxUpdatedInterval"},
	"ClockAlignedDataInterval":  {"AlignedDataCtrlr", "Interval"},
	"ConnectionTimeOut":         {"TxCtrlr", "EVConnectionTimeOut"},
	"WebSocketPingInterval":     {"OCPPCommCtrlr", "WebSocketPingInterval"},
	"AuthorizationCacheEnabled": {"AuthCacheCtrlr", "Enabled"},
	"LocalPreAuthorize":         {"AuthCtrlr", "LocalPreAuthorize"},
}

// componentVariable reads a 1.6 key as a 2.x variable: a well-known 1.6
// key, or Component/Variable (the form DeviceModelKey writes, without EVSE
// or instances).
func componentVariable(c *conn, key string) (v201.Component, v201.Variable, error) {
	if cv, ok := wellKnown16[key]; ok {
		return v201.Component{Name: cv[0]}, v201.Variable{Name: cv[1]}, nil
	}
	comp, variable, ok := strings.Cut(key, "/")
	if !ok || comp == "" || variable == "" || strings.ContainsAny(comp, "@") {
		return v201.Component{}, v201.Variable{}, unprocessable(c, "key %q is not a device model variable: write Component/Variable or send the 2.0.1 body", key)
	}
	cn, ci, _ := strings.Cut(comp, ".")
	vn, vi, _ := strings.Cut(variable, ".")
	return v201.Component{Name: cn, Instance: ci}, v201.Variable{Name: vn, Instance: vi}, nil
}

func getConfigurationTo201(_ context.Context, c *conn, req any) (any, error) {
	r := req.(*v16.GetConfigurationRequest)
	out := &v201.GetVariablesRequest{}
	for _, k := range r.Key {
		comp, v, err := componentVariable(c, k)
		if err != nil {
			return nil, err
		}
		out.GetVariableData = append(out.GetVariableData, v201.GetVariableData{Component: comp, Variable: v})
	}
	return out, nil
}

func changeConfigurationTo201(_ context.Context, c *conn, req any) (any, error) {
	r := req.(*v16.ChangeConfigurationRequest)
	comp, v, err := componentVariable(c, r.Key)
	if err != nil {
		return nil, err
	}
	return &v201.SetVariablesRequest{SetVariableData: []v201.SetVariableData{{Component: comp, Variable: v, AttributeValue: r.Value}}}, nil
}

func resetTo201(_ context.Context, _ *conn, req any) (any, error) {
	r := req.(*v16.ResetRequest)
	t := v201.ResetEnumOnIdle // Soft: when idle
	if r.Type == v16.ResetTypeHard {
		t = v201.ResetEnumImmediate
	}
	return &v201.ResetRequest{Type: t}, nil
}

func unlockTo201(_ context.Context, _ *conn, req any) (any, error) {
	r := req.(*v16.UnlockConnectorRequest)
	return &v201.UnlockConnectorRequest{EvseID: r.ConnectorID, ConnectorID: 1}, nil
}

func availabilityTo201(_ context.Context, _ *conn, req any) (any, error) {
	r := req.(*v16.ChangeAvailabilityRequest)
	out := &v201.ChangeAvailabilityRequest{OperationalStatus: v201.OperationalStatusEnum(r.Type)}
	if r.ConnectorID > 0 {
		out.Evse = &v201.EVSE{ID: r.ConnectorID}
	}
	return out, nil
}

func triggerTo201(_ context.Context, c *conn, req any) (any, error) {
	r := req.(*v16.TriggerMessageRequest)
	msg := string(r.RequestedMessage)
	if msg == string(v16.MessageTriggerDiagnosticsStatusNotification) {
		msg = string(v201.MessageTriggerEnumLogStatusNotification)
	}
	if !slices.Contains(v201.MessageTriggerEnum("").EnumValues(), msg) {
		return nil, unprocessable(c, "%s cannot be triggered", msg)
	}
	out := &v201.TriggerMessageRequest{RequestedMessage: v201.MessageTriggerEnum(msg)}
	if r.ConnectorID != nil && *r.ConnectorID > 0 {
		out.Evse = &v201.EVSE{ID: *r.ConnectorID}
	}
	return out, nil
}

// payloadOf returns request as JSON bytes (see Call for the forms it takes).
func payloadOf(action string, request any) (json.RawMessage, error) {
	switch r := request.(type) {
	case nil:
		return json.RawMessage("{}"), nil
	case json.RawMessage:
		return r, nil
	case []byte:
		return r, nil
	}
	b, err := json.Marshal(request)
	if err != nil {
		return nil, volt.Errorf(volt.EINVALID, "request of %s cannot be encoded: %v", action, err)
	}
	return b, nil
}
