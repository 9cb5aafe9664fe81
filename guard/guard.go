// Package guard stops sessions the platform must not let run on: a session
// paid from a wallet before the balance goes negative (volt.CreditGuard:
// it overdraws by at most one metering interval), and a session that
// reached the driver's limit (kWh or amount, set at start). It is driven by
// the gateway's AfterMeterValues hook and stops a session with
// RemoteStopTransaction through the ChargerCommander.
//
// The credit decision is taken in the hook, on the reading that would cross
// the balance, in the order the readings are recorded: a worker that falls
// behind under load could otherwise decide one reading late and let the
// session run an interval past the wallet. It costs one wallet read per
// reading of a session on credit (the money service answers every other
// session without I/O). The hook never waits for a charger call or a limit
// lookup: the driver's limits are checked by a worker with the session's
// newest reading (a burst of readings coalesces), and a stop goes out
// asynchronously, once per session, retried with backoff, and never twice
// concurrently.
package guard

import (
	"context"
	"log/slog"
	"sync"
	"time"

	volt "github.com/volt-ev/volt"
)

// Wallets decides whether a session on credit must stop now
// (volt.WalletService.GuardSession).
type Wallets interface {
	GuardSession(ctx context.Context, s *volt.Session, lastInterval int64) (bool, error)
}

// Limits finds a driver's limit on a session (volt.SessionLimits).
type Limits interface {
	FindSessionLimit(ctx context.Context, sessionID string) (*volt.SessionLimit, error)
}

// Config configures a Guard. Commander is required; Wallets and Limits may
// be nil (that check is then skipped).
type Config struct {
	Wallets   Wallets
	Limits    Limits
	Commander volt.ChargerCommander
	Logger    *slog.Logger
	// Retries is how many times a refused or failed stop is sent again
	// (default 5), RetryDelay the first wait, doubling (default 5 s).
	Retries    int
	RetryDelay time.Duration
	// CallTimeout bounds one RemoteStopTransaction (default 30 s).
	CallTimeout time.Duration
	// LimitRecheck is how long a session found without a limit is not
	// asked about again (default 30 s): most sessions have none, and the
	// question after every reading of every session was a database read
	// each. A limit set meanwhile applies from the first reading after.
	LimitRecheck time.Duration
}

// Guard checks sessions after each meter reading and stops those that must
// stop. Close ends its worker and waits for stops in flight.
type Guard struct {
	cfg    Config
	log    *slog.Logger
	ctx    context.Context
	cancel context.CancelFunc
	wake   chan struct{}
	wg     sync.WaitGroup

	mu       sync.Mutex
	pending  map[string]*volt.Session // newest reading not checked yet, by session id
	lastCost map[string]costAt        // live cost at the previous reading
	stopping map[string]string        // sessions a stop was sent for, with the reason
	pruned   time.Time                // last prune
}

// New starts a guard.
func New(cfg Config) *Guard {
	if cfg.Logger == nil {
		cfg.Logger = slog.New(slog.DiscardHandler)
	}
	if cfg.Retries <= 0 {
		cfg.Retries = 5
	}
	if cfg.RetryDelay <= 0 {
		cfg.RetryDelay = 5 * time.Second
	}
	if cfg.CallTimeout <= 0 {
		cfg.CallTimeout = 30 * time.Second
	}
	if cfg.LimitRecheck <= 0 {
		cfg.LimitRecheck = 30 * time.Second
	}
	ctx, cancel := context.WithCancel(volt.NewContextWithActor(context.Background(), volt.SystemActor))
	g := &Guard{cfg: cfg, log: cfg.Logger, ctx: ctx, cancel: cancel, wake: make(chan struct{}, 1),
		pending: map[string]*volt.Session{}, lastCost: map[string]costAt{}, stopping: map[string]string{}}
	g.wg.Add(1)
	go g.run()
	return g
}

// AfterMeterValues is the gateway hook: it decides on credit with this
// reading (a stop, if due, is sent in the background), notes the session's
// newest state for the limit worker and returns.
func (g *Guard) AfterMeterValues(_ context.Context, s *volt.Session) {
	if s == nil || s.ID == "" {
		return
	}
	g.mu.Lock()
	if s.Status != volt.SessionActive {
		delete(g.lastCost, s.ID)
		delete(g.stopping, s.ID)
		delete(g.pending, s.ID)
		g.mu.Unlock()
		return
	}
	_, done := g.stopping[s.ID]
	g.mu.Unlock()
	if done {
		return
	}
	if g.creditExhausted(s) {
		g.startStop(s, "credit exhausted")
		return
	}
	if g.cfg.Limits == nil {
		return
	}
	g.mu.Lock()
	if _, done := g.stopping[s.ID]; !done {
		g.pending[s.ID] = s
	}
	g.mu.Unlock()
	select {
	case g.wake <- struct{}{}:
	default:
	}
}

// creditExhausted records the session's live cost at this reading and asks
// the wallet whether the balance left could pay another interval like the
// last one (volt.CreditGuard).
func (g *Guard) creditExhausted(s *volt.Session) bool {
	var cost int64
	if s.LiveCost != nil {
		cost = s.LiveCost.InclVAT
	}
	g.mu.Lock()
	prev, seen := g.lastCost[s.ID]
	g.lastCost[s.ID] = costAt{cost: cost, at: time.Now(), noLimitUntil: prev.noLimitUntil}
	g.mu.Unlock()
	if g.cfg.Wallets == nil {
		return false
	}
	interval := int64(0)
	if seen {
		interval = max(cost-prev.cost, 0)
	}
	stop, err := g.cfg.Wallets.GuardSession(g.ctx, s, interval)
	if err != nil {
		if g.ctx.Err() == nil {
			g.log.Error("guard: credit check", "session", s.ID, "err", err)
		}
		return false
	}
	return stop
}

// Forget drops what the guard keeps of a session (it ended).
func (g *Guard) Forget(sessionID string) {
	g.mu.Lock()
	delete(g.lastCost, sessionID)
	delete(g.stopping, sessionID)
	delete(g.pending, sessionID)
	g.mu.Unlock()
}

// Close stops the worker and waits for stops in flight.
func (g *Guard) Close() error {
	g.cancel()
	g.wg.Wait()
	return nil
}

func (g *Guard) run() {
	defer g.wg.Done()
	for {
		select {
		case <-g.ctx.Done():
			return
		case <-g.wake:
		}
		for {
			s := g.next()
			if s == nil {
				break
			}
			g.check(s)
		}
		g.prune(time.Now())
	}
}

// costAt is a session's live cost at a reading, and when it was seen;
// noLimitUntil is when to ask again whether the session has a limit.
type costAt struct {
	cost         int64
	at           time.Time
	noLimitUntil time.Time
}

// forgetAfter is how long the guard keeps a session it hears nothing of:
// its stop (and the hook's inactive session) normally forgets it sooner.
const forgetAfter = 6 * time.Hour

// prune forgets sessions not seen for forgetAfter (their stop was missed).
func (g *Guard) prune(now time.Time) {
	g.mu.Lock()
	defer g.mu.Unlock()
	if now.Sub(g.pruned) < time.Minute {
		return
	}
	g.pruned = now
	for id, c := range g.lastCost {
		if now.Sub(c.at) > forgetAfter {
			delete(g.lastCost, id)
			delete(g.stopping, id)
		}
	}
}

// next takes one pending session, or nil.
func (g *Guard) next() *volt.Session {
	g.mu.Lock()
	defer g.mu.Unlock()
	for id, s := range g.pending {
		delete(g.pending, id)
		return s
	}
	return nil
}

// check decides on one session's newest reading and sends the stop.
func (g *Guard) check(s *volt.Session) {
	if reason := g.reason(s); reason != "" {
		g.startStop(s, reason)
	}
}

// startStop sends the stop for s in the background, unless one was sent.
func (g *Guard) startStop(s *volt.Session, reason string) {
	g.mu.Lock()
	if _, sent := g.stopping[s.ID]; sent {
		g.mu.Unlock()
		return
	}
	g.stopping[s.ID] = reason
	delete(g.pending, s.ID)
	g.mu.Unlock()
	g.wg.Add(1)
	go g.stop(s, reason)
}

// reason returns why s must stop now at the driver's limit, or "".
func (g *Guard) reason(s *volt.Session) string {
	now := time.Now()
	g.mu.Lock()
	prev := g.lastCost[s.ID]
	g.mu.Unlock()
	if g.cfg.Limits != nil && !now.Before(prev.noLimitUntil) {
		l, err := g.cfg.Limits.FindSessionLimit(g.ctx, s.ID)
		switch {
		case err == nil && l.Reached(s):
			return "driver's limit reached"
		case volt.IsCode(err, volt.ENOTFOUND):
			g.mu.Lock()
			if c, ok := g.lastCost[s.ID]; ok {
				c.noLimitUntil = now.Add(g.cfg.LimitRecheck)
				g.lastCost[s.ID] = c
			}
			g.mu.Unlock()
		case err != nil && g.ctx.Err() == nil: // not the guard shutting down
			g.log.Error("guard: session limit", "session", s.ID, "err", err)
		}
	}
	return ""
}

// stop sends RemoteStopTransaction, retrying a failure or a Rejected answer
// with backoff. Having given up, it lets a later reading try again.
func (g *Guard) stop(s *volt.Session, reason string) {
	defer g.wg.Done()
	delay := g.cfg.RetryDelay
	for try := 0; try <= g.cfg.Retries; try++ {
		if try > 0 {
			select {
			case <-g.ctx.Done():
				return
			case <-time.After(delay):
			}
			delay *= 2
		}
		ctx, cancel := context.WithTimeout(g.ctx, g.cfg.CallTimeout)
		raw, err := g.cfg.Commander.Call(ctx, s.CPID, "RemoteStopTransaction", map[string]any{"transactionId": s.TransactionID})
		cancel()
		if err == nil && accepted(raw) {
			g.log.Info("guard: session stopped", "session", s.ID, "cpid", s.CPID, "transactionId", s.TransactionID, "reason", reason)
			return
		}
		g.log.Warn("guard: stop not accepted", "session", s.ID, "cpid", s.CPID, "try", try+1, "reason", reason, "err", err, "answer", string(raw))
	}
	g.mu.Lock()
	delete(g.stopping, s.ID)
	g.mu.Unlock()
}
