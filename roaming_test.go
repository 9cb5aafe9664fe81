package volt

import "testing"

// TestRoamingMargin pins the margin on a partner's CDR cost: half up to
// the minor unit, nothing on a free session or a zero margin.
func TestRoamingMargin(t *testing.T) {
	for _, c := range []struct {
		cost    int64
		percent string
		want    int64
	}{{506, "10", 51}, {505, "10", 51}, {504, "10", 50}, {1000, "12.5", 125}, {0, "10", 0}, {500, "0", 0}, {999_999_999, "100", 999_999_999}} {
		if got := RoamingMargin(c.cost, MustDecimal(c.percent)); got != c.want {
			t.Errorf("RoamingMargin(%d, %s) = %d, want %d", c.cost, c.percent, got, c.want)
		}
	}
}

// TestOCPIPartyValidate: upper case, 2-letter country, 3-character party.
func TestOCPIPartyValidate(t *testing.T) {
	p := OCPIParty{CPOID: "cpo_1", CountryCode: " gb", PartyID: "ab1 "}
	if err := p.Validate(); err != nil || p.CountryCode != "GB" || p.PartyID != "AB1" {
		t.Errorf("%+v %v", p, err)
	}
	for field, bad := range map[string]OCPIParty{
		"countryCode": {CPOID: "c", CountryCode: "GBR", PartyID: "ABC"},
		"partyId":     {CPOID: "c", CountryCode: "GB", PartyID: "A*C"},
		"cpoId":       {CountryCode: "GB", PartyID: "ABC"},
	} {
		err := bad.Validate()
		if e, ok := err.(*Error); !ok || e.Field != field {
			t.Errorf("%+v: %v, want a %s error", bad, err, field)
		}
	}
}
