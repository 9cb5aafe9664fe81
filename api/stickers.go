package api

import (
	"bytes"
	"context"
	"net/url"
	"strings"

	"github.com/danielgtaylor/huma/v2"
	"github.com/volt-ev/volt"
	"github.com/volt-ev/volt/report"
)

// requestBase is the scheme and host a request came to, the fallback base
// of the links printed on stickers when Config.PublicURL is not set.
type requestBase struct {
	base string
}

// Resolve records the request's scheme and host (huma calls it before the
// handler).
func (b *requestBase) Resolve(ctx huma.Context) []error {
	scheme := "http"
	if ctx.TLS() != nil {
		scheme = "https"
	}
	b.base = scheme + "://" + ctx.Host()
	return nil
}

type chargerStickerInput struct {
	CPIDInput
	requestBase
}

type siteSignInput struct {
	IDInput
	requestBase
}

// publicBase is where printed links point: Config.PublicURL, else the
// request's scheme and host.
func (s *server) publicBase(rb requestBase) string {
	if s.PublicURL != "" {
		return strings.TrimRight(s.PublicURL, "/")
	}
	return rb.base
}

func chargerPageURL(base, cpid string) string { return base + "/app/c/" + url.PathEscape(cpid) }

// brandOf is the CPO's name, colours and helpline from its theme; the
// platform's name when the CPO cannot be read. Callers pass the CPO of a
// charger or site the actor has just read; the CPO is read as the system
// because an owner's or host's users may not read their CPO, while its
// theme is public (the driver app shows it to anyone) and nothing else of
// the CPO is used.
func (s *server) brandOf(ctx context.Context, cpoID string) report.Brand {
	b := report.Brand{Name: s.Operator}
	if b.Name == "" {
		b.Name = "Volt"
	}
	cpo, err := s.Hierarchy.FindCPOByID(volt.NewContextWithActor(ctx, volt.SystemActor), cpoID)
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

func pdfFile(name string, buf *bytes.Buffer) *FileOutput {
	return &FileOutput{ContentType: mediaPDF, ContentDisposition: attachment(name), Body: buf.Bytes()}
}

// chargerSticker answers a charger's printable sticker (PDF).
func (s *server) chargerSticker(ctx context.Context, in *chargerStickerInput) (*FileOutput, error) {
	c, err := s.Chargers.FindChargerByCPID(ctx, in.CPID)
	if err != nil {
		return nil, s.err(ctx, err)
	}
	var buf bytes.Buffer
	err = report.WriteStickerPDF(&buf, s.brandOf(ctx, c.CPOID), report.StickerFor(c, chargerPageURL(s.publicBase(in.requestBase), c.CPID)))
	return pdfFile("sticker-"+c.CPID+".pdf", &buf), s.errIf(ctx, err)
}

// chargersOf lists every charger of f the caller reads, page by page.
func (s *server) chargersOf(ctx context.Context, f volt.ChargerFilter) ([]*volt.Charger, error) {
	var all []*volt.Charger
	for {
		f.Page = volt.Page{Offset: len(all), Limit: 500}
		items, total, err := s.Chargers.FindChargers(ctx, f)
		if err != nil {
			return nil, err
		}
		all = append(all, items...)
		if len(items) == 0 || len(all) >= total {
			return all, nil
		}
	}
}

func stickersOf(chargers []*volt.Charger, base string) []report.Sticker {
	var out []report.Sticker
	for _, c := range chargers {
		out = append(out, report.StickerFor(c, chargerPageURL(base, c.CPID)))
	}
	return out
}

// siteStickers answers an A4 sheet (2 x 4 labels a page) of the stickers
// of a site's chargers.
func (s *server) siteStickers(ctx context.Context, in *siteSignInput) (*FileOutput, error) {
	site, err := s.Hierarchy.FindSiteByID(ctx, in.ID)
	if err != nil {
		return nil, s.err(ctx, err)
	}
	chargers, err := s.chargersOf(ctx, volt.ChargerFilter{SiteID: site.ID})
	if err != nil {
		return nil, s.err(ctx, err)
	}
	var buf bytes.Buffer
	if err := report.WriteStickerSheetPDF(&buf, s.brandOf(ctx, site.CPOID), stickersOf(chargers, s.publicBase(in.requestBase))); err != nil {
		return nil, s.err(ctx, err)
	}
	return pdfFile("stickers-"+site.ID+".pdf", &buf), nil
}

// chargerGroupStickers answers an A4 sheet of the stickers of a charger
// group's chargers.
func (s *server) chargerGroupStickers(ctx context.Context, in *siteSignInput) (*FileOutput, error) {
	g, err := s.Hierarchy.FindChargerGroupByID(ctx, in.ID)
	if err != nil {
		return nil, s.err(ctx, err)
	}
	chargers, err := s.chargersOf(ctx, volt.ChargerFilter{ChargerGroupID: g.ID})
	if err != nil {
		return nil, s.err(ctx, err)
	}
	var buf bytes.Buffer
	if err := report.WriteStickerSheetPDF(&buf, s.brandOf(ctx, g.CPOID), stickersOf(chargers, s.publicBase(in.requestBase))); err != nil {
		return nil, s.err(ctx, err)
	}
	return pdfFile("stickers-"+g.ID+".pdf", &buf), nil
}

// sitePoster answers a site's signage poster (PDF): how to charge, the
// public price including VAT of each public charger group (its Public
// tariff, as a guest would pay), the helpline and the site's amenities.
func (s *server) sitePoster(ctx context.Context, in *siteSignInput) (*FileOutput, error) {
	site, err := s.Hierarchy.FindSiteByID(ctx, in.ID)
	if err != nil {
		return nil, s.err(ctx, err)
	}
	chargers, err := s.chargersOf(ctx, volt.ChargerFilter{SiteID: site.ID})
	if err != nil {
		return nil, s.err(ctx, err)
	}
	groups, _, err := s.Hierarchy.FindChargerGroups(ctx, volt.Filter{SiteID: site.ID, Page: volt.Page{Limit: 500}})
	if err != nil {
		return nil, s.err(ctx, err)
	}
	base := s.publicBase(in.requestBase)
	p := report.Poster{SiteName: site.Name, Address: addressLine(site.Address), AppURL: base + "/app/",
		Amenities: site.Amenities, Chargers: stickersOf(chargers, base)}
	p.Prices = s.publicPrices(ctx, groups, chargers)
	var buf bytes.Buffer
	err = report.WritePosterPDF(&buf, s.brandOf(ctx, site.CPOID), p)
	return pdfFile("poster-"+site.ID+".pdf", &buf), s.errIf(ctx, err)
}

// publicPrices is the price a guest pays in each public charger group with
// a charger: the group's Public tariff through the pricing service. Groups
// sharing a tariff share a line; a group without one is left out (the
// poster then says the app shows the price).
func (s *server) publicPrices(ctx context.Context, groups []*volt.ChargerGroup, chargers []*volt.Charger) []report.Price {
	if s.Tariffs == nil {
		return nil
	}
	var prices []report.Price
	byTariff := map[string]int{}
	for _, g := range groups {
		if g.Private {
			continue
		}
		for _, c := range chargers {
			if c.ChargerGroupID != g.ID {
				continue
			}
			q, err := s.Tariffs.PriceFor(ctx, c.CPID, "")
			if err != nil || q.Tariff == nil {
				break
			}
			if i, ok := byTariff[q.Tariff.ID]; ok {
				prices[i].Label += ", " + g.Name
			} else {
				byTariff[q.Tariff.ID] = len(prices)
				prices = append(prices, report.Price{Label: g.Name, Tariff: q.Tariff})
			}
			break
		}
	}
	return prices
}

func addressLine(a volt.Address) string {
	return strings.Join(nonEmptyStrings(a.Line1, a.Line2, a.City, a.Postcode, a.Country), ", ")
}

func nonEmptyStrings(ss ...string) []string {
	var out []string
	for _, s := range ss {
		if strings.TrimSpace(s) != "" {
			out = append(out, s)
		}
	}
	return out
}

// signOp documents a sticker or poster: a PDF, 422 when there is no
// charger to print.
func (s *server) signOp(o huma.Operation) huma.Operation { return s.receiptOp(o) }
