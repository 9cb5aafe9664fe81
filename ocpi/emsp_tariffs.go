package ocpi

import (
	"context"
	"encoding/json"
	"fmt"
	"net/http"

	"github.com/volt-ev/volt"
)

// PullTariffs reads every Tariff of a connected CPO partner, page by page
// following Link, and stores them (eMSP side, §11.2.1), so the app shows
// the partner's price with the roaming margin; it returns how many it
// read.
func (s *Server) PullTariffs(ctx context.Context, partnerID string) (int, error) {
	p, err := s.Store.FindOCPIPartnerSystem(ctx, partnerID)
	if err != nil {
		return 0, err
	}
	next := p.Endpoint("tariffs", "SENDER")
	if p.Status != volt.OCPIConnected || p.Role != volt.OCPIRoleCPO || next == "" {
		return 0, volt.Errorf(volt.EUNPROCESSABLE, "Partner %s offers no tariffs.", p.Name)
	}
	n := 0
	for pages := 0; next != "" && pages < 10_000; pages++ {
		var list []json.RawMessage
		h, err := s.do(ctx, p, http.MethodGet, next, p.TheirToken, nil, &list)
		if err != nil {
			_ = s.Store.RecordOCPIError(ctx, p.ID, err.Error())
			return n, fmt.Errorf("pull tariffs of %s: %w", p.ID, err)
		}
		for _, raw := range list {
			var hd objectHead
			if err := json.Unmarshal(raw, &hd); err != nil || hd.ID == "" {
				continue
			}
			at, _ := ParseDateTime(hd.LastUpdated)
			if _, err := s.Store.PutPartnerObject(ctx, p.ID, "tariffs", hd.ID, raw, at); err != nil {
				return n, err
			}
			n++
		}
		next = nextLink(h)
	}
	return n, nil
}

// partnerTariffs reads the tariffs Volt holds of a partner, by id.
func (s *Server) partnerTariffs(ctx context.Context, partnerID string) (map[string]Tariff, error) {
	raws, err := s.Store.FindPartnerObjects(ctx, partnerID, "tariffs")
	if err != nil {
		return nil, err
	}
	out := make(map[string]Tariff, len(raws))
	for _, raw := range raws {
		var t Tariff
		if json.Unmarshal(raw, &t) == nil && t.ID != "" {
			out[t.ID] = t
		}
	}
	return out, nil
}

// roamingPrice is what a driver pays on a partner tariff: for each
// dimension the first component of an element without restrictions (the
// price outside any band; OCPI takes the first element that applies per
// dimension), else of any element, VAT included, plus the margin in
// percent, rounded to 4 decimals.
func roamingPrice(t Tariff, margin volt.Decimal) *volt.RoamingPrice {
	if len(t.Elements) == 0 || !volt.ValidCurrency(t.Currency) {
		return nil
	}
	rp := &volt.RoamingPrice{Currency: t.Currency, TariffID: t.ID}
	set := map[string]bool{}
	for _, unrestricted := range []bool{true, false} {
		for _, e := range t.Elements {
			if unrestricted != (e.Restrictions == nil) {
				continue
			}
			for _, c := range e.PriceComponents {
				if set[c.Type] {
					continue
				}
				set[c.Type] = true
				// incl. VAT, then the margin: micro-units, half up.
				micro := int64(c.Price*1e6+0.5) * (100_000_000 + int64(c.VAT*1e6+0.5)) / 100_000_000
				micro = (micro*(100_000_000+margin.Micro()) + 50_000_000) / 100_000_000
				d := volt.NewDecimalMicro(micro).Round(4)
				switch c.Type {
				case "ENERGY":
					rp.PerKWh = d
				case "FLAT":
					rp.PerSession = d
				case "TIME":
					rp.PerHour = d
				case "PARKING_TIME":
					rp.ParkingPerHour = d
				}
			}
		}
	}
	return rp
}
