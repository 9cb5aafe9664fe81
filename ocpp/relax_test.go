package ocpp

import "testing"

func TestRelaxationsText(t *testing.T) {
	all := LongStrings | TimestampWithoutZone | ConnectorIDZeroAsAbsent | EmptySampledValue | NumbersAsStrings
	if all != relaxAll {
		t.Fatal("relaxAll out of date")
	}
	for r := Relaxations(0); r <= all; r++ {
		got, err := ParseRelaxations([]string{r.String()})
		if err != nil || got != r {
			t.Fatalf("round trip %q = %v, %v", r.String(), got, err)
		}
	}
	r, err := ParseRelaxations([]string{" longstrings ", "", "EmptySampledValue,NumbersAsStrings"})
	if err != nil || r != LongStrings|EmptySampledValue|NumbersAsStrings {
		t.Fatalf("got %v, %v", r, err)
	}
	if r.String() != "LongStrings,EmptySampledValue,NumbersAsStrings" {
		t.Fatalf("String = %q", r.String())
	}
	if _, err := ParseRelaxations([]string{"LongStrings", "Lenient"}); err == nil {
		t.Fatal("unknown name accepted")
	}
	var u Relaxations
	if err := u.UnmarshalText([]byte("TimestampWithoutZone")); err != nil || !u.Has(TimestampWithoutZone) || u.Has(LongStrings) {
		t.Fatalf("UnmarshalText: %v %v", u, err)
	}
	if Strict.String() != "" {
		t.Fatal("Strict is not empty")
	}
}
