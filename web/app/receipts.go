package app

import (
	"net/http"
	"strings"
	"sync"
	"time"

	volt "github.com/volt-ev/volt"
)

// throttle allows each key (a client address) n tries in a window.
type throttle struct {
	mu    sync.Mutex
	tries map[string][]time.Time
}

// allow records a try of key at now and reports whether it is within n
// tries in the window.
func (t *throttle) allow(key string, now time.Time, n int, window time.Duration) bool {
	t.mu.Lock()
	defer t.mu.Unlock()
	if t.tries == nil || len(t.tries) > 10_000 {
		t.tries = map[string][]time.Time{}
	}
	kept := t.tries[key][:0]
	for _, at := range t.tries[key] {
		if now.Sub(at) < window {
			kept = append(kept, at)
		}
	}
	if len(kept) >= n {
		t.tries[key] = kept
		return false
	}
	t.tries[key] = append(kept, now)
	return true
}

// Lookups of receipts a browser may make, per client address.
const (
	findTries  = 10
	findWindow = 15 * time.Minute
)

type foundReceipt struct {
	When, Charger, Total, Card, Link string
}

type receiptsView struct {
	Email, Last4 string
	Searched     bool
	Found        []foundReceipt
}

// receiptsForm is "Find my receipt": a guest has no account, but has the
// e-mail given at checkout and the card.
func (a *App) receiptsForm(w http.ResponseWriter, r *http.Request, q *req) {
	a.render(w, q, http.StatusOK, "receipts", view{Title: "Find a receipt", Data: receiptsView{}})
}

// receiptsFind lists the guest sessions paid with that e-mail and card,
// each with a session link to its receipt. Tries are limited per client
// address, so the last four digits cannot be run through.
func (a *App) receiptsFind(w http.ResponseWriter, r *http.Request, q *req) {
	v := receiptsView{Email: strings.TrimSpace(r.PostFormValue("email")), Last4: strings.TrimSpace(r.PostFormValue("last4")), Searched: true}
	fail := func(status int, msg string) {
		v.Searched = false
		a.render(w, q, status, "receipts", view{Title: "Find a receipt", Error: msg, Data: v})
	}
	if !validLast4(v.Last4) {
		fail(http.StatusBadRequest, "Enter the last four digits of the card you paid with.")
		return
	}
	if !strings.Contains(v.Email, "@") {
		fail(http.StatusBadRequest, "Enter the e-mail address you gave when you paid.")
		return
	}
	finder, ok := a.cfg.Payments.(volt.GuestPaymentFinder)
	if !ok {
		fail(http.StatusServiceUnavailable, "Receipts cannot be looked up here: call the helpline.")
		return
	}
	if !a.finds.allow(a.clientAddr(r), a.now(), findTries, findWindow) {
		fail(http.StatusTooManyRequests, "Too many tries: wait a quarter of an hour, or call the helpline.")
		return
	}
	ps, err := finder.FindGuestPayments(a.sys, v.Email, v.Last4)
	if err != nil {
		a.failErr(w, r, q, err)
		return
	}
	for _, p := range ps {
		s, err := a.cfg.Charging.FindSessionByID(a.sys, p.SessionID)
		if err != nil {
			continue
		}
		fr := foundReceipt{When: s.StartedAt.Format("2 Jan 2006 15:04"), Charger: s.CPID,
			Card: strings.TrimSpace(volt.CardBrandLabel(p.CardBrand) + " ending " + p.CardLast4),
			Link: "/app/s/" + s.ID + "?" + linkParam + "=" + a.sessionToken(s.ID, a.now().Add(linkTTL))}
		if s.Status == volt.SessionActive {
			fr.Total = "Charging now"
		} else if c := a.cdrOf(s); c != nil && c.TotalCost != nil {
			fr.Total = formatMoney(c.TotalCost.InclVAT, c.TotalCost.Currency)
			fr.Link = "/app/s/" + s.ID + "/receipt?" + linkParam + "=" + a.sessionToken(s.ID, a.now().Add(linkTTL))
		} else {
			fr.Total = "Being priced"
		}
		v.Found = append(v.Found, fr)
	}
	a.render(w, q, http.StatusOK, "receipts", view{Title: "Find a receipt", Data: v})
}

func validLast4(s string) bool {
	if len(s) != 4 {
		return false
	}
	for _, c := range s {
		if c < '0' || c > '9' {
			return false
		}
	}
	return true
}
