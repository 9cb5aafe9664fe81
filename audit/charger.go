package audit

import (
	"context"
	"encoding/json"
	"errors"
	"strings"
	"unicode"

	"github.com/volt-ev/volt"
)

// chargers audits every change of a volt.ChargerService.
type chargers struct {
	volt.ChargerService
	r *Recorder
}

// WrapChargers returns next with onboarding, updates, deletes, password
// resets and model changes recorded ("charger.create", ...). Passwords never
// reach the log: snapshots are the charger as JSON, whose hash is hidden.
func WrapChargers(next volt.ChargerService, r *Recorder) volt.ChargerService {
	return &chargers{ChargerService: next, r: r}
}

func (c *chargers) tracked() tracked[*volt.Charger] {
	return tracked[*volt.Charger]{typ: volt.ResourceCharger, find: c.FindChargerByCPID, place: (*volt.Charger).Ref}
}

// CreateCharger onboards and records "charger.create".
func (c *chargers) CreateCharger(ctx context.Context, ch *volt.Charger, connectors int) (*volt.ChargerCredentials, error) {
	var cred *volt.ChargerCredentials
	err := run(ctx, c.r, c.tracked(), mutation{action: "charger.create", details: map[string]int{"connectors": connectors},
		call: func() (string, error) {
			var err error
			cred, err = c.ChargerService.CreateCharger(ctx, ch, connectors)
			if err != nil {
				return "", err
			}
			return cred.CPID, nil
		}})
	return cred, err
}

// UpdateCharger updates and records "charger.update".
func (c *chargers) UpdateCharger(ctx context.Context, ch *volt.Charger) error {
	return run(ctx, c.r, c.tracked(), mutation{action: "charger.update", id: ch.CPID, call: func() (string, error) {
		return idIf(ch.CPID, c.ChargerService.UpdateCharger(ctx, ch))
	}})
}

// DeleteCharger deletes and records "charger.delete".
func (c *chargers) DeleteCharger(ctx context.Context, cpid string) error {
	return run(ctx, c.r, c.tracked(), mutation{action: "charger.delete", id: cpid, deletes: true, call: func() (string, error) {
		return idIf(cpid, c.ChargerService.DeleteCharger(ctx, cpid))
	}})
}

// ResetChargerPassword issues a new password and records
// "charger.reset-password" (without the password).
func (c *chargers) ResetChargerPassword(ctx context.Context, cpid string) (*volt.ChargerCredentials, error) {
	var cred *volt.ChargerCredentials
	err := run(ctx, c.r, c.tracked(), mutation{action: "charger.reset-password", id: cpid, call: func() (string, error) {
		var err error
		cred, err = c.ChargerService.ResetChargerPassword(ctx, cpid)
		return idIf(cpid, err)
	}})
	return cred, err
}

// UpdateConnector changes a connector's facts and records
// "charger.update-connector" (the charger before and after).
func (c *chargers) UpdateConnector(ctx context.Context, cpid string, connectorID int, u volt.ConnectorUpdate) (*volt.Connector, error) {
	var k *volt.Connector
	err := run(ctx, c.r, c.tracked(), mutation{action: "charger.update-connector", id: cpid, details: map[string]int{"connectorId": connectorID},
		call: func() (string, error) {
			var err error
			k, err = c.ChargerService.UpdateConnector(ctx, cpid, connectorID, u)
			return idIf(cpid, err)
		}})
	return k, err
}

// UpsertChargerModel changes a make/model and records "charger-model.upsert".
func (c *chargers) UpsertChargerModel(ctx context.Context, m *volt.ChargerModel) error {
	key := m.Vendor + "/" + m.Model
	t := tracked[*volt.ChargerModel]{typ: volt.ResourceChargerModel, find: c.findModel,
		place: func(*volt.ChargerModel) volt.Ref { return volt.Ref{} }}
	return run(ctx, c.r, t, mutation{action: "charger-model.upsert", id: key, call: func() (string, error) {
		return idIf(key, c.ChargerService.UpsertChargerModel(ctx, m))
	}})
}

func (c *chargers) findModel(ctx context.Context, key string) (*volt.ChargerModel, error) {
	ms, err := c.FindChargerModels(ctx)
	if err != nil {
		return nil, err
	}
	for _, m := range ms {
		if m.Vendor+"/"+m.Model == key {
			return m, nil
		}
	}
	return nil, volt.Errorf(volt.ENOTFOUND, "Charger model %q not found.", key)
}

// commander audits every command sent to a charger.
type commander struct {
	next     volt.ChargerCommander
	chargers volt.ChargerService
	r        *Recorder
}

// WrapCommander returns next with every call recorded as
// "command.<name>" (the API's kebab-case command name: "command.reset",
// "command.remote-stop"), with the request and the charger's answer in
// Details and the failure code (charger_offline, charger_timeout,
// charger_call_error, ...) when it failed. chargers places the entry at the
// charger (read with the caller's actor).
func WrapCommander(next volt.ChargerCommander, chargers volt.ChargerService, r *Recorder) volt.ChargerCommander {
	return &commander{next: next, chargers: chargers, r: r}
}

// commandDetails is the Details of a command entry.
type commandDetails struct {
	OCPPAction string          `json:"ocppAction"`
	Request    any             `json:"request"`
	Response   json.RawMessage `json:"response,omitempty"`
	Error      any             `json:"error,omitempty"`
}

// Call sends the command and records it, whatever came of it.
func (c *commander) Call(ctx context.Context, cpid, action string, request any) (json.RawMessage, error) {
	e := &volt.AuditEntry{Action: "command." + CommandName(action), ResourceType: volt.ResourceCharger, ResourceID: cpid}
	if ch, err := c.chargers.FindChargerByCPID(ctx, cpid); err == nil {
		e.Place(ch.Ref())
	}
	res, err := c.next.Call(ctx, cpid, action, request)
	d := commandDetails{OCPPAction: action, Request: request}
	if raw, ok := request.(json.RawMessage); ok && !json.Valid(raw) {
		d.Request = string(raw)
	} else if b, merr := json.Marshal(request); merr == nil {
		d.Request = volt.RedactJSON(b) // a new AuthorizationKey is not for the log
	}
	if err == nil && json.Valid(res) {
		d.Response = volt.RedactJSON(res)
	}
	var ve *volt.Error
	if err != nil && errors.As(err, &ve) {
		d.Error = ve.Details
	}
	e.Details = snapshot(d)
	e.SetResult(err)
	c.r.Record(ctx, e)
	return res, err
}

// CommandName returns the API's command name of an OCPP action: kebab case,
// without a trailing "Transaction" ("RemoteStopTransaction" → "remote-stop",
// "UnlockConnector" → "unlock-connector").
func CommandName(action string) string {
	var b strings.Builder
	for i, r := range action {
		if unicode.IsUpper(r) {
			if i > 0 {
				b.WriteByte('-')
			}
			r = unicode.ToLower(r)
		}
		b.WriteRune(r)
	}
	name := b.String()
	if name != "-transaction" {
		name = strings.TrimSuffix(name, "-transaction")
	}
	return name
}
