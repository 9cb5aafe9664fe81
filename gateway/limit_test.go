package gateway

import (
	"net/http"
	"strconv"
	"testing"
	"time"
)

func TestConnectionLimitRefusesCleanly(t *testing.T) {
	h := newHarness(t, func(c *Config) { c.MaxConnections = 2 })
	first := h.connect("CP-1", "secret-1")
	h.connect("CP-2", "secret-2")
	// CP-3 is unknown to the fake: a 401 would mean the request was
	// authenticated (a database read) before being refused.
	_, resp, err := h.dialRaw("CP-3", "secret-3", "ocpp1.6")
	if err == nil {
		t.Fatal("a third connection was upgraded past MaxConnections 2")
	}
	if resp == nil || resp.StatusCode != http.StatusServiceUnavailable {
		t.Fatalf("status %v, want 503", resp)
	}
	if s, _ := strconv.Atoi(resp.Header.Get("Retry-After")); s < 30 || s >= 90 {
		t.Errorf("Retry-After %q, want 30..89 s", resp.Header.Get("Retry-After"))
	}
	if got := h.g.Stats().RefusedFull; got != 1 {
		t.Errorf("RefusedFull = %d, want 1", got)
	}
	// A slot freed is a slot offered again.
	first.ws.Close()
	waitFor(t, "the first connection to end", func() bool { return !h.g.full() })
	h.connect("CP-1", "secret-1")
}

func TestDefaultConnectionLimitKeepsFilesInReserve(t *testing.T) {
	limit := openFileLimit()
	if limit <= FileReserve {
		t.Skipf("open-file limit %d unknown or too small", limit)
	}
	g := New(Config{Charging: newFake()})
	defer g.Shutdown(t.Context())
	if g.cfg.MaxConnections != limit-FileReserve {
		t.Fatalf("default MaxConnections %d, want %d (limit %d - reserve %d)", g.cfg.MaxConnections, limit-FileReserve, limit, FileReserve)
	}
	if g := New(Config{Charging: newFake(), MaxConnections: -1}); g.full() {
		t.Fatal("negative MaxConnections is not unlimited")
	} else {
		g.Shutdown(t.Context())
	}
}

func TestAdmitIsExactAtTheLimit(t *testing.T) {
	g := New(Config{Charging: newFake(), MaxConnections: 1})
	if r := g.admit(); r != "" {
		t.Fatalf("first connection refused: %s", r)
	}
	// Two requests that both passed the early check: only one slot.
	if r := g.admit(); r != refusedFull {
		t.Fatalf("second connection: %q, want %q", r, refusedFull)
	}
	g.track(-1)
	if err := g.Shutdown(t.Context()); err != nil {
		t.Fatal(err)
	}
	if r := g.admit(); r != "shutting down" {
		t.Fatalf("after Shutdown: %q", r)
	}
}

func TestAuthenticationQueueShedsBeforeReading(t *testing.T) {
	h := newHarness(t, func(c *Config) { c.MaxAuthenticating = 1; c.AuthQueueWait = 50 * time.Millisecond })
	hold := make(chan struct{})
	h.fake.mu.Lock()
	h.fake.authHold = hold
	h.fake.mu.Unlock()
	authCalls := func() int {
		h.fake.mu.Lock()
		defer h.fake.mu.Unlock()
		return h.fake.authCalls
	}
	first := make(chan error, 1)
	go func() {
		ws, _, err := h.dialRaw("CP-1", "secret-1", "ocpp1.6")
		if err == nil {
			ws.Close()
		}
		first <- err
	}()
	waitFor(t, "the first request to be authenticating", func() bool { return authCalls() == 1 })

	// The only place is taken: the second request is refused without a read.
	_, resp, err := h.dialRaw("CP-2", "secret-2", "ocpp1.6")
	if err == nil {
		t.Fatal("upgraded while the only place to authenticate was taken")
	}
	if resp == nil || resp.StatusCode != http.StatusServiceUnavailable {
		t.Fatalf("status %v, want 503", resp)
	}
	if s, _ := strconv.Atoi(resp.Header.Get("Retry-After")); s < 5 || s >= 30 {
		t.Errorf("Retry-After %q, want 5..29 s", resp.Header.Get("Retry-After"))
	}
	if got := authCalls(); got != 1 {
		t.Errorf("%d authentications begun, want 1: the refused request read the database", got)
	}
	if got := h.g.Stats().RefusedBusy; got != 1 {
		t.Errorf("RefusedBusy = %d, want 1", got)
	}

	// Its place given back, the next request authenticates.
	close(hold)
	if err := <-first; err != nil {
		t.Fatalf("the first request: %v", err)
	}
	h.connect("CP-2", "secret-2")
	if got := h.g.Stats().RefusedBusy; got != 1 {
		t.Errorf("RefusedBusy = %d after the place came free, want 1", got)
	}
}
