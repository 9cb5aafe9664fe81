package gateway

import "testing"

// TestCostChangedDownToZero (issue 15): a running cost that a V2X credit
// brings down to zero is sent (the station would show the last one), but
// a transaction that never cost anything sends nothing, and a cost is not
// sent twice.
func TestCostChangedDownToZero(t *testing.T) {
	var s v2State
	for i, c := range []struct {
		tx   string
		cost int64
		send bool
	}{
		{"free", 0, false},
		{"v2x", 120, true},
		{"v2x", 120, false},
		{"v2x", 0, true},
		{"v2x", 0, false},
		{"v2x", 35, true},
	} {
		if got := s.costChanged("CP1", c.tx, c.cost); got != c.send {
			t.Errorf("step %d: %s at %d: send %v, want %v", i, c.tx, c.cost, got, c.send)
		}
	}
}
