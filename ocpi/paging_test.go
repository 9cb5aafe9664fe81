package ocpi

import (
	"encoding/json"
	"net/http/httptest"
	"testing"
	"time"

	"github.com/volt-ev/volt"
	"github.com/volt-ev/volt/internal/ocpischema"
)

// TestWindowHalfOpen pins date_from inclusive and date_to exclusive
// (LESSONS OCPI 2): an object stamped on a boundary is in one poll only.
func TestWindowHalfOpen(t *testing.T) {
	t0 := time.Date(2026, 1, 1, 10, 0, 0, 0, time.UTC)
	first, second := Window{To: t0}, Window{From: t0}
	if first.Contains(t0) || !second.Contains(t0) {
		t.Errorf("boundary %v in the first window %v, in the second %v", t0, first.Contains(t0), second.Contains(t0))
	}
	if !first.Contains(t0.Add(-time.Second)) || second.Contains(t0.Add(-time.Second)) {
		t.Error("a second before the boundary")
	}
	if !(Window{}).Contains(t0) {
		t.Error("an open window")
	}
}

// TestPagingHeaders: an oversized limit is lowered and said so, the Link
// keeps every filter of the request, the last page has no Link, bad
// parameters are 2001.
func TestPagingHeaders(t *testing.T) {
	items := make([]int, 250)
	r := httptest.NewRequest("GET", "/ocpi/cpo/2.2.1/locations?limit=1000&date_from=2026-01-01T00:00:00Z", nil)
	p, err := parsePaging(r)
	if err != nil || p.Limit != MaxLimit {
		t.Fatalf("paging %+v %v", p, err)
	}
	w := httptest.NewRecorder()
	page := pageOf(w, r, "https://volt.example/ocpi/cpo/2.2.1/locations", p, items)
	if len(page) != 100 || w.Header().Get("X-Total-Count") != "250" || w.Header().Get("X-Limit") != "100" {
		t.Errorf("page of %d, headers %v", len(page), w.Header())
	}
	next := nextLink(w.Header())
	want := "https://volt.example/ocpi/cpo/2.2.1/locations?date_from=2026-01-01T00%3A00%3A00Z&limit=100&offset=100"
	if next != want {
		t.Errorf("next %q, want %q", next, want)
	}
	r = httptest.NewRequest("GET", "/x?offset=200", nil)
	p, _ = parsePaging(r)
	w = httptest.NewRecorder()
	if page := pageOf(w, r, "/x", p, items); len(page) != 50 || w.Header().Get("Link") != "" {
		t.Errorf("last page: %d items, Link %q", len(page), w.Header().Get("Link"))
	}
	for _, q := range []string{"?offset=-1", "?limit=x", "?date_to=yesterday"} {
		if _, err := parsePaging(httptest.NewRequest("GET", "/x"+q, nil)); err == nil {
			t.Errorf("%s accepted", q)
		} else if oe := err.(*ocpiError); oe.code != StatusInvalidParameters {
			t.Errorf("%s: %+v", q, oe)
		}
	}
}

// TestTokenHeader: Base64 as 2.2.1 says; the raw form only under the
// named relaxation.
func TestTokenHeader(t *testing.T) {
	strict, relaxed := &Server{}, &Server{Relaxations: []string{RelaxRawToken}}
	for _, c := range []struct {
		header      string
		strict, rel []string
	}{
		{"Token dG9rZW4tMQ==", []string{"token-1"}, []string{"token-1", "dG9rZW4tMQ=="}},
		{"Token token-1", nil, []string{"token-1"}},
		{"Bearer dG9rZW4tMQ==", nil, nil},
		{"", nil, nil},
	} {
		r := httptest.NewRequest("GET", "/ocpi/versions", nil)
		r.Header.Set("Authorization", c.header)
		if got := strict.tokenOf(r); !equal(got, c.strict) {
			t.Errorf("%q strict: %q, want %q", c.header, got, c.strict)
		}
		if got := relaxed.tokenOf(r); !equal(got, c.rel) {
			t.Errorf("%q relaxed: %q, want %q", c.header, got, c.rel)
		}
	}
}

func equal(a, b []string) bool {
	if len(a) != len(b) {
		return false
	}
	for i := range a {
		if a[i] != b[i] {
			return false
		}
	}
	return true
}

// TestTariffOf maps a Volt tariff (VAT-inclusive prices, a band, idle fee
// and session fee) to OCPI prices excluding VAT.
func TestTariffOf(t *testing.T) {
	eve := volt.MustDecimal("0.24")
	tr := &volt.Tariff{ID: "trf_1", Currency: "GBP", VATRate: volt.MustDecimal("0.20"), EnergyPricePerKWh: volt.MustDecimal("0.48"),
		SessionFee: volt.MustDecimal("1.20"), IdleFeePerMinute: volt.MustDecimal("0.10"), IdleGraceMinutes: 15,
		MaxPrice: ptr(volt.MustDecimal("60")), Bands: []volt.TariffBand{{StartMinute: 0, EndMinute: 420, EnergyPricePerKWh: &eve,
			DaysOfWeek: []time.Weekday{time.Saturday, time.Sunday}}}, UpdatedAt: time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)}
	o := TariffOf(&volt.OCPIParty{CountryCode: "GB", PartyID: "AAA"}, tr)
	if len(o.Elements) != 4 {
		t.Fatalf("%d elements: %+v", len(o.Elements), o.Elements)
	}
	band := o.Elements[0]
	if band.Restrictions.StartTime != "00:00" || band.Restrictions.EndTime != "07:00" || band.PriceComponents[0].Price != 0.2 ||
		len(band.Restrictions.DayOfWeek) != 2 || band.Restrictions.DayOfWeek[0] != "SATURDAY" {
		t.Errorf("band element %+v %+v", band, band.Restrictions)
	}
	if e := o.Elements[1].PriceComponents[0]; e.Type != "ENERGY" || e.Price != 0.4 || e.VAT != 20 || e.StepSize != 1 {
		t.Errorf("energy %+v", e)
	}
	if p := o.Elements[2]; p.PriceComponents[0].Type != "PARKING_TIME" || p.PriceComponents[0].Price != 5 || p.Restrictions.MinDuration != 900 {
		t.Errorf("parking %+v", p)
	}
	if f := o.Elements[3].PriceComponents[0]; f.Type != "FLAT" || f.Price != 1 {
		t.Errorf("flat %+v", f)
	}
	if o.MaxPrice == nil || o.MaxPrice.ExclVAT != 50 || o.MaxPrice.InclVAT != 60 {
		t.Errorf("max price %+v", o.MaxPrice)
	}
}

func ptr[T any](v T) *T { return &v }

// TestTariffOfSchema validates the mapped tariff against the OCPI Tariff.
func TestTariffOfSchema(t *testing.T) {
	spec := ocpischema.Load(t)
	eve := volt.MustDecimal("0.24")
	tr := &volt.Tariff{ID: "trf_1", Currency: "GBP", VATRate: volt.MustDecimal("0.20"), EnergyPricePerKWh: volt.MustDecimal("0.48"),
		TimePricePerHour: volt.MustDecimal("1.2"), SessionFee: volt.MustDecimal("1.20"), IdleFeePerMinute: volt.MustDecimal("0.10"),
		MinPrice: volt.MustDecimal("2"), Bands: []volt.TariffBand{{StartMinute: 1320, EndMinute: 1440, EnergyPricePerKWh: &eve}}}
	raw, err := json.Marshal(TariffOf(&volt.OCPIParty{CountryCode: "GB", PartyID: "AAA"}, tr))
	if err != nil {
		t.Fatal(err)
	}
	spec.Schema(t, "Tariff", raw)
}
