package app

import (
	"context"
	"testing"
	"time"

	volt "github.com/volt-ev/volt"
	"github.com/volt-ev/volt/store/storetest"
)

// TestLiveStateHonest: the session fee shows before the first meter
// reading; the state of charge and the time to the target follow the
// readings; a finished session says "Final cost".
func TestLiveStateHonest(t *testing.T) {
	f := newFixture(t, storetest.SQLite(t), noPayments)
	s := f.startSession(f.charger, 1, "KAI") // published: read only from here on
	st := f.app.state(s, nil)
	if st.Cost != "£0.50" || st.CostLabel != "Cost so far" || st.SoC != "" || st.ETA != "" {
		t.Fatalf("state before any reading: %+v (the £0.50 session fee is due from the first second)", st)
	}
	txID, at := s.TransactionID, time.Now().Truncate(time.Second).Add(time.Second)
	upd, err := f.charging.RecordMeterValues(sysCtx(), volt.MeterReport{CPID: f.charger, ConnectorID: 1, TransactionID: &txID,
		Samples: []volt.MeterSample{{Timestamp: at, Measurand: "Energy.Active.Import.Register", Unit: "Wh", Value: "3000"},
			{Timestamp: at, Measurand: "Power.Active.Import", Unit: "W", Value: "10000"},
			{Timestamp: at, Measurand: "SoC", Unit: "Percent", Value: "64"}}})
	must(t, err)
	f.app.mu.Lock()
	f.app.limits[s.ID] = &limitRule{Wh: 12_000}
	f.app.mu.Unlock()
	st = f.app.state(upd, nil)
	// 2 kWh so far, 10 kWh to go at 10 kW: one hour.
	if st.SoC != "64%" || st.ETA != "About 1 h 00 min to 12.00 kWh" {
		t.Errorf("state with SoC and an energy target: %+v", st)
	}
	f.app.mu.Lock()
	f.app.limits[s.ID] = &limitRule{Amount: 500, Cur: "GBP"}
	f.app.mu.Unlock()
	// £0.90 of energy for 2 kWh (£0.45/kWh) after the £0.50 fee: £3.60
	// to go is 8 kWh, 48 minutes at 10 kW.
	if st = f.app.state(upd, nil); st.ETA != "About 48 min to £5.00" {
		t.Errorf("state with an amount target: %+v", st)
	}
	res, err := f.charging.StopTransaction(sysCtx(), volt.StopRequest{CPID: f.charger, TransactionID: txID, MeterStop: 4000, At: at.Add(time.Minute), Reason: "Local"})
	must(t, err)
	f.bus.Publish(context.Background(), volt.Event{Type: volt.EventSessionStopped, CPID: f.charger, At: time.Now(), Data: res.Session})
	if st = f.app.state(res.Session, nil); st.CostLabel != "Final cost" || st.ETA != "" || st.Cost == "£0.00" {
		t.Errorf("finished state: %+v", st)
	}
}
