package sim

import (
	"context"
	"errors"
	"math/rand/v2"
	"sync"
	"time"

	"github.com/volt-ev/volt/ocpp"
)

// Fleet2 is a set of simulated OCPP 2.0.1 or 2.1 stations run together.
type Fleet2 struct {
	chargers []*Charger2
	cancel   context.CancelFunc
	wg       sync.WaitGroup
}

// StartFleet2x starts one station of version per credentials against url,
// with drivers as in StartFleet: they plug in, swipe one of opts.IDTags,
// charge for a while, stop and unplug. It runs until ctx ends or Close.
func StartFleet2x(ctx context.Context, url string, version ocpp.Version, creds []Credentials, opts FleetOptions) (*Fleet2, error) {
	if url == "" {
		return nil, errors.New("sim: fleet: no URL")
	}
	if len(creds) == 0 {
		return nil, errors.New("sim: fleet: no chargers")
	}
	if opts.SessionEvery <= 0 {
		opts.SessionEvery = 5 * time.Minute
	}
	if opts.SessionLength <= 0 {
		opts.SessionLength = 20 * time.Minute
	}
	ctx, cancel := context.WithCancel(ctx)
	f := &Fleet2{cancel: cancel}
	for i, cr := range creds {
		tlsURL, profile := fleetSecurity(url)
		c := New2x(Config{
			URL: url, Identity: cr.Identity, Password: cr.Password, Connectors: opts.Connectors,
			TLSURL: tlsURL, TLS: opts.TLS, SecurityProfile: profile,
			MeterInterval: opts.MeterInterval, Heartbeat: opts.Heartbeat, Logger: opts.Logger,
			OnEvent: opts.OnEvent, OnCall: opts.OnCall, Clock: opts.Clock,
			MinBackoff: opts.MinBackoff, MaxBackoff: opts.MaxBackoff, CallTimeout: opts.CallTimeout,
			Model: "VoltSim " + string(version), // at most 20 characters (CiString20)
		}, version)
		f.chargers = append(f.chargers, c)
		var delay time.Duration
		if opts.StartSpread > 0 {
			delay = opts.StartSpread * time.Duration(i) / time.Duration(len(creds))
		}
		f.wg.Add(1)
		go func() {
			defer f.wg.Done()
			sleep(ctx, delay)
			if ctx.Err() == nil {
				_ = c.Run(ctx)
			}
		}()
		if opts.NoSessions {
			continue
		}
		for n := 1; n <= c.cfg.Connectors; n++ {
			f.wg.Add(1)
			go func() {
				defer f.wg.Done()
				drive2(ctx, c, n, opts)
			}()
		}
	}
	return f, nil
}

// Chargers returns the fleet's stations.
func (f *Fleet2) Chargers() []*Charger2 { return f.chargers }

// Close stops every station and waits for them.
func (f *Fleet2) Close() {
	f.cancel()
	f.wg.Wait()
}

// drive2 plays the drivers of EVSE n, as drive does for 1.6.
func drive2(ctx context.Context, c *Charger2, n int, opts FleetOptions) {
	tag := func() string {
		if len(opts.IDTags) > 0 {
			return opts.IDTags[rand.IntN(len(opts.IDTags))]
		}
		t := "T" + c.cfg.Identity
		if len(t) > 20 {
			t = t[len(t)-20:]
		}
		return t
	}
	sleep(ctx, time.Duration(rand.Float64()*float64(opts.SessionEvery)))
	for ctx.Err() == nil {
		if err := c.WaitFor(ctx, c.Online); err != nil {
			return
		}
		_ = c.Plug(n)
		// A card in use elsewhere (ConcurrentTx) is put back and another
		// tried, as a driver with several cards would.
		err := c.Swipe(ctx, n, tag())
		for i := 0; err != nil && errors.Is(err, ErrNotAuthorized) && i < len(opts.IDTags); i++ {
			err = c.Swipe(ctx, n, opts.IDTags[i])
		}
		if err != nil {
			c.cfg.Logger.Debug("sim: session not started", "identity", c.cfg.Identity, "evse", n, "err", err)
			_ = c.Unplug(n)
			sleep(ctx, expDuration(opts.SessionEvery))
			continue
		}
		sleep(ctx, expDuration(opts.SessionLength))
		if ctx.Err() != nil {
			return
		}
		if rand.IntN(2) == 0 {
			_ = c.Stop(ctx, n)
		}
		_ = c.Unplug(n)
		sleep(ctx, expDuration(opts.SessionEvery))
	}
}
