package ocpi

import (
	"bytes"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"net/http"
	"sort"
	"sync"
	"time"

	"github.com/volt-ev/volt"
)

// OpenData serves GET /api/v1/open-data/locations (issue 17 item 4; UK
// PCPR 2023 reg. 10, AFIR art. 20): every published charger of every CPO
// that has its OCPI party set, as OCPI Locations in the OCPI envelope,
// unauthenticated, paged (offset, limit, Link, X-Total-Count), with an
// ETag and Cache-Control. Each connector carries the Public energy price
// including VAT in minor units per kWh. Private charger groups never
// appear, nor anything of drivers or sessions. The mapping is the
// Locations module's, computed at most every MaxAge.
type OpenData struct {
	Server *Server
	// MaxAge is how long one computation of the feed serves (default 30 s).
	MaxAge time.Duration

	mu    sync.Mutex
	at    time.Time
	stamp time.Time // the newest last_updated of the feed
	cache []*Location
}

func (o *OpenData) maxAge() time.Duration {
	if o.MaxAge > 0 {
		return o.MaxAge
	}
	return 30 * time.Second
}

// Locations returns the feed's Locations, computed at most every MaxAge.
func (o *OpenData) Locations(r *http.Request) ([]*Location, error) {
	o.mu.Lock()
	defer o.mu.Unlock()
	now := o.Server.now()
	if o.cache != nil && now.Sub(o.at) < o.maxAge() {
		return o.cache, nil
	}
	ctx := system(r.Context())
	var all []*Location
	for off := 0; ; off += 500 {
		cpos, total, err := o.Server.Hierarchy.FindCPOs(ctx, volt.Filter{Page: volt.Page{Offset: off, Limit: 500}})
		if err != nil {
			return nil, err
		}
		for _, c := range cpos {
			if _, err := o.Server.Store.OCPIPartyOf(ctx, c.ID); volt.IsCode(err, volt.ENOTFOUND) {
				continue // TODO(issue 17): publish CPOs without an OCPI party under the platform's
			} else if err != nil {
				return nil, err
			}
			e, err := o.Server.LoadEstate(ctx, c.ID, true)
			if err != nil {
				return nil, err
			}
			locs := e.Locations()
			for _, l := range locs {
				e.priceConnectors(l)
			}
			all = append(all, locs...)
		}
		if off+500 >= total {
			break
		}
	}
	sort.SliceStable(all, func(i, j int) bool { return all[i].ID < all[j].ID })
	o.cache, o.at, o.stamp = all, now, time.Unix(0, 0).UTC()
	for _, l := range all {
		if l.lastUpdated.After(o.stamp) {
			o.stamp = l.lastUpdated
		}
	}
	return all, nil
}

// priceConnectors sets the Public energy price including VAT, in minor
// units per kWh, on each connector of l (tariffs are VAT-inclusive).
func (e *Estate) priceConnectors(l *Location) {
	groupOf := map[string]string{}
	for _, c := range e.Chargers {
		for _, conn := range c.Connectors {
			groupOf[EVSEUID(c.CPID, conn.ConnectorID)] = c.ChargerGroupID
		}
	}
	for i := range l.EVSEs {
		t := e.PublicTariffs[groupOf[l.EVSEs[i].UID]]
		if t == nil {
			continue
		}
		minor, err := t.EnergyPricePerKWh.MulInt(100)
		if err != nil {
			continue
		}
		for j := range l.EVSEs[i].Connectors {
			l.EVSEs[i].Connectors[j].PriceInclVATPencePerKWh = minor.String()
		}
	}
}

// ServeHTTP answers the feed's page.
func (o *OpenData) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	echoIDs(w, r)
	p, err := parsePaging(r)
	if err != nil {
		o.Server.fail(w, r, err)
		return
	}
	locs, err := o.Locations(r)
	if err != nil {
		o.Server.fail(w, r, err)
		return
	}
	o.mu.Lock()
	stamp := o.stamp
	o.mu.Unlock()
	page := pageOf(w, r, o.Server.url("/api/v1/open-data/locations"), p, locs)
	var buf bytes.Buffer
	// The timestamp is the newest change of the data, so the page's bytes
	// (and its ETag) change only when the data does.
	_ = json.NewEncoder(&buf).Encode(Response{Data: page, StatusCode: StatusSuccess, StatusMessage: "Success", Timestamp: DateTime(stamp)})
	sum := sha256.Sum256(buf.Bytes())
	etag := `"` + hex.EncodeToString(sum[:16]) + `"`
	w.Header().Set("ETag", etag)
	w.Header().Set("Cache-Control", "public, max-age=60")
	w.Header().Set("Access-Control-Allow-Origin", "*")
	if r.Header.Get("If-None-Match") == etag {
		w.WriteHeader(http.StatusNotModified)
		return
	}
	w.Header().Set("Content-Type", "application/json")
	_, _ = w.Write(buf.Bytes())
}
