package store

import "testing"

func TestChargingEnergyParsing(t *testing.T) {
	tests := []struct {
		value, unit string
		want        int64
		bad         bool
	}{
		{"12345", "Wh", 12345, false},
		{"12345", "", 12345, false},
		{"12345.4", "Wh", 12345, false},
		{"12345.5", "Wh", 12346, false},
		{"1.2345", "kWh", 1235, false}, // 1234.5 Wh rounds half up
		{"1.2344", "kWh", 1234, false},
		{"0.1", "kWh", 100, false}, // exact: no float 0.1 error
		{"123456789.123", "kWh", 123456789123, false},
		{"1e3", "Wh", 1000, false},
		{" 42 ", "Wh", 42, false},
		{"-1.5", "Wh", -2, false},
		{"12,5", "Wh", 0, true},
		{"abc", "Wh", 0, true},
		{"10", "varh", 0, true},
		{"99999999999999999999", "kWh", 0, true},
	}
	for _, tt := range tests {
		got, err := energyWh(tt.value, tt.unit)
		if (err != nil) != tt.bad || (!tt.bad && got != tt.want) {
			t.Errorf("energyWh(%q, %q) = %d, %v; want %d (bad %v)", tt.value, tt.unit, got, err, tt.want, tt.bad)
		}
	}
	if w, err := powerW("7.36", "kW"); err != nil || w != 7360 {
		t.Errorf("powerW(7.36 kW) = %d, %v", w, err)
	}
}

func TestChargingTransactionIDRange(t *testing.T) {
	seen := map[int64]bool{}
	for range 10000 {
		id := randomTransactionID()
		if id < 1 || id > 1<<31-1 {
			t.Fatalf("transaction id %d outside 1..2^31-1", id)
		}
		seen[id] = true
	}
	if len(seen) < 9990 {
		t.Errorf("only %d distinct ids in 10000 draws", len(seen))
	}
}

func TestChargingFrameIDsOrdered(t *testing.T) {
	g := newFrameIDs()
	now := fromMS(1_700_000_000_000)
	prev := int64(0)
	for range 10000 { // more than the 12-bit sequence in one millisecond
		id := g.next(now)
		if id <= prev {
			t.Fatalf("frame id %d not above %d", id, prev)
		}
		prev = id
	}
}
