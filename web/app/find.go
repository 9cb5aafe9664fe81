package app

import (
	"context"
	"encoding/json"
	"fmt"
	"math"
	"net/http"
	"sort"
	"strconv"
	"strings"
	"time"

	volt "github.com/volt-ev/volt"
)

// connView is one connector as a driver sees it.
type connView struct {
	ID        int
	Type      string // "Type 2", "CCS", ... ("" when the operator has not said)
	Family    string // what the type filter matches: type2, ccs2, chademo, threePin
	Current   string // "AC" or "DC"
	MaxPowerW int
	Status    volt.ConnectorStatus
	Free      bool
	Label     string // plain words for the status
}

// chargerCard is a charger in the list: where, how far, what, how much.
type chargerCard struct {
	CPID       string
	Name       string
	Site       string
	Address    string
	Lat, Lon   float64
	DistanceM  int // -1: unknown
	Online     bool
	Connectors []connView
	Free       int
	PriceLine  string // "£0.45/kWh", or why there is none
	Private    bool
	Updated    string // "updated 3 min ago": how fresh the availability is
}

// Distance returns the distance in plain words.
func (c chargerCard) Distance() string {
	switch {
	case c.DistanceM < 0:
		return ""
	case c.DistanceM < 1000:
		return fmt.Sprintf("%d m", c.DistanceM)
	}
	return fmt.Sprintf("%.1f km", float64(c.DistanceM)/1000)
}

func statusLabel(s volt.ConnectorStatus, online bool) (string, bool) {
	if !online {
		return "Offline", false
	}
	switch s {
	case volt.StatusAvailable:
		return "Available", true
	case volt.StatusPreparing:
		return "Plugged in", true
	case volt.StatusCharging, volt.StatusSuspendedEV, volt.StatusSuspendedEVSE:
		return "In use", false
	case volt.StatusFinishing:
		return "Finishing", false
	case volt.StatusReserved:
		return "Reserved", false
	case volt.StatusFaulted:
		return "Out of order", false
	case volt.StatusUnavailable:
		return "Unavailable", false
	}
	return "Unknown", false
}

func connectorsOf(ch *volt.Charger) []connView {
	var out []connView
	for _, c := range ch.Connectors {
		if c.ConnectorID == 0 {
			continue
		}
		label, free := statusLabel(c.Status, ch.Online)
		out = append(out, connView{ID: c.ConnectorID, Type: c.Type.Label(), Family: c.Type.Family(), Current: c.PowerType.Label(),
			MaxPowerW: c.MaxPowerW, Status: c.Status, Free: free, Label: label})
	}
	return out
}

type findView struct {
	Chargers []chargerCard
	Located  bool
	CPID     string
	Query    string
	Filter   findFilter
	Hidden   int // chargers the filter left out
	Roaming  []volt.RoamingLocation
}

// find lists the chargers of the host's whitelabel (all when the host is no
// whitelabel's), nearest first when the browser gave its position.
func (a *App) find(w http.ResponseWriter, r *http.Request, q *req) {
	lat, errLat := strconv.ParseFloat(r.URL.Query().Get("lat"), 64)
	lon, errLon := strconv.ParseFloat(r.URL.Query().Get("lon"), 64)
	located := errLat == nil && errLon == nil && math.Abs(lat) <= 90 && math.Abs(lon) <= 180
	cards, err := a.nearby(r.Context(), q, located, lat, lon)
	if err != nil {
		a.failErr(w, r, q, err)
		return
	}
	filter := readFindFilter(r)
	shown := filter.apply(cards)
	fv := findView{Chargers: shown, Located: located, Filter: filter, Hidden: len(cards) - len(shown)}
	if a.cfg.Roaming != nil { // partner networks' chargers (issue 14)
		if fv.Roaming, err = a.cfg.Roaming.FindRoamingLocations(a.sys, q.Theme.CPOID); err != nil {
			a.cfg.Logger.Warn("app: roaming locations", "err", err)
		}
	}
	v := view{Title: "Find a charger", Nav: "find", Data: fv}
	if a.cfg.TileURL != "" && a.cfg.LeafletJS != "" {
		v.Map = &mapAssets{JS: a.cfg.LeafletJS, CSS: a.cfg.LeafletCSS, Tiles: a.cfg.TileURL}
	}
	a.render(w, q, http.StatusOK, "find", v)
}

// nearby builds the list with SystemActor reads (see the package doc).
func (a *App) nearby(ctx context.Context, q *req, located bool, lat, lon float64) ([]chargerCard, error) {
	chargers, _, err := a.cfg.Chargers.FindChargers(a.sys, volt.ChargerFilter{CPOID: q.Theme.CPOID, Page: volt.Page{Limit: 200}})
	if err != nil {
		return nil, fmt.Errorf("find chargers: %w", err)
	}
	sites := map[string]*volt.Site{}
	var out []chargerCard
	for _, ch := range chargers {
		card := a.cardOf(ch, q, sites)
		if card.Private {
			continue // a private group the driver has no access to stays hidden
		}
		card.DistanceM = -1
		if located && (card.Lat != 0 || card.Lon != 0) {
			card.DistanceM = int(haversine(lat, lon, card.Lat, card.Lon))
		}
		out = append(out, card)
	}
	sort.SliceStable(out, func(i, j int) bool {
		di, dj := out[i].DistanceM, out[j].DistanceM
		if (di < 0) != (dj < 0) {
			return dj < 0
		}
		if di != dj {
			return di < dj
		}
		return out[i].CPID < out[j].CPID
	})
	return out, nil
}

func (a *App) cardOf(ch *volt.Charger, q *req, sites map[string]*volt.Site) chargerCard {
	c := chargerCard{CPID: ch.CPID, Name: ch.Name, Online: ch.Online, Connectors: connectorsOf(ch), Updated: a.updatedAgo(ch)}
	for _, cv := range c.Connectors {
		if cv.Free {
			c.Free++
		}
	}
	s, ok := sites[ch.SiteID]
	if !ok {
		s, _ = a.cfg.Hierarchy.FindSiteByID(a.sys, ch.SiteID)
		sites[ch.SiteID] = s
	}
	if s != nil {
		c.Site, c.Lat, c.Lon = s.Name, s.Latitude, s.Longitude
		c.Address = strings.Trim(strings.Join([]string{s.Address.Line1, s.Address.City, s.Address.Postcode}, ", "), ", ")
	}
	quote, err := a.cfg.Tariffs.PriceFor(a.sys, ch.CPID, q.userID())
	switch {
	case err == nil:
		c.PriceLine = priceLine(quote.Tariff)
	case volt.IsCode(err, volt.EFORBIDDEN):
		if g, gerr := a.cfg.Hierarchy.FindChargerGroupByID(a.sys, ch.ChargerGroupID); gerr == nil && g.Private {
			c.Private = true
		}
		c.PriceLine = "Not open to you"
	default:
		c.PriceLine = "Price unavailable"
	}
	return c
}

// priceLine is the headline price of a tariff.
func priceLine(t *volt.Tariff) string {
	if t.FreeVend {
		return "Free"
	}
	var parts []string
	if !t.EnergyPricePerKWh.IsZero() {
		parts = append(parts, formatDecimal(t.EnergyPricePerKWh, t.Currency)+"/kWh")
	}
	if !t.TimePricePerHour.IsZero() {
		parts = append(parts, formatDecimal(t.TimePricePerHour, t.Currency)+"/h")
	}
	if !t.SessionFee.IsZero() {
		parts = append(parts, formatDecimal(t.SessionFee, t.Currency)+" per session")
	}
	if len(parts) == 0 {
		return "Free"
	}
	return strings.Join(parts, " + ")
}

// haversine returns the distance between two points in metres.
func haversine(lat1, lon1, lat2, lon2 float64) float64 {
	const r = 6371000
	rad := math.Pi / 180
	dLat, dLon := (lat2-lat1)*rad, (lon2-lon1)*rad
	h := math.Sin(dLat/2)*math.Sin(dLat/2) + math.Cos(lat1*rad)*math.Cos(lat2*rad)*math.Sin(dLon/2)*math.Sin(dLon/2)
	return 2 * r * math.Asin(math.Sqrt(h))
}

// findByCPID opens the charger whose CPID the driver typed ("123" finds
// 000123).
func (a *App) findByCPID(w http.ResponseWriter, r *http.Request, q *req) {
	raw := strings.TrimSpace(r.URL.Query().Get("cpid"))
	if n, err := strconv.Atoi(raw); err == nil && n > 0 && n < 1_000_000 {
		raw = volt.FormatCPID(int64(n))
	}
	if !volt.ValidCPID(raw) {
		a.render(w, q, http.StatusBadRequest, "find", view{Title: "Find a charger", Nav: "find",
			Error: "A charger number has six digits, like 000123: it is printed on the charger's sticker.", Data: findView{Query: raw}})
		return
	}
	if _, err := a.cfg.Chargers.FindChargerByCPID(a.sys, raw); err != nil {
		a.render(w, q, http.StatusNotFound, "find", view{Title: "Find a charger", Nav: "find",
			Error: "No charger has the number " + raw + ". Check the sticker and try again.", Data: findView{Query: raw}})
		return
	}
	http.Redirect(w, r, "/app/c/"+raw, http.StatusSeeOther)
}

// liveStatuses streams connector status changes (server-sent events) of
// the host's whitelabel, or of the chargers in ?cpid=, for live availability.
// Public for the chargers the app shows the visitor (a connector's status is
// on the charger's own display): public ones, and private ones only to a
// signed-in driver with access (mayWatch), as the map and the charger page.
func (a *App) liveStatuses(w http.ResponseWriter, r *http.Request) {
	q := a.load(w, r)
	want := map[string]bool{}
	for _, c := range strings.Split(r.URL.Query().Get("cpid"), ",") {
		if volt.ValidCPID(c) {
			want[c] = true
		}
	}
	watch := map[string]bool{} // per stream: pick runs on its one goroutine
	a.stream(w, r, func(e volt.Event) (string, any, bool) {
		if q.Theme.CPOID != "" && e.CPOID != q.Theme.CPOID || len(want) > 0 && !want[e.CPID] {
			return "", nil, false
		}
		ok, seen := watch[e.CPID]
		if !seen {
			ok = a.mayWatch(e.CPID, q.userID())
			watch[e.CPID] = ok
		}
		if !ok {
			return "", nil, false
		}
		switch e.Type {
		case volt.EventConnectorStatus:
			var c volt.Connector
			if !decode(e.Data, &c) {
				return "", nil, false
			}
			label, free := statusLabel(c.Status, true)
			return "status", map[string]any{"cpid": e.CPID, "connectorId": c.ConnectorID, "label": label, "free": free}, true
		case volt.EventChargerConnected, volt.EventChargerDisconnected:
			return "online", map[string]any{"cpid": e.CPID, "online": e.Type == volt.EventChargerConnected}, true
		}
		return "", nil, false
	}, nil)
}

// mayWatch reports whether the app shows the charger to the visitor
// (userID "" for anonymous): a charger of a public group, or of a private
// group the user has access to (a price is quoted), as nearby and the
// charger page decide.
func (a *App) mayWatch(cpid, userID string) bool {
	ch, err := a.cfg.Chargers.FindChargerByCPID(a.sys, cpid)
	if err != nil {
		return false
	}
	g, err := a.cfg.Hierarchy.FindChargerGroupByID(a.sys, ch.ChargerGroupID)
	if err != nil {
		return false
	}
	if !g.Private {
		return true
	}
	if userID == "" {
		return false
	}
	_, err = a.cfg.Tariffs.PriceFor(a.sys, cpid, userID)
	return err == nil
}

// decode copies an event's data into v: in process it is the value itself,
// across nodes it may arrive as decoded JSON.
func decode(data any, v any) bool {
	switch d := data.(type) {
	case *volt.Session:
		if s, ok := v.(*volt.Session); ok && d != nil {
			*s = *d
			return true
		}
	case *volt.Connector:
		if c, ok := v.(*volt.Connector); ok && d != nil {
			*c = *d
			return true
		}
	case volt.Connector:
		if c, ok := v.(*volt.Connector); ok {
			*c = d
			return true
		}
	}
	b, err := json.Marshal(data)
	if err != nil {
		return false
	}
	return json.Unmarshal(b, v) == nil
}

// stream serves server-sent events from the bus: pick maps an event to a
// name and payload (false skips it); first, when set, sends the initial
// state. A keep-alive comment every 20 s keeps proxies from closing it.
func (a *App) stream(w http.ResponseWriter, r *http.Request, pick func(volt.Event) (string, any, bool), first func() (string, any)) {
	// ResponseController reaches the connection through middleware that
	// wraps the writer (Unwrap), and lifts the server's write timeout for
	// this long-lived answer.
	rc := http.NewResponseController(w)
	if a.cfg.Bus == nil {
		http.Error(w, "Live updates are not available.", http.StatusServiceUnavailable)
		return
	}
	_ = rc.SetWriteDeadline(time.Time{})
	events, cancel := a.cfg.Bus.Subscribe()
	defer cancel()
	h := w.Header()
	h.Set("Content-Type", "text/event-stream")
	h.Set("Cache-Control", "no-store")
	h.Set("X-Accel-Buffering", "no")
	w.WriteHeader(http.StatusOK)
	_, _ = fmt.Fprint(w, "retry: 3000\n\n")
	if first != nil {
		if name, v := first(); name != "" {
			writeEvent(w, name, v)
		}
	}
	if err := rc.Flush(); err != nil {
		return // no flushing writer: nothing live can be sent
	}
	tick := time.NewTicker(20 * time.Second)
	defer tick.Stop()
	for {
		select {
		case <-r.Context().Done():
			return
		case <-a.quit:
			return
		case <-tick.C:
			_, _ = fmt.Fprint(w, ": keep-alive\n\n")
		case e, ok := <-events:
			if !ok {
				return // lost events: the browser reconnects and reloads state
			}
			name, v, ok := pick(e)
			if !ok {
				continue
			}
			writeEvent(w, name, v)
		}
		if rc.Flush() != nil {
			return
		}
	}
}

func writeEvent(w http.ResponseWriter, name string, v any) {
	b, err := json.Marshal(v)
	if err != nil {
		return
	}
	_, _ = fmt.Fprintf(w, "event: %s\ndata: %s\n\n", name, b)
}
