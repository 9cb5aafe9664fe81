package gateway

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"

	volt "github.com/volt-ev/volt"
	"github.com/volt-ev/volt/ocpp"
	"github.com/volt-ev/volt/ocpp/v201"
	"github.com/volt-ev/volt/ocpp/v21"
)

// Hubs on OCPP 2.0.1 and 2.1 (issue 16 item 5, carried by issue 13): a hub's
// EVSEs are its sockets, as its connectors are on 1.6 (hub.go). A frame
// naming an EVSE (StatusNotification, MeterValues, a TransactionEvent with
// evse) goes to that socket's view with the socket's EVSE id 1; a
// TransactionEvent without evse goes to the socket whose session has its
// transactionId; BootNotification and Heartbeat go to every socket. A
// command to a socket's CPID goes out on the hub with the hub's EVSE id
// (evseId, evse.id; a 1.6 body's connectorId as on 1.6, translated after).
// An EVSE outside the hub is refused both ways, naming evseId.

// hubHandler2x routes a 2.x charger CALL on a hub connection.
func (c *conn) hubHandler2x(run func(context.Context, *conn, any) (any, error)) handler {
	hc := c.hub
	one := func(ctx context.Context, n *int, req any) (any, error) {
		v, sk, err := hc.socket(*n)
		if err != nil {
			var oe *ocpp.Error
			if errors.As(err, &oe) {
				oe.Field = "evseId"
				oe.Reason = fmt.Sprintf("EVSE %d is not a socket of this hub (1-%d)", *n, len(hc.hub.Sockets))
			}
			return nil, err
		}
		*n = sk.ConnectorID
		return run(ctx, v, req)
	}
	byTransaction := func(ctx context.Context, txID string, req any) (any, error) {
		for _, sk := range hc.hub.Sockets {
			v := hc.views[sk.CPID]
			if s, err := findChargerTx(ctx, v, txID); err == nil && s != nil {
				return run(ctx, v, req)
			}
		}
		return run(ctx, c, req) // unknown transaction: the first socket's, as on 1.6
	}
	return func(ctx context.Context, _ *conn, req any) (any, error) {
		switch r := req.(type) {
		case *v201.BootNotificationRequest: // the 2.1 type is an alias
			return c.hubBoot2x(ctx, run, r)
		case *v201.HeartbeatRequest:
			return c.eachSocket(ctx, run, func() any { return r })
		case *v201.StatusNotificationRequest:
			if r.EvseID == 0 {
				return c.eachSocket(ctx, run, func() any { cp := *r; return &cp })
			}
			return one(ctx, &r.EvseID, r)
		case *v21.StatusNotificationRequest:
			if r.EvseID == 0 {
				return c.eachSocket(ctx, run, func() any { cp := *r; return &cp })
			}
			return one(ctx, &r.EvseID, r)
		case *v201.MeterValuesRequest:
			if r.EvseID == 0 {
				return run(ctx, c, r)
			}
			return one(ctx, &r.EvseID, r)
		case *v21.MeterValuesRequest:
			if r.EvseID == 0 {
				return run(ctx, c, r)
			}
			return one(ctx, &r.EvseID, r)
		case *v201.TransactionEventRequest:
			if r.Evse != nil && r.Evse.ID > 0 {
				return one(ctx, &r.Evse.ID, r)
			}
			return byTransaction(ctx, r.TransactionInfo.TransactionID, r)
		case *v21.TransactionEventRequest:
			if r.Evse != nil && r.Evse.ID > 0 {
				return one(ctx, &r.Evse.ID, r)
			}
			return byTransaction(ctx, r.TransactionInfo.TransactionID, r)
		}
		// Authorize, reports, notifications: the hub's (its first socket's).
		// TODO(issue 16): route the reports naming an EVSE
		// (NotifyEVChargingNeeds, ReportChargingProfiles, ...) to the socket.
		return run(ctx, c, req)
	}
}

// hubBoot2x records the boot on every socket; the hub is accepted only when
// every socket is.
func (c *conn) hubBoot2x(ctx context.Context, run func(context.Context, *conn, any) (any, error), r *v201.BootNotificationRequest) (any, error) {
	var answer *v201.BootNotificationResponse
	for _, sk := range c.hub.hub.Sockets {
		cp := *r
		res, err := run(ctx, c.hub.views[sk.CPID], &cp)
		if err != nil {
			return nil, err
		}
		br, _ := res.(*v201.BootNotificationResponse)
		if br == nil {
			return nil, &ocpp.Error{Code: ocpp.InternalError, Reason: "boot answer"}
		}
		if answer == nil || br.Status != v201.RegistrationStatusEnumAccepted {
			answer = br
		}
	}
	if answer.Status == v201.RegistrationStatusEnumAccepted {
		c.setBoot(bootAccepted)
	} else {
		c.setBoot(bootRefused)
	}
	return answer, nil
}

// routeSocket2x maps the EVSE of a 2.x body sent to hub socket sk: evseId
// or evse.id 1 (or the socket's own id) becomes the hub's EVSE id, another
// is EINVALID; absent, a remote start or a per-EVSE trigger is given the
// socket's EVSE. handled is false for a body that names no EVSE and needs
// none (a 1.6 body with connectorId is routed by routeSocket, then
// translated).
func routeSocket2x(cpid, action string, sk volt.HubSocket, body map[string]json.RawMessage) (out json.RawMessage, handled bool, err error) {
	mapID := func(n int, field string) (int, error) {
		if n > 0 && n != sk.ConnectorID {
			return 0, &volt.Error{Code: volt.EINVALID, Field: field,
				Message: fmt.Sprintf("Charger %s is EVSE %d of a hub and has EVSE %d only.", cpid, sk.HubConnectorID, sk.ConnectorID)}
		}
		return sk.HubConnectorID, nil
	}
	switch {
	case body["evseId"] != nil:
		var n int
		if json.Unmarshal(body["evseId"], &n) != nil || n == 0 {
			return nil, false, nil // invalid (validation names it) or the station as a whole
		}
		id, err := mapID(n, "evseId")
		if err != nil {
			return nil, true, err
		}
		body["evseId"] = json.RawMessage(fmt.Sprint(id))
	case body["evse"] != nil:
		var evse map[string]json.RawMessage
		var n int
		if json.Unmarshal(body["evse"], &evse) != nil || json.Unmarshal(evse["id"], &n) != nil || n == 0 {
			return nil, false, nil
		}
		id, err := mapID(n, "evse.id")
		if err != nil {
			return nil, true, err
		}
		evse["id"] = json.RawMessage(fmt.Sprint(id))
		b, _ := json.Marshal(evse)
		body["evse"] = b
	case body["connectorId"] != nil:
		return nil, false, nil // a 1.6 body: routeSocket's rules, translated after
	case action == v201.ActionRequestStartTransaction:
		body["evseId"] = json.RawMessage(fmt.Sprint(sk.HubConnectorID))
	case action == v201.ActionTriggerMessage && socketScoped(action, body):
		body["evse"] = json.RawMessage(fmt.Sprintf(`{"id":%d}`, sk.HubConnectorID))
	default:
		return nil, false, nil
	}
	b, err := json.Marshal(body)
	if err != nil {
		return nil, true, fmt.Errorf("route command to hub socket %s: %w", cpid, err)
	}
	return b, true, nil
}
