package web

import (
	"fmt"
	"net/http"
	"time"

	volt "github.com/volt-ev/volt"
)

// liveThrottle is the shortest time between two "changed" events of one
// stream: a busy network changes many times a second, and each refresh
// re-reads the page.
var liveThrottle = 2 * time.Second

// liveChanges streams a "changed" event (server-sent events) whenever
// something the actor may see changes on the network: a charger connects or
// drops, a connector changes status, a session starts, updates or stops.
// Pages with a live region (data-live-refresh, see admin.js) reload that
// region when told. Events about chargers outside the actor's read scope are
// never announced; each charger's visibility is looked up once per stream.
func (a *Admin) liveChanges(w http.ResponseWriter, r *http.Request, s *sess) {
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
	visible := map[string]bool{}
	sees := func(cpid string) bool {
		v, ok := visible[cpid]
		if !ok {
			_, err := a.cfg.Chargers.FindChargerByCPID(s.ctx, cpid)
			v = err == nil
			visible[cpid] = v
		}
		return v
	}
	keep := time.NewTicker(sseKeepAlive)
	defer keep.Stop()
	var pending <-chan time.Time // set while a change waits for the throttle
	var last time.Time
	for {
		select {
		case <-r.Context().Done():
			return
		case <-keep.C:
			fmt.Fprint(w, ": keep-alive\n\n")
		case e, ok := <-events:
			if !ok {
				return
			}
			if !liveKind(e.Type) || e.CPID == "" || pending != nil || !sees(e.CPID) {
				continue
			}
			pending = time.After(max(0, liveThrottle-time.Since(last)))
			continue
		case <-pending:
			pending, last = nil, time.Now()
			fmt.Fprintf(w, "event: changed\ndata: {\"at\":%d}\n\n", last.UnixMilli())
		}
		if rc.Flush() != nil {
			return
		}
	}
}

func liveKind(t string) bool {
	switch t {
	case volt.EventChargerConnected, volt.EventChargerDisconnected, volt.EventChargerBooted, volt.EventConnectorStatus,
		volt.EventSessionStarted, volt.EventSessionUpdated, volt.EventSessionStopped, volt.EventCDRCreated:
		return true
	}
	return false
}
