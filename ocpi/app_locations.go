package ocpi

import (
	"context"
	"sort"
	"strconv"

	"github.com/volt-ev/volt"
)

var _ volt.RoamingLocations = (*Server)(nil)

// FindRoamingLocations lists the Locations Volt holds of the connected
// partner CPOs of cpoID ("": of every CPO), for the driver app's list,
// each with the partner's price (the tariff of its first priced
// connector, as pulled) plus the roaming margin. The app's map draws each
// as a pin of its own (web/app/static/app.js, TestBrowserRoamingPins).
func (s *Server) FindRoamingLocations(ctx context.Context, cpoID string) ([]volt.RoamingLocation, error) {
	partners, err := s.Store.ConnectedOCPIPartners(ctx, volt.OCPIRoleCPO)
	if err != nil {
		return nil, err
	}
	var out []volt.RoamingLocation
	for _, p := range partners {
		if cpoID != "" && p.CPOID != cpoID {
			continue
		}
		locs, err := s.PartnerLocations(ctx, p.ID)
		if err != nil {
			return nil, err
		}
		tariffs, err := s.partnerTariffs(ctx, p.ID)
		if err != nil {
			return nil, err
		}
		for _, l := range locs {
			if !l.Publish {
				continue
			}
			rl := volt.RoamingLocation{PartnerID: p.ID, PartnerName: p.Name, ID: l.ID, Name: l.Name, Address: l.Address, City: l.City,
				EVSEs: len(l.EVSEs), MarginPercent: p.RoamingMarginPercent}
			rl.Lat, _ = strconv.ParseFloat(l.Coordinates.Latitude, 64)
			rl.Lon, _ = strconv.ParseFloat(l.Coordinates.Longitude, 64)
			seen := map[string]bool{}
			for _, e := range l.EVSEs {
				if e.Status == "AVAILABLE" {
					rl.Available++
				}
				for _, c := range e.Connectors {
					for _, id := range c.TariffIDs {
						if t, ok := tariffs[id]; ok && rl.Price == nil {
							rl.Price = roamingPrice(t, p.RoamingMarginPercent)
						}
					}
					if !seen[c.Standard] {
						seen[c.Standard] = true
						rl.Connectors = append(rl.Connectors, c.Standard)
					}
				}
			}
			out = append(out, rl)
		}
	}
	sort.Slice(out, func(i, j int) bool {
		if out[i].PartnerName != out[j].PartnerName {
			return out[i].PartnerName < out[j].PartnerName
		}
		return out[i].Name < out[j].Name
	})
	return out, nil
}
