package volt

import "testing"

func TestFeeRuleApply(t *testing.T) {
	cases := []struct {
		flat, pct string
		amount    int64
		want      int64
	}{
		{"0.20", "0", 1234, 20},        // flat only
		{"0", "1.5", 1234, 19},         // 1.5 % of 1234 = 18.51 → 19
		{"0.20", "1.5", 1234, 39},      // 20 + 19
		{"0", "1.5", 1100, 17},         // 16.5 → 17 (half up)
		{"0", "1.5", 1099, 16},         // 16.485 → 16
		{"0", "2.9", -1000, -29},       // refund: fee returned
		{"0.25", "0", 0, 25},           // flat on a zero payment
		{"0", "100", 5000, 5000},       // all of it
		{"0.30", "2.5", 999999, 25030}, // 30 + 2.5 % of 999 999 = 24 999.975 → 25 000
	}
	for _, c := range cases {
		f := FeeRule{Flat: MustDecimal(c.flat), Percent: MustDecimal(c.pct)}
		if err := f.Validate("GBP"); err != nil {
			t.Fatalf("%+v: %v", f, err)
		}
		if got := f.Apply(c.amount, 2); got != c.want {
			t.Errorf("%s + %s%% of %d = %d, want %d", c.flat, c.pct, c.amount, got, c.want)
		}
	}
}

func TestFeeValidation(t *testing.T) {
	bad := []FeeRule{
		{Flat: MustDecimal("-1")},
		{Flat: MustDecimal("0.205")},
		{Percent: MustDecimal("-0.1")},
		{Percent: MustDecimal("100.01")},
	}
	for _, f := range bad {
		if err := f.Validate("GBP"); !IsCode(err, EINVALID) {
			t.Errorf("%+v accepted: %v", f, err)
		}
	}
	fees := Fees{Currency: "GBP", VATRate: MustDecimal("0.2"), Socket: SocketFee{Period: "weekly"}}
	if err := fees.Validate(); !IsCode(err, EINVALID) {
		t.Errorf("weekly socket fee accepted: %v", err)
	}
	fees.Socket.Period = FeeAnnual
	if err := fees.Validate(); err != nil {
		t.Error(err)
	}
	fees.Currency = "ABC"
	if err := fees.Validate(); !IsCode(err, EINVALID) {
		t.Errorf("unknown currency accepted: %v", err)
	}
}

func TestSocketFeeCharge(t *testing.T) {
	s := SocketFee{Period: FeeMonthly, Rule: FeeRule{Flat: MustDecimal("5.00"), Percent: MustDecimal("2")}}
	// 3 sockets × £5.00 = 1500 + 2 % of £100.00 income = 200 → 1700.
	if got := s.Charge(3, 10_000, 2); got != 1700 {
		t.Fatalf("socket fee = %d, want 1700", got)
	}
	if got := s.Charge(0, 0, 2); got != 0 {
		t.Fatalf("no sockets, no income = %d", got)
	}
}
