package telematics_test

import (
	"context"
	"testing"
	"time"

	"github.com/volt-ev/volt/telematics"
)

func TestSignVerify(t *testing.T) {
	body := []byte(`{"vehicleId":"v"}`)
	sig := telematics.Sign("s3cret", body)
	if !telematics.Verify("s3cret", body, sig) {
		t.Fatal("own signature refused")
	}
	for name, c := range map[string]struct {
		secret string
		body   []byte
		sig    string
	}{
		"other secret": {"other", body, sig}, "other body": {"s3cret", []byte(`{"vehicleId":"w"}`), sig},
		"no prefix": {"s3cret", body, sig[len("sha256="):]}, "empty secret": {"", body, telematics.Sign("", body)},
	} {
		if telematics.Verify(c.secret, c.body, c.sig) {
			t.Errorf("%s verified", name)
		}
	}
}

// TestSandboxTimeline: a simulated car parks, charges (its SoC rising
// linearly), then drives away (odometer and position moving); a sandbox set
// down answers an error.
func TestSandboxTimeline(t *testing.T) {
	s := telematics.NewSandbox()
	t0 := time.Date(2026, 3, 1, 20, 0, 0, 0, time.UTC)
	s.AddVehicle("car", t0, 51.5, -0.12, 200, 1_000_000)
	if err := s.Charge("car", t0.Add(time.Hour), t0.Add(2*time.Hour), 60_000, 12_000); err != nil {
		t.Fatal(err)
	}
	if err := s.Drive("car", t0.Add(3*time.Hour), t0.Add(4*time.Hour), 51.6, -0.12, 20, 50); err != nil {
		t.Fatal(err)
	}
	if err := s.Charge("car", t0, t0.Add(time.Hour), 60_000, 1); err == nil {
		t.Error("a charge before the last keyframe accepted")
	}
	rs, err := s.Readings(context.Background(), "car", t0, t0.Add(5*time.Hour))
	if err != nil || len(rs) != 61 {
		t.Fatalf("readings: %d, %v", len(rs), err)
	}
	at := func(d time.Duration) int { return int(d / (5 * time.Minute)) }
	if r := rs[at(90*time.Minute)]; r.SoCPermille != 300 || !r.Charging || r.Latitude != 51.5 {
		t.Errorf("half-way through the charge: %+v", r)
	}
	if r := rs[at(150*time.Minute)]; r.SoCPermille != 400 || r.Charging {
		t.Errorf("after the charge: %+v", r)
	}
	if r := rs[at(210*time.Minute)]; r.OdometerM != 1_010_000 || r.Latitude <= 51.5 || r.Latitude >= 51.6 {
		t.Errorf("half-way through the drive: %+v", r)
	}
	if r := rs[len(rs)-1]; r.SoCPermille != 350 || r.Latitude != 51.6 || r.OdometerM != 1_020_000 {
		t.Errorf("parked away: %+v", r)
	}
	if _, err := s.Readings(context.Background(), "nope", t0, t0.Add(time.Hour)); err == nil {
		t.Error("unknown vehicle answered")
	}
	s.SetDown(true)
	if _, err := s.Readings(context.Background(), "car", t0, t0.Add(time.Hour)); err != telematics.ErrProviderDown {
		t.Errorf("down: %v", err)
	}
}
