package gateway

import (
	"context"
	"sync"
	"testing"

	volt "github.com/volt-ev/volt"
)

// TestAfterMeterReportHook: every stored MeterValues report reaches the
// hook, a connector-0 one without a session too (a grid meter for load
// management), with its samples.
func TestAfterMeterReportHook(t *testing.T) {
	var mu sync.Mutex
	var got []volt.MeterReport
	h := newHarness(t, func(c *Config) {
		c.AfterMeterReport = func(_ context.Context, r volt.MeterReport) {
			mu.Lock()
			got = append(got, r)
			mu.Unlock()
		}
	})
	c := h.connect("CP-1", "secret-1")
	c.callOK("MeterValues", map[string]any{"connectorId": 0, "meterValue": []any{
		map[string]any{"timestamp": "2026-11-25T19:05:00Z", "sampledValue": []any{
			map[string]any{"value": "21.5", "measurand": "Current.Import", "phase": "L1", "unit": "A"}}}}}, nil)
	waitFor(t, "hook called", func() bool { mu.Lock(); defer mu.Unlock(); return len(got) == 1 })
	mu.Lock()
	defer mu.Unlock()
	r := got[0]
	if r.ConnectorID != 0 || r.CPID != "000001" || len(r.Samples) != 1 || r.Samples[0].Measurand != "Current.Import" ||
		r.Samples[0].Phase != "L1" || r.Samples[0].Value != "21.5" {
		t.Fatalf("hook got %+v", r)
	}
}
