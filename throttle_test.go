package volt

import (
	"testing"
	"time"
)

func TestThrottleDelay(t *testing.T) {
	p := ThrottlePolicy{Free: 5, Base: time.Second, Max: 15 * time.Minute}
	for n, want := range map[int]time.Duration{0: 0, 5: 0, 6: time.Second, 7: 2 * time.Second, 10: 16 * time.Second,
		15: 512 * time.Second, 16: 15 * time.Minute, 1000: 15 * time.Minute} {
		if got := p.Delay(n); got != want {
			t.Errorf("Delay(%d) = %s, want %s", n, got, want)
		}
	}
	err := Throttled(1500*time.Millisecond, "sign-in attempts")
	if d, ok := RetryAfterOf(err); !ok || d != 2*time.Second || err.Message != "Too many sign-in attempts; try again in 2 seconds." {
		t.Errorf("throttled error %v %s", err, d)
	}
}
