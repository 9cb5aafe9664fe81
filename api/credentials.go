package api

import (
	"bytes"
	"context"
	"encoding/json"
	"strings"

	"github.com/volt-ev/volt"
)

// ChargerPasswordSet is the body of PUT /api/v1/chargers/{cpid}/password.
type ChargerPasswordSet struct {
	Password string `json:"password" doc:"16 to 40 characters of a-z, A-Z, 0-9 and * - _ = : + | @ . (OCPP passwordString)."`
}

type chargerPasswordInput struct {
	CPIDInput
	Body ChargerPasswordSet
}

// setChargerPassword sets a chosen OCPP password, effective at once (moving
// a fleet from another back office: the chargers keep the password they
// have).
func (s *server) setChargerPassword(ctx context.Context, in *chargerPasswordInput) (*struct{}, error) {
	if s.Credentials == nil {
		return nil, notWired("charger credential")
	}
	if err := s.Credentials.SetChargerPassword(ctx, in.CPID, in.Body.Password); err != nil {
		return nil, s.err(ctx, err)
	}
	return nil, nil
}

// rotateChargerPassword generates a password, sends it to the charger and
// switches to it only when the charger accepts.
func (s *server) rotateChargerPassword(ctx context.Context, in *CPIDInput) (*Out[*volt.PasswordRotationResult], error) {
	if s.Rotator == nil {
		return nil, notWired("password rotation")
	}
	if _, err := s.commandableCharger(ctx, in.CPID); err != nil {
		return nil, err
	}
	res, err := s.Rotator.RotateChargerPassword(ctx, in.CPID)
	if err != nil {
		return nil, s.err(ctx, err)
	}
	return out(res), nil
}

// commandableCharger is a charger the actor sees and may command.
func (s *server) commandableCharger(ctx context.Context, cpid string) (*volt.Charger, error) {
	c, err := s.visibleCharger(ctx, cpid)
	if err != nil {
		return nil, err
	}
	if !volt.ActorFromContext(ctx).Can(volt.PermCommand, c.Ref()) {
		return nil, newError(volt.EFORBIDDEN, "You may not send commands to this charger.", "")
	}
	return c, nil
}

// secretChange returns the password a command sets when it sets one
// (ChangeConfiguration of AuthorizationKey): such a command goes through
// the rotation, so Volt accepts the new password once the charger does.
func secretChange(action string, body json.RawMessage) (string, bool) {
	if action != "ChangeConfiguration" {
		return "", false
	}
	var req struct {
		Key   string `json:"key"`
		Value string `json:"value"`
	}
	if err := json.Unmarshal(body, &req); err != nil || !strings.EqualFold(req.Key, "AuthorizationKey") {
		return "", false
	}
	return req.Value, true
}

type chargerImportInput struct {
	RawBody []byte `contentType:"text/csv"`
}

// ChargerImport is the answer of a bulk import: every charger created, with
// its OCPP password (the one given, or a generated one), shown once.
type ChargerImport struct {
	Chargers []*volt.ChargerCredentials `json:"chargers"`
}

// importChargers onboards the chargers of a CSV file, all or nothing.
func (s *server) importChargers(ctx context.Context, in *chargerImportInput) (*Out[ChargerImport], error) {
	if s.Credentials == nil {
		return nil, notWired("charger credential")
	}
	rows, err := volt.ParseChargerCSV(bytes.NewReader(in.RawBody))
	if err != nil {
		return nil, s.err(ctx, err)
	}
	creds, err := s.Credentials.ImportChargers(ctx, rows)
	if err != nil {
		return nil, s.err(ctx, err)
	}
	return out(ChargerImport{Chargers: creds}), nil
}

// withCardGroups fills the parentIdTag of every entry of a SendLocalList
// that has an idTagInfo without one, with the card's group: the charger can
// then let cards of one group stop each other's sessions while offline
// (OCPP 1.6 §5.15, §3.5). A given parentIdTag is kept.
func (s *server) withCardGroups(ctx context.Context, cpid string, body json.RawMessage) (json.RawMessage, error) {
	finder, ok := s.Charging.(volt.CardGroupFinder)
	if !ok {
		return body, nil
	}
	var req map[string]any
	if err := json.Unmarshal(body, &req); err != nil {
		return body, nil // the validator reports it
	}
	list, _ := req["localAuthorizationList"].([]any)
	var tags []string
	for _, e := range list {
		if m, ok := e.(map[string]any); ok {
			if tag, ok := m["idTag"].(string); ok {
				tags = append(tags, tag)
			}
		}
	}
	if len(tags) == 0 {
		return body, nil
	}
	groups, err := finder.CardGroupTags(ctx, cpid, tags)
	if err != nil {
		return nil, err
	}
	changed := false
	for _, e := range list {
		m, _ := e.(map[string]any)
		info, _ := m["idTagInfo"].(map[string]any)
		tag, _ := m["idTag"].(string)
		if info == nil || groups[tag] == "" {
			continue
		}
		if p, _ := info["parentIdTag"].(string); p == "" {
			info["parentIdTag"], changed = groups[tag], true
		}
	}
	if !changed {
		return body, nil
	}
	return json.Marshal(req)
}

// remoteStartAndWait sends a remote start and waits for its outcome: the
// session that started, or why none did.
func (s *server) remoteStartAndWait(ctx context.Context, cpid string, body json.RawMessage) (json.RawMessage, error) {
	if s.RemoteStarter == nil {
		return nil, newError(volt.ENOTIMPLEMENTED, "Waiting for the session is not available on this node.", "wait")
	}
	var req struct {
		ConnectorID int    `json:"connectorId"`
		IDTag       string `json:"idTag"`
	}
	if err := json.Unmarshal(body, &req); err != nil || req.IDTag == "" {
		return nil, newError(volt.EINVALID, "remote-start needs an idTag.", "idTag")
	}
	out, err := s.RemoteStarter.RemoteStartAndWait(ctx, cpid, volt.RemoteStartRequest{ConnectorID: req.ConnectorID, IDTag: req.IDTag})
	if err != nil {
		return nil, err
	}
	return json.Marshal(out)
}
