package gateway

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"

	"github.com/gorilla/websocket"
	volt "github.com/volt-ev/volt"
	"github.com/volt-ev/volt/ocpp"
	v16 "github.com/volt-ev/volt/ocpp/v16"
)

// Hubs (issue 16 item 5). A hub is one OCPP 1.6 connection whose connectors
// are sockets, each a charger of its own (a CPID with connector 1). The hub
// authenticates as its first socket's charger (store/hub.go), so the
// connection is that charger's; registering it also makes it the connection
// of every other socket's CPID, and each socket has a view: a conn value
// that carries the socket's CPID and shares the hub's connection (its CALLs
// go out on the hub, see conn.call). A charger CALL naming a hub connector
// is handed to that socket's view with the socket's connector id; one that
// names none is the hub's (its first socket's), or every socket's where
// each must know (BootNotification, Heartbeat, StatusNotification of
// connector 0). A command to a socket's CPID is sent on the hub with the
// hub's connector id. A connector id outside the hub is refused both ways.
//
// Hubs on OCPP 2.x use EVSE ids instead (hub_v2.go).
//
// TODO(issue 16): the message log records a hub's frames under its first
// socket's CPID; the after-hooks of ReserveNow/SendLocalList see hub
// connector ids.

// HubDirectory is what the gateway reads of hubs: the sockets of a hub and
// which socket holds a transaction.
type HubDirectory interface {
	FindHubByID(ctx context.Context, id string) (*volt.Hub, error)
	HubTransactionCPID(ctx context.Context, hubID string, transactionID int64) (string, error)
}

// hubConn is a hub connection's routing: its sockets and their views.
type hubConn struct {
	id    string
	hub   *volt.Hub
	views map[string]*conn // by socket CPID; the first socket's is the conn itself
}

func newHubConn(ch *volt.Charger) *hubConn {
	if ch.HubID == "" {
		return nil
	}
	return &hubConn{id: ch.HubID}
}

// registerHub loads the hub and makes c the connection of its other
// sockets, recording them online. It runs on the reader goroutine before
// any frame is read.
func (g *Gateway) registerHub(c *conn) {
	if c.hub == nil {
		return
	}
	if g.cfg.Hubs == nil {
		g.log.Warn("gateway: hub refused: no hub directory", "cpid", c.cpid, "version", c.proto.version)
		c.closeWith(websocket.ClosePolicyViolation, "hubs are not served here", nil)
		return
	}
	h, err := g.cfg.Hubs.FindHubByID(g.ctx, c.hub.id)
	if err != nil {
		g.log.Error("gateway: load hub", "cpid", c.cpid, "hub", c.hub.id, "err", err)
		c.closeWith(websocket.CloseInternalServerErr, "hub unavailable", nil)
		return
	}
	c.hub.hub = h
	c.hub.views = make(map[string]*conn, len(h.Sockets))
	for _, sk := range h.Sockets {
		if sk.CPID == c.cpid {
			c.hub.views[sk.CPID] = c
			continue
		}
		v := &conn{g: g, proto: c.proto, cpoID: c.cpoID, cpid: sk.CPID, identity: c.identity, remote: c.remote,
			ctx: c.ctx, cancel: c.cancel, viewOf: c}
		c.hub.views[sk.CPID] = v
		g.mu.Lock()
		s := g.slots[sk.CPID]
		if s == nil {
			s = &slot{}
			g.slots[sk.CPID] = s
		}
		s.conn = c
		g.mu.Unlock()
		v.slot = s
		g.recordPresence(s, v, true, "")
	}
}

// unregisterHub frees the other sockets' registry entries held by c and
// records them offline.
func (g *Gateway) unregisterHub(c *conn, reason string) {
	if c.hub == nil || c.hub.hub == nil {
		return
	}
	for cpid, v := range c.hub.views {
		if v == c {
			continue
		}
		s := v.slot
		g.mu.Lock()
		current := s.conn == c
		if current {
			s.conn = nil
		}
		g.mu.Unlock()
		if current {
			g.recordPresence(s, v, false, reason)
		} else {
			g.log.Debug("gateway: hub socket taken by a newer connection", "cpid", cpid)
		}
	}
}

// recordPresence records a socket online or offline and publishes it, as
// register and unregister do for a charger.
func (g *Gateway) recordPresence(s *slot, v *conn, online bool, reason string) {
	s.presence.Lock()
	defer s.presence.Unlock()
	at := g.cfg.Now()
	ctx, cancel := context.WithTimeout(context.WithoutCancel(g.ctx), handlerTimeout)
	defer cancel()
	if err := g.cfg.Charging.RecordConnection(ctx, v.cpid, online, string(v.proto.version), at); err != nil {
		g.log.Error("gateway: record hub socket connection", "cpid", v.cpid, "online", online, "err", err)
		return
	}
	typ := volt.EventChargerConnected
	if !online {
		typ = volt.EventChargerDisconnected
	}
	g.publish(volt.Event{Type: typ, CPID: v.cpid, CPOID: v.cpoID, At: at,
		Data: ConnectionState{CPID: v.cpid, Online: online, OCPPVersion: string(v.proto.version), RemoteAddr: v.remote, Reason: reason}})
}

// socket returns the view and the socket of hub connector n, or the
// CALLERROR of a connector outside the hub.
func (h *hubConn) socket(n int) (*conn, volt.HubSocket, error) {
	sk, ok := h.hub.Socket(n)
	if !ok {
		return nil, sk, &ocpp.Error{Code: ocpp.PropertyConstraintViolation, Field: "connectorId",
			Reason: fmt.Sprintf("connector %d is not a socket of this hub (1-%d)", n, len(h.hub.Sockets))}
	}
	return h.views[sk.CPID], sk, nil
}

// hubHandler wraps the handler of a charger CALL on a hub connection: it
// routes the request to the socket it names.
func (c *conn) hubHandler(h handler) handler {
	if c.hub == nil || c.hub.hub == nil {
		return h
	}
	hc := c.hub
	run := func(ctx context.Context, v *conn, req any) (any, error) {
		res, err := h(ctx, v, req)
		if v != c { // follow-ups go after the hub's answer
			c.thens = append(c.thens, v.thens...)
			v.thens = nil
		}
		return res, err
	}
	if c.proto.version.Is2x() {
		return c.hubHandler2x(run) // EVSE ids (hub_v2.go)
	}
	one := func(ctx context.Context, n *int, req any) (any, error) {
		v, sk, err := hc.socket(*n)
		if err != nil {
			return nil, err
		}
		*n = sk.ConnectorID
		return run(ctx, v, req)
	}
	return func(ctx context.Context, _ *conn, req any) (any, error) {
		switch r := req.(type) {
		case *v16.BootNotificationRequest:
			return c.hubBoot(ctx, run, r)
		case *v16.HeartbeatRequest:
			return c.eachSocket(ctx, run, func() any { return r })
		case *v16.StatusNotificationRequest:
			if r.ConnectorID == 0 {
				return c.eachSocket(ctx, run, func() any { cp := *r; return &cp })
			}
			return one(ctx, &r.ConnectorID, r)
		case *v16.StartTransactionRequest:
			return one(ctx, &r.ConnectorID, r)
		case *v16.MeterValuesRequest:
			if r.ConnectorID == 0 { // the hub's own meter: its first socket's connector 0
				return run(ctx, c, r)
			}
			return one(ctx, &r.ConnectorID, r)
		case *v16.StopTransactionRequest:
			cpid, err := c.g.cfg.Hubs.HubTransactionCPID(ctx, hc.id, int64(r.TransactionID))
			if v := hc.views[cpid]; err == nil && v != nil {
				return run(ctx, v, r)
			}
			return run(ctx, c, r) // unknown transaction: kept and flagged on the first socket
		}
		return run(ctx, c, req) // Authorize, DataTransfer, notifications: the hub's
	}
}

// eachSocket runs a request on every socket (each gets its own copy from
// mk) and answers the first socket's answer.
func (c *conn) eachSocket(ctx context.Context, run func(context.Context, *conn, any) (any, error), mk func() any) (any, error) {
	var first any
	for _, sk := range c.hub.hub.Sockets {
		res, err := run(ctx, c.hub.views[sk.CPID], mk())
		if err != nil {
			return nil, err
		}
		if first == nil {
			first = res
		}
	}
	return first, nil
}

// hubBoot records the boot on every socket; the hub is accepted only when
// every socket is (they share a model and a CPO, so they agree unless one
// failed).
func (c *conn) hubBoot(ctx context.Context, run func(context.Context, *conn, any) (any, error), r *v16.BootNotificationRequest) (any, error) {
	var answer *v16.BootNotificationResponse
	for _, sk := range c.hub.hub.Sockets {
		cp := *r
		res, err := run(ctx, c.hub.views[sk.CPID], &cp)
		if err != nil {
			return nil, err
		}
		br, _ := res.(*v16.BootNotificationResponse)
		if br == nil {
			return nil, &ocpp.Error{Code: ocpp.InternalError, Reason: "boot answer"}
		}
		if answer == nil || br.Status != v16.RegistrationStatusAccepted {
			answer = br
		}
	}
	if answer.Status == v16.RegistrationStatusAccepted {
		c.setBoot(bootAccepted)
	} else {
		c.setBoot(bootRefused)
	}
	return answer, nil
}

// routeSocket turns a command to cpid into one on its hub: the socket's view
// (whose CALLs go out on the hub) and the request with the hub's connector
// id. A connector the socket does not have is EINVALID naming connectorId.
// A charger that is no hub's socket passes unchanged.
func routeSocket(c *conn, cpid, action string, request any) (*conn, any, error) {
	if c.hub == nil || c.hub.hub == nil {
		return c, request, nil
	}
	v := c.hub.views[cpid]
	sk, ok := c.hub.hub.SocketOf(cpid)
	if v == nil || !ok {
		return nil, nil, offlineError(cpid, nil)
	}
	var body map[string]json.RawMessage
	raw, err := requestJSON(request)
	if err != nil {
		return nil, nil, err
	}
	if len(bytes.TrimSpace(raw)) == 0 {
		raw = []byte("{}")
	}
	if err := json.Unmarshal(raw, &body); err != nil || body == nil {
		return v, request, nil // validateRequest names what is wrong
	}
	if c.proto.version.Is2x() { // EVSE ids (hub_v2.go)
		if out, handled, err := routeSocket2x(cpid, action, sk, body); handled {
			if err != nil {
				return nil, nil, err
			}
			return v, out, nil
		}
	}
	n := -1 // absent
	if rawN, ok := body["connectorId"]; ok {
		if err := json.Unmarshal(rawN, &n); err != nil {
			return v, request, nil
		}
	}
	switch {
	case n > 0 && n != sk.ConnectorID:
		return nil, nil, &volt.Error{Code: volt.EINVALID, Field: "connectorId",
			Message: fmt.Sprintf("Charger %s is socket %d of a hub and has connector %d only.", cpid, sk.HubConnectorID, sk.ConnectorID)}
	case n > 0, n == 0 && action != v16.ActionSetChargingProfile:
		// The socket's connector, or the socket as a whole (connector 0 of
		// a one-connector charger), is the hub's connector of the socket.
		n = sk.HubConnectorID
	case n < 0 && socketScoped(action, body):
		n = sk.HubConnectorID
	default:
		return v, request, nil // hub-wide: Reset, configuration, ChargePointMaxProfile, ...
	}
	body["connectorId"] = json.RawMessage(fmt.Sprint(n))
	out, err := json.Marshal(body)
	if err != nil {
		return nil, nil, fmt.Errorf("route command to hub socket %s: %w", cpid, err)
	}
	return v, json.RawMessage(out), nil
}

// socketScoped reports whether a command without connectorId would reach
// every connector of the hub when meant for one socket: a remote start (the
// hub would pick any free socket) and triggers of per-connector messages.
func socketScoped(action string, body map[string]json.RawMessage) bool {
	switch action {
	case v16.ActionRemoteStartTransaction:
		return true
	case v16.ActionTriggerMessage, v16.ActionExtendedTriggerMessage:
		var msg string
		_ = json.Unmarshal(body["requestedMessage"], &msg)
		return msg == "StatusNotification" || msg == "MeterValues"
	}
	return false
}

func requestJSON(request any) ([]byte, error) {
	switch r := request.(type) {
	case nil:
		return nil, nil
	case json.RawMessage:
		return r, nil
	case []byte:
		return r, nil
	}
	b, err := json.Marshal(request)
	if err != nil {
		return nil, &volt.Error{Code: volt.EINVALID, Message: fmt.Sprintf("request cannot be encoded: %v", err)}
	}
	return b, nil
}
