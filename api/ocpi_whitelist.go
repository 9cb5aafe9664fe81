package api

import (
	"context"
	"net/http"

	"github.com/danielgtaylor/huma/v2"
	"github.com/volt-ev/volt"
)

// RoamingWhitelistBody is the body of PUT /users/{id}/roaming-whitelist.
type RoamingWhitelistBody struct {
	Whitelist string `json:"whitelist" enum:",ALWAYS,ALLOWED,ALLOWED_OFFLINE,NEVER" doc:"How partner CPOs may authorise the driver's tokens (OCPI WhitelistType); NEVER: they ask Volt before every start; \"\": the default (a card: the driver's; the driver: ALLOWED)."`
	CardID    string `json:"cardId,omitempty" maxLength:"64" doc:"Set this card of the driver's instead of the driver's own setting."`
}

type roamingWhitelistInput struct {
	IDInput
	Body RoamingWhitelistBody
}

func (s *server) getRoamingWhitelist(ctx context.Context, in *IDInput) (*Out[*volt.RoamingWhitelist], error) {
	if s.RoamingWhitelists == nil {
		return nil, notWired("OCPI roaming whitelist")
	}
	w, err := s.RoamingWhitelists.FindRoamingWhitelist(ctx, in.ID)
	if err != nil {
		return nil, s.err(ctx, err)
	}
	return out(w), nil
}

func (s *server) setRoamingWhitelist(ctx context.Context, in *roamingWhitelistInput) (*Out[*volt.RoamingWhitelist], error) {
	if s.RoamingWhitelists == nil {
		return nil, notWired("OCPI roaming whitelist")
	}
	w, err := s.RoamingWhitelists.SetRoamingWhitelist(ctx, in.ID, in.Body.CardID, in.Body.Whitelist)
	if err != nil {
		return nil, s.err(ctx, err)
	}
	return out(w), nil
}

// roamingWhitelistRoutes: a driver's roaming whitelist and its cards'
// (issue 14 item 4), sent to partner CPOs by the token sync.
func (s *server) roamingWhitelistRoutes() {
	huma.Register(s.api, op("getRoamingWhitelist", http.MethodGet, "/users/{id}/roaming-whitelist",
		"A driver's roaming whitelist and each card's, as sent to partner CPOs", "users", 200), s.getRoamingWhitelist)
	huma.Register(s.api, op("setRoamingWhitelist", http.MethodPut, "/users/{id}/roaming-whitelist",
		"Set a driver's (or one card's) roaming whitelist: NEVER makes partner CPOs ask before every start", "users", 200), s.setRoamingWhitelist)
}
