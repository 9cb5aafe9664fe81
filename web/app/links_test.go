package app

import (
	"net/http"
	"sync"
	"testing"
	"time"

	"github.com/volt-ev/volt/store/storetest"
)

// TestSessionLinkExpires: a session link opens the session until it
// expires, and afterwards neither the link nor the grant it left works.
func TestSessionLinkExpires(t *testing.T) {
	var mu sync.Mutex
	now := time.Now()
	clock := func() time.Time { mu.Lock(); defer mu.Unlock(); return now }
	f := newFixture(t, storetest.SQLite(t), noPayments, func(c *Config) { c.Now = clock })
	s := f.startSession(f.charger, 1, "SOMEONE")
	link := f.app.SessionLink(s.ID)
	c := f.client()
	if res := c.get("/app/s/" + s.ID); res.status != http.StatusNotFound {
		t.Fatalf("the bare id opens the session: %d", res.status)
	}
	res := c.get(link)
	if res.status != http.StatusSeeOther || res.loc != "/app/s/"+s.ID {
		t.Fatalf("link: %d to %q", res.status, res.loc)
	}
	if res := c.get("/app/s/" + s.ID); res.status != http.StatusOK {
		t.Fatalf("after the link: %d", res.status)
	}
	mu.Lock()
	now = now.Add(linkTTL + time.Minute)
	mu.Unlock()
	if res := c.get("/app/s/" + s.ID); res.status != http.StatusNotFound {
		t.Errorf("the grant outlived the link: %d", res.status)
	}
	if res := f.client().get(link); res.status != http.StatusNotFound {
		t.Errorf("an expired link: %d", res.status)
	}
	other := f.startSession(f.charger, 2, "OTHER")
	if res := f.client().get("/app/s/" + other.ID + "?k=" + link[len("/app/s/"+s.ID+"?k="):]); res.status != http.StatusNotFound {
		t.Errorf("one session's token opens another: %d", res.status)
	}
}
