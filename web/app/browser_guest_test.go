package app

import (
	"fmt"
	"regexp"
	"strings"
	"sync"
	"testing"

	"github.com/chromedp/chromedp"

	"github.com/volt-ev/volt/payment/sandbox"
)

// mailbox keeps the e-mails the app sends.
type mailbox struct {
	mu    sync.Mutex
	mails []string // to|subject|body
}

func (m *mailbox) send(to, subject, body string) error {
	m.mu.Lock()
	defer m.mu.Unlock()
	m.mails = append(m.mails, to+"|"+subject+"|"+body)
	return nil
}

// find returns the first e-mail to addr whose subject holds sub, or "".
func (m *mailbox) find(addr, sub string) string {
	m.mu.Lock()
	defer m.mu.Unlock()
	for _, x := range m.mails {
		if to, rest, _ := strings.Cut(x, "|"); to == addr && strings.Contains(strings.SplitN(rest, "|", 2)[0], sub) {
			return x
		}
	}
	return ""
}

var linkRe = regexp.MustCompile(`http://\S+/app/s/\S+`)

// TestBrowserGuestContinuity (issue #11 item 9): a guest starts on their
// phone and gets an e-mail with a link back to the live session; the link
// opens the session on another device (another browser), which can follow
// and stop it; a tampered link and a bare session id show nothing; after
// the session the guest finds the receipt by e-mail and the card's last
// four digits.
func TestBrowserGuestContinuity(t *testing.T) {
	s := newStack(t)
	box := &mailbox{}
	s.f.app.cfg.SendMail = box.send
	cpo := s.f.cpo
	cpo.LegalName, cpo.LegalAddress, cpo.VATNumber = "Spark Networks Ltd", "1 Quay Street\nBristol BS1 4DJ", "GB123456789"
	must(t, s.f.hier.UpdateCPO(sysCtx(), cpo))
	spark := fmt.Sprintf(s.base, "charge.spark.test")
	const email = "roaming-guest@example.com"

	phone := newBrowser(t)
	phone.Run("open the charger", chromedp.Navigate(spark+"/app/c/"+s.f.charger), chromedp.WaitVisible(chromedp.CSS(`#start`)))
	phone.submit("pay as a guest and start",
		chromedp.SendKeys(chromedp.CSS(`#email`), email),
		chromedp.SendKeys(chromedp.CSS(`#card`), sandbox.CardOK),
		chromedp.Click(chromedp.CSS(`#start`)))
	phone.Run("session page", chromedp.WaitVisible(chromedp.CSS(`#live`)))
	sessionPath := value(phone, "session path", chromedp.Evaluate[string](`location.pathname`))

	eventually(t, "the session link e-mail", func() bool { return box.find(email, "your charging session has started") != "" })
	mail := box.find(email, "your charging session has started")
	link := linkRe.FindString(mail)
	if link == "" || !strings.Contains(link, sessionPath+"?k=") || !strings.HasPrefix(link, spark) {
		t.Fatalf("no link to %s on the brand's host in the e-mail:\n%s", sessionPath, mail)
	}

	laptop := newBrowser(t)
	laptop.Run("a bare session id shows nothing", chromedp.Navigate(spark+sessionPath), chromedp.WaitVisible(chromedp.CSS(`.error`)))
	if strings.Contains(value(laptop, "body", chromedp.Evaluate[string](`document.body.textContent`)), "Stop charging") {
		t.Fatal("another device opened the session by its id alone")
	}
	tampered := link[:len(link)-2] + map[bool]string{true: "AA", false: "BB"}[!strings.HasSuffix(link, "AA")]
	laptop.Run("a tampered link shows nothing", chromedp.Navigate(tampered), chromedp.WaitVisible(chromedp.CSS(`.error`)))
	if got := laptop.text("tampered", ".error"); !strings.Contains(got, "not valid or has expired") {
		t.Errorf("tampered link says %q", got)
	}
	laptop.Run("the e-mailed link opens it", chromedp.Navigate(link), chromedp.WaitVisible(chromedp.CSS(`#live`)))
	if p := value(laptop, "clean URL", chromedp.Evaluate[string](`location.pathname + location.search`)); p != sessionPath {
		t.Errorf("after the link the URL is %q, want %q without the token", p, sessionPath)
	}
	laptop.waitText("energy rises on the laptop", "#energy", func(s string) bool { return s != "" && s != "0.00 kWh" })
	laptop.checkPage("session opened by link")
	laptop.Run("stop from the laptop", chromedp.Click(chromedp.CSS(`#stop`)))
	phone.waitText("the phone sees it stop", "h1", func(s string) bool { return s == "Session finished" })
	laptop.waitText("session finished", "h1", func(s string) bool { return s == "Session finished" })
	laptop.Run("receipt ready", chromedp.WaitVisible(chromedp.CSS(`#receipt`)))
	total := strings.TrimPrefix(laptop.text("receipt button", "#receipt"), "Receipt: ")

	kiosk := newBrowser(t)
	kiosk.Run("Find a receipt", chromedp.Navigate(spark+"/app/receipts"), chromedp.WaitVisible(chromedp.CSS(`#r-find`)))
	kiosk.submit("find with the wrong card",
		chromedp.SendKeys(chromedp.CSS(`#r-email`), email), chromedp.SendKeys(chromedp.CSS(`#r-last4`), "1234"),
		chromedp.Click(chromedp.CSS(`#r-find`)))
	kiosk.Run("nothing found", chromedp.WaitVisible(chromedp.CSS(`#found-none`)))
	kiosk.checkPage("receipts, none found")
	kiosk.submit("find with e-mail and last 4", chromedp.SetValue(chromedp.CSS(`#r-last4`), "4242"), chromedp.Click(chromedp.CSS(`#r-find`)))
	kiosk.Run("found", chromedp.WaitVisible(chromedp.CSS(`#found a`)))
	if got := kiosk.text("found", "#found li"); !strings.Contains(got, "charger "+s.f.charger) || !strings.Contains(got, total) || !strings.Contains(got, "Visa ending 4242") {
		t.Errorf("found receipt %q, want charger %s, %s, Visa ending 4242", got, s.f.charger, total)
	}
	kiosk.checkPage("receipts found")
	kiosk.Run("open it", chromedp.Click(chromedp.CSS(`#found a`)), chromedp.WaitVisible(chromedp.CSS(`#total`)))
	if got := kiosk.text("total", "#total"); got != total {
		t.Errorf("receipt total %q, want %q", got, total)
	}

	// Issue #11 item 12: the receipt says who it is from, the card, and
	// the energy once; the e-mail has the lines and the link.
	if got := kiosk.text("issuer", "#issuer"); !strings.Contains(got, "Spark Networks Ltd") || !strings.Contains(got, "Bristol BS1 4DJ") || !strings.Contains(got, "VAT no. GB123456789") {
		t.Errorf("receipt issuer %q", got)
	}
	if got := kiosk.text("paid by", "#paid-by"); got != "Visa ending 4242" {
		t.Errorf("paid by %q", got)
	}
	table := kiosk.text("receipt table", "#receipt-table")
	if n := strings.Count(table, "kWh"); n != 1 {
		t.Errorf("the energy shows %d times on the receipt:\n%s", n, table)
	}
	kiosk.checkPage("receipt with issuer")
	eventually(t, "the receipt e-mail", func() bool { return box.find(email, "your charging receipt") != "" })
	rmail := box.find(email, "your charging receipt")
	for _, want := range []string{"Spark Networks Ltd", "VAT no. GB123456789", "Energy (", "Session fee (1 session): £0.50", "Total incl. VAT: " + total, "Paid by Visa ending 4242", "/receipt?k="} {
		if !strings.Contains(rmail, want) {
			t.Errorf("receipt e-mail lacks %q:\n%s", want, rmail)
		}
	}
	rlink := regexp.MustCompile(`http://\S+/receipt\?k=\S+`).FindString(rmail)
	other := newBrowser(t)
	other.Run("the e-mailed receipt link", chromedp.Navigate(rlink), chromedp.WaitVisible(chromedp.CSS(`#total`)))
	if got := other.text("total by e-mail link", "#total"); got != total {
		t.Errorf("receipt by e-mail link: total %q, want %q", got, total)
	}
}
