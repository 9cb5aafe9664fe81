package app

import (
	"strings"
	"testing"
	"time"

	volt "github.com/volt-ev/volt"
	"github.com/volt-ev/volt/store/storetest"
)

// TestSessionShowsGivingBack (issue 15): a V2X session's page says the car
// is giving back while load management discharges it, and what it has
// given back and earned so far from the live cost; a session that gave
// nothing back says nothing.
func TestSessionShowsGivingBack(t *testing.T) {
	load := &fakeLoad{la: map[string]*volt.LoadAllocation{}}
	f := newFixture(t, storetest.SQLite(t), func(c *Config) { c.LoadStatus = load })
	list, _, err := f.tariffs.FindTariffs(sysCtx(), volt.TariffFilter{CPOID: f.cpo.ID})
	must(t, err)
	price := volt.MustDecimal("0.15")
	list[0].ExportPricePerKWh = &price
	must(t, f.tariffs.UpdateTariff(sysCtx(), list[0]))
	u := f.driver("v2x@example.com")
	must(t, f.users.CreateRFIDCard(sysCtx(), &volt.RFIDCard{UID: "V2XCARD1", UserID: u.ID}))
	s := f.startSession(f.charger, 1, "V2XCARD1")
	c := f.client()
	c.login(u.Email)
	if body := c.get("/app/s/" + s.ID).body; !strings.Contains(body, `id="giveback" class="note" hidden`) {
		t.Errorf("a session that gave nothing back shows a give-back note")
	}
	load.mu.Lock()
	load.la[f.charger] = &volt.LoadAllocation{CPID: f.charger, ConnectorID: 1, SessionID: s.ID, Reason: "queued", DischargeA: 8}
	load.mu.Unlock()
	txID := s.TransactionID
	for i, exp := range []string{"400", "2400"} {
		at := s.StartedAt.Add(time.Duration(i+1) * time.Minute)
		_, err := f.charging.RecordMeterValues(sysCtx(), volt.MeterReport{CPID: f.charger, ConnectorID: 1, TransactionID: &txID,
			Samples: []volt.MeterSample{{Timestamp: at, Measurand: "Energy.Active.Import.Register", Unit: "Wh", Value: "3000"},
				{Timestamp: at, Measurand: "Energy.Active.Export.Register", Unit: "Wh", Value: exp}}})
		must(t, err)
	}
	// 2 kWh given back × 0.15 = 0.30 off 2 kWh × 0.45 + 0.50.
	body := c.get("/app/s/" + s.ID).body
	if !strings.Contains(body, "Giving back: your car is powering this site now") || !strings.Contains(body, "Given back 2.00 kWh, earned £0.30.") {
		t.Errorf("session page lacks giving back:\n%s", body)
	}
	if !strings.Contains(body, `id="cost">£1.10<`) {
		t.Errorf("live cost is not net of the credit:\n%s", body)
	}
	// 20 kWh given back in all: 3.00 against 1.40; 1.60 into the wallet,
	// shown on the receipt and in its e-mail.
	at := s.StartedAt.Add(3 * time.Minute)
	res, err := f.charging.StopTransaction(sysCtx(), volt.StopRequest{CPID: f.charger, TransactionID: txID, MeterStop: 3000, At: at,
		Reason: "EVDisconnected", Samples: []volt.MeterSample{{Timestamp: at, Measurand: "Energy.Active.Export.Register", Unit: "Wh", Value: "20400"}}})
	must(t, err)
	if res.CDR == nil || res.CDR.TotalCost == nil || res.CDR.TotalCost.InclVAT != 0 || res.CDR.TotalCost.ExportPayout != 160 {
		t.Fatalf("CDR %+v", res.CDR)
	}
	if body := c.get("/app/s/" + s.ID + "/receipt").body; !strings.Contains(body, `id="export-payout">£1.60<`) {
		t.Errorf("receipt lacks the payout:\n%s", body)
	}
	if _, mail := f.app.ReceiptMail(res.CDR, -1); !strings.Contains(mail, "beyond the cost: £1.60") {
		t.Errorf("receipt mail lacks the payout:\n%s", mail)
	}
}
