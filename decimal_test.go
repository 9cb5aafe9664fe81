package volt

import (
	"encoding/json"
	"strings"
	"testing"
)

func TestParseDecimal(t *testing.T) {
	ok := []struct {
		in    string
		micro int64
		str   string
	}{
		{"0.45", 450_000, "0.45"},
		{"0", 0, "0"},
		{"-0", 0, "0"},
		{"12", 12_000_000, "12"},
		{"007.100", 7_100_000, "7.1"},
		{"-3.000001", -3_000_001, "-3.000001"},
		{"999999999999.999999", 999_999_999_999_999_999, "999999999999.999999"},
	}
	for _, c := range ok {
		d, err := ParseDecimal(c.in)
		if err != nil {
			t.Errorf("ParseDecimal(%q): %v", c.in, err)
			continue
		}
		if d.Micro() != c.micro || d.String() != c.str {
			t.Errorf("ParseDecimal(%q) = %d %q, want %d %q", c.in, d.Micro(), d, c.micro, c.str)
		}
	}
	bad := map[string]string{
		"":                     "empty",
		"1e3":                  "exponent",
		"4.5E-1":               "exponent",
		"NaN":                  "unexpected character",
		"Inf":                  "unexpected character",
		"+1":                   "unexpected character",
		" 1":                   "unexpected character",
		"1.":                   "digits",
		".5":                   "digits",
		"-":                    "digits",
		"1.2.3":                "unexpected character",
		"0.0000001":            "decimal places",
		"1000000000000":        "integer digits",
		"1,5":                  "unexpected character",
		"0x10":                 "unexpected character",
		"12345678901234567890": "integer digits",
	}
	for in, want := range bad {
		_, err := ParseDecimal(in)
		if err == nil || !IsCode(err, EINVALID) || !strings.Contains(ErrorMessage(err), want) {
			t.Errorf("ParseDecimal(%q) error = %v, want EINVALID mentioning %q", in, err, want)
		}
	}
}

func TestDecimalJSON(t *testing.T) {
	var v struct {
		P Decimal  `json:"p"`
		Q Decimal  `json:"q"`
		M *Decimal `json:"m"`
	}
	if err := json.Unmarshal([]byte(`{"p":"0.45","q":1.5,"m":null}`), &v); err != nil {
		t.Fatal(err)
	}
	if v.P.Micro() != 450_000 || v.Q.Micro() != 1_500_000 || v.M != nil {
		t.Fatalf("got %v %v %v", v.P, v.Q, v.M)
	}
	b, _ := json.Marshal(v)
	if string(b) != `{"p":"0.45","q":"1.5","m":null}` {
		t.Fatalf("marshal = %s", b)
	}
	for _, in := range []string{`{"p":"1e2"}`, `{"p":1e2}`, `{"p":"abc"}`, `{"p":true}`} {
		if err := json.Unmarshal([]byte(in), &v); err == nil {
			t.Errorf("Unmarshal(%s) accepted", in)
		}
	}
}

func TestDecimalRounding(t *testing.T) {
	cases := []struct {
		in    string
		exp   int
		minor int64
		fixed string
	}{
		{"0.125", 2, 13, "0.13"}, // half goes up
		{"0.124999", 2, 12, "0.12"},
		{"-0.125", 2, -13, "-0.13"}, // half away from zero, symmetric
		{"2.5", 0, 3, "3"},
		{"0.005", 2, 1, "0.01"},
		{"0.5", 2, 50, "0.50"},
	}
	for _, c := range cases {
		d := MustDecimal(c.in)
		if got := d.RoundMinor(c.exp); got != c.minor {
			t.Errorf("%s.RoundMinor(%d) = %d, want %d", c.in, c.exp, got, c.minor)
		}
		if got := d.StringFixed(c.exp); got != c.fixed {
			t.Errorf("%s.StringFixed(%d) = %q, want %q", c.in, c.exp, got, c.fixed)
		}
	}
	if m, ok := MustDecimal("12.34").ExactMinor(2); !ok || m != 1234 {
		t.Errorf("ExactMinor(12.34) = %d %v", m, ok)
	}
	if _, ok := MustDecimal("12.345").ExactMinor(2); ok {
		t.Error("ExactMinor(12.345, 2) claimed exact")
	}
	if d := DecimalFromMinor(1234, 2); d.String() != "12.34" {
		t.Errorf("DecimalFromMinor = %s", d)
	}
	if _, err := MustDecimal("999999999999").MulInt(1_000_000); err == nil {
		t.Error("MulInt overflow not detected")
	}
	if d, _ := MustDecimal("0.45").MulInt(-3); d.String() != "-1.35" {
		t.Errorf("MulInt = %s", d)
	}
}
