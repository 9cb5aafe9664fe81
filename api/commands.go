package api

import (
	"context"
	"encoding/json"
	"errors"
	"time"

	"github.com/volt-ev/volt"
)

// Command timeouts.
const (
	DefaultCommandTimeout = 30 * time.Second
	MaxCommandTimeout     = 120 * time.Second
)

type commandInput struct {
	CPIDInput
	Command string           `path:"command" maxLength:"64" doc:"Kebab-case OCPP action: remote-start, remote-stop, reset, unlock-connector, change-availability, get-configuration, change-configuration, trigger-message, clear-cache, ... The operation's description says which command exists for which OCPP version."`
	Timeout int              `query:"timeout" minimum:"0" maximum:"120" doc:"Seconds to wait for the charger's answer (default 30, at most 120)."`
	Wait    string           `query:"wait" maxLength:"16" doc:"remote-start only: session waits for the outcome, {status, outcome: started|refused|rejected|not_plugged|no_session, reason, authStatus, session}."`
	Body    *json.RawMessage `doc:"The OCPP request fields as the spec names them, e.g. {\"connectorId\":1,\"idTag\":\"04A2B3C4\"}."`
}

// commandDoc says which command exists for which OCPP version (the
// gateway's table, gateway.CommandVersions; issue #13).
const commandDoc = "Kebab-case OCPP action. " +
	"Every version (1.6, 2.0.1, 2.1): remote-start, remote-stop, reset, unlock-connector, change-availability, get-configuration, " +
	"change-configuration, trigger-message, clear-cache, data-transfer, reserve-now, cancel-reservation, send-local-list, " +
	"get-local-list-version, set-charging-profile, clear-charging-profile, get-composite-schedule, update-firmware, get-log, " +
	"certificate-signed, install-certificate, delete-certificate, get-installed-certificate-ids. " +
	"On a 2.0.1/2.1 charger they are sent as that version's action and take its body: remote-start is RequestStartTransaction " +
	"({\"idToken\": {\"idToken\", \"type\"}, \"evseId\"}), remote-stop RequestStopTransaction, get-configuration GetVariables " +
	"(no keys: GetBaseReport), change-configuration SetVariables; remote-start, remote-stop, reset, unlock-connector, " +
	"change-availability, trigger-message, get-configuration and change-configuration also take their 1.6 body, translated " +
	"(a 1.6 key is Component/Variable, or a 1.6 key Volt knows). " +
	"OCPP 1.6 only: get-diagnostics, extended-trigger-message, signed-update-firmware. " +
	"OCPP 2.0.1 and 2.1: get-variables, set-variables, get-base-report, get-report, request-start-transaction, " +
	"request-stop-transaction, get-transaction-status, set-display-message, get-display-messages, clear-display-message, " +
	"cost-updated, customer-information, get-charging-profiles, set-network-profile, set-monitoring-base, set-monitoring-level, " +
	"set-variable-monitoring, clear-variable-monitoring, get-monitoring-report, publish-firmware, unpublish-firmware. " +
	"OCPP 2.1 only: afrr-signal, adjust-periodic-event-stream, change-transaction-tariff, clear-der-control, clear-tariffs, " +
	"get-der-control, get-periodic-event-stream, get-tariffs, notify-allowed-energy-transfer, notify-web-payment-started, " +
	"request-battery-swap, set-default-tariff, set-der-control, update-dynamic-schedule, use-priority-charging. " +
	"A command with no meaning for the charger's version answers 422."

// CommandOutput is the charger's response payload, verbatim.
type CommandOutput struct {
	Body json.RawMessage
}

// sendCommand sends an OCPP call to a charger and returns its answer. The
// actor must see the charger (else 404) and hold PermCommand on it (else 403).
func (s *server) sendCommand(ctx context.Context, in *commandInput) (*CommandOutput, error) {
	action, ok := "", false
	if s.Commands != nil {
		action, ok = s.Commands(in.Command)
	}
	if !ok {
		return nil, newError(volt.ENOTFOUND, "Unknown command "+in.Command+".", "command")
	}
	c, err := s.visibleCharger(ctx, in.CPID)
	if err != nil {
		return nil, err
	}
	actor := volt.ActorFromContext(ctx)
	if !actor.Can(volt.PermCommand, c.Ref()) {
		return nil, newError(volt.EFORBIDDEN, "You may not send commands to this charger.", "")
	}
	var raw []byte
	if in.Body != nil {
		raw = *in.Body
	}
	body, aerr := commandBody(raw)
	if aerr != nil {
		return nil, aerr
	}
	if action == "SendLocalList" {
		if body, err = s.withCardGroups(ctx, c.CPID, body); err != nil {
			return nil, s.err(ctx, err)
		}
	}
	if s.ValidateCommand != nil {
		if err := s.ValidateCommand(action, body); err != nil {
			return nil, s.err(ctx, err)
		}
	}
	if s.Commander == nil {
		return nil, newError(volt.EUNAVAILABLE, "Charger commands are not available on this node.", "")
	}
	timeout := DefaultCommandTimeout
	if in.Timeout > 0 {
		timeout = min(time.Duration(in.Timeout)*time.Second, MaxCommandTimeout)
	}
	cctx, cancel := context.WithTimeout(ctx, timeout)
	defer cancel()
	if in.Wait != "" && (in.Wait != "session" || action != "RemoteStartTransaction") {
		return nil, newError(volt.EINVALID, "wait=session is the only wait, and only for remote-start.", "wait")
	}
	var res json.RawMessage
	if in.Wait == "session" {
		res, err = s.remoteStartAndWait(ctx, c.CPID, body)
	} else if pw, ok := secretChange(action, body); ok && s.Rotator != nil {
		// A new password counts only once the charger accepts it; the
		// request is never echoed or logged with it.
		_, res, err = s.Rotator.ChangeChargerPassword(cctx, c.CPID, pw)
		if ve := (*volt.Error)(nil); errors.As(err, &ve) && ve.Field == "password" {
			ve.Field = "value"
		}
		body = volt.RedactJSON(body)
	} else {
		res, err = s.Commander.Call(cctx, c.CPID, action, body)
	}
	if err == nil && !json.Valid(res) {
		err = volt.Errorf(volt.EINTERNAL, "charger %s answered %s with invalid JSON", c.CPID, action)
	}
	if err != nil && errors.Is(err, context.DeadlineExceeded) && volt.ErrorCode(err) == volt.EINTERNAL {
		err = &volt.Error{Code: volt.ETIMEOUT, Message: "The charger did not answer in time."}
	}
	s.audit(ctx, actor, c.CPID, action, body, err)
	if err != nil {
		return nil, s.err(ctx, err)
	}
	return &CommandOutput{Body: volt.RedactJSON(res)}, nil
}

// commandBody checks the raw body is one JSON object; empty means {}.
func commandBody(raw []byte) (json.RawMessage, *Error) {
	if len(raw) == 0 || string(raw) == "null" {
		return json.RawMessage("{}"), nil
	}
	var obj map[string]json.RawMessage
	if err := json.Unmarshal(raw, &obj); err != nil || obj == nil {
		return nil, newError(volt.EINVALID, "The body must be a JSON object with the OCPP request fields.", "")
	}
	return json.RawMessage(raw), nil
}

// audit records who sent which command and what came of it.
func (s *server) audit(ctx context.Context, a *volt.Actor, cpid, action string, req json.RawMessage, err error) {
	outcome := "ok"
	if err != nil {
		outcome = volt.ErrorCode(err)
	}
	s.Logger.InfoContext(ctx, "api: charger command", "user", a.UserID, "email", a.Email,
		"cpid", cpid, "action", action, "outcome", outcome)
	// TODO(audit): the portal's audit log implements Auditor; commands are
	// only logged until then.
	if s.Auditor != nil {
		s.Auditor.RecordCommand(ctx, CommandAudit{UserID: a.UserID, Email: a.Email, CPID: cpid,
			Action: action, Request: req, Outcome: outcome, At: s.Now()})
	}
}
