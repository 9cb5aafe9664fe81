package gateway

import (
	"context"
	"encoding/json"
	"strings"
	"sync"
	"testing"
	"time"

	volt "github.com/volt-ev/volt"
	"github.com/volt-ev/volt/internal/schematest"
	"github.com/volt-ev/volt/ocpp/v21"
	"github.com/volt-ev/volt/store"
	"github.com/volt-ev/volt/store/storetest"
)

// TestV21PeriodicEventStream (issue #13): a 2.1 station opens a periodic
// event stream (answered Accepted per schema), sends its values in SEND
// frames, which are kept and never answered (an invalid one is dropped,
// unanswered too, and the connection stays up), and closes it; on both
// engines. On 2.0.1 message type 6 stays MessageTypeNotSupported.
func TestV21PeriodicEventStream(t *testing.T) {
	schemas := schematest.Load(t, "2.1")
	storetest.ForEachEngine(t, func(t *testing.T, db *store.DB) {
		ctx := volt.NewContextWithActor(context.Background(), volt.SystemActor)
		creds := onboard(t, ctx, db)
		svc := store.NewChargingService(db)
		h := newHarness(t, func(c *Config) { c.Charging = svc })
		c := h.connectAs(creds.OCPPIdentity, creds.OCPPPassword, "ocpp2.1", "ocpp2.1")
		c.sendChecked(schemas, "BootNotification", map[string]any{"reason": "PowerUp", "chargingStation": map[string]any{"model": "m", "vendorName": "v"}}, nil)
		if gbr := c.read(); gbr.typ() == 2 {
			c.sendRaw(`[3,` + string(gbr[1]) + `,{"status":"Accepted"}]`)
		}
		var opened struct{ Status string }
		c.sendChecked(schemas, "OpenPeriodicEventStream", map[string]any{"constantStreamData": map[string]any{"id": 3, "variableMonitoringId": 700,
			"params": map[string]any{"interval": 1, "values": 10}}}, &opened)
		if opened.Status != "Accepted" {
			t.Fatalf("OpenPeriodicEventStream answered %q", opened.Status)
		}
		send := `{"id":3,"pending":0,"basetime":"2026-12-06T10:00:00Z","data":[{"t":0,"v":"7.41"},{"t":1.5,"v":"-2.10"}]}`
		if err := schemas.Validate(t, "NotifyPeriodicEventStream", []byte(send)); err != nil {
			t.Fatal(err)
		}
		c.sendRaw(`[6,"s-1","NotifyPeriodicEventStream",` + send + `]`)
		c.sendRaw(`[6,"s-2","NotifyPeriodicEventStream",{"id":3,"pending":0,"data":[]}]`) // invalid: dropped
		c.sendRaw(`[6,"s-3","Heartbeat",{}]`)                                             // not a SEND of 2.1: dropped
		c.sendRaw(`[6,"s-4"]`)                                                            // malformed: dropped
		// The next frame is the Heartbeat's answer: no SEND was answered,
		// and the inbox has handled them (it keeps arrival order).
		c.sendChecked(schemas, "Heartbeat", map[string]any{}, nil)
		c.sendChecked(schemas, "ClosePeriodicEventStream", map[string]any{"id": 3}, nil)

		streams, err := svc.FindChargingReports(ctx, creds.CPID, volt.ReportEventStream, 0)
		if err != nil || len(streams) != 1 || streams[0].RequestID == nil || *streams[0].RequestID != 3 ||
			!strings.Contains(string(streams[0].Payload), `"v":"-2.10"`) {
			t.Fatalf("stream data %+v %v, want the one valid SEND of stream 3", streams, err)
		}
		if err := schemas.Validate(t, "NotifyPeriodicEventStream", streams[0].Payload); err != nil {
			t.Errorf("stored SEND %s: %v", streams[0].Payload, err)
		}
		for _, kind := range []string{volt.ReportEventStreamOpened, volt.ReportEventStreamClosed} {
			if got, err := svc.FindChargingReports(ctx, creds.CPID, kind, 0); err != nil || len(got) != 1 {
				t.Errorf("%s reports %+v %v", kind, got, err)
			}
		}

		c201 := h.connectAs(creds.OCPPIdentity, creds.OCPPPassword, "ocpp2.0.1", "ocpp2.0.1")
		c201.sendRaw(`[6,"s-5","NotifyPeriodicEventStream",` + send + `]`)
		if f := c201.read(); f.typ() != 4 || f.str(2) != "MessageTypeNotSupported" {
			t.Fatalf("SEND on 2.0.1: %s", joinFrame(f))
		}
	})
}

// reportingFake keeps the reports the gateway records.
type reportingFake struct {
	pricedFake
	mu      sync.Mutex
	reports []*volt.ChargingReport
}

func (r *reportingFake) RecordChargingReport(_ context.Context, rep *volt.ChargingReport) error {
	r.mu.Lock()
	defer r.mu.Unlock()
	r.reports = append(r.reports, rep)
	return nil
}

func (r *reportingFake) FindChargingReports(_ context.Context, cpid, kind string, _ int) ([]*volt.ChargingReport, error) {
	r.mu.Lock()
	defer r.mu.Unlock()
	var out []*volt.ChargingReport
	for _, rep := range r.reports {
		if rep.CPID == cpid && (kind == "" || rep.Kind == kind) {
			out = append(out, rep)
		}
	}
	return out, nil
}

func (r *reportingFake) costDetails(t *testing.T) []costDetailsReport {
	t.Helper()
	r.mu.Lock()
	defer r.mu.Unlock()
	var out []costDetailsReport
	for _, rep := range r.reports {
		if rep.Kind != volt.ReportCostDetails {
			continue
		}
		var c costDetailsReport
		if err := json.Unmarshal(rep.Payload, &c); err != nil {
			t.Fatal(err)
		}
		out = append(out, c)
	}
	return out
}

// TestV21CostDetails (issue #13): a 2.1 TransactionEvent's costDetails (the
// station's own cost) are kept beside Volt's; the answer to Ended still
// carries Volt's total; a station total that differs from Volt's by a cent
// or more is flagged, one that agrees is not; a replayed event is kept
// once. On 2.0.1 costDetails is not
// a member (the schema refuses it).
func TestV21CostDetails(t *testing.T) {
	schemas := schematest.Load(t, "2.1")
	var fake *reportingFake
	h := newHarness(t, func(c *Config) {
		fake = &reportingFake{pricedFake: pricedFake{c.Charging.(*fakeCharging)}}
		c.Charging = fake
	})
	c := h.connectAs("CP-1", "secret-1", "ocpp2.1", "ocpp2.1")
	c.sendChecked(schemas, "BootNotification", map[string]any{"reason": "PowerUp", "chargingStation": map[string]any{"model": "m", "vendorName": "v"}}, nil)
	if gbr := c.read(); gbr.typ() == 2 {
		c.sendRaw(`[3,` + string(gbr[1]) + `,{"status":"Accepted"}]`)
	}
	cost := func(total float64) map[string]any {
		return map[string]any{"totalCost": map[string]any{"currency": "GBP", "typeOfCost": "NormalCost", "total": map[string]any{"inclTax": total}},
			"totalUsage": map[string]any{"energy": 1500, "chargingTime": 300, "idleTime": 0}}
	}
	now := time.Now().UTC().Format(time.RFC3339)
	mv := []any{map[string]any{"timestamp": now, "sampledValue": []any{map[string]any{"value": 1500}}}}
	for i, station := range []float64{4.56, 4.99, 4.99} { // the last a replay of the second
		tx := "tx-" + string(rune('a'+min(i, 1)))
		var ended struct{ TotalCost *float64 }
		c.sendChecked(schemas, "TransactionEvent", map[string]any{"eventType": "Ended", "timestamp": now, "triggerReason": "StopAuthorized",
			"seqNo": 2, "transactionInfo": map[string]any{"transactionId": tx}, "evse": map[string]any{"id": 1}, "meterValue": mv,
			"costDetails": cost(station)}, &ended)
		if ended.TotalCost == nil || *ended.TotalCost != 4.56 {
			t.Fatalf("Ended answered totalCost %v, want Volt's 4.56", ended.TotalCost)
		}
	}
	got := fake.costDetails(t)
	if len(got) != 2 {
		t.Fatalf("%d cost details reports, want 2 (the replay kept once): %+v", len(got), got)
	}
	for i, want := range []struct {
		station  float64
		mismatch bool
	}{{4.56, false}, {4.99, true}} {
		g := got[i]
		if g.CostDetails == nil || *g.CostDetails.TotalCost.Total.InclTax != want.station || g.VoltTotalCost == nil || *g.VoltTotalCost != 4.56 ||
			g.Mismatch != want.mismatch || g.EventType != "Ended" || g.TransactionID != "tx-"+string(rune('a'+i)) {
			t.Errorf("report %d: %+v (Volt %v), want station %v, Volt 4.56, mismatch %v", i, g, g.VoltTotalCost, want.station, want.mismatch)
		}
	}
	if err := schematest.Load(t, "2.0.1").Validate(t, "TransactionEventRequest", []byte(`{"eventType":"Ended","timestamp":"`+now+
		`","triggerReason":"StopAuthorized","seqNo":2,"transactionInfo":{"transactionId":"x"},"costDetails":{}}`)); err == nil {
		t.Error("the 2.0.1 schema accepts costDetails")
	}
}

// TestCostsDiffer: minor units decide, per the currency's exponent.
func TestCostsDiffer(t *testing.T) {
	f := func(v float64) *float64 { return &v }
	for _, tt := range []struct {
		station      *float64
		volts        *float64
		cur, voltCur string
		want         bool
	}{
		{f(4.56), f(4.56), "GBP", "GBP", false},
		{f(4.561), f(4.56), "GBP", "GBP", false},
		{f(4.57), f(4.56), "GBP", "GBP", true},
		{f(4.56), f(4.56), "EUR", "GBP", true},
		{f(456), f(456.4), "JPY", "JPY", false},
		{f(0), nil, "GBP", "", false},
		{f(1), nil, "GBP", "", true},
		{nil, f(1), "GBP", "GBP", true},
	} {
		var tc = costTotal(tt.cur, tt.station)
		if got := costsDiffer(tc, tt.volts, tt.voltCur); got != tt.want {
			t.Errorf("station %v %s vs Volt %v %s: differ %v, want %v", deref64(tt.station), tt.cur, deref64(tt.volts), tt.voltCur, got, tt.want)
		}
	}
}

func deref64(p *float64) any {
	if p == nil {
		return nil
	}
	return *p
}

func costTotal(currency string, inclTax *float64) v21.TotalCost {
	return v21.TotalCost{Currency: currency, TypeOfCost: v21.TariffCostEnumNormalCost, Total: v21.TotalPrice{InclTax: inclTax}}
}

// TestV21ReportsStored (issue #13): what a 2.1 station reports of DER
// control, priority charging, settlements and battery swaps is answered per
// schema and kept as sent.
func TestV21ReportsStored(t *testing.T) {
	schemas := schematest.Load(t, "2.1")
	storetest.ForEachEngine(t, func(t *testing.T, db *store.DB) {
		ctx := volt.NewContextWithActor(context.Background(), volt.SystemActor)
		creds := onboard(t, ctx, db)
		svc := store.NewChargingService(db)
		h := newHarness(t, func(c *Config) { c.Charging = svc })
		c := h.connectAs(creds.OCPPIdentity, creds.OCPPPassword, "ocpp2.1", "ocpp2.1")
		c.sendChecked(schemas, "BootNotification", map[string]any{"reason": "PowerUp", "chargingStation": map[string]any{"model": "m", "vendorName": "v"}}, nil)
		if gbr := c.read(); gbr.typ() == 2 {
			c.sendRaw(`[3,` + string(gbr[1]) + `,{"status":"Accepted"}]`)
		}
		now := time.Now().UTC().Format(time.RFC3339)
		for _, m := range []struct {
			action, kind string
			payload      map[string]any
		}{
			{"NotifyDERAlarm", volt.ReportDERAlarm, map[string]any{"controlType": "HVMustTrip", "timestamp": now, "alarmEnded": false}},
			{"NotifyDERStartStop", volt.ReportDERStartStop, map[string]any{"controlId": "der-1", "started": true, "timestamp": now}},
			{"ReportDERControl", volt.ReportDERControl, map[string]any{"requestId": 21}},
			{"NotifyPriorityCharging", volt.ReportPriorityCharging, map[string]any{"transactionId": "tx-p", "activated": true}},
			{"NotifySettlement", volt.ReportSettlement, map[string]any{"pspRef": "psp-1", "status": "Settled", "settlementAmount": 12.5, "settlementTime": now}},
			{"BatterySwap", volt.ReportBatterySwap, map[string]any{"eventType": "BatteryIn", "requestId": 22, "idToken": map[string]any{"idToken": "04A2B3C4", "type": "ISO14443"},
				"batteryData": []any{map[string]any{"evseId": 1, "serialNumber": "B-1", "soC": 80, "soH": 97}}}},
		} {
			c.sendChecked(schemas, m.action, m.payload, nil)
			got, err := svc.FindChargingReports(ctx, creds.CPID, m.kind, 0)
			if err != nil || len(got) != 1 {
				t.Fatalf("%s reports %+v %v", m.kind, got, err)
			}
			if err := schemas.Validate(t, m.action+"Request", got[0].Payload); err != nil {
				t.Errorf("stored %s %s: %v", m.action, got[0].Payload, err)
			}
		}
	})
}

// TestV21PullDynamicScheduleUpdate: Volt sets no Dynamic charging profiles,
// so a 2.1 station asking for the update of one is answered Rejected with
// the reason, per schema, not NotImplemented.
func TestV21PullDynamicScheduleUpdate(t *testing.T) {
	schemas := schematest.Load(t, "2.1")
	storetest.ForEachEngine(t, func(t *testing.T, db *store.DB) {
		ctx := volt.NewContextWithActor(context.Background(), volt.SystemActor)
		creds := onboard(t, ctx, db)
		h := newHarness(t, func(c *Config) { c.Charging = store.NewChargingService(db) })
		c := h.connectAs(creds.OCPPIdentity, creds.OCPPPassword, "ocpp2.1", "ocpp2.1")
		c.sendChecked(schemas, "BootNotification", map[string]any{"reason": "PowerUp", "chargingStation": map[string]any{"model": "m", "vendorName": "v"}}, nil)
		if gbr := c.read(); gbr.typ() == 2 {
			c.sendRaw(`[3,` + string(gbr[1]) + `,{"status":"Accepted"}]`)
		}
		var got struct {
			Status     string `json:"status"`
			StatusInfo struct {
				ReasonCode     string `json:"reasonCode"`
				AdditionalInfo string `json:"additionalInfo"`
			} `json:"statusInfo"`
		}
		c.sendChecked(schemas, "PullDynamicScheduleUpdate", map[string]any{"chargingProfileId": 77}, &got)
		if got.Status != "Rejected" || got.StatusInfo.ReasonCode != "UnknownProfile" || !strings.Contains(got.StatusInfo.AdditionalInfo, "77") {
			t.Errorf("PullDynamicScheduleUpdate answered %+v, want Rejected naming profile 77", got)
		}
	})
}
