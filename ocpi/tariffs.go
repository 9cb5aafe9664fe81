package ocpi

import (
	"context"
	"fmt"
	"net/http"
	"sort"
	"time"

	"github.com/volt-ev/volt"
)

// Tariff is an OCPI Tariff (§11.3.1).
type Tariff struct {
	CountryCode string          `json:"country_code"`
	PartyID     string          `json:"party_id"`
	ID          string          `json:"id"`
	Currency    string          `json:"currency"`
	Type        string          `json:"type,omitempty"`
	MinPrice    *Price          `json:"min_price,omitempty"`
	MaxPrice    *Price          `json:"max_price,omitempty"`
	Elements    []TariffElement `json:"elements"`
	LastUpdated string          `json:"last_updated"`

	lastUpdated time.Time
}

// Price is an amount excluding and including VAT.
type Price struct {
	ExclVAT float64 `json:"excl_vat"`
	InclVAT float64 `json:"incl_vat,omitempty"`
}

// TariffElement is one element of a tariff with its restrictions.
type TariffElement struct {
	PriceComponents []PriceComponent    `json:"price_components"`
	Restrictions    *TariffRestrictions `json:"restrictions,omitempty"`
}

// PriceComponent prices one dimension, excluding VAT, with the VAT rate
// in percent.
type PriceComponent struct {
	Type     string  `json:"type"`
	Price    float64 `json:"price"`
	VAT      float64 `json:"vat"`
	StepSize int     `json:"step_size"`
}

// TariffRestrictions limits an element to times and days.
type TariffRestrictions struct {
	StartTime   string   `json:"start_time,omitempty"`
	EndTime     string   `json:"end_time,omitempty"`
	DayOfWeek   []string `json:"day_of_week,omitempty"`
	MinDuration int      `json:"min_duration,omitempty"`
}

// exclVAT returns an amount including VAT at rate without it, to 4
// decimals (OCPI prices are numbers; Volt's are VAT-inclusive decimals).
func exclVAT(incl, rate volt.Decimal) float64 {
	micro := incl.Micro() * 1_000_000 / (1_000_000 + rate.Micro())
	return float64((micro+50)/100) / 10_000
}

func toFloat(d volt.Decimal) float64 { return float64(d.Micro()) / 1_000_000 }

var weekdays = []string{"SUNDAY", "MONDAY", "TUESDAY", "WEDNESDAY", "THURSDAY", "FRIDAY", "SATURDAY"}

func hhmm(minute int) string { return fmt.Sprintf("%02d:%02d", minute/60%24, minute%60) }

// TariffOf maps a Volt tariff to OCPI: energy per kWh (step 1 Wh), time
// per hour of charging (step 60 s), idle time as PARKING_TIME after the
// grace, the session fee as FLAT; each band an element restricted to its
// window, before the default element (OCPI takes the first that applies).
// A partner with a roaming tariff is shown that one instead (tariffsOf).
func TariffOf(party *volt.OCPIParty, t *volt.Tariff) *Tariff {
	vat := toFloat(t.VATRate) * 100
	comp := func(typ string, incl volt.Decimal, step int) PriceComponent {
		return PriceComponent{Type: typ, Price: exclVAT(incl, t.VATRate), VAT: vat, StepSize: step}
	}
	energyTime := func(energy, perHour volt.Decimal) []PriceComponent {
		var pcs []PriceComponent
		if !energy.IsZero() || t.FreeVend {
			pcs = append(pcs, comp("ENERGY", energy, 1))
		}
		if !perHour.IsZero() {
			pcs = append(pcs, comp("TIME", perHour, 60))
		}
		return pcs
	}
	out := &Tariff{CountryCode: party.CountryCode, PartyID: party.PartyID, ID: t.ID, Currency: t.Currency, Type: "REGULAR",
		LastUpdated: DateTime(t.UpdatedAt), lastUpdated: t.UpdatedAt, Elements: []TariffElement{}}
	if t.FreeVend {
		out.Elements = append(out.Elements, TariffElement{PriceComponents: []PriceComponent{comp("FLAT", volt.Decimal{}, 1)}})
		return out
	}
	for _, b := range t.Bands {
		e, h := t.EnergyPricePerKWh, t.TimePricePerHour
		if b.EnergyPricePerKWh != nil {
			e = *b.EnergyPricePerKWh
		}
		if b.TimePricePerHour != nil {
			h = *b.TimePricePerHour
		}
		r := &TariffRestrictions{StartTime: hhmm(b.StartMinute), EndTime: hhmm(b.EndMinute)}
		for _, d := range b.DaysOfWeek {
			r.DayOfWeek = append(r.DayOfWeek, weekdays[d])
		}
		if pcs := energyTime(e, h); len(pcs) > 0 {
			out.Elements = append(out.Elements, TariffElement{PriceComponents: pcs, Restrictions: r})
		}
	}
	if pcs := energyTime(t.EnergyPricePerKWh, t.TimePricePerHour); len(pcs) > 0 {
		out.Elements = append(out.Elements, TariffElement{PriceComponents: pcs})
	}
	if !t.IdleFeePerMinute.IsZero() {
		perHour, _ := t.IdleFeePerMinute.MulInt(60)
		out.Elements = append(out.Elements, TariffElement{PriceComponents: []PriceComponent{comp("PARKING_TIME", perHour, 60)},
			Restrictions: &TariffRestrictions{MinDuration: t.IdleGraceMinutes * 60}})
	}
	if !t.SessionFee.IsZero() {
		out.Elements = append(out.Elements, TariffElement{PriceComponents: []PriceComponent{comp("FLAT", t.SessionFee, 1)}})
	}
	if len(out.Elements) == 0 {
		out.Elements = append(out.Elements, TariffElement{PriceComponents: []PriceComponent{comp("ENERGY", volt.Decimal{}, 1)}})
	}
	if !t.MinPrice.IsZero() {
		out.MinPrice = &Price{ExclVAT: exclVAT(t.MinPrice, t.VATRate), InclVAT: toFloat(t.MinPrice)}
	}
	if t.MaxPrice != nil {
		out.MaxPrice = &Price{ExclVAT: exclVAT(*t.MaxPrice, t.VATRate), InclVAT: toFloat(*t.MaxPrice)}
	}
	return out
}

// listTariffs is the Tariffs sender (§11.2.1): the partner's roaming
// tariff when it has one, else the Public tariffs of the charger groups
// published to it, paged in the window.
func (s *Server) listTariffs(w http.ResponseWriter, r *http.Request) error {
	p, err := parsePaging(r)
	if err != nil {
		return err
	}
	partner := callOf(r).partner
	e, err := s.LoadEstate(r.Context(), partner.CPOID, true)
	if err != nil {
		return err
	}
	seen := map[string]bool{}
	var in []*Tariff
	for gid, t := range s.tariffsOf(r.Context(), e, partner) {
		if seen[t.ID] || (gid != "" && !partner.Publishes(e.Groups[gid])) {
			continue
		}
		seen[t.ID] = true
		if ot := TariffOf(e.Party, t); p.Contains(ot.lastUpdated) {
			in = append(in, ot)
		}
	}
	sort.Slice(in, func(i, j int) bool {
		if !in[i].lastUpdated.Equal(in[j].lastUpdated) {
			return in[i].lastUpdated.Before(in[j].lastUpdated)
		}
		return in[i].ID < in[j].ID
	})
	ok(w, pageOf(w, r, s.url("/ocpi/cpo/2.2.1/tariffs"), p, in))
	return nil
}

// tariffsOf returns the tariffs a partner is shown, by charger group: its
// roaming tariff (under "": every group) when it has one, else each
// published group's Public tariff.
func (s *Server) tariffsOf(ctx context.Context, e *Estate, p *volt.OCPIPartner) map[string]*volt.Tariff {
	if p.TariffID != "" && s.Tariffs != nil {
		t, err := s.Tariffs.FindTariffByID(system(ctx), p.TariffID)
		if err == nil {
			return map[string]*volt.Tariff{"": t}
		}
		s.logger().Warn("ocpi roaming tariff", "partner", p.ID, "tariff", p.TariffID, "err", err)
	}
	return e.PublicTariffs
}
