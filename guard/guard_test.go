package guard

import (
	"context"
	"encoding/json"
	"sync"
	"testing"
	"time"

	volt "github.com/volt-ev/volt"
)

// wallet is a wallet with a balance, applying volt.CreditGuard like the
// money service does.
type wallet struct {
	mu        sync.Mutex
	balance   int64
	intervals []int64
}

func (w *wallet) GuardSession(_ context.Context, s *volt.Session, last int64) (bool, error) {
	w.mu.Lock()
	defer w.mu.Unlock()
	w.intervals = append(w.intervals, last)
	if s.PaymentMethod != "credit" || s.LiveCost == nil {
		return false, nil
	}
	return volt.CreditGuard(w.balance, s.LiveCost.InclVAT, last), nil
}

type limits map[string]*volt.SessionLimit

func (l limits) FindSessionLimit(_ context.Context, id string) (*volt.SessionLimit, error) {
	if x := l[id]; x != nil {
		return x, nil
	}
	return nil, volt.Errorf(volt.ENOTFOUND, "no limit")
}

// countedLimits counts the questions and lets a test set a limit later.
type countedLimits struct {
	mu    sync.Mutex
	asked int
	limit *volt.SessionLimit
}

func (l *countedLimits) FindSessionLimit(_ context.Context, id string) (*volt.SessionLimit, error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	l.asked++
	if l.limit != nil && l.limit.SessionID == id {
		return l.limit, nil
	}
	return nil, volt.Errorf(volt.ENOTFOUND, "no limit")
}

func (l *countedLimits) count() int {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.asked
}

// TestNoLimitNotAskedAgainUntilRecheck: a session found without a limit is
// not looked up on every reading, and a limit set later still stops it
// once the recheck time has passed.
func TestNoLimitNotAskedAgainUntilRecheck(t *testing.T) {
	cmd := &commander{answers: []string{"Accepted"}}
	lim := &countedLimits{}
	g := New(Config{Limits: lim, Commander: cmd, LimitRecheck: 300 * time.Millisecond})
	defer g.Close()
	for i := range 5 {
		g.AfterMeterValues(context.Background(), session("s5", int64(i*1000), 0))
		waitFor(t, "reading checked", func() bool { return lim.count() >= 1 })
		time.Sleep(10 * time.Millisecond)
	}
	if n := lim.count(); n != 1 {
		t.Fatalf("asked %d times for the limit within the recheck time, want 1", n)
	}
	lim.mu.Lock()
	lim.limit = &volt.SessionLimit{SessionID: "s5", EnergyWh: 5000}
	lim.mu.Unlock()
	time.Sleep(350 * time.Millisecond)
	g.AfterMeterValues(context.Background(), session("s5", 6000, 0))
	waitFor(t, "stop at a limit set later", func() bool { return cmd.count() == 1 })
	if n := lim.count(); n != 2 {
		t.Errorf("asked %d times, want 2", n)
	}
}

// commander answers RemoteStopTransaction with answers in turn (the last
// one repeats), counting calls.
type commander struct {
	mu      sync.Mutex
	calls   []map[string]any
	answers []string
	errs    []error
}

func (c *commander) Call(_ context.Context, cpid, action string, req any) (json.RawMessage, error) {
	c.mu.Lock()
	defer c.mu.Unlock()
	i := len(c.calls)
	c.calls = append(c.calls, req.(map[string]any))
	var err error
	if i < len(c.errs) {
		err = c.errs[i]
	}
	ans := c.answers[min(i, len(c.answers)-1)]
	return json.RawMessage(`{"status":"` + ans + `"}`), err
}

func (c *commander) count() int {
	c.mu.Lock()
	defer c.mu.Unlock()
	return len(c.calls)
}

func session(id string, wh, cost int64) *volt.Session {
	return &volt.Session{ID: id, CPID: "CP1", TransactionID: 42, Status: volt.SessionActive, PaymentMethod: "credit",
		EnergyWh: wh, LiveCost: &volt.Cost{Currency: "GBP", InclVAT: cost}}
}

func waitFor(t *testing.T, what string, cond func() bool) {
	t.Helper()
	deadline := time.Now().Add(5 * time.Second)
	for !cond() {
		if time.Now().After(deadline) {
			t.Fatalf("timed out waiting for %s", what)
		}
		time.Sleep(5 * time.Millisecond)
	}
}

// TestCreditStopsBeforeNegative drives readings of 100p each against a
// 1000p wallet: the stop is decided on the reading where the balance left
// could not pay for another interval, never after the cost passed the
// balance, and sent once.
func TestCreditStopsBeforeNegative(t *testing.T) {
	w := &wallet{balance: 1000}
	cmd := &commander{answers: []string{"Accepted"}}
	g := New(Config{Wallets: w, Commander: cmd})
	defer g.Close()
	var stoppedAt int64 = -1
	for cost := int64(0); cost <= 1200; cost += 100 {
		g.AfterMeterValues(context.Background(), session("s1", cost*10, cost))
		if g.stopReason("s1") != "" && stoppedAt < 0 {
			stoppedAt = cost
		}
	}
	// At 900 the 100 left pays one more interval of 100; at 1000 nothing is
	// left: stop. The charger stops within one interval, so the wallet
	// overdraws by at most one interval's cost.
	if stoppedAt != 1000 {
		t.Fatalf("stop decided at cost %d, want 1000 (the balance, reached exactly)", stoppedAt)
	}
	waitFor(t, "the stop sent", func() bool { return cmd.count() >= 1 })
	g.Close() // waits for stops in flight: a second one would be counted now
	if n := cmd.count(); n != 1 {
		t.Fatalf("RemoteStopTransaction sent %d times, want once", n)
	}
	if cmd.calls[0]["transactionId"] != int64(42) {
		t.Errorf("stop request %v", cmd.calls[0])
	}
}

// stuckLimits never answers until released: the limit worker is stuck, as
// a worker far behind under load would be.
type stuckLimits struct{ release chan struct{} }

func (b stuckLimits) FindSessionLimit(ctx context.Context, _ string) (*volt.SessionLimit, error) {
	select {
	case <-b.release:
	case <-ctx.Done():
	}
	return nil, volt.Errorf(volt.ENOTFOUND, "no limit")
}

// TestCreditStopNotLateUnderLoad: with the background worker far behind,
// the credit stop still goes out for the reading that reaches the balance,
// before the next reading arrives. When the decision waited for the worker,
// the session ran on past the wallet for as long as the worker lagged.
func TestCreditStopNotLateUnderLoad(t *testing.T) {
	w := &wallet{balance: 1000}
	cmd := &commander{answers: []string{"Accepted"}}
	stuck := stuckLimits{release: make(chan struct{})}
	g := New(Config{Wallets: w, Limits: stuck, Commander: cmd})
	defer g.Close()
	defer close(stuck.release)
	for cost := int64(0); cost <= 900; cost += 100 {
		g.AfterMeterValues(context.Background(), session("s6", cost*10, cost))
	}
	if n := cmd.count(); n != 0 {
		t.Fatalf("stopped with credit left (%d calls)", n)
	}
	g.AfterMeterValues(context.Background(), session("s6", 10000, 1000))
	waitFor(t, "the stop for the reading at the balance", func() bool { return cmd.count() == 1 })
}

// TestLimitStopsAtEnergy: a driver's kWh limit stops a card session too
// (no credit involved), at the first reading at or past it.
func TestLimitStopsAtEnergy(t *testing.T) {
	cmd := &commander{answers: []string{"Accepted"}}
	g := New(Config{Wallets: &wallet{balance: 1 << 40}, Limits: limits{"s2": {SessionID: "s2", EnergyWh: 5000}}, Commander: cmd})
	defer g.Close()
	for _, wh := range []int64{1000, 4999} {
		s := session("s2", wh, wh/10)
		s.PaymentMethod = "payg"
		g.AfterMeterValues(context.Background(), s)
	}
	time.Sleep(50 * time.Millisecond)
	if cmd.count() != 0 {
		t.Fatalf("stopped below the limit")
	}
	s := session("s2", 5000, 500)
	s.PaymentMethod = "payg"
	g.AfterMeterValues(context.Background(), s)
	waitFor(t, "stop at limit", func() bool { return cmd.count() == 1 })
}

// TestStopRetried: a failed call and a Rejected answer are retried; once
// accepted, nothing more is sent, even on later readings.
func TestStopRetried(t *testing.T) {
	cmd := &commander{answers: []string{"", "Rejected", "Accepted"}, errs: []error{volt.Errorf(volt.ETIMEOUT, "timeout")}}
	g := New(Config{Wallets: &wallet{balance: 100}, Commander: cmd, RetryDelay: time.Millisecond})
	defer g.Close()
	g.AfterMeterValues(context.Background(), session("s3", 1000, 100))
	waitFor(t, "three tries", func() bool { return cmd.count() == 3 })
	g.AfterMeterValues(context.Background(), session("s3", 1100, 110))
	time.Sleep(50 * time.Millisecond)
	if n := cmd.count(); n != 3 {
		t.Fatalf("calls %d, want 3 (stop accepted: no more)", n)
	}
}

// blockingCommander never answers until released.
type blockingCommander struct {
	release chan struct{}
	mu      sync.Mutex
	n       int
}

func (b *blockingCommander) Call(ctx context.Context, _, _ string, _ any) (json.RawMessage, error) {
	b.mu.Lock()
	b.n++
	b.mu.Unlock()
	select {
	case <-b.release:
	case <-ctx.Done():
	}
	return json.RawMessage(`{"status":"Accepted"}`), nil
}

// TestHookNeverBlocks: with the limit lookup and the charger calls stuck,
// readings of many sessions are still taken at once (the gateway's handler
// never waits for a charger or the limit worker).
func TestHookNeverBlocks(t *testing.T) {
	stuck := stuckLimits{release: make(chan struct{})}
	cmd := &blockingCommander{release: make(chan struct{})}
	g := New(Config{Wallets: &wallet{balance: 500}, Limits: stuck, Commander: cmd})
	done := make(chan struct{})
	go func() {
		for i := range 1000 {
			g.AfterMeterValues(context.Background(), session("s"+string(rune('a'+i%26))+string(rune('a'+i/26)), int64(i), int64(i)))
		}
		close(done)
	}()
	select {
	case <-done:
	case <-time.After(5 * time.Second):
		t.Fatal("AfterMeterValues blocked behind a slow limit check or charger call")
	}
	g.mu.Lock()
	n, stopping := len(g.pending), len(g.stopping)
	g.mu.Unlock()
	if n == 0 {
		t.Error("no session pending while the worker is stuck")
	}
	if stopping != 500 { // the sessions costing 500 or more
		t.Errorf("%d stops under way, want 500", stopping)
	}
	close(stuck.release)
	close(cmd.release)
	g.Close()
}

// TestEndedSessionForgotten: a reading of a completed session drops what
// the guard kept of it.
func TestEndedSessionForgotten(t *testing.T) {
	w := &wallet{balance: 1 << 40}
	g := New(Config{Wallets: w, Commander: &commander{answers: []string{"Accepted"}}})
	defer g.Close()
	g.AfterMeterValues(context.Background(), session("s4", 10, 1))
	waitFor(t, "checked", func() bool { w.mu.Lock(); defer w.mu.Unlock(); return len(w.intervals) == 1 })
	s := session("s4", 20, 2)
	s.Status = volt.SessionCompleted
	g.AfterMeterValues(context.Background(), s)
	g.mu.Lock()
	_, kept := g.lastCost["s4"]
	g.mu.Unlock()
	if kept {
		t.Fatal("completed session still tracked")
	}
}

// stopReason is why a stop was decided for the session, or "".
func (g *Guard) stopReason(id string) string {
	g.mu.Lock()
	defer g.mu.Unlock()
	return g.stopping[id]
}
