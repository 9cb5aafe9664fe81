// Package remotestart starts charging remotely and waits for what came of it:
// the session that started, or why none did (the card refused, no cable
// within the charger's connection timeout, nothing in time). It watches the
// domain events of the bus only (volt.EventBus), never the gateway, so the
// outcome is seen whichever node holds the charger's connection.
package remotestart

import (
	"context"
	"encoding/json"
	"fmt"
	"strconv"
	"strings"
	"time"

	"github.com/volt-ev/volt"
)

// DefaultConnectionTimeout is the OCPP 1.6 ConnectionTimeOut assumed when the
// charger's configuration does not say.
const DefaultConnectionTimeout = 60 * time.Second

// Starter implements volt.RemoteStarter.
type Starter struct {
	Commander volt.ChargerCommander
	Bus       volt.EventBus
	// Configuration reads the charger's stored configuration
	// (ConnectionTimeOut); nil: DefaultConnectionTimeout.
	Configuration func(ctx context.Context, cpid string) ([]volt.ConfigKey, error)
	// CallTimeout bounds the wait for the charger's answer (default 30 s);
	// Slack is added to the connection timeout for the Authorize and
	// StartTransaction to arrive (default 15 s).
	CallTimeout, Slack time.Duration
}

var _ volt.RemoteStarter = (*Starter)(nil)

// RemoteStartAndWait sends RemoteStartTransaction and, when the charger
// accepts, waits for the session, a refusal of the card, or the end of the
// charger's connection timeout.
func (s *Starter) RemoteStartAndWait(ctx context.Context, cpid string, r volt.RemoteStartRequest) (*volt.RemoteStartOutcome, error) {
	events, unsubscribe := s.Bus.Subscribe() // before the call: nothing is missed
	defer unsubscribe()
	req := map[string]any{"idTag": r.IDTag}
	if r.ConnectorID > 0 {
		req["connectorId"] = r.ConnectorID
	}
	callTimeout := s.CallTimeout
	if callTimeout <= 0 {
		callTimeout = 30 * time.Second
	}
	cctx, cancel := context.WithTimeout(ctx, callTimeout)
	raw, err := s.Commander.Call(cctx, cpid, "RemoteStartTransaction", req)
	cancel()
	if err != nil {
		return nil, err
	}
	var answer struct {
		Status string `json:"status"`
	}
	if err := json.Unmarshal(raw, &answer); err != nil {
		return nil, volt.Errorf(volt.EINTERNAL, "charger %s answered RemoteStartTransaction with %s", cpid, raw)
	}
	out := &volt.RemoteStartOutcome{Status: answer.Status}
	if answer.Status != "Accepted" {
		out.Outcome, out.Reason = volt.RemoteStartRejected, "the charger rejected the remote start"
		return out, nil
	}
	slack := s.Slack
	if slack <= 0 {
		slack = 15 * time.Second
	}
	wait := s.connectionTimeout(ctx, cpid) + slack
	w := &watch{cpid: cpid, connector: r.ConnectorID, idTag: volt.NormalizeIDTag(r.IDTag), out: out}
	timer := time.NewTimer(wait)
	defer timer.Stop()
	for {
		select {
		case e, ok := <-events:
			if !ok { // dropped as a slow subscriber: the outcome is unknown
				out.Outcome, out.Reason = volt.RemoteStartNoSession, "the outcome could not be followed"
				return out, nil
			}
			if w.see(e) {
				return out, nil
			}
		case <-timer.C:
			out.Outcome = volt.RemoteStartNoSession
			out.Reason = fmt.Sprintf("no session started within %s", wait.Round(time.Second))
			if w.preparing {
				out.Outcome = volt.RemoteStartNotPlugged
				out.Reason = "no cable was plugged in within the connection timeout"
			}
			return out, nil
		case <-ctx.Done():
			return nil, ctx.Err()
		}
	}
}

// connectionTimeout is the charger's ConnectionTimeOut (OCPP 1.6 §9.1.8).
func (s *Starter) connectionTimeout(ctx context.Context, cpid string) time.Duration {
	if s.Configuration == nil {
		return DefaultConnectionTimeout
	}
	keys, err := s.Configuration(ctx, cpid)
	if err != nil {
		return DefaultConnectionTimeout
	}
	for _, k := range keys {
		if strings.EqualFold(k.Key, "ConnectionTimeOut") && k.Value != nil {
			if n, err := strconv.Atoi(strings.TrimSpace(*k.Value)); err == nil && n > 0 && n <= 3600 {
				return time.Duration(n) * time.Second
			}
		}
	}
	return DefaultConnectionTimeout
}

// watch follows one remote start through the bus.
type watch struct {
	cpid      string
	connector int // 0: any
	idTag     string
	preparing bool // the connector went Preparing: waiting for the cable
	out       *volt.RemoteStartOutcome
}

// see applies an event and reports whether the outcome is known.
func (w *watch) see(e volt.Event) bool {
	if e.CPID != w.cpid {
		return false
	}
	switch e.Type {
	case volt.EventAuthorization:
		var d volt.AuthorizationDecision
		if !decode(e.Data, &d) || volt.NormalizeIDTag(d.IDTag) != w.idTag || d.Status == volt.AuthAccepted {
			return false
		}
		if w.connector > 0 && d.ConnectorID > 0 && d.ConnectorID != w.connector {
			return false
		}
		w.out.Outcome, w.out.AuthStatus = volt.RemoteStartRefused, d.Status
		w.out.Reason = d.Reason
		if w.out.Reason == "" {
			w.out.Reason = "card " + string(d.Status)
		}
		return true
	case volt.EventSessionStarted:
		var sess volt.Session
		if !decode(e.Data, &sess) || sess.IDTag != w.idTag || (w.connector > 0 && sess.ConnectorID != w.connector) {
			return false
		}
		for _, f := range sess.Flags {
			if f == volt.FlagIDTagRejected {
				return false // its authorization.decided says why
			}
		}
		w.out.Outcome, w.out.Session = volt.RemoteStartStarted, &sess
		return true
	case volt.EventConnectorStatus:
		var c volt.Connector
		if !decode(e.Data, &c) || (w.connector > 0 && c.ConnectorID != w.connector) || c.ConnectorID == 0 {
			return false
		}
		switch c.Status {
		case volt.StatusPreparing:
			w.preparing = true
		case volt.StatusAvailable:
			if w.preparing && w.connector > 0 {
				// Preparing then Available: the connection timeout ran out.
				w.out.Outcome, w.out.Reason = volt.RemoteStartNotPlugged, "no cable was plugged in within the connection timeout"
				return true
			}
		case volt.StatusFaulted, volt.StatusUnavailable:
			if w.connector > 0 {
				w.out.Outcome, w.out.Reason = volt.RemoteStartNoSession, "the connector became "+string(c.Status)
				return true
			}
		}
	}
	return false
}

// decode reads an event's Data into out: the value itself in process, or
// its JSON form when it came from another node.
func decode[T any](data any, out *T) bool {
	switch v := data.(type) {
	case T:
		*out = v
		return true
	case *T:
		if v == nil {
			return false
		}
		*out = *v
		return true
	}
	b, err := json.Marshal(data)
	if err != nil {
		return false
	}
	return json.Unmarshal(b, out) == nil
}
