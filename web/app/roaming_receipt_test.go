package app

import (
	"context"
	"net/http"
	"strings"
	"testing"
	"time"

	volt "github.com/volt-ev/volt"
	"github.com/volt-ev/volt/store"
	"github.com/volt-ev/volt/store/storetest"
)

// billedRoaming is fakeRoamingCharging whose charges carry the receipt
// of a billed CDR once bill is set.
type billedRoaming struct {
	*fakeRoamingCharging
	bill *volt.RoamingBill
}

func (f *billedRoaming) FindRoamingCharge(ctx context.Context, id string) (*volt.RoamingChargeView, error) {
	v, err := f.fakeRoamingCharging.FindRoamingCharge(ctx, id)
	if err != nil || f.bill == nil {
		return v, err
	}
	v.Status, v.CDRID, v.Billed = "COMPLETED", f.bill.CDRID, f.bill.Total
	v.Receipt = &volt.RoamingReceipt{Bill: *f.bill, PartnerName: "A Power", LocationName: "Mayfair Hub", Address: "1 Mayfair Road, London",
		EVSEID: "GB*AAA*E000001*1", StartedAt: time.Date(2026, 3, 1, 12, 0, 0, 0, time.UTC), StoppedAt: time.Date(2026, 3, 1, 12, 30, 0, 0, time.UTC),
		EnergyWh: 3250, CostExclVAT: 200, CostVAT: 40, MarginPercent: volt.MustDecimal("10")}
	return v, nil
}

// TestRoamingReceipt: the receipt of a session on a partner's network
// (issue 14) is not there before the partner's CDR is billed; then the
// charge page links it, and it shows the partner network, location,
// energy, the partner's cost with its VAT, the margin, the total and how
// it was paid (a debt says so), with a PDF; another driver's is not found.
func TestRoamingReceipt(t *testing.T) {
	storetest.ForEachEngine(t, func(t *testing.T, db *store.DB) {
		fake := &billedRoaming{fakeRoamingCharging: &fakeRoamingCharging{starts: map[string]*volt.RoamingStart{}}}
		f := newFixture(t, db, func(c *Config) { c.RoamingCharging, c.RoamingDebts = fake, c.Wallets.(volt.RoamingDebts) })
		f.driver("bea@b.test")
		f.driver("otto@b.test")
		c := f.client()
		c.login("bea@b.test")
		c.post("/app/roam/ocp_a/sit_a", "/app/roam/ocp_a/sit_a/start", map[string][]string{"evse": {"000001-1"}})
		if res := c.get("/app/roam/charge/rst_000001-1/receipt"); res.status != http.StatusNotFound || !strings.Contains(res.body, "not ready yet") {
			t.Errorf("receipt before the CDR: %d", res.status)
		}
		fake.bill = &volt.RoamingBill{PartnerID: "ocp_a", CDRID: "cdr_1", Currency: "GBP", Cost: 240, Margin: 24, Total: 264,
			PaidBy: volt.RoamingPaidWallet, State: volt.RoamingBillPaid}
		if res := c.get("/app/roam/charge/rst_000001-1"); !strings.Contains(res.body, `href="/app/roam/charge/rst_000001-1/receipt"`) {
			t.Errorf("the charge page does not link the receipt: %.1500s", res.body)
		}
		res := c.get("/app/roam/charge/rst_000001-1/receipt")
		if res.status != http.StatusOK {
			t.Fatalf("receipt: %d %.500s", res.status, res.body)
		}
		for _, want := range []string{`id="partner">A Power<`, "Mayfair Hub", "1 Mayfair Road, London", `id="energy">3.25 kWh<`,
			`id="vat">£0.40<`, `id="partner-cost">£2.40<`, "Roaming margin (10 %)", `id="margin">£0.24<`, `id="total">£2.64<`,
			`id="paid-by">Paid from your wallet<`, "receipt.pdf"} {
			if !strings.Contains(res.body, want) {
				t.Errorf("receipt lacks %q", want)
			}
		}
		if strings.Contains(res.body, "roaming-debts/pay") {
			t.Error("a paid receipt offers to pay what is owed")
		}
		pdf := c.get("/app/roam/charge/rst_000001-1/receipt.pdf")
		if pdf.status != http.StatusOK || pdf.header.Get("Content-Type") != "application/pdf" || !strings.HasPrefix(pdf.body, "%PDF") {
			t.Errorf("receipt PDF: %d %q", pdf.status, pdf.header.Get("Content-Type"))
		}
		fake.bill.PaidBy, fake.bill.State = volt.RoamingPaidCard, volt.RoamingBillDebt
		if res := c.get("/app/roam/charge/rst_000001-1/receipt"); !strings.Contains(res.body, "Not paid: your card was refused") ||
			!strings.Contains(res.body, `action="/app/account/roaming-debts/pay"`) {
			t.Errorf("a debt's receipt does not say it is unpaid, with Pay what you owe")
		}
		other := f.client()
		other.login("otto@b.test")
		if res := other.get("/app/roam/charge/rst_000001-1/receipt"); res.status != http.StatusNotFound {
			t.Errorf("another driver's receipt: %d", res.status)
		}
		if res := other.get("/app/roam/charge/rst_000001-1/receipt.pdf"); res.status != http.StatusNotFound {
			t.Errorf("another driver's receipt PDF: %d", res.status)
		}
	})
}
