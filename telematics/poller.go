package telematics

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"sync"
	"time"

	"github.com/volt-ev/volt"
)

// Poller reads the current state of every vehicle of an HTTP provider on a
// schedule and records it as a reading (issue 19): the history claims are
// checked against. A vehicle not authorised or a provider down is logged
// and kept in Status; the others are polled all the same.
type Poller struct {
	Provider *HTTP
	Fleet    volt.FleetService
	// Interval between polls (5 minutes by default).
	Interval time.Duration
	Log      *slog.Logger

	mu     sync.Mutex
	status map[string]PollStatus
}

// PollStatus is the last poll of one vehicle (its id at the provider).
type PollStatus struct {
	At    time.Time `json:"at"`
	Error string    `json:"error,omitempty"`
	// Waiting: the provider did not answer or the vehicle is not
	// authorised; claims of its sessions wait.
	Waiting bool `json:"waiting"`
}

// Status answers the last poll of each vehicle.
func (p *Poller) Status() map[string]PollStatus {
	p.mu.Lock()
	defer p.mu.Unlock()
	out := make(map[string]PollStatus, len(p.status))
	for k, v := range p.status {
		out[k] = v
	}
	return out
}

func (p *Poller) set(vid string, st PollStatus) {
	p.mu.Lock()
	defer p.mu.Unlock()
	if p.status == nil {
		p.status = map[string]PollStatus{}
	}
	p.status[vid] = st
}

// PollOnce polls each vehicle of the provider once (as the platform) and
// records the readings; it answers how many were stored and the joined
// errors of the vehicles that failed.
func (p *Poller) PollOnce(ctx context.Context) (int, error) {
	sys := volt.NewContextWithActor(ctx, volt.SystemActor)
	name := p.Provider.Name()
	var vids []string
	for page := (volt.Page{Limit: 100}); ; page.Offset += page.Limit {
		vs, total, err := p.Fleet.FindVehicles(sys, volt.FleetFilter{Page: page})
		if err != nil {
			return 0, fmt.Errorf("telematics poll %s: vehicles: %w", name, err)
		}
		for _, v := range vs {
			if v.Provider == name {
				vids = append(vids, v.ProviderVehicleID)
			}
		}
		if len(vs) == 0 || page.Offset+len(vs) >= total {
			break
		}
	}
	stored := 0
	var errs []error
	for _, vid := range vids {
		r, err := p.Provider.Poll(sys, vid) // the platform reads the tokens
		if err == nil {
			var n int
			n, err = p.Fleet.RecordTelematics(sys, name, vid, []volt.TelematicsReading{r})
			stored += n
		}
		st := PollStatus{At: p.Provider.now().UTC()}
		if err != nil {
			st.Error = err.Error()
			st.Waiting = errors.Is(err, ErrUnavailable) || errors.Is(err, ErrNotAuthorized)
			errs = append(errs, fmt.Errorf("vehicle %s: %w", vid, err))
		}
		p.set(vid, st)
	}
	return stored, errors.Join(errs...)
}

// Run polls every Interval until ctx ends.
func (p *Poller) Run(ctx context.Context) {
	every := p.Interval
	if every <= 0 {
		every = 5 * time.Minute
	}
	t := time.NewTicker(every)
	defer t.Stop()
	for {
		if n, err := p.PollOnce(ctx); err != nil && p.Log != nil {
			p.Log.Warn("telematics poll", "provider", p.Provider.Name(), "stored", n, "err", err)
		}
		select {
		case <-ctx.Done():
			return
		case <-t.C:
		}
	}
}
