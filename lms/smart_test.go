package lms

import (
	"context"
	"errors"
	"sync"
	"testing"
	"time"

	"github.com/volt-ev/volt"
)

func utc(s string) time.Time {
	t, err := time.Parse(time.RFC3339, s)
	if err != nil {
		panic(err)
	}
	return t
}

// TestSmartHold checks the hold against hand-computed cases. Europe/London
// in 2026: BST from Sun 29 March 01:00 UTC to Sun 25 October 01:00 UTC.
func TestSmartHold(t *testing.T) {
	uk := func(mod func(*volt.SmartCharging)) *volt.SmartCharging {
		s := &volt.SmartCharging{OffPeakDefault: true, RandomDelayMaxS: 600, TimeZone: "Europe/London"}
		if mod != nil {
			mod(s)
		}
		if err := s.Validate(); err != nil {
			t.Fatal(err)
		}
		return s
	}
	every := func(from, to string, limit float64) func(*volt.SmartCharging) {
		return func(s *volt.SmartCharging) { s.PeakWindows = []volt.LoadWindow{{From: from, To: to, LimitA: limit}} }
	}
	noDelay := func(s *volt.SmartCharging) { s.RandomDelayMaxS = 0 }
	cases := []struct {
		name     string
		s        *volt.SmartCharging
		start    string
		seed     uint64
		override bool
		now      string
		want     Hold
	}{
		{"no setting", nil, "2026-03-30T07:30:00Z", 5, false, "2026-03-30T07:30:00Z", Hold{}},
		// seed 1000 % 601 = 399 s.
		{"delay running", uk(nil), "2026-03-29T12:00:00Z", 1000, false, "2026-03-29T12:06:38Z",
			Hold{Held: true, Reason: ReasonDelayed, Until: utc("2026-03-29T12:06:39Z")}},
		{"delay over (Sunday: no peak)", uk(nil), "2026-03-29T12:00:00Z", 1000, false, "2026-03-29T12:06:39Z", Hold{}},
		{"seed 600 waits the whole 600 s", uk(nil), "2026-03-29T12:00:00Z", 600, false, "2026-03-29T12:09:59Z",
			Hold{Held: true, Reason: ReasonDelayed, Until: utc("2026-03-29T12:10:00Z")}},
		{"seed 601 waits 0 s", uk(nil), "2026-03-29T12:00:00Z", 601, false, "2026-03-29T12:00:00Z", Hold{}},
		{"override lifts the delay", uk(nil), "2026-03-29T12:00:00Z", 1000, true, "2026-03-29T12:00:01Z", Hold{}},
		// Sat 28 March, GMT: no weekday peak.
		{"weekend morning", uk(noDelay), "2026-03-28T08:30:00Z", 0, false, "2026-03-28T08:30:00Z", Hold{}},
		// Fri 27 March, GMT: 08:00–11:00 local is 08:00–11:00 UTC.
		{"GMT morning peak", uk(noDelay), "2026-03-27T08:00:00Z", 0, false, "2026-03-27T08:00:00Z",
			Hold{Held: true, Reason: ReasonOffPeak, Until: utc("2026-03-27T11:00:00Z")}},
		{"GMT before the peak", uk(noDelay), "2026-03-27T07:30:00Z", 0, false, "2026-03-27T07:59:59Z", Hold{}},
		// Mon 30 March, BST: 08:00 local is 07:00 UTC, 11:00 is 10:00 UTC.
		{"first BST Monday, 07:30 UTC is 08:30 local", uk(noDelay), "2026-03-30T07:30:00Z", 0, false, "2026-03-30T07:30:00Z",
			Hold{Held: true, Reason: ReasonOffPeak, Until: utc("2026-03-30T10:00:00Z")}},
		{"first BST Monday, 10:30 UTC is after the peak", uk(noDelay), "2026-03-30T10:30:00Z", 0, false, "2026-03-30T10:30:00Z", Hold{}},
		{"evening peak BST", uk(noDelay), "2026-10-23T15:00:00Z", 0, false, "2026-10-23T15:00:00Z",
			Hold{Held: true, Reason: ReasonOffPeak, Until: utc("2026-10-23T21:00:00Z")}},
		// Mon 26 October, GMT again: 16:00 local is 16:00 UTC.
		{"first GMT Monday, 15:30 UTC is before the peak", uk(noDelay), "2026-10-26T15:30:00Z", 0, false, "2026-10-26T15:30:00Z", Hold{}},
		{"override lifts off-peak", uk(noDelay), "2026-10-26T17:00:00Z", 0, true, "2026-10-26T17:00:00Z", Hold{}},
		{"delay first, inside a peak", uk(nil), "2026-10-26T17:00:00Z", 1000, false, "2026-10-26T17:01:00Z",
			Hold{Held: true, Reason: ReasonDelayed, Until: utc("2026-10-26T17:06:39Z")}},
		{"then off-peak once the delay passed", uk(nil), "2026-10-26T17:00:00Z", 1000, false, "2026-10-26T17:06:39Z",
			Hold{Held: true, Reason: ReasonOffPeak, Until: utc("2026-10-26T22:00:00Z")}},
		// 29 March: 00:00–03:00 local is 00:00 GMT to 03:00 BST = 02:00 UTC.
		{"spring-forward night window", uk(func(s *volt.SmartCharging) { noDelay(s); every("00:00", "03:00", 0)(s) }),
			"2026-03-29T01:30:00Z", 0, false, "2026-03-29T01:30:00Z",
			Hold{Held: true, Reason: ReasonOffPeak, Until: utc("2026-03-29T02:00:00Z")}},
		{"spring-forward window over at 02:00 UTC", uk(func(s *volt.SmartCharging) { noDelay(s); every("00:00", "03:00", 0)(s) }),
			"2026-03-29T02:00:00Z", 0, false, "2026-03-29T02:00:00Z", Hold{}},
		// 25 October: 00:00 BST (23:00 UTC on the 24th) to 03:00 GMT = 03:00 UTC.
		{"fall-back night window, 4 hours long", uk(func(s *volt.SmartCharging) { noDelay(s); every("00:00", "03:00", 0)(s) }),
			"2026-10-24T23:00:00Z", 0, false, "2026-10-24T23:00:00Z",
			Hold{Held: true, Reason: ReasonOffPeak, Until: utc("2026-10-25T03:00:00Z")}},
		{"fall-back window still on at 02:30 UTC", uk(func(s *volt.SmartCharging) { noDelay(s); every("00:00", "03:00", 0)(s) }),
			"2026-10-25T02:30:00Z", 0, false, "2026-10-25T02:30:00Z",
			Hold{Held: true, Reason: ReasonOffPeak, Until: utc("2026-10-25T03:00:00Z")}},
		// Sat 24 Oct 22:00 BST (21:00 UTC) to Sun 02:00 GMT (02:00 UTC),
		// a Saturday window: Sunday 01:30 UTC is its morning part.
		{"overnight window across fall-back", uk(func(s *volt.SmartCharging) {
			noDelay(s)
			s.PeakWindows = []volt.LoadWindow{{From: "22:00", To: "02:00", Days: []int{6}, LimitA: 10}}
		}), "2026-10-25T01:30:00Z", 0, false, "2026-10-25T01:30:00Z",
			Hold{Held: true, LimitA: 10, Reason: ReasonOffPeak, Until: utc("2026-10-25T02:00:00Z")}},
		// Mon 30 March, BST: the morning peak ends at 10:00 UTC; a session
		// it held waits its own delay (399 s) after that.
		{"peak end is a start: delayed again", uk(nil), "2026-03-30T07:30:00Z", 1000, false, "2026-03-30T10:00:00Z",
			Hold{Held: true, Reason: ReasonDelayed, Until: utc("2026-03-30T10:06:39Z")}},
		{"peak end delay over", uk(nil), "2026-03-30T07:30:00Z", 1000, false, "2026-03-30T10:06:39Z", Hold{}},
		{"started after the peak: its own delay only", uk(nil), "2026-03-30T10:03:00Z", 1000, false, "2026-03-30T10:09:38Z",
			Hold{Held: true, Reason: ReasonDelayed, Until: utc("2026-03-30T10:09:39Z")}},
		{"started after the peak, delay over", uk(nil), "2026-03-30T10:03:00Z", 1000, false, "2026-03-30T10:09:39Z", Hold{}},
		{"off-peak off: windows ignored", uk(func(s *volt.SmartCharging) { noDelay(s); s.OffPeakDefault = false }),
			"2026-03-30T07:30:00Z", 0, false, "2026-03-30T07:30:00Z", Hold{}},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			got := SmartHold(c.s, utc(c.start), c.seed, c.override, utc(c.now))
			if got.Held != c.want.Held || got.LimitA != c.want.LimitA || got.Reason != c.want.Reason || !got.Until.Equal(c.want.Until) {
				t.Errorf("SmartHold = %+v, want %+v", got, c.want)
			}
		})
	}
}

func TestSmartChargingValidate(t *testing.T) {
	for _, c := range []struct {
		s     volt.SmartCharging
		field string
	}{
		{volt.SmartCharging{RandomDelayMaxS: 601}, "randomDelayMaxS"},
		{volt.SmartCharging{RandomDelayMaxS: -1}, "randomDelayMaxS"},
		{volt.SmartCharging{TimeZone: "Mars/Olympus"}, "timeZone"},
		{volt.SmartCharging{PeakWindows: []volt.LoadWindow{{From: "8:00x", To: "11:00"}}}, "peakWindows[0].from"},
		{volt.SmartCharging{PeakWindows: []volt.LoadWindow{{From: "08:00", To: "08:00"}}}, "peakWindows[0].to"},
		{volt.SmartCharging{PeakWindows: []volt.LoadWindow{{From: "08:00", To: "11:00", Days: []int{8}}}}, "peakWindows[0].days"},
		{volt.SmartCharging{PeakWindows: []volt.LoadWindow{{From: "08:00", To: "11:00", LimitA: 3}}}, "peakWindows[0].limitA"},
	} {
		err := c.s.Validate()
		var fe *volt.Error
		if !errors.As(err, &fe) || fe.Field != c.field {
			t.Errorf("Validate(%+v) = %v, want field %s", c.s, err, c.field)
		}
	}
	s := volt.SmartCharging{OffPeakDefault: true}
	if err := s.Validate(); err != nil || len(s.PeakWindows) != 2 || s.PeakWindows[1].From != "16:00" || len(s.PeakWindows[0].Days) != 5 {
		t.Errorf("defaults: %+v, %v", s, err)
	}
}

// fakeSmart is the smart charging settings and overrides the loop reads.
type fakeSmart struct {
	mu        sync.Mutex
	groups    map[string]*volt.SmartCharging
	chargeNow map[string]bool
}

func (f *fakeSmart) SmartChargingOfSite(context.Context, string) (map[string]*volt.SmartCharging, error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	return f.groups, nil
}

func (f *fakeSmart) ChargeNowOf(_ context.Context, ids []string) (map[string]bool, error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	out := map[string]bool{}
	for _, id := range ids {
		out[id] = f.chargeNow[id]
	}
	return out, nil
}

// TestLoopSmartCharging drives the loop with the fake clock through a
// group's randomised delay, a peak window, its end, the next peak and the
// driver's override: a held outlet is sent 0 A and its share goes to the
// other session.
func TestLoopSmartCharging(t *testing.T) {
	f := newLoop(t, staticSite(32))
	sc := &volt.SmartCharging{OffPeakDefault: true, RandomDelayMaxS: 600, TimeZone: "Europe/London"}
	if err := sc.Validate(); err != nil {
		t.Fatal(err)
	}
	smart := &fakeSmart{groups: map[string]*volt.SmartCharging{"g1": sc}, chargeNow: map[string]bool{}}
	f.m.cfg.SmartCharging = smart
	// Monday 7 December 2026, GMT: the morning peak ends at 11:00 UTC.
	f.clock.t = time.Date(2026, 12, 7, 10, 40, 0, 0, time.UTC)
	f.site.addCharger("000001", 1)
	f.site.chargers["000001"].ChargerGroupID = "g1"
	f.site.addCharger("000002", 1)
	held := f.site.start("000001", 1, f.clock.Now())
	held.ChargerGroupID = "g1"
	f.site.start("000002", 1, f.clock.Now())
	reason := func(want Reason) {
		t.Helper()
		la, ok := f.m.OutletLoad("000001", 1)
		if !ok || la.Reason != string(want) {
			t.Fatalf("000001/1 allocation %+v, want reason %s", la, want)
		}
	}
	f.step()
	f.want(t, "000001/1", 0)
	f.want(t, "000002/1", 32)
	reason(ReasonDelayed)

	// The delay (at most 600 s) is over, the peak is not.
	f.clock.Add(RandomDelay(600, SessionSeed(held.ID)) + time.Second)
	f.step()
	f.want(t, "000001/1", 0)
	reason(ReasonOffPeak)

	// The peak is over: the held session waits its delay again, then
	// charges.
	f.clock.t = time.Date(2026, 12, 7, 11, 0, 0, 0, time.UTC)
	f.step()
	f.want(t, "000001/1", 0)
	reason(ReasonDelayed)
	f.clock.Add(RandomDelay(600, SessionSeed(held.ID)))
	f.step()
	f.want(t, "000001/1", 16)
	f.want(t, "000002/1", 16)

	// The evening peak holds it again; the other takes the whole supply.
	f.clock.t = time.Date(2026, 12, 7, 16, 0, 0, 0, time.UTC)
	f.step()
	f.want(t, "000001/1", 0)
	f.want(t, "000002/1", 32)
	reason(ReasonOffPeak)

	// The driver presses "charge now".
	smart.mu.Lock()
	smart.chargeNow[held.ID] = true
	smart.mu.Unlock()
	f.clock.Add(10 * time.Second)
	f.step()
	f.want(t, "000001/1", 16)
	f.want(t, "000002/1", 16)
}
