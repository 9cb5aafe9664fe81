package api

import (
	"context"
	"time"

	"github.com/volt-ev/volt"
)

// RFIDCardCreate is the body of POST /api/v1/rfid-cards.
type RFIDCardCreate struct {
	UID       string     `json:"uid" minLength:"1" maxLength:"20" doc:"The OCPP idTag the charger sends for the card."`
	UserID    string     `json:"userId" minLength:"1"`
	Label     string     `json:"label,omitempty" maxLength:"200"`
	ExpiresAt *time.Time `json:"expiresAt,omitempty"`
	GroupID   string     `json:"groupId,omitempty" maxLength:"20" doc:"The card's group (OCPP parentIdTag); default the card's user."`
}

// RFIDCardPatch is the body of PATCH /api/v1/rfid-cards/{id}.
type RFIDCardPatch struct {
	Label     *string    `json:"label,omitempty" maxLength:"200"`
	Blocked   *bool      `json:"blocked,omitempty"`
	ExpiresAt *time.Time `json:"expiresAt,omitempty"`
	GroupID   *string    `json:"groupId,omitempty" maxLength:"20" doc:"The card's group, sent to chargers as the OCPP parentIdTag: cards of one group may stop each other's sessions. Empty: the card's user."`
}

type rfidListInput struct {
	CPOID string `query:"cpoId"`
	Query string `query:"q" maxLength:"200" doc:"UID or label."`
	PageParams
}

type rfidCreateInput struct{ Body RFIDCardCreate }

type rfidPatchInput struct {
	IDInput
	Body RFIDCardPatch
}

func (s *server) listRFIDCards(ctx context.Context, in *rfidListInput) (*ListOutput[*volt.RFIDCard], error) {
	f := volt.UserFilter{CPOID: in.CPOID, Query: in.Query, Page: in.page()}
	items, total, err := s.Users.FindRFIDCards(ctx, f)
	if err != nil {
		return nil, s.err(ctx, err)
	}
	return listOf(items, total, f.Page), nil
}

func (s *server) getRFIDCard(ctx context.Context, in *IDInput) (*Out[*volt.RFIDCard], error) {
	c, err := s.Users.FindRFIDCardByID(ctx, in.ID)
	if err != nil {
		return nil, s.err(ctx, err)
	}
	return out(c), nil
}

func (s *server) createRFIDCard(ctx context.Context, in *rfidCreateInput) (*Out[*volt.RFIDCard], error) {
	b := in.Body
	c := &volt.RFIDCard{UID: b.UID, UserID: b.UserID, Label: b.Label, ExpiresAt: b.ExpiresAt, GroupID: b.GroupID}
	if err := s.Users.CreateRFIDCard(ctx, c); err != nil {
		return nil, s.err(ctx, err)
	}
	return out(c), nil
}

func (s *server) patchRFIDCard(ctx context.Context, in *rfidPatchInput) (*Out[*volt.RFIDCard], error) {
	c, err := s.Users.FindRFIDCardByID(ctx, in.ID)
	if err != nil {
		return nil, s.err(ctx, err)
	}
	set(&c.Label, in.Body.Label)
	set(&c.Blocked, in.Body.Blocked)
	set(&c.GroupID, in.Body.GroupID)
	if in.Body.ExpiresAt != nil {
		c.ExpiresAt = in.Body.ExpiresAt
	}
	if err := s.Users.UpdateRFIDCard(ctx, c); err != nil {
		return nil, s.err(ctx, err)
	}
	return out(c), nil
}

func (s *server) deleteRFIDCard(ctx context.Context, in *IDInput) (*struct{}, error) {
	if err := s.Users.DeleteRFIDCard(ctx, in.ID); err != nil {
		return nil, s.err(ctx, err)
	}
	return nil, nil
}
