package web

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"net/http"
	"strconv"
	"strings"
	"time"

	volt "github.com/volt-ev/volt"
)

// commandField is one input of a remote command form, named as the OCPP 1.6
// request field it fills.
type commandField struct {
	Name     string
	Label    string
	Kind     string   // "int", "text", "select", "list"
	Options  []string // for select
	Required bool
}

// commandSpec is a remote command the portal offers, by its kebab-case name.
type commandSpec struct {
	Name   string
	Label  string
	Help   string
	Fields []commandField
	Danger bool
	// Interrupts marks a command that can cut a running session short:
	// the portal asks for confirmation, naming the charger and its
	// running sessions (confirm.go).
	Interrupts bool
}

var connectorField = commandField{Name: "connectorId", Label: "Connector", Kind: "int", Required: true}

// commandSpecs are the commands of the charger page (OCPP 1.6 Core, Remote
// Trigger and Firmware profiles). Only those the gateway supports are shown.
var commandSpecs = []commandSpec{
	{Name: "remote-start", Label: "Start charging", Help: "Starts a session on a connector for an idTag.",
		Fields: []commandField{connectorField, {Name: "idTag", Label: "idTag (RFID card)", Kind: "text", Required: true}}},
	{Name: "remote-stop", Label: "Stop charging", Help: "Stops a running session.", Interrupts: true,
		Fields: []commandField{{Name: "transactionId", Label: "Transaction id", Kind: "int", Required: true}}},
	{Name: "unlock-connector", Label: "Unlock connector", Help: "Releases a stuck cable.", Interrupts: true, Fields: []commandField{connectorField}},
	{Name: "change-availability", Label: "Change availability", Help: "Connector 0 is the whole charger.", Interrupts: true,
		Fields: []commandField{{Name: "connectorId", Label: "Connector (0: all)", Kind: "int", Required: true},
			{Name: "type", Label: "Availability", Kind: "select", Options: []string{"Operative", "Inoperative"}, Required: true}}},
	{Name: "trigger-message", Label: "Ask for a message", Help: "Asks the charger to send a message now.",
		Fields: []commandField{{Name: "requestedMessage", Label: "Message", Kind: "select", Required: true,
			Options: []string{"StatusNotification", "Heartbeat", "MeterValues", "BootNotification", "DiagnosticsStatusNotification", "FirmwareStatusNotification"}},
			{Name: "connectorId", Label: "Connector (optional)", Kind: "int"}}},
	{Name: "get-configuration", Label: "Read configuration", Help: "Reads configuration keys; leave empty for all.",
		Fields: []commandField{{Name: "key", Label: "Keys (comma-separated, optional)", Kind: "list"}}},
	{Name: "change-configuration", Label: "Change configuration", Help: "Sets one configuration key.",
		Fields: []commandField{{Name: "key", Label: "Key", Kind: "text", Required: true}, {Name: "value", Label: "Value", Kind: "text", Required: true}}},
	{Name: "clear-cache", Label: "Clear authorisation cache", Help: "Empties the charger's local idTag cache."},
	{Name: "reset", Label: "Reset", Help: "Soft restarts the software; Hard reboots the charger.", Danger: true, Interrupts: true,
		Fields: []commandField{{Name: "type", Label: "Kind", Kind: "select", Options: []string{"Soft", "Hard"}, Required: true}}},
}

// availableCommands lists the commands the gateway supports.
func (a *Admin) availableCommands() []commandSpec {
	if a.cfg.Commander == nil || a.cfg.Commands == nil {
		return nil
	}
	var out []commandSpec
	for _, c := range commandSpecs {
		if _, ok := a.cfg.Commands(c.Name); ok {
			out = append(out, c)
		}
	}
	return out
}

// commandResult is the charger's answer to a command, or what went wrong.
type commandResult struct {
	Command string
	Label   string
	OK      bool
	Status  string // the answer's "status" field, when it has one
	Answer  string // the answer payload, indented
	Error   string
	Keys    []volt.ConfigKey // a GetConfiguration answer
	Unknown []string
	// Outcome says what came of a remote start that waited (the session,
	// or why none started); Failed marks one that started nothing.
	Outcome string
	Failed  bool
}

// chargerCommand sends a remote command and shows the charger's answer: as
// an htmx fragment, or as the charger page for browsers without script.
func (a *Admin) chargerCommand(w http.ResponseWriter, r *http.Request, s *sess) {
	cpid, name := r.PathValue("cpid"), r.PathValue("command")
	res := a.runCommand(r, s, cpid, name)
	if r.Header.Get("HX-Request") != "" {
		a.renderFragment(w, "charger", "command-result", http.StatusOK, res)
		return
	}
	v, err := a.loadCharger(r, s)
	if err != nil {
		a.fail(w, r, s, err)
		return
	}
	v.Result = res
	a.render(w, r, s, "charger", "Charger "+cpid, v)
}

func (a *Admin) runCommand(r *http.Request, s *sess, cpid, name string) *commandResult {
	spec, ok := findCommand(name)
	res := &commandResult{Command: name, Label: spec.Label}
	if a.cfg.Commander == nil || a.cfg.Commands == nil {
		res.Error = "Remote commands are not available on this server."
		return res
	}
	action, supported := a.cfg.Commands(name)
	if !ok || !supported {
		res.Error = "Unknown command " + strconv.Quote(name) + "."
		return res
	}
	c, err := a.cfg.Chargers.FindChargerByCPID(s.ctx, cpid)
	if err != nil {
		res.Error = errText(err)
		return res
	}
	if !s.actor.Can(volt.PermCommand, c.Ref()) {
		res.Error = "You are not allowed to send commands to this charger: your role here is read-only."
		return res
	}
	req, err := commandRequest(spec, r)
	if err != nil {
		res.Error = errText(err)
		return res
	}
	if action == "RemoteStartTransaction" && a.cfg.RemoteStarter != nil {
		a.remoteStart(s, cpid, req, res)
		return res
	}
	ctx, cancel := context.WithTimeout(s.ctx, 60*time.Second)
	defer cancel()
	var answer json.RawMessage
	if key, _ := req["key"].(string); action == "ChangeConfiguration" && volt.IsSecretConfigKey(key) && a.cfg.Rotator != nil {
		// A new AuthorizationKey counts once the charger accepts it.
		value, _ := req["value"].(string)
		_, answer, err = a.cfg.Rotator.ChangeChargerPassword(ctx, cpid, value)
	} else {
		answer, err = a.cfg.Commander.Call(ctx, cpid, action, req)
	}
	answer = volt.RedactJSON(answer)
	if err != nil {
		res.Error = errText(err)
		if ctx.Err() != nil && !volt.IsCode(err, volt.ETIMEOUT) {
			res.Error = errText(volt.Errorf(volt.ETIMEOUT, "timeout"))
		}
		return res
	}
	res.OK = true
	fillAnswer(res, answer)
	return res
}

func findCommand(name string) (commandSpec, bool) {
	for _, c := range commandSpecs {
		if c.Name == name {
			return c, true
		}
	}
	return commandSpec{Label: name}, false
}

// commandRequest builds the OCPP request payload from the form fields.
func commandRequest(spec commandSpec, r *http.Request) (map[string]any, error) {
	req := map[string]any{}
	for _, f := range spec.Fields {
		raw := strings.TrimSpace(r.PostFormValue(f.Name))
		if raw == "" {
			if f.Required {
				return nil, volt.FieldError(f.Name, "%s is required.", f.Label)
			}
			continue
		}
		switch f.Kind {
		case "int":
			n, err := strconv.ParseInt(raw, 10, 64)
			if err != nil || n < 0 {
				return nil, volt.FieldError(f.Name, "%s must be a whole number, not %q.", f.Label, raw)
			}
			req[f.Name] = n
		case "list":
			var keys []string
			for _, k := range strings.Split(raw, ",") {
				if k = strings.TrimSpace(k); k != "" {
					keys = append(keys, k)
				}
			}
			req[f.Name] = keys
		case "select":
			if !contains(f.Options, raw) {
				return nil, volt.FieldError(f.Name, "Choose one of %s for %s.", strings.Join(f.Options, ", "), f.Label)
			}
			req[f.Name] = raw
		default:
			req[f.Name] = raw
		}
	}
	return req, nil
}

// fillAnswer reads the charger's answer: its status, and the keys of a
// GetConfiguration.
func fillAnswer(res *commandResult, answer json.RawMessage) {
	var pretty bytes.Buffer
	if json.Indent(&pretty, answer, "", "  ") == nil {
		res.Answer = pretty.String()
	} else {
		res.Answer = string(answer)
	}
	var body struct {
		Status           string `json:"status"`
		ConfigurationKey []struct {
			Key      string  `json:"key"`
			Value    *string `json:"value"`
			Readonly bool    `json:"readonly"`
		} `json:"configurationKey"`
		UnknownKey []string `json:"unknownKey"`
	}
	if json.Unmarshal(answer, &body) != nil {
		return
	}
	res.Status = body.Status
	for _, k := range body.ConfigurationKey {
		res.Keys = append(res.Keys, volt.ConfigKey{Key: k.Key, Value: k.Value, Readonly: k.Readonly})
	}
	res.Unknown = body.UnknownKey
}

// asVolt is errors.As for the domain error.
func asVolt(err error, target **volt.Error) bool { return errors.As(err, target) }
