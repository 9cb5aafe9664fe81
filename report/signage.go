package report

import (
	"context"
	"fmt"
	"io"
	"net/url"
	"strings"

	"github.com/volt-ev/volt"
)

// Signage gathers what stickers and posters show from the services, as
// the actor in the context may read it, and renders them. The API and the
// portal serve its PDFs.
type Signage struct {
	Hierarchy volt.HierarchyService
	Chargers  volt.ChargerService
	Tariffs   volt.TariffService // nil: posters say the app shows the price
	// Operator names the platform when a CPO cannot be read ("Volt").
	Operator string
	// Base is where printed links point: VOLT_PUBLIC_URL or the request's
	// scheme and host, without a trailing slash.
	Base string
}

// ChargerPageURL is the driver app's page of a charger under base.
func ChargerPageURL(base, cpid string) string {
	return strings.TrimRight(base, "/") + "/app/c/" + url.PathEscape(cpid)
}

// ChargerSticker writes the sticker of a charger the actor reads and
// returns its file name.
func (g Signage) ChargerSticker(ctx context.Context, w io.Writer, cpid string) (string, error) {
	c, err := g.Chargers.FindChargerByCPID(ctx, cpid)
	if err != nil {
		return "", err
	}
	return "sticker-" + c.CPID + ".pdf", WriteStickerPDF(w, g.brand(ctx, c.CPOID), StickerFor(c, ChargerPageURL(g.Base, c.CPID)))
}

// SiteStickers writes the A4 sticker sheets of a site's chargers.
func (g Signage) SiteStickers(ctx context.Context, w io.Writer, siteID string) (string, error) {
	site, err := g.Hierarchy.FindSiteByID(ctx, siteID)
	if err != nil {
		return "", err
	}
	chargers, err := g.chargers(ctx, volt.ChargerFilter{SiteID: site.ID})
	if err != nil {
		return "", err
	}
	return "stickers-" + site.ID + ".pdf", WriteStickerSheetPDF(w, g.brand(ctx, site.CPOID), g.stickers(chargers))
}

// GroupStickers writes the A4 sticker sheets of a charger group's chargers.
func (g Signage) GroupStickers(ctx context.Context, w io.Writer, groupID string) (string, error) {
	grp, err := g.Hierarchy.FindChargerGroupByID(ctx, groupID)
	if err != nil {
		return "", err
	}
	chargers, err := g.chargers(ctx, volt.ChargerFilter{ChargerGroupID: grp.ID})
	if err != nil {
		return "", err
	}
	return "stickers-" + grp.ID + ".pdf", WriteStickerSheetPDF(w, g.brand(ctx, grp.CPOID), g.stickers(chargers))
}

// SitePoster writes a site's signage poster: how to charge, the public
// price including VAT of each public charger group (its Public tariff, as
// a guest pays it), the helpline and the site's amenities.
func (g Signage) SitePoster(ctx context.Context, w io.Writer, siteID string) (string, error) {
	site, err := g.Hierarchy.FindSiteByID(ctx, siteID)
	if err != nil {
		return "", err
	}
	chargers, err := g.chargers(ctx, volt.ChargerFilter{SiteID: site.ID})
	if err != nil {
		return "", err
	}
	groups, _, err := g.Hierarchy.FindChargerGroups(ctx, volt.Filter{SiteID: site.ID, Page: volt.Page{Limit: 500}})
	if err != nil {
		return "", fmt.Errorf("charger groups of %s: %w", site.ID, err)
	}
	p := Poster{SiteName: site.Name, Address: addressLine(site.Address), AppURL: strings.TrimRight(g.Base, "/") + "/app/",
		Amenities: site.Amenities, Chargers: g.stickers(chargers), Prices: g.publicPrices(ctx, groups, chargers)}
	return "poster-" + site.ID + ".pdf", WritePosterPDF(w, g.brand(ctx, site.CPOID), p)
}

// brand is the CPO's name, colours and helpline from its theme; the
// platform's name when the CPO cannot be read. Callers pass the CPO of a
// charger, group or site the actor has just read; the CPO is read as the
// system because an owner's or host's users may not read their CPO, while
// its theme is public (the driver app shows it to anyone) and nothing else
// of the CPO is used.
func (g Signage) brand(ctx context.Context, cpoID string) Brand {
	b := Brand{Name: g.Operator}
	if b.Name == "" {
		b.Name = "Volt"
	}
	cpo, err := g.Hierarchy.FindCPOByID(volt.NewContextWithActor(ctx, volt.SystemActor), cpoID)
	if err != nil {
		return b
	}
	b.Name = cpo.Name
	if cpo.Theme.DisplayName != "" {
		b.Name = cpo.Theme.DisplayName
	}
	b.PrimaryColor, b.AccentColor = cpo.Theme.PrimaryColor, cpo.Theme.AccentColor
	b.Phone, b.Email = cpo.Theme.SupportPhone, cpo.Theme.SupportEmail
	return b
}

// chargers lists every charger of f the actor reads, page by page.
func (g Signage) chargers(ctx context.Context, f volt.ChargerFilter) ([]*volt.Charger, error) {
	var all []*volt.Charger
	for {
		f.Page = volt.Page{Offset: len(all), Limit: 500}
		items, total, err := g.Chargers.FindChargers(ctx, f)
		if err != nil {
			return nil, fmt.Errorf("chargers: %w", err)
		}
		all = append(all, items...)
		if len(items) == 0 || len(all) >= total {
			return all, nil
		}
	}
}

func (g Signage) stickers(chargers []*volt.Charger) []Sticker {
	var out []Sticker
	for _, c := range chargers {
		out = append(out, StickerFor(c, ChargerPageURL(g.Base, c.CPID)))
	}
	return out
}

// publicPrices is the price a guest pays in each public charger group with
// a charger: the group's Public tariff through the pricing service. Groups
// sharing a tariff share a line; a group without one is left out.
func (g Signage) publicPrices(ctx context.Context, groups []*volt.ChargerGroup, chargers []*volt.Charger) []Price {
	if g.Tariffs == nil {
		return nil
	}
	var prices []Price
	byTariff := map[string]int{}
	for _, grp := range groups {
		if grp.Private {
			continue
		}
		for _, c := range chargers {
			if c.ChargerGroupID != grp.ID {
				continue
			}
			q, err := g.Tariffs.PriceFor(ctx, c.CPID, "")
			if err != nil || q.Tariff == nil {
				break // no Public tariff: the app shows the price
			}
			if i, ok := byTariff[q.Tariff.ID]; ok {
				prices[i].Label += ", " + grp.Name
			} else {
				byTariff[q.Tariff.ID] = len(prices)
				prices = append(prices, Price{Label: grp.Name, Tariff: q.Tariff})
			}
			break
		}
	}
	return prices
}

func addressLine(a volt.Address) string {
	return strings.Join(nonEmpty(a.Line1, a.Line2, a.City, a.Postcode, a.Country), ", ")
}
