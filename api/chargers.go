package api

import (
	"context"

	"github.com/volt-ev/volt"
)

// ChargerCreate is the body of POST /api/v1/chargers (onboarding).
type ChargerCreate struct {
	ChargerGroupID string `json:"chargerGroupId" minLength:"1" doc:"The charger group the charger joins."`
	OCPPIdentity   string `json:"ocppIdentity,omitempty" maxLength:"64" doc:"Identity in the websocket URL (default: the CPID)."`
	Connectors     int    `json:"connectors,omitempty" minimum:"0" maximum:"64" doc:"Number of connectors (default 1)."`
	Name           string `json:"name,omitempty" maxLength:"200"`
}

// ChargerOnboarded is the answer of onboarding: the charger and its OCPP
// password, shown only this once.
type ChargerOnboarded struct {
	*volt.Charger
	OCPPPassword string `json:"ocppPassword" doc:"OCPP Basic-auth password; shown only once."`
}

// ChargerPatch is the body of PATCH /api/v1/chargers/{cpid}.
type ChargerPatch struct {
	Name           *string `json:"name,omitempty" maxLength:"200"`
	ChargerGroupID *string `json:"chargerGroupId,omitempty" minLength:"1" doc:"Move the charger to another group (history is kept)."`
}

type chargerListInput struct {
	CPOID          string `query:"cpoId"`
	OwnerID        string `query:"ownerId"`
	SiteID         string `query:"siteId"`
	ChargerGroupID string `query:"chargerGroupId"`
	Online         string `query:"online" enum:"true,false" doc:"Only online (true) or offline (false) chargers."`
	Status         string `query:"status" doc:"Only chargers with a connector in this OCPP status."`
	Query          string `query:"q" maxLength:"200" doc:"CPID, identity, name or serial prefix."`
	PageParams
}

type chargerCreateInput struct{ Body ChargerCreate }

type chargerPatchInput struct {
	CPIDInput
	Body ChargerPatch
}

type messagesInput struct {
	CPIDInput
	Before int64 `query:"before" minimum:"0" doc:"Only frames with an id below this (paging backwards)."`
	Limit  int   `query:"limit" minimum:"0" maximum:"500" doc:"Frames to return (default 100)."`
}

func (s *server) listChargers(ctx context.Context, in *chargerListInput) (*ListOutput[*volt.Charger], error) {
	f := volt.ChargerFilter{CPOID: in.CPOID, OwnerID: in.OwnerID, SiteID: in.SiteID,
		ChargerGroupID: in.ChargerGroupID, Status: volt.ConnectorStatus(in.Status), Query: in.Query, Page: in.page()}
	if in.Online != "" {
		on := in.Online == "true"
		f.Online = &on
	}
	items, total, err := s.Chargers.FindChargers(ctx, f)
	if err != nil {
		return nil, s.err(ctx, err)
	}
	return listOf(items, total, f.Page), nil
}

func (s *server) getCharger(ctx context.Context, in *CPIDInput) (*Out[*volt.Charger], error) {
	c, err := s.Chargers.FindChargerByCPID(ctx, in.CPID)
	if err != nil {
		return nil, s.err(ctx, err)
	}
	return out(c), nil
}

func (s *server) createCharger(ctx context.Context, in *chargerCreateInput) (*Out[ChargerOnboarded], error) {
	b := in.Body
	c := &volt.Charger{ChargerGroupID: b.ChargerGroupID, OCPPIdentity: b.OCPPIdentity, Name: b.Name}
	n := b.Connectors
	if n == 0 {
		n = 1
	}
	cred, err := s.Chargers.CreateCharger(ctx, c, n)
	if err != nil {
		return nil, s.err(ctx, err)
	}
	if c.CPID == "" {
		c.CPID = cred.CPID
	}
	c.OCPPIdentity = cred.OCPPIdentity
	return out(ChargerOnboarded{Charger: c, OCPPPassword: cred.OCPPPassword}), nil
}

func (s *server) patchCharger(ctx context.Context, in *chargerPatchInput) (*Out[*volt.Charger], error) {
	c, err := s.Chargers.FindChargerByCPID(ctx, in.CPID)
	if err != nil {
		return nil, s.err(ctx, err)
	}
	set(&c.Name, in.Body.Name)
	set(&c.ChargerGroupID, in.Body.ChargerGroupID)
	if err := s.Chargers.UpdateCharger(ctx, c); err != nil {
		return nil, s.err(ctx, err)
	}
	return out(c), nil
}

func (s *server) deleteCharger(ctx context.Context, in *CPIDInput) (*struct{}, error) {
	if err := s.Chargers.DeleteCharger(ctx, in.CPID); err != nil {
		return nil, s.err(ctx, err)
	}
	return nil, nil
}

func (s *server) resetChargerPassword(ctx context.Context, in *CPIDInput) (*Out[*volt.ChargerCredentials], error) {
	cred, err := s.Chargers.ResetChargerPassword(ctx, in.CPID)
	if err != nil {
		return nil, s.err(ctx, err)
	}
	return out(cred), nil
}

// visibleCharger finds the charger as the actor: the visibility check for
// the charging-service reads, which the gateway also calls as the system.
func (s *server) visibleCharger(ctx context.Context, cpid string) (*volt.Charger, error) {
	c, err := s.Chargers.FindChargerByCPID(ctx, cpid)
	if err != nil {
		return nil, s.err(ctx, err)
	}
	return c, nil
}

// MessagesBody is a page of a charger's OCPP message log, newest first.
type MessagesBody struct {
	Items []*volt.FrameLog `json:"items"`
	// NextBefore is the "before" of the next (older) page; 0 when this is the last.
	NextBefore int64 `json:"nextBefore,omitempty"`
}

// ConfigurationBody is a charger's configuration as last read from it.
type ConfigurationBody struct {
	Items []volt.ConfigKey `json:"items"`
}

func (s *server) chargerMessages(ctx context.Context, in *messagesInput) (*Out[MessagesBody], error) {
	c, err := s.visibleCharger(ctx, in.CPID)
	if err != nil {
		return nil, err
	}
	limit := in.Limit
	if limit == 0 {
		limit = 100
	}
	frames, err := s.Charging.FindFrames(ctx, c.CPID, in.Before, limit)
	if err != nil {
		return nil, s.err(ctx, err)
	}
	body := MessagesBody{Items: frames}
	if frames == nil {
		body.Items = []*volt.FrameLog{}
	}
	if len(frames) == limit {
		body.NextBefore = frames[len(frames)-1].ID
	}
	return out(body), nil
}

func (s *server) chargerConfiguration(ctx context.Context, in *CPIDInput) (*Out[ConfigurationBody], error) {
	c, err := s.visibleCharger(ctx, in.CPID)
	if err != nil {
		return nil, err
	}
	keys, err := s.Charging.FindConfiguration(ctx, c.CPID)
	if err != nil {
		return nil, s.err(ctx, err)
	}
	if keys == nil {
		keys = []volt.ConfigKey{}
	}
	return out(ConfigurationBody{Items: keys}), nil
}
