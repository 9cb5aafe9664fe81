package api

import (
	"context"
	"time"

	"github.com/volt-ev/volt"
)

// Decimal amounts travel as JSON strings ("0.45"). The pattern on each
// decimal field rejects what is not a plain decimal ("0.4.5", "1e3", "")
// with a 400 naming the field; the sign is left to the domain's rules,
// which say why ("must not be negative").

// TariffBandInput is a time-of-day band of a tariff in a request.
type TariffBandInput struct {
	Name              string         `json:"name,omitempty" maxLength:"100"`
	DaysOfWeek        []time.Weekday `json:"daysOfWeek,omitempty" maxItems:"7" doc:"0 Sunday .. 6 Saturday; empty: every day."`
	StartMinute       int            `json:"startMinute" minimum:"0" maximum:"1440" doc:"Minutes from local midnight at the site, inclusive."`
	EndMinute         int            `json:"endMinute" minimum:"0" maximum:"1440" doc:"Minutes from local midnight, exclusive; bands never wrap midnight."`
	EnergyPricePerKWh *volt.Decimal  `json:"energyPricePerKwh,omitempty" pattern:"^-?[0-9]{1,12}(\\.[0-9]{1,6})?$" patternDescription:"a decimal amount like \"0.45\"" doc:"Overrides the tariff's energy price in the band."`
	TimePricePerHour  *volt.Decimal  `json:"timePricePerHour,omitempty" pattern:"^-?[0-9]{1,12}(\\.[0-9]{1,6})?$" patternDescription:"a decimal amount like \"0.45\"" doc:"Overrides the tariff's time price in the band."`
}

func bandsOf(in []TariffBandInput) []volt.TariffBand {
	out := make([]volt.TariffBand, 0, len(in))
	for _, b := range in {
		days := b.DaysOfWeek
		if days == nil {
			days = []time.Weekday{}
		}
		out = append(out, volt.TariffBand{Name: b.Name, DaysOfWeek: days, StartMinute: b.StartMinute, EndMinute: b.EndMinute,
			EnergyPricePerKWh: b.EnergyPricePerKWh, TimePricePerHour: b.TimePricePerHour})
	}
	return out
}

// TariffCreate is the body of POST /api/v1/tariffs. Prices include VAT at
// vatRate and are decimal strings in currency units ("0.45" is 45p per kWh).
type TariffCreate struct {
	CPOID             string            `json:"cpoId" minLength:"1" maxLength:"64" doc:"The CPO whose tariff this is."`
	Name              string            `json:"name" minLength:"1" maxLength:"200"`
	Currency          string            `json:"currency,omitempty" maxLength:"3" doc:"ISO 4217; must be the CPO's currency (default: the CPO's)."`
	VATRate           volt.Decimal      `json:"vatRate" pattern:"^-?[0-9]{1,12}(\\.[0-9]{1,6})?$" patternDescription:"a decimal amount like \"0.20\"" doc:"VAT included in every price, as a fraction: \"0.20\" is 20 %."`
	EnergyPricePerKWh *volt.Decimal     `json:"energyPricePerKwh,omitempty" pattern:"^-?[0-9]{1,12}(\\.[0-9]{1,6})?$" patternDescription:"a decimal amount like \"0.45\"" doc:"Per kWh (default 0)."`
	TimePricePerHour  *volt.Decimal     `json:"timePricePerHour,omitempty" pattern:"^-?[0-9]{1,12}(\\.[0-9]{1,6})?$" patternDescription:"a decimal amount like \"0.45\"" doc:"Per hour of charging (default 0)."`
	IdleFeePerMinute  *volt.Decimal     `json:"idleFeePerMinute,omitempty" pattern:"^-?[0-9]{1,12}(\\.[0-9]{1,6})?$" patternDescription:"a decimal amount like \"0.45\"" doc:"Per minute idle after the grace (default 0)."`
	IdleGraceMinutes  int               `json:"idleGraceMinutes,omitempty" doc:"Idle minutes free of the idle fee."`
	SessionFee        *volt.Decimal     `json:"sessionFee,omitempty" pattern:"^-?[0-9]{1,12}(\\.[0-9]{1,6})?$" patternDescription:"a decimal amount like \"0.45\"" doc:"Flat per session, in whole minor units (default 0)."`
	MinPrice          *volt.Decimal     `json:"minPrice,omitempty" pattern:"^-?[0-9]{1,12}(\\.[0-9]{1,6})?$" patternDescription:"a decimal amount like \"0.45\"" doc:"Least a session costs (default 0)."`
	MaxPrice          *volt.Decimal     `json:"maxPrice,omitempty" pattern:"^-?[0-9]{1,12}(\\.[0-9]{1,6})?$" patternDescription:"a decimal amount like \"0.45\"" doc:"Most a session costs (default: no cap)."`
	Bands             []TariffBandInput `json:"bands,omitempty" maxItems:"48" doc:"Time-of-day bands; they must not overlap."`
	FreeVend          bool              `json:"freeVend,omitempty" doc:"Every session free whatever the prices."`
	ExportPricePerKWh *volt.Decimal     `json:"exportPricePerKwh,omitempty" pattern:"^-?[0-9]{1,12}(\\.[0-9]{1,6})?$" patternDescription:"a decimal amount like \"0.15\"" doc:"Credited per kWh a car gives back (V2X, OCPP 2.1); absent: the site's load management export price."`
}

// TariffPatch is the body of PATCH /api/v1/tariffs/{id}; absent fields are
// kept, bands are replaced as a whole when given.
type TariffPatch struct {
	Name              *string            `json:"name,omitempty" minLength:"1" maxLength:"200"`
	Currency          *string            `json:"currency,omitempty" maxLength:"3"`
	VATRate           *volt.Decimal      `json:"vatRate,omitempty" pattern:"^-?[0-9]{1,12}(\\.[0-9]{1,6})?$" patternDescription:"a decimal amount like \"0.20\""`
	EnergyPricePerKWh *volt.Decimal      `json:"energyPricePerKwh,omitempty" pattern:"^-?[0-9]{1,12}(\\.[0-9]{1,6})?$" patternDescription:"a decimal amount like \"0.45\""`
	TimePricePerHour  *volt.Decimal      `json:"timePricePerHour,omitempty" pattern:"^-?[0-9]{1,12}(\\.[0-9]{1,6})?$" patternDescription:"a decimal amount like \"0.45\""`
	IdleFeePerMinute  *volt.Decimal      `json:"idleFeePerMinute,omitempty" pattern:"^-?[0-9]{1,12}(\\.[0-9]{1,6})?$" patternDescription:"a decimal amount like \"0.45\""`
	IdleGraceMinutes  *int               `json:"idleGraceMinutes,omitempty"`
	SessionFee        *volt.Decimal      `json:"sessionFee,omitempty" pattern:"^-?[0-9]{1,12}(\\.[0-9]{1,6})?$" patternDescription:"a decimal amount like \"0.45\""`
	MinPrice          *volt.Decimal      `json:"minPrice,omitempty" pattern:"^-?[0-9]{1,12}(\\.[0-9]{1,6})?$" patternDescription:"a decimal amount like \"0.45\""`
	MaxPrice          *volt.Decimal      `json:"maxPrice,omitempty" pattern:"^-?[0-9]{1,12}(\\.[0-9]{1,6})?$" patternDescription:"a decimal amount like \"0.45\""`
	NoMaxPrice        bool               `json:"noMaxPrice,omitempty" doc:"Remove the maximum price."`
	Bands             *[]TariffBandInput `json:"bands,omitempty" maxItems:"48"`
	FreeVend          *bool              `json:"freeVend,omitempty"`
	ExportPricePerKWh *volt.Decimal      `json:"exportPricePerKwh,omitempty" pattern:"^-?[0-9]{1,12}(\\.[0-9]{1,6})?$" patternDescription:"a decimal amount like \"0.15\""`
	NoExportPrice     bool               `json:"noExportPrice,omitempty" doc:"Remove the export price (the site's default applies)."`
}

type tariffListInput struct {
	CPOID    string `query:"cpoId" doc:"Only tariffs of this CPO."`
	Currency string `query:"currency" maxLength:"3"`
	PageParams
}

type tariffCreateInput struct{ Body TariffCreate }

type tariffPatchInput struct {
	IDInput
	Body TariffPatch
}

func (s *server) listTariffs(ctx context.Context, in *tariffListInput) (*ListOutput[*volt.Tariff], error) {
	if s.Tariffs == nil {
		return nil, notWired("tariff")
	}
	f := volt.TariffFilter{CPOID: in.CPOID, Currency: in.Currency, Page: in.page()}
	items, total, err := s.Tariffs.FindTariffs(ctx, f)
	if err != nil {
		return nil, s.err(ctx, err)
	}
	return listOf(items, total, f.Page), nil
}

func (s *server) getTariff(ctx context.Context, in *IDInput) (*Out[*volt.Tariff], error) {
	if s.Tariffs == nil {
		return nil, notWired("tariff")
	}
	t, err := s.Tariffs.FindTariffByID(ctx, in.ID)
	if err != nil {
		return nil, s.err(ctx, err)
	}
	return out(t), nil
}

func (s *server) createTariff(ctx context.Context, in *tariffCreateInput) (*Out[*volt.Tariff], error) {
	if s.Tariffs == nil {
		return nil, notWired("tariff")
	}
	b := in.Body
	t := &volt.Tariff{CPOID: b.CPOID, Name: b.Name, Currency: b.Currency, VATRate: b.VATRate,
		IdleGraceMinutes: b.IdleGraceMinutes, MaxPrice: b.MaxPrice, Bands: bandsOf(b.Bands), FreeVend: b.FreeVend,
		ExportPricePerKWh: b.ExportPricePerKWh}
	for _, p := range []struct{ dst, src *volt.Decimal }{
		{&t.EnergyPricePerKWh, b.EnergyPricePerKWh}, {&t.TimePricePerHour, b.TimePricePerHour},
		{&t.IdleFeePerMinute, b.IdleFeePerMinute}, {&t.SessionFee, b.SessionFee}, {&t.MinPrice, b.MinPrice},
	} {
		set(p.dst, p.src)
	}
	if t.Currency == "" {
		// The CPO's currency; a CPO the actor cannot see answers 404 here
		// exactly as the create would.
		c, err := s.Hierarchy.FindCPOByID(ctx, b.CPOID)
		if err != nil {
			return nil, s.err(ctx, err)
		}
		t.Currency = c.Currency
	}
	if err := s.Tariffs.CreateTariff(ctx, t); err != nil {
		return nil, s.err(ctx, err)
	}
	return out(t), nil
}

func (s *server) patchTariff(ctx context.Context, in *tariffPatchInput) (*Out[*volt.Tariff], error) {
	if s.Tariffs == nil {
		return nil, notWired("tariff")
	}
	t, err := s.Tariffs.FindTariffByID(ctx, in.ID)
	if err != nil {
		return nil, s.err(ctx, err)
	}
	b := in.Body
	set(&t.Name, b.Name)
	set(&t.Currency, b.Currency)
	set(&t.VATRate, b.VATRate)
	set(&t.EnergyPricePerKWh, b.EnergyPricePerKWh)
	set(&t.TimePricePerHour, b.TimePricePerHour)
	set(&t.IdleFeePerMinute, b.IdleFeePerMinute)
	set(&t.IdleGraceMinutes, b.IdleGraceMinutes)
	set(&t.SessionFee, b.SessionFee)
	set(&t.MinPrice, b.MinPrice)
	set(&t.FreeVend, b.FreeVend)
	if b.MaxPrice != nil {
		t.MaxPrice = b.MaxPrice
	}
	if b.NoMaxPrice {
		t.MaxPrice = nil
	}
	if b.ExportPricePerKWh != nil {
		t.ExportPricePerKWh = b.ExportPricePerKWh
	}
	if b.NoExportPrice {
		t.ExportPricePerKWh = nil
	}
	if b.Bands != nil {
		t.Bands = bandsOf(*b.Bands)
	}
	if err := s.Tariffs.UpdateTariff(ctx, t); err != nil {
		return nil, s.err(ctx, err)
	}
	return out(t), nil
}

func (s *server) deleteTariff(ctx context.Context, in *IDInput) (*struct{}, error) {
	if s.Tariffs == nil {
		return nil, notWired("tariff")
	}
	if err := s.Tariffs.DeleteTariff(ctx, in.ID); err != nil {
		return nil, s.err(ctx, err)
	}
	return nil, nil
}

// TariffPreview is the body of POST /api/v1/tariffs/{id}/preview: an example
// session to price. The charging time is stoppedAt - startedAt, or
// durationMinutes; idleMinutes follow it with no energy.
type TariffPreview struct {
	EnergyWh        int64     `json:"energyWh" minimum:"0" maximum:"1000000000" doc:"Energy delivered, Wh."`
	StartedAt       time.Time `json:"startedAt,omitempty" doc:"Start (RFC 3339); default now."`
	StoppedAt       time.Time `json:"stoppedAt,omitempty" doc:"End of charging (RFC 3339)."`
	DurationMinutes int       `json:"durationMinutes,omitempty" minimum:"0" maximum:"10080" doc:"Charging minutes, instead of stoppedAt."`
	IdleMinutes     int       `json:"idleMinutes,omitempty" minimum:"0" maximum:"10080" doc:"Minutes plugged in without charging after it."`
	TimeZone        string    `json:"timeZone,omitempty" maxLength:"64" doc:"IANA zone the bands are read in (default Europe/London)."`
}

type tariffPreviewInput struct {
	IDInput
	Body TariffPreview
}

// previewUsage turns the example into the usage PriceSession prices.
func previewUsage(p TariffPreview, now time.Time) (volt.Usage, error) {
	start := p.StartedAt
	if start.IsZero() {
		start = now.UTC().Truncate(time.Minute)
	}
	charging := time.Duration(p.DurationMinutes) * time.Minute
	switch {
	case !p.StoppedAt.IsZero() && p.DurationMinutes != 0:
		return volt.Usage{}, volt.FieldError("durationMinutes", "Give stoppedAt or durationMinutes, not both.")
	case !p.StoppedAt.IsZero():
		charging = p.StoppedAt.Sub(start)
		if charging <= 0 || charging > 7*24*time.Hour {
			return volt.Usage{}, volt.FieldError("stoppedAt", "stoppedAt must be after startedAt, by at most 7 days.")
		}
	case p.DurationMinutes == 0:
		return volt.Usage{}, volt.FieldError("durationMinutes", "Give stoppedAt or durationMinutes.")
	}
	end := start.Add(charging)
	u := volt.Usage{Start: start, Readings: []volt.MeterReading{{At: end, Wh: p.EnergyWh}}}
	if p.IdleMinutes > 0 {
		u.Readings = append(u.Readings, volt.MeterReading{At: end.Add(time.Duration(p.IdleMinutes) * time.Minute), Wh: p.EnergyWh})
	}
	return u, nil
}

// previewTariff prices an example session with the tariff through
// volt.PriceSession, the function that prices live costs and CDRs. It
// changes nothing, so every role that reads the tariff may use it.
func (s *server) previewTariff(ctx context.Context, in *tariffPreviewInput) (*Out[volt.Cost], error) {
	if s.Tariffs == nil {
		return nil, notWired("tariff")
	}
	t, err := s.Tariffs.FindTariffByID(ctx, in.ID)
	if err != nil {
		return nil, s.err(ctx, err)
	}
	u, err := previewUsage(in.Body, s.Now())
	if err != nil {
		return nil, s.err(ctx, err)
	}
	tz := in.Body.TimeZone
	if tz == "" {
		tz = "Europe/London"
	}
	snap, err := volt.NewTariffSnapshot(&volt.PriceQuote{Tariff: t}, tz, u.Start)
	if err != nil {
		return nil, s.err(ctx, err)
	}
	return out(volt.PriceSession(snap, u)), nil
}
