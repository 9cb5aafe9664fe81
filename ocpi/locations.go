package ocpi

import (
	"context"
	"fmt"
	"net/http"
	"sort"
	"strconv"
	"strings"
	"time"

	"github.com/volt-ev/volt"
)

// Location is an OCPI 2.2.1 Location (§8.3.1) as Volt publishes it.
type Location struct {
	CountryCode  string           `json:"country_code"`
	PartyID      string           `json:"party_id"`
	ID           string           `json:"id"`
	Publish      bool             `json:"publish"`
	Name         string           `json:"name,omitempty"`
	Address      string           `json:"address"`
	City         string           `json:"city"`
	PostalCode   string           `json:"postal_code,omitempty"`
	Country      string           `json:"country"`
	Coordinates  GeoLocation      `json:"coordinates"`
	EVSEs        []EVSE           `json:"evses"`
	Operator     *BusinessDetails `json:"operator,omitempty"`
	Facilities   []string         `json:"facilities,omitempty"`
	TimeZone     string           `json:"time_zone"`
	OpeningTimes *Hours           `json:"opening_times,omitempty"`
	LastUpdated  string           `json:"last_updated"`

	lastUpdated time.Time
}

// GeoLocation is a WGS 84 position as OCPI writes it (strings).
type GeoLocation struct {
	Latitude  string `json:"latitude"`
	Longitude string `json:"longitude"`
}

// Hours is a Location's opening times (§8.4.14).
type Hours struct {
	TwentyFourSeven bool           `json:"twentyfourseven"`
	RegularHours    []RegularHours `json:"regular_hours,omitempty"`
}

// RegularHours is one weekday's opening span (§8.4.21).
type RegularHours struct {
	Weekday     int    `json:"weekday"`
	PeriodBegin string `json:"period_begin"`
	PeriodEnd   string `json:"period_end"`
}

// openingTimes maps a site's opening hours: none is 24/7.
func openingTimes(ps []volt.OpeningPeriod) *Hours {
	if len(ps) == 0 {
		return &Hours{TwentyFourSeven: true}
	}
	h := &Hours{RegularHours: make([]RegularHours, 0, len(ps))}
	for _, p := range ps {
		h.RegularHours = append(h.RegularHours, RegularHours{Weekday: p.Weekday, PeriodBegin: p.Begin, PeriodEnd: p.End})
	}
	return h
}

// EVSE is an OCPI EVSE (§8.3.2): one connector of a Volt charger.
type EVSE struct {
	UID          string      `json:"uid"`
	EVSEID       string      `json:"evse_id,omitempty"`
	Status       string      `json:"status"`
	Capabilities []string    `json:"capabilities,omitempty"`
	Connectors   []Connector `json:"connectors"`
	// PhysicalReference is the CPID printed on the charger's sticker.
	PhysicalReference string `json:"physical_reference,omitempty"`
	LastUpdated       string `json:"last_updated"`
}

// Connector is an OCPI Connector (§8.3.3).
type Connector struct {
	ID                 string   `json:"id"`
	Standard           string   `json:"standard"`
	Format             string   `json:"format"`
	PowerType          string   `json:"power_type"`
	MaxVoltage         int      `json:"max_voltage"`
	MaxAmperage        int      `json:"max_amperage"`
	MaxElectricPower   int      `json:"max_electric_power,omitempty"`
	TariffIDs          []string `json:"tariff_ids,omitempty"`
	TermsAndConditions string   `json:"terms_and_conditions,omitempty"`
	// PriceInclVATPencePerKWh is Volt's extension for the open data feed
	// (UK PCPR 2023 reg. 10): the public energy price including VAT in
	// minor units per kWh, a decimal string. Only the open data feed sets it.
	PriceInclVATPencePerKWh string `json:"x_volt_price_incl_vat_per_kwh_minor,omitempty"`
	LastUpdated             string `json:"last_updated"`
}

// Estate is what the Locations mapping reads of one CPO: its sites,
// charger groups and chargers (with connectors), and the public tariff of
// each group. LoadEstate fills it as the system; from the store's estate
// query a charger carries only what the mapping reads (CPID, CPO, site,
// group, Online, UpdatedAt and its connectors: store.OCPIService.OCPIEstate).
type Estate struct {
	Party    *volt.OCPIParty
	CPO      *volt.CPO
	Sites    []*volt.Site
	Groups   map[string]*volt.ChargerGroup
	Chargers []*volt.Charger
	// PublicTariffs is the Public tariff of each charger group.
	PublicTariffs map[string]*volt.Tariff
}

// estateReader is a store that reads a CPO's estate in one query per
// table (store.OCPIService.OCPIEstate); without it LoadEstate pages
// through the services.
type estateReader interface {
	OCPIEstate(ctx context.Context, cpoID string) ([]*volt.Site, []*volt.ChargerGroup, []*volt.Charger, map[string]string, error)
}

// LoadEstate reads a CPO's estate; LocationsFor maps what of it is
// published to a partner.
func (s *Server) LoadEstate(ctx context.Context, cpoID string, withTariffs bool) (*Estate, error) {
	ctx = system(ctx)
	e := &Estate{Groups: map[string]*volt.ChargerGroup{}, PublicTariffs: map[string]*volt.Tariff{}}
	var err error
	if e.CPO, err = s.Hierarchy.FindCPOByID(ctx, cpoID); err != nil {
		return nil, err
	}
	if e.Party, err = s.Store.OCPIPartyOf(ctx, cpoID); err != nil {
		return nil, err
	}
	if r, ok := s.Store.(estateReader); ok {
		sites, groups, chargers, public, err := r.OCPIEstate(ctx, cpoID)
		if err != nil {
			return nil, err
		}
		e.Sites, e.Chargers = sites, chargers
		for _, g := range groups {
			e.Groups[g.ID] = g
		}
		if withTariffs && s.Tariffs != nil {
			tariffs := map[string]*volt.Tariff{} // a tariff read once, however many groups use it
			for id, tid := range public {
				if !(*volt.OCPIPartner)(nil).Publishes(e.Groups[id]) {
					continue
				}
				t, seen := tariffs[tid]
				if !seen {
					if t, err = s.Tariffs.FindTariffByID(ctx, tid); err != nil {
						return nil, fmt.Errorf("tariff %s: %w", tid, err)
					}
					tariffs[tid] = t
				}
				e.PublicTariffs[id] = t
			}
		}
		return e, nil
	}
	for off := 0; ; off += 500 {
		sites, total, err := s.Hierarchy.FindSites(ctx, volt.Filter{CPOID: cpoID, Page: volt.Page{Offset: off, Limit: 500}})
		if err != nil {
			return nil, fmt.Errorf("sites of %s: %w", cpoID, err)
		}
		e.Sites = append(e.Sites, sites...)
		if off+500 >= total {
			break
		}
	}
	for off := 0; ; off += 500 {
		groups, total, err := s.Hierarchy.FindChargerGroups(ctx, volt.Filter{CPOID: cpoID, Page: volt.Page{Offset: off, Limit: 500}})
		if err != nil {
			return nil, fmt.Errorf("charger groups of %s: %w", cpoID, err)
		}
		for _, g := range groups {
			e.Groups[g.ID] = g
		}
		if off+500 >= total {
			break
		}
	}
	for off := 0; ; off += 500 {
		chargers, total, err := s.Chargers.FindChargers(ctx, volt.ChargerFilter{CPOID: cpoID, Page: volt.Page{Offset: off, Limit: 500}})
		if err != nil {
			return nil, fmt.Errorf("chargers of %s: %w", cpoID, err)
		}
		e.Chargers = append(e.Chargers, chargers...)
		if off+500 >= total {
			break
		}
	}
	if withTariffs && s.Tariffs != nil {
		for id, g := range e.Groups {
			if !(*volt.OCPIPartner)(nil).Publishes(g) {
				continue
			}
			as, _, err := s.Tariffs.FindTariffAssignments(ctx, volt.TariffAssignmentFilter{ChargerGroupID: id, UsergroupID: volt.PublicUsergroupID})
			if err != nil {
				return nil, fmt.Errorf("public tariff of group %s: %w", id, err)
			}
			if len(as) > 0 {
				t, err := s.Tariffs.FindTariffByID(ctx, as[0].TariffID)
				if err != nil {
					return nil, fmt.Errorf("tariff %s: %w", as[0].TariffID, err)
				}
				e.PublicTariffs[id] = t
			}
		}
	}
	return e, nil
}

// Locations maps the estate to the OCPI Locations of the open data feed:
// every published charger group (LocationsFor).
func (e *Estate) Locations() []*Location { return e.LocationsFor(nil) }

// LocationsFor maps the estate to the OCPI Locations published to partner
// p (nil: every published group): a site with at least one published EVSE
// is a Location; chargers of private groups, of groups excluded from OCPI
// and, for a partner limited to some groups, of the others never appear
// (volt.OCPIPartner.Publishes), nor connectors whose type the operator has
// not set (OCPI requires the standard). A partner with a roaming tariff
// sees it on every connector. Sorted by last_updated, then id, for stable
// paging.
func (e *Estate) LocationsFor(p *volt.OCPIPartner) []*Location {
	bySite := map[string][]*volt.Charger{}
	for _, c := range e.Chargers {
		if !p.Publishes(e.Groups[c.ChargerGroupID]) {
			continue
		}
		bySite[c.SiteID] = append(bySite[c.SiteID], c)
	}
	var out []*Location
	for _, site := range e.Sites {
		chargers := bySite[site.ID]
		if len(chargers) == 0 {
			continue
		}
		sort.Slice(chargers, func(i, j int) bool { return chargers[i].CPID < chargers[j].CPID })
		loc := e.location(site)
		for _, c := range chargers {
			for _, conn := range c.Connectors {
				if conn.ConnectorID < 1 || !conn.Type.Valid() {
					continue
				}
				evse, at := e.evse(c, conn, p)
				loc.EVSEs = append(loc.EVSEs, evse)
				if at.After(loc.lastUpdated) {
					loc.lastUpdated = at
				}
			}
		}
		if len(loc.EVSEs) == 0 {
			continue
		}
		loc.LastUpdated = DateTime(loc.lastUpdated)
		out = append(out, loc)
	}
	sort.Slice(out, func(i, j int) bool {
		if !out[i].lastUpdated.Equal(out[j].lastUpdated) {
			return out[i].lastUpdated.Before(out[j].lastUpdated)
		}
		return out[i].ID < out[j].ID
	})
	return out
}

func (e *Estate) location(site *volt.Site) *Location {
	city := site.Address.City
	if city == "" {
		city = "-"
	}
	addr := strings.TrimSpace(strings.Join([]string{site.Address.Line1, site.Address.Line2}, " "))
	if addr == "" {
		addr = site.Name
	}
	return &Location{
		CountryCode: e.Party.CountryCode, PartyID: e.Party.PartyID, ID: site.ID, Publish: true,
		Name: truncate(site.Name, 255), Address: truncate(addr, 45), City: truncate(city, 45),
		PostalCode: truncate(site.Address.Postcode, 10), Country: alpha3(site.Address.Country),
		Coordinates: GeoLocation{Latitude: strconv.FormatFloat(site.Latitude, 'f', 6, 64), Longitude: strconv.FormatFloat(site.Longitude, 'f', 6, 64)},
		Operator:    &BusinessDetails{Name: truncate(e.CPO.Name, 100)},
		Facilities:  facilities(site.Amenities), TimeZone: site.TimeZone,
		OpeningTimes: openingTimes(site.OpeningHours),
		EVSEs:        []EVSE{}, lastUpdated: site.UpdatedAt,
	}
}

// EVSEUID is the uid of a charger's connector as an OCPI EVSE.
func EVSEUID(cpid string, connectorID int) string { return cpid + "-" + strconv.Itoa(connectorID) }

// EVSEID is the eMI3 EVSE ID (§8.3.2, "GB*ABC*E000123*1"): the party, E,
// the CPID and the connector.
func EVSEID(party *volt.OCPIParty, cpid string, connectorID int) string {
	return party.CountryCode + "*" + party.PartyID + "*E" + cpid + "*" + strconv.Itoa(connectorID)
}

func (e *Estate) evse(c *volt.Charger, conn volt.Connector, p *volt.OCPIPartner) (EVSE, time.Time) {
	at := c.UpdatedAt
	if conn.StatusAt.After(at) {
		at = conn.StatusAt
	}
	ct := Connector{ID: "1", Standard: conn.Type.Standard(), Format: string(conn.Type.Format()), PowerType: string(conn.PowerType),
		MaxVoltage: conn.MaxVoltageV, MaxAmperage: conn.MaxCurrentA, MaxElectricPower: conn.MaxPowerW, LastUpdated: DateTime(at)}
	if ct.PowerType == "" {
		ct.PowerType = string(volt.PowerAC3Phase)
		if conn.Type.DC() {
			ct.PowerType = string(volt.PowerDC)
		}
	}
	if t := e.PublicTariffs[c.ChargerGroupID]; t != nil {
		ct.TariffIDs = []string{t.ID}
	}
	if p != nil && p.TariffID != "" {
		ct.TariffIDs = []string{p.TariffID}
	}
	return EVSE{UID: EVSEUID(c.CPID, conn.ConnectorID), EVSEID: EVSEID(e.Party, c.CPID, conn.ConnectorID),
		Status: EVSEStatus(c.Online, conn.Status), Capabilities: []string{"REMOTE_START_STOP_CAPABLE", "RFID_READER", "UNLOCK_CAPABLE"},
		Connectors: []Connector{ct}, PhysicalReference: c.CPID, LastUpdated: DateTime(at)}, at
}

// EVSEStatus maps an OCPP connector status to the OCPI EVSE status
// (§8.4.22); an offline charger is UNKNOWN.
func EVSEStatus(online bool, s volt.ConnectorStatus) string {
	if !online {
		return "UNKNOWN"
	}
	switch s {
	case volt.StatusAvailable:
		return "AVAILABLE"
	case volt.StatusPreparing, volt.StatusCharging, volt.StatusSuspendedEV, volt.StatusSuspendedEVSE, volt.StatusFinishing:
		return "CHARGING"
	case volt.StatusReserved:
		return "RESERVED"
	case volt.StatusUnavailable:
		return "INOPERATIVE"
	case volt.StatusFaulted:
		return "OUTOFORDER"
	}
	return "UNKNOWN"
}

var facilityOf = map[string]string{
	"hotel": "HOTEL", "restaurant": "RESTAURANT", "cafe": "CAFE", "café": "CAFE", "coffee": "CAFE", "mall": "MALL",
	"shopping": "MALL", "shops": "MALL", "supermarket": "SUPERMARKET", "sport": "SPORT", "gym": "SPORT", "park": "RECREATION_AREA",
	"nature": "NATURE", "museum": "MUSEUM", "bus stop": "BUS_STOP", "taxi": "TAXI_STAND", "train station": "TRAIN_STATION",
	"station": "TRAIN_STATION", "airport": "AIRPORT", "parking": "PARKING_LOT", "car park": "PARKING_LOT",
	"fuel station": "FUEL_STATION", "petrol station": "FUEL_STATION", "wifi": "WIFI", "wi-fi": "WIFI",
}

// facilities maps a site's amenities to OCPI Facility values; those with
// no OCPI name are left out.
func facilities(amenities []string) []string {
	var out []string
	seen := map[string]bool{}
	for _, a := range amenities {
		if f := facilityOf[strings.ToLower(strings.TrimSpace(a))]; f != "" && !seen[f] {
			seen[f] = true
			out = append(out, f)
		}
	}
	return out
}

var alpha3Of = map[string]string{
	"GB": "GBR", "UK": "GBR", "IE": "IRL", "FR": "FRA", "DE": "DEU", "NL": "NLD", "BE": "BEL", "ES": "ESP", "PT": "PRT",
	"IT": "ITA", "AT": "AUT", "CH": "CHE", "DK": "DNK", "SE": "SWE", "NO": "NOR", "FI": "FIN", "PL": "POL", "LU": "LUX",
}

// alpha3 returns the ISO 3166-1 alpha-3 code OCPI wants of an alpha-2
// address country (default GBR, Volt's home market).
func alpha3(cc string) string {
	cc = strings.ToUpper(strings.TrimSpace(cc))
	if len(cc) == 3 {
		return cc
	}
	if a := alpha3Of[cc]; a != "" {
		return a
	}
	return "GBR"
}

// listLocations is the Locations sender's list (§8.2.1.1), paged, in the
// window of last_updated.
func (s *Server) listLocations(w http.ResponseWriter, r *http.Request) error {
	p, err := parsePaging(r)
	if err != nil {
		return err
	}
	locs, err := s.partnerLocations(r.Context(), callOf(r).partner)
	if err != nil {
		return err
	}
	var in []*Location
	for _, l := range locs {
		if p.Contains(l.lastUpdated) {
			in = append(in, l)
		}
	}
	ok(w, pageOf(w, r, s.url("/ocpi/cpo/2.2.1/locations"), p, in))
	return nil
}

// partnerLocations returns the Locations published to a partner,
// computed at most every LocationsTTL (per partner: its groups and tariff
// are its own).
func (s *Server) partnerLocations(ctx context.Context, p *volt.OCPIPartner) ([]*Location, error) {
	s.locMu.Lock()
	defer s.locMu.Unlock()
	now := s.now()
	key := p.CPOID + "/" + p.ID
	if c, ok := s.locCache[key]; ok && now.Sub(c.at) < LocationsTTL && !now.Before(c.at) {
		return c.locs, nil
	}
	e, err := s.LoadEstate(ctx, p.CPOID, true)
	if err != nil {
		return nil, err
	}
	locs := e.LocationsFor(p)
	if s.locCache == nil {
		s.locCache = map[string]cachedLocations{}
	}
	s.locCache[key] = cachedLocations{at: now, locs: locs}
	return locs, nil
}

// getLocation answers one Location, EVSE or Connector, only of the CPO
// the partner roams with (LESSONS OCPI 1: never by id alone).
func (s *Server) getLocation(w http.ResponseWriter, r *http.Request) error {
	e, err := s.LoadEstate(r.Context(), callOf(r).partner.CPOID, true)
	if err != nil {
		return err
	}
	locID, evseUID, connID := r.PathValue("location_id"), r.PathValue("evse_uid"), r.PathValue("connector_id")
	for _, l := range e.LocationsFor(callOf(r).partner) {
		if l.ID != locID {
			continue
		}
		if evseUID == "" {
			ok(w, l)
			return nil
		}
		for _, ev := range l.EVSEs {
			if ev.UID != evseUID {
				continue
			}
			if connID == "" {
				ok(w, ev)
				return nil
			}
			for _, c := range ev.Connectors {
				if c.ID == connID {
					ok(w, c)
					return nil
				}
			}
		}
	}
	return notFoundErr(StatusUnknownLocation, "Unknown location "+locID+" "+evseUID+" "+connID)
}
