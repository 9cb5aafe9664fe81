package gateway

import (
	"testing"
)

// TestFrameLogRetriesFailedBatches: a batch the store fails (no database
// connection in time, a restart) is written again after a pause instead of
// being dropped, once each; a store that keeps failing costs the batch,
// counted in Stats.FrameLogDrops.
func TestFrameLogRetriesFailedBatches(t *testing.T) {
	h := newHarness(t, nil)
	h.fake.mu.Lock()
	h.fake.frameFailures = frameLogAttempts - 1
	h.fake.mu.Unlock()
	c := h.connect("CP-1", "secret-1")
	for range 3 {
		c.callOK("Heartbeat", struct{}{}, nil)
	}
	frames := func() int {
		h.fake.mu.Lock()
		defer h.fake.mu.Unlock()
		return len(h.fake.frames)
	}
	waitFor(t, "the heartbeats' frames", func() bool { return frames() >= 6 })
	h.fake.mu.Lock()
	left := h.fake.frameFailures
	h.fake.mu.Unlock()
	if left != 0 {
		t.Fatalf("%d failures left: the retry path did not run", left)
	}
	if n := frames(); n != 6 {
		t.Fatalf("%d frames stored, want 6 (3 calls, 3 answers), none twice", n)
	}
	if d := h.g.Stats().FrameLogDrops; d != 0 {
		t.Fatalf("%d frames dropped, want 0", d)
	}

	// A store that fails every attempt: the batch is dropped and counted.
	h.fake.mu.Lock()
	h.fake.frameFailures = 1000
	h.fake.mu.Unlock()
	c.callOK("Heartbeat", struct{}{}, nil)
	waitFor(t, "the dropped batch counted", func() bool { return h.g.Stats().FrameLogDrops >= 2 })
	h.fake.mu.Lock()
	h.fake.frameFailures = 0
	h.fake.mu.Unlock()
}
