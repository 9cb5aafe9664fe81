package gateway

import (
	"errors"
	"strings"
	"testing"
	"time"

	"github.com/gorilla/websocket"
)

// A connection taken over on another node is closed here without recording
// the charger offline (the other node recorded it online).
func TestReleaseClosesWithoutRecordingOffline(t *testing.T) {
	h := newHarness(t, nil)
	c := h.connect("CP-1", "secret-1")
	waitFor(t, "connected", func() bool { return h.g.Connected("000001") })
	if !h.g.Release("000001", "connected to another node") {
		t.Fatal("Release found no connection")
	}
	_ = c.ws.SetReadDeadline(time.Now().Add(5 * time.Second))
	_, _, err := c.ws.ReadMessage()
	var ce *websocket.CloseError
	if !errors.As(err, &ce) || !strings.Contains(ce.Text, "another node") {
		t.Fatalf("charger read %v, want a close naming another node", err)
	}
	waitFor(t, "torn down", func() bool { return h.g.Stats().Connections == 0 })
	if h.g.Connected("000001") {
		t.Fatal("still connected here")
	}
	h.fake.mu.Lock()
	online := append([]bool(nil), h.fake.online...)
	h.fake.mu.Unlock()
	if len(online) != 1 || !online[0] {
		t.Fatalf("RecordConnection sequence %v, want only the first [true]", online)
	}
	if h.g.Release("000001", "again") {
		t.Fatal("Release of a charger not connected here reported a connection")
	}
}

// Authentication outcomes are shared, and other nodes' failures count here.
func TestAuthOutcomesAreShared(t *testing.T) {
	h := newHarness(t, func(c *Config) { c.PairFailures = 2 })
	var seen []string
	h.g.ShareAuth(func(identity, remote string, ok bool) {
		seen = append(seen, identity+map[bool]string{true: " ok", false: " failed"}[ok])
	})
	if _, _, err := h.dialRaw("CP-1", "wrong", "ocpp1.6"); err == nil {
		t.Fatal("wrong password accepted")
	}
	if len(seen) != 1 || seen[0] != "CP-1 failed" {
		t.Fatalf("shared %v, want the failure", seen)
	}
	// Another node saw a failure of the same pair: the pair is now at its
	// limit here, so even the right password waits.
	h.g.RemoteAuth("CP-1", "127.0.0.1", false)
	if _, resp, err := h.dialRaw("CP-1", "secret-1", "ocpp1.6"); err == nil || resp == nil || resp.StatusCode != 429 {
		t.Fatalf("after a remote failure: %v %v, want 429", err, resp)
	}
}
