package gateway

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"time"

	volt "github.com/volt-ev/volt"
	"github.com/volt-ev/volt/ocpp"
)

// protocol is what one OCPP version brings to the shared transport: the
// codec's registry, the handlers of charger-originated CALLs, and what to do
// after some of Volt's own CALLs succeed. The gateway's table of protocols is
// keyed by subprotocol; OCPP 2.0.1 is another value of this type.
type protocol struct {
	version  ocpp.Version
	registry *ocpp.Registry
	// bootAction is the CALL allowed while a boot is refused.
	bootAction string
	handlers   map[string]handler
	// after runs once a CALL of the action got its CALLRESULT; it must not
	// fail the call (the charger did what it answered).
	after map[string]afterFunc
}

// handler serves one charger CALL; req is the decoded request (a pointer to
// the codec's type). A returned *ocpp.Error is sent as that CALLERROR; any
// other error is logged and answered InternalError.
type handler func(ctx context.Context, c *conn, req any) (any, error)

type afterFunc func(ctx context.Context, c *conn, req, res json.RawMessage)

// handlerTimeout bounds the store work of one charger CALL.
const handlerTimeout = 30 * time.Second

// serve decodes and runs one charger CALL.
func (p *protocol) serve(c *conn, call ocpp.Call) (any, error) {
	if call.Action != p.bootAction && c.bootRefused() {
		return nil, &ocpp.Error{Code: ocpp.SecurityError, Reason: "BootNotification not accepted"}
	}
	req, err := ocpp.DecodeRequest(p.registry, ocpp.ChargerToCSMS, call.Action, call.Payload, c.relaxations())
	if err != nil {
		return nil, err
	}
	h := p.handlers[call.Action]
	if h == nil {
		return nil, &ocpp.Error{Code: p.version.Code(ocpp.NotSupported), Reason: "action " + call.Action + " not supported"}
	}
	h = c.hubHandler(h) // a hub routes by connector (hub.go)
	// A message that arrived is recorded even if the connection drops
	// meanwhile: the charger's retry is then recognised as a replay.
	ctx, cancel := context.WithTimeout(context.WithoutCancel(c.ctx), handlerTimeout)
	defer cancel()
	// The reflective walk runs only when the raw payload has bad text at
	// all (frameFlags is a byte scan): never on a normal message.
	if frameFlags(call.Payload) == "" {
		return h(ctx, c, req)
	}
	if fields := sanitizeRequest(req); len(fields) > 0 {
		c.g.log.Warn("gateway: control characters or invalid UTF-8 replaced by U+FFFD", "cpid", c.cpid,
			"action", call.Action, "uniqueId", call.UniqueID, "fields", fields)
		ctx = withSanitized(ctx)
	}
	return h(ctx, c, req)
}

// validateRequest checks a CSMS-initiated request against the action's
// request type and returns its JSON. Errors are EINVALID.
func (p *protocol) validateRequest(action string, request any) (json.RawMessage, error) {
	spec, ok := p.registry.Lookup(action)
	if !ok { // an action of another version: no meaning for this charger
		return nil, volt.Errorf(volt.EUNPROCESSABLE, "%s is not a command of %s", kebab(action), versionName(p.version))
	}
	if spec.Direction&ocpp.CSMSToCharger == 0 {
		return nil, volt.Errorf(volt.EINVALID, "%s is not a command of OCPP %s", action, p.version)
	}
	var payload json.RawMessage
	switch r := request.(type) {
	case nil:
	case json.RawMessage:
		payload = r
	case []byte:
		payload = r
	default:
		b, err := json.Marshal(r)
		if err != nil {
			return nil, &volt.Error{Code: volt.EINVALID, Message: fmt.Sprintf("request of %s cannot be encoded: %v", action, err)}
		}
		payload = b
	}
	payload = bytes.TrimSpace(payload)
	if len(payload) == 0 {
		payload = json.RawMessage("{}")
	}
	if payload[0] != '{' {
		return nil, &volt.Error{Code: volt.EINVALID, Message: "request body must be a JSON object"}
	}
	if _, err := ocpp.DecodeRequest(p.registry, ocpp.CSMSToCharger, action, payload, ocpp.Strict); err != nil {
		var oe *ocpp.Error
		if errors.As(err, &oe) {
			return nil, &volt.Error{Code: volt.EINVALID, Field: oe.Field, Message: oe.Description()}
		}
		return nil, &volt.Error{Code: volt.EINVALID, Message: "invalid request for " + action}
	}
	return payload, nil
}

func (p *protocol) afterCall(ctx context.Context, c *conn, action string, req, res json.RawMessage) {
	if f := p.after[action]; f != nil {
		f(context.WithoutCancel(ctx), c, req, res)
	}
}

func (c *conn) bootRefused() bool {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.boot == bootRefused
}

func (c *conn) setBoot(s bootState) {
	c.mu.Lock()
	c.boot = s
	c.mu.Unlock()
}
