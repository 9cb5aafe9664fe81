package api

import (
	"context"
	"net/http"

	"github.com/danielgtaylor/huma/v2"
	"github.com/volt-ev/volt"
)

// Hubs (issue 16 item 5): one OCPP connection whose sockets are chargers of
// their own (one CPID each).

// HubCreate is the body of POST /api/v1/hubs.
type HubCreate struct {
	ChargerGroupID string `json:"chargerGroupId" minLength:"1" maxLength:"64" doc:"The charger group its sockets join."`
	OCPPIdentity   string `json:"ocppIdentity,omitempty" maxLength:"48" doc:"The hub's identity in its websocket URL (default: its first socket's CPID)."`
	Sockets        int    `json:"sockets" minimum:"1" maximum:"64" doc:"How many sockets (hub connectors 1..N), each becoming a charger with its own CPID."`
}

type hubCreateInput struct{ Body HubCreate }

type hubListInput struct{ HierarchyListParams }

func (s *server) hubRoutes() {
	a := s.api
	const get, post = http.MethodGet, http.MethodPost
	huma.Register(a, op("listHubs", get, "/hubs", "List hubs", "hubs", 200), s.listHubs)
	huma.Register(a, op("createHub", post, "/hubs", "Onboard a hub: one CPID per socket and the hub's OCPP password (shown once)", "hubs", 201), s.createHub)
	huma.Register(a, op("getHub", get, "/hubs/{id}", "Get a hub with its sockets", "hubs", 200), s.getHub)
}

func (s *server) createHub(ctx context.Context, in *hubCreateInput) (*Out[*volt.HubCredentials], error) {
	if s.Hubs == nil {
		return nil, notWired("hub")
	}
	h, err := s.Hubs.CreateHub(ctx, volt.HubCreate{ChargerGroupID: in.Body.ChargerGroupID, OCPPIdentity: in.Body.OCPPIdentity, Sockets: in.Body.Sockets})
	if err != nil {
		return nil, s.err(ctx, err)
	}
	return out(h), nil
}

func (s *server) listHubs(ctx context.Context, in *hubListInput) (*ListOutput[*volt.Hub], error) {
	if s.Hubs == nil {
		return nil, notWired("hub")
	}
	f := in.filter()
	hubs, total, err := s.Hubs.FindHubs(ctx, f)
	if err != nil {
		return nil, s.err(ctx, err)
	}
	return listOf(hubs, total, f.Page), nil
}

func (s *server) getHub(ctx context.Context, in *IDInput) (*Out[*volt.Hub], error) {
	if s.Hubs == nil {
		return nil, notWired("hub")
	}
	h, err := s.Hubs.FindHubByID(ctx, in.ID)
	if err != nil {
		return nil, s.err(ctx, err)
	}
	return out(h), nil
}
