package ocpi

import (
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"net/url"
	"sort"
	"time"

	"github.com/volt-ev/volt"
)

// EVSEKey names one connector of a charger, an OCPI EVSE.
type EVSEKey struct {
	CPID        string
	ConnectorID int // 0: every connector of the charger (it went offline)
}

// evsePatch is the body of a status PATCH of an EVSE (§8.2.1.4): only
// what changed, and last_updated, which OCPI requires.
type evsePatch struct {
	Status      string `json:"status"`
	LastUpdated string `json:"last_updated"`
}

// FollowStatuses pushes every EVSE status change to the eMSP partners of
// the CPO until ctx ends: it reads the bus (which never blocks the OCPP
// handler that published), gathers the EVSEs that changed and, every
// `every`, queues one PATCH per EVSE and partner through the ocpi_pushes
// queue, coalesced so that a partner is only owed the latest status of an
// EVSE. The status is read from the store at that moment, not from the
// event. On start, and whenever the bus drops it for falling behind, it
// queues every published EVSE's status again (a restart or a drop loses
// no change; PATCH is idempotent). Run it in its own goroutine; RunPushes
// delivers.
func (s *Server) FollowStatuses(ctx context.Context, bus volt.EventBus, every time.Duration) {
	events, unsubscribe := bus.Subscribe()
	defer func() { unsubscribe() }()
	t := time.NewTicker(every)
	defer t.Stop()
	dirty := map[EVSEKey]struct{}{}
	resync := true
	for {
		select {
		case <-ctx.Done():
			return
		case e, ok := <-events:
			if !ok {
				events, unsubscribe = bus.Subscribe()
				resync = true
				continue
			}
			switch e.Type {
			case volt.EventConnectorStatus:
				if c, ok := e.Data.(volt.Connector); ok && c.ConnectorID > 0 {
					dirty[EVSEKey{CPID: e.CPID, ConnectorID: c.ConnectorID}] = struct{}{}
				}
			case volt.EventChargerConnected, volt.EventChargerDisconnected:
				dirty[EVSEKey{CPID: e.CPID}] = struct{}{}
			}
		case <-t.C:
			if resync {
				if _, err := s.QueueAllStatuses(ctx); err != nil {
					if ctx.Err() == nil {
						s.logger().Warn("ocpi status resync", "err", err)
					}
					continue
				}
				resync = false
				clear(dirty) // the resync read every status
			}
			if len(dirty) == 0 {
				continue
			}
			keys := make([]EVSEKey, 0, len(dirty))
			for k := range dirty {
				keys = append(keys, k)
			}
			if _, err := s.QueueStatuses(ctx, keys); err != nil {
				if ctx.Err() == nil {
					s.logger().Warn("ocpi status pushes", "err", err)
				}
				continue // keep them dirty: queued at the next tick
			}
			clear(dirty)
		}
	}
}

// statusPartners returns the connected eMSP partners that take Locations
// pushes, by CPO.
func (s *Server) statusPartners(ctx context.Context) (map[string][]*volt.OCPIPartner, error) {
	ps, err := s.Store.ConnectedOCPIPartners(ctx, volt.OCPIRoleEMSP)
	if err != nil {
		return nil, fmt.Errorf("partners for status pushes: %w", err)
	}
	out := map[string][]*volt.OCPIPartner{}
	for _, p := range ps {
		if p.Endpoint("locations", "RECEIVER") != "" {
			out[p.CPOID] = append(out[p.CPOID], p)
		}
	}
	return out, nil
}

// statusPushes builds one coalesced PATCH per partner of an EVSE's
// status.
func statusPushes(party *volt.OCPIParty, partners []*volt.OCPIPartner, locationID, evseUID, status string, at time.Time) ([]*volt.OCPIPush, error) {
	body, err := json.Marshal(evsePatch{Status: status, LastUpdated: DateTime(at)})
	if err != nil {
		return nil, err
	}
	path := "/" + url.PathEscape(party.CountryCode) + "/" + url.PathEscape(party.PartyID) + "/" + url.PathEscape(locationID) + "/" + url.PathEscape(evseUID)
	out := make([]*volt.OCPIPush, 0, len(partners))
	for _, p := range partners {
		out = append(out, &volt.OCPIPush{PartnerID: p.ID, Module: "locations", ObjectID: locationID + "/" + evseUID,
			Method: http.MethodPatch, URL: path, Body: body})
	}
	return out, nil
}

// QueueStatuses queues the current status of the given EVSEs for every
// eMSP partner of their CPO that the EVSE is published to, coalesced per
// EVSE and partner, and returns how many pushes it queued. Chargers of
// private groups, of groups excluded from OCPI or not among a partner's
// groups (volt.OCPIPartner.Publishes), and connectors without a type are
// not published.
func (s *Server) QueueStatuses(ctx context.Context, keys []EVSEKey) (int, error) {
	ctx = system(ctx)
	partners, err := s.statusPartners(ctx)
	if err != nil || len(partners) == 0 {
		return 0, err
	}
	sort.Slice(keys, func(i, j int) bool {
		if keys[i].CPID != keys[j].CPID {
			return keys[i].CPID < keys[j].CPID
		}
		return keys[i].ConnectorID < keys[j].ConnectorID
	})
	var pushes []*volt.OCPIPush
	parties := map[string]*volt.OCPIParty{}
	groups := map[string]*volt.ChargerGroup{}
	var c *volt.Charger
	for _, k := range keys {
		if c == nil || c.CPID != k.CPID {
			if c, err = s.Chargers.FindChargerByCPID(ctx, k.CPID); err != nil {
				if volt.ErrorCode(err) == volt.ENOTFOUND {
					c = nil
					continue
				}
				return 0, err
			}
		}
		ps := partners[c.CPOID]
		if len(ps) == 0 {
			continue
		}
		g, seen := groups[c.ChargerGroupID]
		if !seen {
			if g, err = s.Hierarchy.FindChargerGroupByID(ctx, c.ChargerGroupID); err != nil && volt.ErrorCode(err) != volt.ENOTFOUND {
				return 0, err
			}
			groups[c.ChargerGroupID] = g
		}
		var to []*volt.OCPIPartner
		for _, p := range ps {
			if p.Publishes(g) {
				to = append(to, p)
			}
		}
		if len(to) == 0 {
			continue
		}
		party, seen := parties[c.CPOID]
		if !seen {
			if party, err = s.Store.OCPIPartyOf(ctx, c.CPOID); err != nil && volt.ErrorCode(err) != volt.ENOTFOUND {
				return 0, err
			}
			parties[c.CPOID] = party
		}
		if party == nil {
			continue
		}
		for _, conn := range c.Connectors {
			if conn.ConnectorID < 1 || !conn.Type.Valid() || (k.ConnectorID != 0 && conn.ConnectorID != k.ConnectorID) {
				continue
			}
			at := conn.StatusAt
			if at.IsZero() || (!c.Online && c.UpdatedAt.After(at)) {
				at = c.UpdatedAt
			}
			more, err := statusPushes(party, to, c.SiteID, EVSEUID(c.CPID, conn.ConnectorID), EVSEStatus(c.Online, conn.Status), at)
			if err != nil {
				return 0, err
			}
			pushes = append(pushes, more...)
		}
	}
	if err := s.Store.QueueCoalescedPushes(ctx, pushes); err != nil {
		return 0, err
	}
	return len(pushes), nil
}

// QueueAllStatuses queues the status of every published EVSE of every CPO
// with an eMSP partner taking Locations pushes (after a start or a
// dropped subscription), coalesced like QueueStatuses.
func (s *Server) QueueAllStatuses(ctx context.Context) (int, error) {
	ctx = system(ctx)
	partners, err := s.statusPartners(ctx)
	if err != nil {
		return 0, err
	}
	n := 0
	for cpoID, ps := range partners {
		e, err := s.LoadEstate(ctx, cpoID, false)
		if err != nil {
			if volt.ErrorCode(err) == volt.ENOTFOUND {
				continue // no party of its own yet
			}
			return n, err
		}
		var pushes []*volt.OCPIPush
		for _, p := range ps {
			for _, loc := range e.LocationsFor(p) {
				for _, ev := range loc.EVSEs {
					at, _ := ParseDateTime(ev.LastUpdated)
					more, err := statusPushes(e.Party, []*volt.OCPIPartner{p}, loc.ID, ev.UID, ev.Status, at)
					if err != nil {
						return n, err
					}
					pushes = append(pushes, more...)
				}
			}
		}
		if err := s.Store.QueueCoalescedPushes(ctx, pushes); err != nil {
			return n, err
		}
		n += len(pushes)
	}
	return n, nil
}
