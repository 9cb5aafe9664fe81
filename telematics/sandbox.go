// Package telematics holds the telematics providers (issue 19): the sandbox
// with simulated vehicles for the demo and tests, and the signed webhook
// format providers push readings in.
package telematics

import (
	"context"
	"crypto/hmac"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"sort"
	"strings"
	"sync"
	"time"

	"github.com/volt-ev/volt"
)

// Sandbox is a telematics provider of simulated vehicles: each follows a
// timeline of keyframes (parked, driving, charging) and reports a reading
// every Step between them, interpolated.
type Sandbox struct {
	// Step is the sampling interval of Readings (5 minutes by default).
	Step time.Duration

	mu       sync.Mutex
	vehicles map[string][]keyframe
	down     bool
}

// keyframe is a vehicle's state at a time; charging applies from it to the
// next keyframe, and the position is interpolated only when driving.
type keyframe struct {
	at       time.Time
	odoM     int64
	socPm    int
	lat, lon float64
	charging bool
}

var _ volt.TelematicsProvider = (*Sandbox)(nil)

// ErrProviderDown is what a sandbox set down answers.
var ErrProviderDown = errors.New("telematics sandbox: provider unavailable")

// NewSandbox returns an empty sandbox.
func NewSandbox() *Sandbox { return &Sandbox{Step: 5 * time.Minute, vehicles: map[string][]keyframe{}} }

// Name is "sandbox".
func (s *Sandbox) Name() string { return "sandbox" }

// AddVehicle parks a simulated vehicle id at (lat, lon) from at with
// socPermille and an odometer of odoM.
func (s *Sandbox) AddVehicle(id string, at time.Time, lat, lon float64, socPermille int, odoM int64) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.vehicles[id] = []keyframe{{at: at, odoM: odoM, socPm: socPermille, lat: lat, lon: lon}}
}

func (s *Sandbox) last(id string) (keyframe, error) {
	kf := s.vehicles[id]
	if len(kf) == 0 {
		return keyframe{}, fmt.Errorf("telematics sandbox: unknown vehicle %q", id)
	}
	return kf[len(kf)-1], nil
}

// Drive moves the vehicle from its last keyframe (parked until from) to
// (lat, lon) arriving at to, covering km and using socPermille of charge.
func (s *Sandbox) Drive(id string, from, to time.Time, lat, lon float64, km float64, socUsedPermille int) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	k, err := s.last(id)
	if err != nil {
		return err
	}
	if from.Before(k.at) || !to.After(from) {
		return fmt.Errorf("telematics sandbox: drive %s from %s to %s out of order", id, from, to)
	}
	parked := k
	parked.at, parked.charging = from, false
	arrived := keyframe{at: to, odoM: k.odoM + int64(km*1000), socPm: max(0, k.socPm-socUsedPermille), lat: lat, lon: lon}
	s.vehicles[id] = append(s.vehicles[id], parked, arrived)
	return nil
}

// Charge charges the parked vehicle from from to to, its battery of
// batteryWh gaining gainedWh (capped at full).
func (s *Sandbox) Charge(id string, from, to time.Time, batteryWh, gainedWh int64) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	k, err := s.last(id)
	if err != nil {
		return err
	}
	if from.Before(k.at) || !to.After(from) || batteryWh <= 0 {
		return fmt.Errorf("telematics sandbox: charge %s from %s to %s out of order", id, from, to)
	}
	start := k
	start.at, start.charging = from, true
	end := k
	end.at, end.charging = to, false
	end.socPm = min(1000, k.socPm+int(gainedWh*1000/batteryWh))
	s.vehicles[id] = append(s.vehicles[id], start, end)
	return nil
}

// SetDown makes Readings fail (the provider is down) or answer again.
func (s *Sandbox) SetDown(down bool) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.down = down
}

// Readings samples the vehicle every Step from from to to (both included
// when on the grid), from its first keyframe on.
func (s *Sandbox) Readings(ctx context.Context, id string, from, to time.Time) ([]volt.TelematicsReading, error) {
	if err := ctx.Err(); err != nil {
		return nil, err
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.down {
		return nil, ErrProviderDown
	}
	kf := s.vehicles[id]
	if len(kf) == 0 {
		return nil, fmt.Errorf("telematics sandbox: unknown vehicle %q", id)
	}
	step := s.Step
	if step <= 0 {
		step = 5 * time.Minute
	}
	var out []volt.TelematicsReading
	for t := from.Truncate(step); !t.After(to); t = t.Add(step) {
		if t.Before(from) || t.Before(kf[0].at) {
			continue
		}
		out = append(out, stateAt(kf, t))
	}
	return out, nil
}

func stateAt(kf []keyframe, t time.Time) volt.TelematicsReading {
	i := sort.Search(len(kf), func(i int) bool { return kf[i].at.After(t) }) - 1
	a := kf[i]
	r := volt.TelematicsReading{At: t, OdometerM: a.odoM, SoCPermille: a.socPm, Latitude: a.lat, Longitude: a.lon, Charging: a.charging}
	if i+1 >= len(kf) {
		r.Charging = false
		return r
	}
	b := kf[i+1]
	span := b.at.Sub(a.at)
	if span <= 0 {
		return r
	}
	f := float64(t.Sub(a.at)) / float64(span)
	r.OdometerM = a.odoM + int64(f*float64(b.odoM-a.odoM))
	r.SoCPermille = a.socPm + int(f*float64(b.socPm-a.socPm))
	r.Latitude, r.Longitude = a.lat+f*(b.lat-a.lat), a.lon+f*(b.lon-a.lon)
	return r
}

// WebhookPayload is the body a provider posts to
// /api/v1/telematics/webhook: readings of one vehicle (its id at the
// provider).
type WebhookPayload struct {
	Provider  string                   `json:"provider"`
	VehicleID string                   `json:"vehicleId"`
	Readings  []volt.TelematicsReading `json:"readings"`
}

// SignatureHeader carries the webhook signature: "sha256=" and the hex
// HMAC-SHA256 of the raw body under the provider's shared secret.
const SignatureHeader = "X-Telematics-Signature"

// Sign returns the SignatureHeader value of body under secret.
func Sign(secret string, body []byte) string {
	m := hmac.New(sha256.New, []byte(secret))
	m.Write(body)
	return "sha256=" + hex.EncodeToString(m.Sum(nil))
}

// Verify reports whether sig is body's signature under secret (constant
// time); an empty secret verifies nothing.
func Verify(secret string, body []byte, sig string) bool {
	if secret == "" || !strings.HasPrefix(sig, "sha256=") {
		return false
	}
	return hmac.Equal([]byte(Sign(secret, body)), []byte(sig))
}
