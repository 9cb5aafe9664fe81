package gateway

import (
	"context"
	"sync"
	"testing"

	volt "github.com/volt-ev/volt"
)

// TestAfterMeterValuesHook: the hook gets the session a MeterValues updated,
// after the store call, and the charger gets its answer.
func TestAfterMeterValuesHook(t *testing.T) {
	var mu sync.Mutex
	var got []*volt.Session
	h := newHarness(t, func(c *Config) {
		c.AfterMeterValues = func(_ context.Context, s *volt.Session) {
			mu.Lock()
			got = append(got, s)
			mu.Unlock()
		}
	})
	c := h.connect("CP-1", "secret-1")
	c.callOK("MeterValues", map[string]any{"connectorId": 1, "transactionId": 7, "meterValue": []any{
		map[string]any{"timestamp": "2026-11-25T19:05:00Z", "sampledValue": []any{map[string]any{"value": "1500"}}}}}, nil)
	waitFor(t, "hook called", func() bool { mu.Lock(); defer mu.Unlock(); return len(got) == 1 })
	mu.Lock()
	defer mu.Unlock()
	if got[0].ID != "s1" || got[0].CPID != "000001" {
		t.Fatalf("hook got %+v", got[0])
	}
	h.fake.mu.Lock()
	n := len(h.fake.meters)
	h.fake.mu.Unlock()
	if n != 1 {
		t.Fatalf("meters recorded %d, want 1", n)
	}
}
