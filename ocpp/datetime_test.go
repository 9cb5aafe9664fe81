package ocpp

import (
	"encoding/json"
	"testing"
	"time"
)

func TestParseDateTime(t *testing.T) {
	want := time.Date(2026, 11, 25, 19, 10, 0, 0, time.UTC)
	tests := []struct {
		in     string
		want   time.Time
		noZone bool
		bad    bool
	}{
		{in: "2026-11-25T19:10:00Z", want: want},
		{in: "2026-11-25T19:10:00.000Z", want: want},
		{in: "2026-11-25T19:10:00.1Z", want: want.Add(100 * time.Millisecond)},
		{in: "2026-11-25T19:10:00.1234567Z", want: want.Add(123456700)},
		{in: "2026-11-25T19:10:00.123456789Z", want: want.Add(123456789)},
		{in: "2026-11-25T20:10:00+01:00", want: want},
		{in: "2026-11-25T14:10:00.5-05:00", want: want.Add(500 * time.Millisecond)},
		{in: "2026-11-25T19:10:00", want: want, noZone: true},
		{in: "2026-11-25T19:10:00.1234567", want: want.Add(123456700), noZone: true},
		{in: "", bad: true},
		{in: "yesterday", bad: true},
		{in: "2026-11-25", bad: true},
		{in: "2026-11-25 19:10:00Z", bad: true},
		{in: "2026-13-25T19:10:00Z", bad: true},
	}
	for _, tt := range tests {
		d, err := ParseDateTime(tt.in)
		if tt.bad {
			if err == nil {
				t.Errorf("%q: accepted as %v", tt.in, d)
			}
			continue
		}
		if err != nil || !d.Equal(tt.want) || d.ZoneMissing() != tt.noZone {
			t.Errorf("%q: got %v zoneMissing=%v err=%v; want %v zoneMissing=%v", tt.in, d.Time, d.ZoneMissing(), err, tt.want, tt.noZone)
		}
	}
}

func TestDateTimeJSON(t *testing.T) {
	d := NewDateTime(time.Date(2026, 11, 25, 20, 10, 0, 123456789, time.FixedZone("CET", 3600)))
	b, err := json.Marshal(d)
	if err != nil || string(b) != `"2026-11-25T19:10:00.123Z"` {
		t.Fatalf("marshal = %s, %v", b, err)
	}
	var back DateTime
	if err := json.Unmarshal([]byte(`"2026-11-25T19:10:00.1234567Z"`), &back); err != nil {
		t.Fatal(err)
	}
	if back.Nanosecond() != 123456700 {
		t.Fatalf("nanos = %d", back.Nanosecond())
	}
	if err := json.Unmarshal([]byte(`12`), &back); err == nil {
		t.Fatal("number accepted as date-time")
	}
	if err := json.Unmarshal([]byte(`"soon"`), &back); err == nil {
		t.Fatal("garbage accepted as date-time")
	}
}
