package sim

import (
	"context"
	"crypto/tls"
	"errors"
	"log/slog"
	"math/rand/v2"
	"strings"
	"sync"
	"time"

	"github.com/volt-ev/volt/ocpp/v16"
)

// Credentials are a charger's OCPP identity and Basic auth password.
type Credentials struct {
	Identity string
	Password string
}

// FleetOptions shape the chargers of a fleet and the sessions on them.
type FleetOptions struct {
	// Connectors per charger (default 1).
	Connectors int
	// MeterInterval and Heartbeat: as in Config.
	MeterInterval, Heartbeat time.Duration
	// IDTags are the RFID cards drivers swipe, picked at random; empty means
	// one made-up tag per charger ("T" + identity).
	IDTags []string
	// SessionEvery is the mean idle time of a connector between sessions
	// (default 5 minutes); SessionLength the mean charging time (default 20
	// minutes). Both are drawn from exponential distributions.
	SessionEvery, SessionLength time.Duration
	// FirstSessionWithin, when set, starts every connector's first session
	// within this long of the start (uniformly) instead of within one
	// SessionEvery, so a demo shows charging at once. FirstSessionLength,
	// when set, is the length of connector 1's first session, so completed
	// (and priced) sessions appear early too.
	FirstSessionWithin, FirstSessionLength time.Duration
	// NoSessions leaves the connectors idle: chargers only boot, heartbeat
	// and answer commands.
	NoSessions bool
	// StartSpread starts the chargers spread over this duration rather than
	// all at once.
	StartSpread time.Duration
	// MinBackoff, MaxBackoff, CallTimeout: as in Config.
	MinBackoff, MaxBackoff, CallTimeout time.Duration
	// TLS is the client TLS configuration (root CAs) when the URL is
	// wss://: the chargers then connect on security profile 2 (TLS and
	// Basic auth), with a full handshake on every connection.
	TLS *tls.Config
	// Logger, OnEvent, OnCall, Clock: as in Config, shared by all chargers.
	Logger  *slog.Logger
	OnEvent func(Event)
	OnCall  func(CallStat)
	Clock   func() time.Time
}

// fleetSecurity is the TLS URL and security profile of a fleet's chargers:
// profile 2 on a wss:// URL, else profile 1.
func fleetSecurity(url string) (tlsURL string, profile int) {
	if strings.HasPrefix(url, "wss://") {
		return url, 2
	}
	return "", 1
}

// SessionShareTimes returns the SessionEvery that makes share (0..1) of the
// connectors charge at any time with sessions of mean length.
func SessionShareTimes(share float64, length time.Duration) (every time.Duration) {
	if share >= 1 {
		return time.Second
	}
	if share <= 0 {
		return 0
	}
	return time.Duration(float64(length) * (1 - share) / share)
}

// Fleet is a set of simulated chargers run together.
type Fleet struct {
	chargers []*Charger
	cancel   context.CancelFunc
	wg       sync.WaitGroup
}

// StartFleet starts one charger per credentials against url (see
// Config.URL) and, unless opts.NoSessions, drivers who now and then plug in,
// swipe one of opts.IDTags, charge for a while and stop. The fleet runs until
// ctx ends or Close is called.
func StartFleet(ctx context.Context, url string, creds []Credentials, opts FleetOptions) (*Fleet, error) {
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
	f := &Fleet{cancel: cancel}
	cards := newCardPool(opts.IDTags) // a card is in one car at a time
	for i, cr := range creds {
		tlsURL, profile := fleetSecurity(url)
		c := New(Config{
			URL: url, Identity: cr.Identity, Password: cr.Password, Connectors: opts.Connectors,
			MeterInterval: opts.MeterInterval, Heartbeat: opts.Heartbeat, Logger: opts.Logger,
			OnEvent: opts.OnEvent, OnCall: opts.OnCall, Clock: opts.Clock,
			MinBackoff: opts.MinBackoff, MaxBackoff: opts.MaxBackoff, CallTimeout: opts.CallTimeout,
			TLSURL: tlsURL, TLS: opts.TLS, SecurityProfile: profile,
		})
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
				drive(ctx, c, n, opts, cards)
			}()
		}
	}
	return f, nil
}

// Chargers returns the fleet's chargers.
func (f *Fleet) Chargers() []*Charger { return f.chargers }

// Online returns how many chargers are connected and booted.
func (f *Fleet) Online() int {
	n := 0
	for _, c := range f.chargers {
		if c.Online() {
			n++
		}
	}
	return n
}

// Charging returns how many connectors have a session.
func (f *Fleet) Charging() int {
	n := 0
	for _, c := range f.chargers {
		for i := 1; i <= c.cfg.Connectors; i++ {
			if c.Charging(i) {
				n++
			}
		}
	}
	return n
}

// Close stops every charger and waits for them.
func (f *Fleet) Close() {
	f.cancel()
	f.wg.Wait()
}

// expDuration draws from an exponential distribution of the given mean,
// kept within [mean/20, 5×mean].
func expDuration(mean time.Duration) time.Duration {
	d := time.Duration(rand.ExpFloat64() * float64(mean))
	return min(max(d, mean/20), 5*mean)
}

// drive plays the drivers of connector n: idle, plug, swipe, charge, stop,
// unplug, again.
func drive(ctx context.Context, c *Charger, n int, opts FleetOptions, cards *cardPool) {
	tag := func() string {
		if len(opts.IDTags) > 0 {
			return cards.take()
		}
		t := "T" + c.cfg.Identity
		if len(t) > 20 {
			t = t[len(t)-20:]
		}
		return t
	}
	// Spread the first sessions over one idle period.
	firstWithin := opts.SessionEvery
	if opts.FirstSessionWithin > 0 {
		firstWithin = opts.FirstSessionWithin
	}
	sleep(ctx, time.Duration(rand.Float64()*float64(firstWithin)))
	first := true
	for ctx.Err() == nil {
		if err := c.WaitFor(ctx, c.Online); err != nil {
			return
		}
		card := tag()
		if card == "" { // every driver's card is in a car already
			sleep(ctx, expDuration(opts.SessionEvery))
			continue
		}
		_ = c.Plug(n)
		if err := c.Swipe(ctx, n, card); err != nil {
			c.cfg.Logger.Debug("sim: session not started", "identity", c.cfg.Identity, "connector", n, "err", err)
			cards.put(card)
			sleep(ctx, time.Duration(rand.Float64()*float64(time.Second)))
			_ = c.Unplug(n)
			sleep(ctx, expDuration(opts.SessionEvery))
			continue
		}
		length := expDuration(opts.SessionLength)
		if first && n == 1 && opts.FirstSessionLength > 0 {
			length = opts.FirstSessionLength
		}
		first = false
		sleep(ctx, length)
		if ctx.Err() != nil {
			return
		}
		if rand.IntN(2) == 0 {
			_ = c.Stop(ctx, n, v16.ReasonLocal) // the driver swipes to stop, then unplugs
		}
		_ = c.Unplug(n)
		cards.put(card)
		sleep(ctx, expDuration(opts.SessionEvery))
	}
}

// cardPool hands the fleet's drivers their RFID cards so that a card is in
// one session at a time, as a real card is in one driver's pocket: the CSMS
// answers a second session of a card ConcurrentTx.
type cardPool struct {
	mu    sync.Mutex
	tags  []string
	inUse map[string]bool
}

func newCardPool(tags []string) *cardPool {
	return &cardPool{tags: tags, inUse: map[string]bool{}}
}

// take returns a random card not in use, or "" when every card is.
func (p *cardPool) take() string {
	p.mu.Lock()
	defer p.mu.Unlock()
	free := make([]string, 0, len(p.tags))
	for _, t := range p.tags {
		if !p.inUse[t] {
			free = append(free, t)
		}
	}
	if len(free) == 0 {
		return ""
	}
	t := free[rand.IntN(len(free))]
	p.inUse[t] = true
	return t
}

// put gives a card back.
func (p *cardPool) put(t string) {
	p.mu.Lock()
	defer p.mu.Unlock()
	delete(p.inUse, t)
}
