package volt

import (
	"encoding/json"
	"strings"
	"testing"
	"time"
)

func validTariff() *Tariff {
	return &Tariff{Name: "Standard", Currency: "GBP", VATRate: MustDecimal("0.20"),
		EnergyPricePerKWh: MustDecimal("0.45"), SessionFee: MustDecimal("0.50")}
}

func TestTariffValidate(t *testing.T) {
	if err := validTariff().Validate(); err != nil {
		t.Fatalf("valid tariff: %v", err)
	}
	cases := []struct {
		name, field string
		mod         func(*Tariff)
	}{
		{"no name", "name", func(t *Tariff) { t.Name = " " }},
		{"unknown currency", "currency", func(t *Tariff) { t.Currency = "XXX" }},
		{"negative energy", "energyPricePerKwh", func(t *Tariff) { t.EnergyPricePerKWh = MustDecimal("-0.01") }},
		{"absurd time price", "timePricePerHour", func(t *Tariff) { t.TimePricePerHour = MustDecimal("1000001") }},
		{"VAT 100%", "vatRate", func(t *Tariff) { t.VATRate = MustDecimal("1") }},
		{"negative VAT", "vatRate", func(t *Tariff) { t.VATRate = MustDecimal("-0.2") }},
		{"fee below a penny", "sessionFee", func(t *Tariff) { t.SessionFee = MustDecimal("0.505") }},
		{"max below min", "maxPrice", func(t *Tariff) { t.MinPrice = MustDecimal("5"); t.MaxPrice = dp("4") }},
		{"negative grace", "idleGraceMinutes", func(t *Tariff) { t.IdleGraceMinutes = -1 }},
		{"band over midnight", "bands[0]", func(t *Tariff) { t.Bands = []TariffBand{{StartMinute: 1320, EndMinute: 360}} }},
		{"band past 24h", "bands[0]", func(t *Tariff) { t.Bands = []TariffBand{{StartMinute: 0, EndMinute: 1441}} }},
		{"bad weekday", "bands[0]", func(t *Tariff) {
			t.Bands = []TariffBand{{DaysOfWeek: []time.Weekday{7}, StartMinute: 0, EndMinute: 60}}
		}},
		{"negative band price", "bands[0]", func(t *Tariff) {
			t.Bands = []TariffBand{{StartMinute: 0, EndMinute: 60, EnergyPricePerKWh: dp("-1")}}
		}},
		{"overlapping bands", "bands[1]", func(t *Tariff) {
			t.Bands = []TariffBand{{StartMinute: 0, EndMinute: 420}, {StartMinute: 400, EndMinute: 500}}
		}},
		{"overlap on a shared day", "bands[1]", func(t *Tariff) {
			t.Bands = []TariffBand{{DaysOfWeek: []time.Weekday{1, 2}, StartMinute: 0, EndMinute: 420},
				{DaysOfWeek: []time.Weekday{2}, StartMinute: 60, EndMinute: 120}}
		}},
	}
	for _, c := range cases {
		tf := validTariff()
		c.mod(tf)
		err := tf.Validate()
		var e *Error
		if !IsCode(err, EINVALID) || !asError(err, &e) || e.Field != c.field {
			t.Errorf("%s: err = %v, want EINVALID on %s", c.name, err, c.field)
		}
	}
	// Touching bands and the same window on different days do not overlap.
	tf := validTariff()
	tf.Bands = []TariffBand{{StartMinute: 0, EndMinute: 420}, {StartMinute: 420, EndMinute: 1440},
		{DaysOfWeek: []time.Weekday{0}, StartMinute: 0, EndMinute: 1}}
	if err := tf.Validate(); err == nil || !strings.Contains(err.Error(), "overlaps") {
		t.Errorf("band on all days vs Sunday: %v", err)
	}
	tf.Bands = []TariffBand{{DaysOfWeek: []time.Weekday{1}, StartMinute: 0, EndMinute: 420},
		{DaysOfWeek: []time.Weekday{2}, StartMinute: 0, EndMinute: 420}, {DaysOfWeek: []time.Weekday{1}, StartMinute: 420, EndMinute: 1440}}
	if err := tf.Validate(); err != nil {
		t.Errorf("disjoint bands: %v", err)
	}
	if err := validTariff().ValidateForCPO(&CPO{Currency: "EUR"}); !IsCode(err, EINVALID) {
		t.Errorf("currency mismatch: %v", err)
	}
}

func asError(err error, e **Error) bool {
	v, ok := err.(*Error)
	*e = v
	return ok
}

func TestTariffJSONContract(t *testing.T) {
	var tf Tariff
	body := `{"name":"Std","energyPricePerKwh":"0.45","sessionFee":"0.30","timePricePerHour":"1.20",
		"idleFeePerMinute":"0.10","idleGraceMinutes":10,"vatRate":"0.20","currency":"GBP","maxPrice":"25"}`
	if err := json.Unmarshal([]byte(body), &tf); err != nil {
		t.Fatal(err)
	}
	if err := tf.Validate(); err != nil {
		t.Fatal(err)
	}
	if tf.EnergyPricePerKWh.String() != "0.45" || tf.MaxPrice.String() != "25" || tf.IdleGraceMinutes != 10 {
		t.Fatalf("decoded %+v", tf)
	}
	if err := json.Unmarshal([]byte(`{"energyPricePerKwh":"4.5e-1"}`), &tf); !IsCode(err, EINVALID) {
		t.Fatalf("exponent accepted: %v", err)
	}
}

// selectionFixture: charger group cg, tariffs public (0.60/kWh), fleet
// (0.40/kWh) and staff (0.35/kWh + 3.00 fee).
func selectionFixture(private bool) TariffChoice {
	tariffs := map[string]*Tariff{
		"trf_public": {ID: "trf_public", Name: "Public", Currency: "GBP", EnergyPricePerKWh: MustDecimal("0.60")},
		"trf_fleet":  {ID: "trf_fleet", Name: "Fleet", Currency: "GBP", EnergyPricePerKWh: MustDecimal("0.40")},
		"trf_staff": {ID: "trf_staff", Name: "Staff", Currency: "GBP", EnergyPricePerKWh: MustDecimal("0.35"),
			SessionFee: MustDecimal("3.00")},
	}
	return TariffChoice{
		ChargerGroup: &ChargerGroup{ID: "cg", CPOID: "cpo", OwnerID: "own", Name: "Depot", Private: private},
		UserID:       "usr", Tariffs: tariffs, TimeZone: "Europe/London", Currency: "GBP",
		At: time.Date(2025, 1, 15, 12, 0, 0, 0, time.UTC),
		Assignments: []*TariffAssignment{
			{TariffID: "trf_public", UsergroupID: PublicUsergroupID, ChargerGroupID: "cg"},
			{TariffID: "trf_fleet", UsergroupID: "ugr_fleet", ChargerGroupID: "cg"},
			{TariffID: "trf_staff", UsergroupID: "ugr_staff", ChargerGroupID: "cg"},
			{TariffID: "trf_fleet", UsergroupID: "ugr_other", ChargerGroupID: "cg_elsewhere"},
		},
	}
}

func TestSelectTariff(t *testing.T) {
	fleet := &Usergroup{ID: "ugr_fleet", Name: "Fleet", Role: RoleDriver, CPOID: "cpo", Private: true}
	staff := &Usergroup{ID: "ugr_staff", Name: "Staff", Role: RoleDriver, CPOID: "cpo", Private: true}
	other := &Usergroup{ID: "ugr_other", Name: "Other", Role: RoleDriver, CPOID: "cpo", Private: true}
	eng := &Usergroup{ID: "ugr_eng", Name: "Installers", Role: RoleEngineer, CPOID: "cpo", OwnerID: "own"}
	engElsewhere := &Usergroup{ID: "ugr_eng2", Name: "Other installers", Role: RoleEngineer, CPOID: "cpo2"}
	cases := []struct {
		name     string
		private  bool
		groups   []*Usergroup
		tariff   string // "" with code set
		free     bool
		code     string
		noPublic bool
	}{
		{name: "guest on public group pays Public", tariff: "trf_public"},
		{name: "member of a group with no assignment here pays Public", groups: []*Usergroup{other}, tariff: "trf_public"},
		{name: "private usergroup beats Public", groups: []*Usergroup{fleet}, tariff: "trf_fleet"},
		// Reference session 20 kWh: fleet 20 × 0.40 = £8.00; staff 20 × 0.35 + 3.00 = £10.00.
		{name: "cheapest of several private tariffs", groups: []*Usergroup{staff, fleet}, tariff: "trf_fleet"},
		{name: "engineer in scope charges free", groups: []*Usergroup{fleet, eng}, free: true},
		{name: "engineer of another CPO does not", groups: []*Usergroup{engElsewhere}, tariff: "trf_public"},
		{name: "private group admits its usergroups", private: true, groups: []*Usergroup{staff}, tariff: "trf_staff"},
		{name: "private group refuses others", private: true, groups: []*Usergroup{other}, code: EFORBIDDEN},
		{name: "private group refuses guests despite a Public assignment", private: true, code: EFORBIDDEN},
		{name: "public group without Public tariff", noPublic: true, code: EFORBIDDEN},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			in := selectionFixture(c.private)
			in.Usergroups = c.groups
			if c.noPublic {
				in.Assignments = in.Assignments[1:]
			}
			q, err := SelectTariff(in)
			if c.code != "" {
				if !IsCode(err, c.code) || q != nil {
					t.Fatalf("got %+v, %v; want %s", q, err, c.code)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			if q.Reason == "" || q.Tariff == nil || q.FreeVend != c.free {
				t.Fatalf("quote %+v", q)
			}
			if c.free {
				if !q.Tariff.FreeVend || q.Tariff.Currency != "GBP" {
					t.Fatalf("free vend tariff %+v", q.Tariff)
				}
				return
			}
			if q.Tariff.ID != c.tariff {
				t.Fatalf("tariff %s (%s), want %s", q.Tariff.ID, q.Reason, c.tariff)
			}
		})
	}
}

// TestSelectTariffTieIsStable: equal reference prices go to the lowest tariff
// ID whatever the order of assignments.
func TestSelectTariffTieIsStable(t *testing.T) {
	for _, rev := range []bool{false, true} {
		in := selectionFixture(false)
		in.Tariffs["trf_staff"].SessionFee = Decimal{}
		in.Tariffs["trf_staff"].EnergyPricePerKWh = MustDecimal("0.40")
		in.Usergroups = []*Usergroup{{ID: "ugr_fleet", Name: "F"}, {ID: "ugr_staff", Name: "S"}}
		if rev {
			in.Assignments[1], in.Assignments[2] = in.Assignments[2], in.Assignments[1]
		}
		q, err := SelectTariff(in)
		if err != nil || q.Tariff.ID != "trf_fleet" {
			t.Fatalf("rev=%v: %+v %v", rev, q, err)
		}
	}
}

func TestTariffAssignmentValidate(t *testing.T) {
	ok := TariffAssignment{TariffID: "t", UsergroupID: PublicUsergroupID, ChargerGroupID: "c"}
	if err := ok.Validate(); err != nil {
		t.Fatal(err)
	}
	for _, a := range []TariffAssignment{{UsergroupID: "u", ChargerGroupID: "c"}, {TariffID: "t", ChargerGroupID: "c"},
		{TariffID: "t", UsergroupID: "u"}} {
		if err := a.Validate(); !IsCode(err, EINVALID) {
			t.Errorf("%+v: %v", a, err)
		}
	}
}
