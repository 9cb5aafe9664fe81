package app

import (
	"context"
	"net/http"
	"net/url"
	"regexp"
	"strings"
	"sync"
	"testing"
	"time"

	volt "github.com/volt-ev/volt"
	"github.com/volt-ev/volt/payment/sandbox"
	"github.com/volt-ev/volt/store"
	"github.com/volt-ev/volt/store/storetest"
)

// TestGuestCheckout: a visitor pays by card without an account; a declined
// card is said in plain words; the hold is bound to the session that starts,
// which only this browser can follow.
func TestGuestCheckout(t *testing.T) {
	storetest.ForEachEngine(t, func(t *testing.T, db *store.DB) {
		var mu sync.Mutex
		var mails []string
		f := newFixture(t, db, func(c *Config) {
			c.SendMail = func(to, subject, body string) error {
				mu.Lock()
				defer mu.Unlock()
				mails = append(mails, to+"|"+subject+"|"+body)
				return nil
			}
		})
		c := f.client()
		page := "/app/c/" + f.charger
		form := func(card string) url.Values {
			return url.Values{"connector": {"1"}, "method": {"guest"}, "email": {"guest@example.com"}, "card": {card}}
		}
		res := c.post(page, page+"/start", url.Values{"connector": {"1"}, "method": {"guest"}, "email": {"not an address"}, "card": {sandbox.CardOK}})
		if res.status != http.StatusBadRequest || !strings.Contains(res.body, "e-mail address your receipt") {
			t.Errorf("bad e-mail: %d", res.status)
		}
		res = c.post(page, page+"/start", form(sandbox.CardDeclined))
		if res.status != http.StatusPaymentRequired || !strings.Contains(res.body, "Payment declined") || f.cmd.Last() != "" {
			t.Fatalf("declined card: %d, commander %q", res.status, f.cmd.Last())
		}
		res = c.post(page, page+"/start", form(sandbox.CardDown))
		if res.status != http.StatusServiceUnavailable || !strings.Contains(res.body, "Nothing was charged") {
			t.Errorf("provider down: %d", res.status)
		}
		res = c.post(page, page+"/start", form(sandbox.CardOK))
		if res.status != http.StatusSeeOther {
			t.Fatalf("guest start: %d %.400s", res.status, res.body)
		}
		tag := regexp.MustCompile(`"idTag":"([^"]+)"`).FindStringSubmatch(f.cmd.Last())[1]
		s := f.startSession(f.charger, 1, tag)
		if s.PaymentMethod != string(volt.PaymentGuest) {
			t.Errorf("session payment method %q, want guest (the hold on the connector)", s.PaymentMethod)
		}
		eventually(t, "wait page moves on", func() bool { return c.get(res.loc).loc == "/app/s/"+s.ID })
		if sp := c.get("/app/s/" + s.ID); sp.status != http.StatusOK || !strings.Contains(sp.body, "Stop charging") {
			t.Errorf("guest session page: %d", sp.status)
		}
		if other := f.client().get("/app/s/" + s.ID); other.status != http.StatusNotFound {
			t.Errorf("another browser sees the guest session: %d", other.status)
		}
		// The session link is e-mailed as the session starts (guest
		// continuity); it goes out on its own, so wait for it before the
		// stop rather than assume it beats a receipt sent a moment later.
		eventually(t, "session link e-mail", func() bool {
			mu.Lock()
			defer mu.Unlock()
			return len(mails) == 1 && strings.HasPrefix(mails[0], "guest@example.com|Spark Charge: your charging session has started|")
		})
		// The guest gets the receipt by e-mail when the CDR is written.
		stop, err := f.charging.StopTransaction(sysCtx(), volt.StopRequest{CPID: f.charger, TransactionID: s.TransactionID, MeterStop: 5000, At: s.StartedAt.Add(time.Hour)})
		must(t, err)
		f.bus.Publish(context.Background(), volt.Event{Type: volt.EventCDRCreated, CPID: f.charger, At: time.Now(), Data: stop.CDR})
		want := "Total incl. VAT: " + formatMoney(stop.CDR.TotalCost.InclVAT, "GBP")
		eventually(t, "receipt e-mail", func() bool {
			mu.Lock()
			defer mu.Unlock()
			return len(mails) == 2 && strings.HasPrefix(mails[0], "guest@example.com|Spark Charge: your charging session has started|") &&
				strings.HasPrefix(mails[1], "guest@example.com|Spark Charge: your charging receipt|") && strings.Contains(mails[1], want)
		})
		// Another checkout with the same e-mail in another browser does not
		// reveal this session.
		d := f.client()
		d.post(page, page+"/start", url.Values{"connector": {"2"}, "method": {"guest"}, "email": {"guest@example.com"}, "card": {sandbox.CardOK}})
		if res := d.get("/app/s/" + s.ID); res.status != http.StatusNotFound {
			t.Errorf("same e-mail in another browser sees the earlier session: %d", res.status)
		}
	})
}

// TestCreditTopUpAndStart: credit below the minimum is refused in words; a
// top-up by card credits the wallet once per form; then the start goes.
func TestCreditTopUpAndStart(t *testing.T) {
	f := newFixture(t, storetest.SQLite(t))
	u := f.driver("cara@example.com")
	c := f.client()
	c.host = "charge.spark.test"
	c.login(u.Email)
	page := "/app/c/" + f.charger
	res := c.post(page, page+"/start", url.Values{"connector": {"1"}, "method": {"credit"}})
	if res.status != http.StatusPaymentRequired || !strings.Contains(res.body, "Top up") {
		t.Fatalf("start on empty wallet: %d", res.status)
	}
	acc := c.get("/app/account").body
	key := regexp.MustCompile(`name="key" value="([0-9a-f]+)"`).FindStringSubmatch(acc)[1]
	if !strings.Contains(acc, "Up to £250.00 per top-up.") {
		t.Errorf("account page does not show the maximum top-up")
	}
	top := url.Values{"amount": {"20.00"}, "card": {sandbox.CardOK}, "key": {key}}
	// The first post only shows the amount and the card: nothing charged.
	if res = c.post("/app/account", "/app/account/topup", top); res.status != http.StatusOK ||
		!strings.Contains(res.body, `<strong id="confirm-amount">£20.00</strong>`) || !strings.Contains(res.body, "ending <strong>4242</strong>") {
		t.Fatalf("top-up confirmation: %d %.400s", res.status, res.body)
	}
	if acc = c.get("/app/account").body; !strings.Contains(acc, `<strong id="balance">£0.00</strong>`) {
		t.Fatalf("charged before confirmation: %s", regexp.MustCompile(`id="balance">[^<]*`).FindString(acc))
	}
	over := url.Values{"amount": {"100000000"}, "card": {sandbox.CardOK}, "key": {key}}
	for _, confirm := range []string{"", "yes"} { // refused at either step, naming the maximum
		over.Set("confirm", confirm)
		if res = c.post("/app/account", "/app/account/topup", over); res.status != http.StatusBadRequest || !strings.Contains(res.body, "at most 250.00 GBP") {
			t.Errorf("top-up over the maximum (confirm=%q): %d %.300s", confirm, res.status, res.body)
		}
	}
	top.Set("confirm", "yes")
	for range 2 { // a double submit charges once
		if res = c.post("/app/account", "/app/account/topup", top); res.status != http.StatusSeeOther {
			t.Fatalf("top up: %d %.400s", res.status, res.body)
		}
	}
	if acc = c.get("/app/account").body; !strings.Contains(acc, `<strong id="balance">£20.00</strong>`) {
		t.Errorf("balance after a top-up submitted twice: %s", regexp.MustCompile(`id="balance">[^<]*`).FindString(acc))
	}
	if res = c.post("/app/account", "/app/account/topup", url.Values{"amount": {"5"}, "card": {sandbox.CardDeclined}, "confirm": {"yes"}}); res.status != http.StatusPaymentRequired {
		t.Errorf("declined top-up: %d", res.status)
	}
	if cp := c.get(page).body; !strings.Contains(cp, "Credit (balance £20.00)") {
		t.Errorf("charger page does not offer credit with the balance")
	}
	if res = c.post(page, page+"/start", url.Values{"connector": {"1"}, "method": {"credit"}}); res.status != http.StatusSeeOther {
		t.Fatalf("start on credit: %d %.300s", res.status, res.body)
	}
	tag := regexp.MustCompile(`"idTag":"([^"]+)"`).FindStringSubmatch(f.cmd.Last())[1]
	s := f.startSession(f.charger, 1, tag)
	if s.PaymentMethod != "credit" {
		t.Errorf("payment method %q", s.PaymentMethod)
	}
	stop, err := f.charging.StopTransaction(sysCtx(), volt.StopRequest{CPID: f.charger, TransactionID: s.TransactionID, MeterStop: 3000, At: s.StartedAt.Add(10 * time.Minute)})
	must(t, err)
	pdf := c.get("/app/s/" + s.ID + "/receipt.pdf")
	if pdf.status != http.StatusOK || !strings.HasPrefix(pdf.body, "%PDF") {
		t.Errorf("PDF receipt: %d %.20q", pdf.status, pdf.body)
	}
	if f.client().get("/app/s/"+s.ID+"/receipt.pdf").status != http.StatusNotFound || stop.CDR == nil {
		t.Errorf("a stranger gets the PDF receipt")
	}
}
