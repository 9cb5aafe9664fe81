package lms

import (
	"context"
	"testing"
	"time"

	"github.com/volt-ev/volt"
)

func TestGridMeterOnConnectorZero(t *testing.T) {
	site := newFakeSite(&volt.LoadManagement{SiteID: "site", Mode: volt.LoadModeDynamic, SupplyLimitA: 63, Phases: 3,
		Meter: volt.LoadMeter{Source: volt.MeterSourceCharger, CPID: "000009"}})
	tap := &GridMeter{Sites: site, Recorder: site, Now: func() time.Time { return t0 }}
	at := t0.Add(-time.Second)
	cur := func(phase, v string) volt.MeterSample {
		return volt.MeterSample{Timestamp: at, Measurand: "Current.Import", Phase: phase, Unit: "A", Value: v}
	}
	ctx := context.Background()
	// Another charger's connector 0, and this one's connector 1, are not
	// the grid meter.
	for _, r := range []volt.MeterReport{
		{CPID: "000001", ConnectorID: 0, Samples: []volt.MeterSample{cur("L1", "1"), cur("L2", "1"), cur("L3", "1")}},
		{CPID: "000009", ConnectorID: 1, Samples: []volt.MeterSample{cur("L1", "1"), cur("L2", "1"), cur("L3", "1")}},
		{CPID: "000009", ConnectorID: 0, Samples: []volt.MeterSample{cur("L1", "1"), cur("L2", "1")}}, // a phase missing
	} {
		tap.OnMeterReport(ctx, r)
	}
	if _, err := site.LatestMeterReading(ctx, "site"); err == nil {
		t.Fatal("a reading from something that is not the site's grid meter")
	}
	// Through the gateway hook, which hands the work off.
	tap.AfterMeterReport(ctx, volt.MeterReport{CPID: "000009", ConnectorID: 0, Samples: []volt.MeterSample{
		{Timestamp: at, Measurand: "Energy.Active.Import.Register", Value: "123456"},
		cur("L1-N", "21.5"), cur("L2-N", "18"), cur("L3-N", "30.25")}})
	tap.Wait()
	r, err := site.LatestMeterReading(ctx, "site")
	if err != nil || r.CurrentA[0] != 21.5 || r.CurrentA[1] != 18 || r.CurrentA[2] != 30.25 || !r.At.Equal(at) {
		t.Fatalf("grid meter reading %+v %v", r, err)
	}
}
