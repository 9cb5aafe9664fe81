package natsbus

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"strconv"
	"time"

	"github.com/nats-io/nats.go"

	volt "github.com/volt-ev/volt"
)

var _ volt.ChargerCommander = (*Node)(nil)

func callSubject(node string) string { return "volt.node." + node + ".call" }

// callRequest is a command forwarded to the node holding the charger.
type callRequest struct {
	CPID      string          `json:"cpid"`
	Action    string          `json:"action"`
	Request   json.RawMessage `json:"request"`
	TimeoutMS int64           `json:"timeoutMs"`
}

// callReply is the holding node's answer: the charger's payload or the
// domain error.
type callReply struct {
	Result json.RawMessage `json:"result,omitempty"`
	Error  *wireError      `json:"error,omitempty"`
}

type wireError struct {
	Code    string          `json:"code"`
	Message string          `json:"message"`
	Field   string          `json:"field,omitempty"`
	Details json.RawMessage `json:"details,omitempty"`
}

// Call sends a command to a charger connected to any node of the cluster
// and returns the charger's answer (volt.ChargerCommander). A charger
// connected here is called directly; otherwise the registry (this node's
// watched copy, the bucket on a miss) names its node and the command goes
// there by NATS request/reply. A charger no node holds
// is ECHARGEROFFLINE at once; a holding node that does not answer (stopped,
// unreachable) is ENODEUNREACHABLE, or ETIMEOUT once the deadline passed:
// never a hang.
func (n *Node) Call(ctx context.Context, cpid, action string, request any) (json.RawMessage, error) {
	n.mu.Lock()
	gw := n.gw
	n.mu.Unlock()
	if gw == nil {
		return nil, volt.Errorf(volt.EUNAVAILABLE, "this node is not serving chargers yet")
	}
	if gw.Connected(cpid) {
		return gw.Call(ctx, cpid, action, request)
	}
	lctx, cancel := context.WithTimeout(ctx, 5*time.Second)
	h, err := n.lookup(lctx, cpid)
	cancel()
	if err != nil {
		return nil, volt.Errorf(volt.EUNAVAILABLE, "charger %s is not connected to this node and the cluster registry cannot be read: %v", cpid, err)
	}
	node := h.Node
	if node == "" || node == n.cfg.NodeID {
		return gw.Call(ctx, cpid, action, request) // offline: the gateway's own answer
	}
	if !compatible(h.Proto) {
		return nil, incompatible(node, h.Proto)
	}
	res, err := n.forward(ctx, node, cpid, action, request)
	if code := volt.ErrorCode(err); code == volt.ECHARGEROFFLINE || code == volt.ENODEUNREACHABLE {
		// The cache or the bucket may have been read stale (LESSONS 40),
		// or the charger moved meanwhile: one more look, in the bucket.
		lctx, cancel := context.WithTimeout(ctx, 5*time.Second)
		again, lerr := n.holderEntry(lctx, cpid)
		cancel()
		if lerr == nil && again.Node != "" && again.Node != node && again.Node != n.cfg.NodeID && compatible(again.Proto) {
			return n.forward(ctx, again.Node, cpid, action, request)
		}
	}
	return res, err
}

func (n *Node) forward(ctx context.Context, node, cpid, action string, request any) (json.RawMessage, error) {
	raw, err := rawJSON(request)
	if err != nil {
		return nil, volt.Errorf(volt.EINVALID, "command %s: %v", action, err)
	}
	if _, ok := ctx.Deadline(); !ok {
		var cancel context.CancelFunc
		ctx, cancel = context.WithTimeout(ctx, n.cfg.CallTimeout)
		defer cancel()
	}
	dl, _ := ctx.Deadline()
	// The holding node gets a little less time than we wait, so that its
	// own timeout (a charger that does not answer) reaches us as ETIMEOUT.
	remote := time.Until(dl) - 500*time.Millisecond
	if remote <= 0 {
		return nil, volt.Errorf(volt.ETIMEOUT, "no time left to send %s to charger %s", action, cpid)
	}
	if !n.nc.IsConnected() {
		// The client would buffer the request until NATS returns or the
		// deadline passes: say so now instead (the holder came from the
		// local copy of the registry, which needs no round trip).
		return nil, volt.Errorf(volt.EUNAVAILABLE, "charger %s is held by node %s, and this node is cut off from NATS: try again shortly", cpid, node)
	}
	b, _ := json.Marshal(callRequest{CPID: cpid, Action: action, Request: raw, TimeoutMS: remote.Milliseconds()})
	out := &nats.Msg{Subject: callSubject(node), Data: b, Header: nats.Header{protocolHeader: []string{strconv.Itoa(ClusterProtocol)}}}
	msg, err := n.nc.RequestMsgWithContext(ctx, out)
	switch {
	case errors.Is(err, nats.ErrNoResponders):
		return nil, volt.Errorf(volt.ENODEUNREACHABLE, "charger %s is held by node %s, which is not answering (stopped?): try again when the charger reconnects", cpid, node)
	case errors.Is(err, context.DeadlineExceeded) || errors.Is(err, nats.ErrTimeout):
		return nil, volt.Errorf(volt.ETIMEOUT, "node %s holding charger %s did not answer %s in time", node, cpid, action)
	case err != nil:
		return nil, volt.Errorf(volt.ENODEUNREACHABLE, "send %s to node %s holding charger %s: %v", action, node, cpid, err)
	}
	var rep callReply
	if err := json.Unmarshal(msg.Data, &rep); err != nil {
		return nil, volt.Errorf(volt.ENODEUNREACHABLE, "node %s answered %s for charger %s with garbage: %v", node, action, cpid, err)
	}
	if rep.Error != nil {
		e := &volt.Error{Code: rep.Error.Code, Message: rep.Error.Message, Field: rep.Error.Field}
		if len(rep.Error.Details) > 0 {
			e.Details = rep.Error.Details
		}
		return nil, e
	}
	return rep.Result, nil
}

// serveCall runs a command forwarded by another node on the local gateway.
func (n *Node) serveCall(m *nats.Msg) {
	if p := requestProtocol(m); !compatible(p) {
		n.reply(m, callReply{Error: toWireError(volt.Errorf(volt.EUNAVAILABLE,
			"node %s speaks cluster protocol %d to %d and refuses a command in protocol %d: finish the rolling upgrade",
			n.cfg.NodeID, MinClusterProtocol, ClusterProtocol, p))})
		return
	}
	var req callRequest
	if err := json.Unmarshal(m.Data, &req); err != nil {
		n.reply(m, callReply{Error: &wireError{Code: volt.EINVALID, Message: "bad forwarded command"}})
		return
	}
	n.mu.Lock()
	gw := n.gw
	n.mu.Unlock()
	go func() {
		timeout := time.Duration(req.TimeoutMS) * time.Millisecond
		if timeout <= 0 {
			timeout = n.cfg.CallTimeout
		}
		ctx, cancel := context.WithTimeout(volt.NewContextWithActor(n.ctx, volt.SystemActor), timeout)
		defer cancel()
		res, err := gw.Call(ctx, req.CPID, req.Action, req.Request)
		if err != nil {
			n.reply(m, callReply{Error: toWireError(err)})
			return
		}
		n.reply(m, callReply{Result: res})
	}()
}

func (n *Node) reply(m *nats.Msg, r callReply) {
	b, _ := json.Marshal(r)
	if err := m.Respond(b); err != nil {
		n.log.Warn("natsbus: reply to forwarded command", "err", err)
	}
}

func toWireError(err error) *wireError {
	var ve *volt.Error
	if !errors.As(err, &ve) {
		return &wireError{Code: volt.EINTERNAL, Message: err.Error()}
	}
	w := &wireError{Code: ve.Code, Message: ve.Message, Field: ve.Field}
	if ve.Details != nil {
		w.Details, _ = json.Marshal(ve.Details)
	}
	return w
}

// rawJSON turns a command request (typed value, JSON bytes) into JSON.
func rawJSON(v any) (json.RawMessage, error) {
	switch r := v.(type) {
	case json.RawMessage:
		return r, nil
	case []byte:
		return json.RawMessage(r), nil
	case nil:
		return json.RawMessage("{}"), nil
	}
	b, err := json.Marshal(v)
	if err != nil {
		return nil, fmt.Errorf("encode request: %w", err)
	}
	return b, nil
}
