package app

import (
	"net/http"
	"strings"
	"sync"
	"testing"

	volt "github.com/volt-ev/volt"
	"github.com/volt-ev/volt/store"
	"github.com/volt-ev/volt/store/storetest"
)

// fakeLoad is load management's live allocation, set by the test.
type fakeLoad struct {
	mu sync.Mutex
	la map[string]*volt.LoadAllocation // by CPID
}

func (f *fakeLoad) SiteLoad(string) (*volt.SiteLoad, bool) { return nil, false }

func (f *fakeLoad) OutletLoad(cpid string, _ int) (*volt.LoadAllocation, bool) {
	f.mu.Lock()
	defer f.mu.Unlock()
	la, ok := f.la[cpid]
	return la, ok
}

// TestSessionSaysWhyLimitedOrQueued: the driver's session page says when
// the site's load management queues or limits the session (issue 15).
func TestSessionSaysWhyLimitedOrQueued(t *testing.T) {
	load := &fakeLoad{la: map[string]*volt.LoadAllocation{}}
	f := newFixture(t, storetest.SQLite(t), func(c *Config) { c.LoadStatus = load })
	u := f.driver("queued@example.com")
	must(t, f.users.CreateRFIDCard(sysCtx(), &volt.RFIDCard{UID: "QUEUECARD1", UserID: u.ID}))
	s := f.startSession(f.charger, 1, "QUEUECARD1")
	c := f.client()
	c.login(u.Email)
	if body := c.get("/app/s/" + s.ID).body; !strings.Contains(body, `id="load" class="note" hidden`) {
		t.Errorf("unmanaged session shows a load note")
	}
	load.mu.Lock()
	load.la[f.charger] = &volt.LoadAllocation{CPID: f.charger, ConnectorID: 1, SessionID: s.ID, Reason: "queued"}
	load.mu.Unlock()
	if body := c.get("/app/s/" + s.ID).body; !strings.Contains(body, "Queued: this site") || !strings.Contains(body, "waited longest") {
		t.Errorf("queued session page lacks why:\n%s", body)
	}
	load.mu.Lock()
	load.la[f.charger] = &volt.LoadAllocation{CPID: f.charger, ConnectorID: 1, SessionID: s.ID, Reason: "limited", CurrentA: 10}
	load.mu.Unlock()
	if body := c.get("/app/s/" + s.ID).body; !strings.Contains(body, "Limited to 10.0 A") {
		t.Errorf("limited session page lacks why")
	}
	// Another session's allocation on the same outlet says nothing here.
	load.mu.Lock()
	load.la[f.charger].SessionID = "ses_other"
	load.mu.Unlock()
	if body := c.get("/app/s/" + s.ID).body; strings.Contains(body, "Limited to") {
		t.Errorf("another session's limit shown")
	}
}

// TestSessionOffersChargeNow: a session held by its group's smart charging
// says why and offers "Charge now", which records the driver's override;
// another driver cannot press it.
func TestSessionOffersChargeNow(t *testing.T) {
	load := &fakeLoad{la: map[string]*volt.LoadAllocation{}}
	db := storetest.SQLite(t)
	smart := store.NewSmartChargingService(db)
	f := newFixture(t, db, func(c *Config) { c.LoadStatus = load; c.SmartCharging = smart })
	u := f.driver("held@example.com")
	must(t, f.users.CreateRFIDCard(sysCtx(), &volt.RFIDCard{UID: "HELDCARD1", UserID: u.ID}))
	s := f.startSession(f.charger, 1, "HELDCARD1")
	c := f.client()
	c.login(u.Email)
	if body := c.get("/app/s/" + s.ID).body; !strings.Contains(body, `id="charge-now" hidden`) {
		t.Errorf("a session not held offers charge now")
	}
	load.mu.Lock()
	load.la[f.charger] = &volt.LoadAllocation{CPID: f.charger, ConnectorID: 1, SessionID: s.ID, Reason: "offPeak"}
	load.mu.Unlock()
	body := c.get("/app/s/" + s.ID).body
	if !strings.Contains(body, "Waiting for off-peak hours") || !strings.Contains(body, `id="charge-now" >`) {
		t.Fatalf("held session page lacks why or the button:\n%s", body)
	}
	other := f.client()
	other.login(f.driver("other@example.com").Email)
	if res := other.post("/app/account", "/app/s/"+s.ID+"/charge-now", nil); res.status == http.StatusSeeOther {
		t.Errorf("another driver pressed charge now: %d", res.status)
	}
	if res := c.post("/app/s/"+s.ID, "/app/s/"+s.ID+"/charge-now", nil); res.status != http.StatusSeeOther {
		t.Fatalf("charge now: %d %s", res.status, res.body)
	}
	got, err := smart.ChargeNowOf(sysCtx(), []string{s.ID})
	must(t, err)
	if !got[s.ID] {
		t.Errorf("charge now not recorded")
	}
}
