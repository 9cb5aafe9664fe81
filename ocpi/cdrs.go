package ocpi

import (
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"time"

	"github.com/volt-ev/volt"
)

// CDR is an OCPI CDR (§10.3.1) as Volt sends it for a roaming session on
// one of its chargers.
type CDR struct {
	CountryCode      string           `json:"country_code"`
	PartyID          string           `json:"party_id"`
	ID               string           `json:"id"`
	StartDateTime    string           `json:"start_date_time"`
	EndDateTime      string           `json:"end_date_time"`
	SessionID        string           `json:"session_id,omitempty"`
	CDRToken         CDRToken         `json:"cdr_token"`
	AuthMethod       string           `json:"auth_method"`
	CDRLocation      CDRLocation      `json:"cdr_location"`
	Currency         string           `json:"currency"`
	ChargingPeriods  []ChargingPeriod `json:"charging_periods"`
	TotalCost        Price            `json:"total_cost"`
	TotalFixedCost   *Price           `json:"total_fixed_cost,omitempty"`
	TotalEnergy      float64          `json:"total_energy"`
	TotalEnergyCost  *Price           `json:"total_energy_cost,omitempty"`
	TotalTime        float64          `json:"total_time"`
	TotalTimeCost    *Price           `json:"total_time_cost,omitempty"`
	TotalParkingTime float64          `json:"total_parking_time,omitempty"`
	TotalParkingCost *Price           `json:"total_parking_cost,omitempty"`
	Credit           bool             `json:"credit,omitempty"`
	CreditReference  string           `json:"credit_reference_id,omitempty"`
	LastUpdated      string           `json:"last_updated"`
}

// CDRToken names the token a CDR was charged with.
type CDRToken struct {
	CountryCode string `json:"country_code"`
	PartyID     string `json:"party_id"`
	UID         string `json:"uid"`
	Type        string `json:"type"`
	ContractID  string `json:"contract_id"`
}

// CDRLocation is where the session took place.
type CDRLocation struct {
	ID                 string      `json:"id"`
	Name               string      `json:"name,omitempty"`
	Address            string      `json:"address"`
	City               string      `json:"city"`
	PostalCode         string      `json:"postal_code,omitempty"`
	Country            string      `json:"country"`
	Coordinates        GeoLocation `json:"coordinates"`
	EVSEUID            string      `json:"evse_uid"`
	EVSEID             string      `json:"evse_id"`
	ConnectorID        string      `json:"connector_id"`
	ConnectorStandard  string      `json:"connector_standard"`
	ConnectorFormat    string      `json:"connector_format"`
	ConnectorPowerType string      `json:"connector_power_type"`
}

// ChargingPeriod is one period of a CDR with its volumes.
type ChargingPeriod struct {
	StartDateTime string         `json:"start_date_time"`
	Dimensions    []CDRDimension `json:"dimensions"`
	TariffID      string         `json:"tariff_id,omitempty"`
}

// CDRDimension is one volume of a charging period.
type CDRDimension struct {
	Type   string  `json:"type"`
	Volume float64 `json:"volume"`
}

func minorPrice(excl, incl int64, exp int) *Price {
	d := 1.0
	for i := 0; i < exp; i++ {
		d *= 10
	}
	return &Price{ExclVAT: float64(excl) / d, InclVAT: float64(incl) / d}
}

// CDROf maps a Volt CDR charged with a roaming token to OCPI, with Volt's
// cost line by line (LESSONS OCPI 5: every breakdown filled). It has one
// charging period over the whole session; SetPeriods replaces it with the
// periods of the meter values.
func CDROf(e *Estate, site *volt.Site, c *volt.Charger, cdr *volt.CDR, tok *volt.OCPIToken) (*CDR, error) {
	if cdr.TotalCost == nil {
		return nil, fmt.Errorf("CDR %s has no cost", cdr.ID)
	}
	var conn volt.Connector
	for _, x := range c.Connectors {
		if x.ConnectorID == cdr.ConnectorID {
			conn = x
		}
	}
	exp := volt.CurrencyExponent(cdr.TotalCost.Currency)
	out := &CDR{CountryCode: e.Party.CountryCode, PartyID: e.Party.PartyID, ID: cdr.ID, StartDateTime: DateTime(cdr.StartedAt),
		EndDateTime: DateTime(cdr.StoppedAt), SessionID: cdr.SessionID,
		CDRToken:   CDRToken{CountryCode: tok.CountryCode, PartyID: tok.PartyID, UID: tok.UID, Type: tok.Type, ContractID: tok.ContractID},
		AuthMethod: "WHITELIST", Currency: cdr.TotalCost.Currency,
		TotalEnergy: float64(cdr.EnergyWh) / 1000, TotalTime: float64(cdr.DurationSeconds) / 3600,
		LastUpdated: DateTime(cdr.CreatedAt), CreditReference: cdr.CreditsCDRID, Credit: cdr.CreditsCDRID != ""}
	out.TotalCost = *minorPrice(cdr.TotalCost.ExclVAT, cdr.TotalCost.InclVAT, exp)
	var energy, timeC, parking, fixed [2]int64
	for _, l := range cdr.TotalCost.Components {
		dst := &fixed
		switch l.Component {
		case "energy":
			dst = &energy
		case "time":
			dst = &timeC
		case "idle":
			dst = &parking
		case "export_credit":
			// V2X energy given back (issue 15): OCPI 2.2.1 has no export
			// dimension, so the credit lowers the energy cost; any rest
			// (the credit is capped at the session's cost) the fixed one.
			dst = &energy
		}
		dst[0] += l.ExclVAT
		dst[1] += l.InclVAT
	}
	for i := range energy {
		if energy[i] < 0 {
			fixed[i] += energy[i]
			energy[i] = 0
		}
	}
	out.TotalEnergyCost = minorPrice(energy[0], energy[1], exp)
	out.TotalTimeCost = minorPrice(timeC[0], timeC[1], exp)
	out.TotalParkingCost = minorPrice(parking[0], parking[1], exp)
	out.TotalFixedCost = minorPrice(fixed[0], fixed[1], exp)
	loc := e.location(site)
	out.CDRLocation = CDRLocation{ID: site.ID, Name: loc.Name, Address: loc.Address, City: loc.City, PostalCode: loc.PostalCode,
		Country: loc.Country, Coordinates: loc.Coordinates, EVSEUID: EVSEUID(c.CPID, cdr.ConnectorID),
		EVSEID: EVSEID(e.Party, c.CPID, cdr.ConnectorID), ConnectorID: "1", ConnectorStandard: conn.Type.Standard(),
		ConnectorFormat: string(conn.Type.Format()), ConnectorPowerType: string(conn.PowerType)}
	out.ChargingPeriods = []ChargingPeriod{{StartDateTime: DateTime(cdr.StartedAt), Dimensions: []CDRDimension{
		{Type: "ENERGY", Volume: out.TotalEnergy}, {Type: "TIME", Volume: out.TotalTime}}}}
	return out, nil
}

// SyncRoamingCDRs queues every CDR of the last week that a partner's
// token paid for and that is not queued yet: each goes to its partner
// (POST to its cdrs receiver, retried until accepted) and counts as the
// partner's third-party income, once. It reads state, not events, so a
// CDR written while Volt was down is still sent; the charger never waits
// on it. It returns how many it queued.
func (s *Server) SyncRoamingCDRs(ctx context.Context) (int, error) {
	due, err := s.Store.RoamingCDRsToQueue(ctx, s.now().Add(-7*24*time.Hour), 100)
	if err != nil {
		return 0, err
	}
	n := 0
	for _, r := range due {
		if err := s.queueCDR(ctx, r); err != nil {
			s.logger().Warn("ocpi roaming cdr", "cdr", r.CDR.ID, "err", err)
			continue
		}
		n++
	}
	return n, nil
}

func (s *Server) queueCDR(ctx context.Context, r volt.RoamingCDR) error {
	cdr := r.CDR
	tok, err := s.Store.FindRoamingToken(ctx, cdr.CPOID, cdr.IDTag)
	if err != nil {
		return err
	}
	sctx := system(ctx)
	e, err := s.LoadEstate(sctx, cdr.CPOID, false)
	if err != nil {
		return err
	}
	site, err := s.Hierarchy.FindSiteByID(sctx, cdr.SiteID)
	if err != nil {
		return err
	}
	c, err := s.Chargers.FindChargerByCPID(sctx, cdr.CPID)
	if err != nil {
		return err
	}
	o, err := CDROf(e, site, c, cdr, tok)
	if err != nil {
		return err
	}
	if ur, ok := s.Charging.(SessionUsageReader); ok && cdr.SessionID != "" {
		snap, u, err := ur.SessionUsage(sctx, cdr.SessionID)
		if err != nil {
			return fmt.Errorf("usage of CDR %s: %w", cdr.ID, err)
		}
		if snap != nil {
			o.SetPeriods(snap.Tariff.ID, volt.ChargePeriods(snap, u))
		}
	}
	body, err := json.Marshal(o)
	if err != nil {
		return err
	}
	return s.Store.QueueRoamingCDR(ctx, r, &volt.OCPIPush{PartnerID: r.PartnerID, Module: "cdrs", ObjectID: cdr.ID, Method: http.MethodPost, Body: body})
}

// listCDRs is the CDRs sender (§10.2.1.1): the CDRs of the partner's
// tokens, as they were pushed, paged in the window of when they were made.
func (s *Server) listCDRs(w http.ResponseWriter, r *http.Request) error {
	p, err := parsePaging(r)
	if err != nil {
		return err
	}
	items, total, err := s.Store.RoamingCDRsOf(r.Context(), callOf(r).partner.ID, p.From, p.To, p.Offset, p.Limit)
	if err != nil {
		return err
	}
	setPagingHeaders(w, r, s.url("/ocpi/cpo/2.2.1/cdrs"), p, total, len(items))
	ok(w, items)
	return nil
}

// SessionUsageReader reads what a session was priced on: its tariff
// snapshot and meter readings (store.ChargingService). When the Server's
// Charging is one, CDRs carry charging periods from the meter values.
type SessionUsageReader interface {
	SessionUsage(ctx context.Context, sessionID string) (*volt.TariffSnapshot, volt.Usage, error)
}

// SetPeriods sets the CDR's charging periods from the session's periods
// (volt.ChargePeriods): one per price slot of the tariff, with its energy
// (kWh), time charging and time parked (hours), and the total parking
// time. An empty list keeps the one period CDROf made.
func (o *CDR) SetPeriods(tariffID string, periods []volt.ChargePeriod) {
	if len(periods) == 0 {
		return
	}
	o.ChargingPeriods = make([]ChargingPeriod, 0, len(periods))
	var parking time.Duration
	for _, p := range periods {
		cp := ChargingPeriod{StartDateTime: DateTime(p.Start), TariffID: tariffID,
			Dimensions: []CDRDimension{{Type: "ENERGY", Volume: float64(p.EnergyMWh) / 1_000_000}}}
		if p.Charging > 0 {
			cp.Dimensions = append(cp.Dimensions, CDRDimension{Type: "TIME", Volume: p.Charging.Hours()})
		}
		if p.Idle > 0 {
			cp.Dimensions = append(cp.Dimensions, CDRDimension{Type: "PARKING_TIME", Volume: p.Idle.Hours()})
			parking += p.Idle
		}
		o.ChargingPeriods = append(o.ChargingPeriods, cp)
	}
	o.TotalParkingTime = parking.Hours()
}
