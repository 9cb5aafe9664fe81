package web

import (
	"encoding/json"
	"fmt"
	"net/http"
	"time"

	volt "github.com/volt-ev/volt"
)

// sseKeepAlive is how often an idle event stream sends a comment so proxies
// keep it open.
const sseKeepAlive = 25 * time.Second

// liveConnector and liveSession are what the charger page's script receives.
type liveConnector struct {
	ConnectorID int    `json:"connectorId"`
	Status      string `json:"status"`
	Class       string `json:"class"`
	ErrorCode   string `json:"errorCode"`
	At          string `json:"at"`
}

type liveSession struct {
	ConnectorID   int    `json:"connectorId"`
	TransactionID int64  `json:"transactionId"`
	Active        bool   `json:"active"`
	Power         string `json:"power"`
	Energy        string `json:"energy"`
	Cost          string `json:"cost"`
}

// chargerEvents streams one charger's connector status and live session
// power as server-sent events, from the bus. The browser reconnects by itself
// when the stream ends (a slow tab is dropped by the bus).
func (a *Admin) chargerEvents(w http.ResponseWriter, r *http.Request, s *sess) {
	c, err := a.cfg.Chargers.FindChargerByCPID(s.ctx, r.PathValue("cpid"))
	if err != nil {
		a.fail(w, r, s, err)
		return
	}
	if a.cfg.Bus == nil {
		http.Error(w, "Live updates are not available on this server.", http.StatusNotImplemented)
		return
	}
	events, stop := a.cfg.Bus.Subscribe()
	defer stop()
	rc, ok := startSSE(w)
	if !ok {
		return
	}
	tick := time.NewTicker(sseKeepAlive)
	defer tick.Stop()
	for {
		select {
		case <-r.Context().Done():
			return
		case <-tick.C:
			fmt.Fprint(w, ": keep-alive\n\n")
		case e, ok := <-events:
			if !ok {
				return
			}
			if e.CPID != c.CPID {
				continue
			}
			name, data := liveEvent(e)
			if name == "" {
				continue
			}
			fmt.Fprintf(w, "event: %s\ndata: %s\n\n", name, data)
		}
		if rc.Flush() != nil {
			return
		}
	}
}

// liveEvent turns a bus event into an SSE event name and JSON payload. Data
// may be the domain type (in process) or its JSON form (across nodes), so it
// is decoded through JSON either way.
func liveEvent(e volt.Event) (string, []byte) {
	raw, err := json.Marshal(e.Data)
	if err != nil {
		return "", nil
	}
	switch e.Type {
	case volt.EventConnectorStatus:
		var c volt.Connector
		if json.Unmarshal(raw, &c) != nil {
			return "", nil
		}
		b, _ := json.Marshal(liveConnector{ConnectorID: c.ConnectorID, Status: string(c.Status),
			Class: statusClass(c.Status), ErrorCode: c.ErrorCode, At: fmtTime(c.StatusAt)})
		return "connector", b
	case volt.EventSessionStarted, volt.EventSessionUpdated, volt.EventSessionStopped:
		var se volt.Session
		if json.Unmarshal(raw, &se) != nil {
			return "", nil
		}
		b, _ := json.Marshal(liveSession{ConnectorID: se.ConnectorID, TransactionID: se.TransactionID,
			Active: se.Status == volt.SessionActive && e.Type != volt.EventSessionStopped,
			Power:  fmtKW(se.PowerW), Energy: fmtKWh(se.EnergyWh), Cost: fmtCost(se.LiveCost)})
		return "session", b
	case volt.EventChargerConnected, volt.EventChargerDisconnected:
		b, _ := json.Marshal(map[string]bool{"online": e.Type == volt.EventChargerConnected})
		return "online", b
	}
	return "", nil
}

// startSSE answers a server-sent events stream: its headers, the
// browser's reconnect delay and a first comment, flushed. It reports false
// when the client is already gone.
func startSSE(w http.ResponseWriter) (*http.ResponseController, bool) {
	h := w.Header()
	h.Set("Content-Type", "text/event-stream")
	h.Set("Cache-Control", "no-store")
	h.Set("X-Accel-Buffering", "no")
	w.WriteHeader(http.StatusOK)
	rc := http.NewResponseController(w)
	fmt.Fprint(w, "retry: 3000\n: connected\n\n")
	return rc, rc.Flush() == nil
}
