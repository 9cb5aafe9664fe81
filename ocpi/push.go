package ocpi

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"strings"
	"sync"
	"time"

	"github.com/volt-ev/volt"
)

// Enqueue queues a request owed to a partner: path is below the partner's
// module endpoint in the RECEIVER role ("" for the endpoint itself). The
// row stays until the partner accepts it, so a restart loses nothing; the
// caller (an OCPP handler's event) never waits on the partner.
func (s *Server) Enqueue(ctx context.Context, partnerID, module, objectID, method, path string, body any) error {
	return s.enqueueTo(ctx, partnerID, "", module, objectID, method, path, body)
}

// enqueueTo is Enqueue for the party to ("CC*PID") behind the partner (a
// hub routed the request the push answers); "" or the partner's own
// party: the partner.
func (s *Server) enqueueTo(ctx context.Context, partnerID, to, module, objectID, method, path string, body any) error {
	b, err := json.Marshal(body)
	if err != nil {
		return fmt.Errorf("encode %s %s: %w", module, objectID, err)
	}
	return s.Store.EnqueueOCPIPush(ctx, &volt.OCPIPush{PartnerID: partnerID, Module: module, ObjectID: objectID, Method: method, URL: path, Body: b, To: to})
}

// PushClaim is how long a node's claim of the pushes it is sending lasts
// (ClaimOCPIPushes): a node that dies mid-round leaves them to the others
// after it.
const PushClaim = 2 * time.Minute

// pushClaimer is a store that claims pushes for one sender at a time
// (store.OCPIService); without it every due push is read (one node).
type pushClaimer interface {
	ClaimOCPIPushes(ctx context.Context, holder string, now time.Time, lease time.Duration, limit int) ([]*volt.OCPIPush, error)
	ReleaseOCPIPushes(ctx context.Context, holder string) error
}

// pushHolders names each Server's claims: one per process in production
// (one Server), distinct for servers sharing a process (tests).
var pushHolders sync.Map // *Server → string

func (s *Server) pushHolder() string {
	if h, ok := pushHolders.Load(s); ok {
		return h.(string)
	}
	b := make([]byte, 8)
	_, _ = rand.Read(b)
	h, _ := pushHolders.LoadOrStore(s, "ocpi-"+hex.EncodeToString(b))
	return h.(string)
}

// DeliverDue sends the pushes due now, one at a time, and returns how
// many were accepted. A failed one is due again after OCPIPushBackoff; a
// partner suspended or without the module waits the same way, so
// nothing is dropped.
func (s *Server) DeliverDue(ctx context.Context, limit int) (int, error) {
	s.deliverMu.Lock()
	defer s.deliverMu.Unlock()
	// On many nodes each claims what it sends (a lease on the rows, whole
	// partners at a time), so two nodes never send the same push at once.
	var due []*volt.OCPIPush
	var err error
	var stopAt time.Time
	if c, ok := s.Store.(pushClaimer); ok {
		holder := s.pushHolder()
		claimedAt := s.now()
		due, err = c.ClaimOCPIPushes(ctx, holder, claimedAt, PushClaim, limit)
		// Nothing is started past half the claim: a send in flight (bounded
		// by the client's timeout) ends before another node may take over.
		stopAt = claimedAt.Add(PushClaim / 2)
		defer func() {
			if err := c.ReleaseOCPIPushes(context.WithoutCancel(ctx), holder); err != nil {
				s.logger().Warn("ocpi: release claimed pushes", "err", err)
			}
		}()
	} else {
		due, err = s.Store.DueOCPIPushes(ctx, s.now(), limit)
	}
	if err != nil {
		return 0, err
	}
	// One goroutine per partner, in order within a partner: a partner
	// answering slowly holds up only its own pushes.
	byPartner := map[string][]*volt.OCPIPush{}
	var order []string
	for _, p := range due {
		if _, ok := byPartner[p.PartnerID]; !ok {
			order = append(order, p.PartnerID)
		}
		byPartner[p.PartnerID] = append(byPartner[p.PartnerID], p)
	}
	// The sends run side by side; the queue's writes (delivered rows
	// removed, failed ones backed off) wait until all are back and go one
	// short statement after another from here, so that ten partners'
	// writes never queue up together ahead of an OCPP handler's write for
	// SQLite's one writer (issue 14: the OCPP p99 with pushes).
	results := make([]deliveryResult, len(order))
	var wg sync.WaitGroup
	for i, id := range order {
		wg.Add(1)
		go func(r *deliveryResult, pushes []*volt.OCPIPush) {
			defer wg.Done()
			*r = s.deliverAll(ctx, pushes, stopAt)
		}(&results[i], byPartner[id])
	}
	wg.Wait()
	var delivered []string
	for _, r := range results {
		delivered = append(delivered, r.delivered...)
	}
	// A crash before this sends them again: receivers are idempotent.
	if err := s.Store.DeleteOCPIPushes(ctx, delivered); err != nil {
		return 0, err
	}
	backoff, _ := s.Store.(pushBackoffer)
	for _, r := range results {
		for _, f := range r.failed {
			next := s.now().Add(volt.OCPIPushBackoff(f.push.Attempts + 1))
			var err error
			if backoff != nil {
				err = backoff.BackOffOCPIPush(ctx, f.push, f.err, next)
			} else {
				err = s.Store.FinishOCPIPush(ctx, f.push.ID, f.err, next)
			}
			if err != nil {
				return len(delivered), err
			}
		}
		if n := len(r.failed); n > 0 { // the partner's last error, once a round
			_ = s.Store.RecordOCPIError(ctx, r.failed[n-1].push.PartnerID, r.failed[n-1].err)
		}
	}
	return len(delivered), nil
}

// pushBackoffer is a store that backs off a failed push together with the
// coalesced push that replaced it in flight (store.OCPIService); without
// it the failed row alone is backed off.
type pushBackoffer interface {
	BackOffOCPIPush(ctx context.Context, p *volt.OCPIPush, errMsg string, next time.Time) error
}

// deliveryResult is what one partner's sends of a round came to.
type deliveryResult struct {
	delivered []string // ids
	failed    []failedPush
}

type failedPush struct {
	push *volt.OCPIPush
	err  string
}

// deliverAll sends one partner's due pushes in order, starting none after
// stopAt (unless zero), and says which were accepted and which failed; it
// writes nothing (DeliverDue does). The partner is read once.
func (s *Server) deliverAll(ctx context.Context, pushes []*volt.OCPIPush, stopAt time.Time) deliveryResult {
	var r deliveryResult
	if len(pushes) == 0 {
		return r
	}
	p, perr := s.Store.FindOCPIPartnerSystem(ctx, pushes[0].PartnerID)
	var party *volt.OCPIParty
	if perr == nil {
		if party, perr = s.Store.OCPIPartyOf(ctx, p.CPOID); perr != nil {
			party, perr = nil, nil // sent without the routing headers, as do does
		}
	}
	for _, push := range pushes {
		if !stopAt.IsZero() && s.now().After(stopAt) {
			break // left to the next round, claimed again
		}
		err := perr
		if err == nil {
			err = s.deliver(ctx, party, p, push)
		}
		if err != nil {
			r.failed = append(r.failed, failedPush{push: push, err: err.Error()})
			continue
		}
		r.delivered = append(r.delivered, push.ID)
	}
	return r
}

func (s *Server) deliver(ctx context.Context, party *volt.OCPIParty, p *volt.OCPIPartner, push *volt.OCPIPush) error {
	if p.Status != volt.OCPIConnected {
		return fmt.Errorf("partner %s is %s", p.Name, p.Status)
	}
	u := push.URL
	if !strings.HasPrefix(u, "http://") && !strings.HasPrefix(u, "https://") {
		base := p.Endpoint(push.Module, "RECEIVER")
		if base == "" {
			return fmt.Errorf("partner %s offers no %s receiver", p.Name, push.Module)
		}
		u = strings.TrimRight(base, "/") + u
	}
	var body any
	if len(push.Body) > 0 && string(push.Body) != "null" {
		body = push.Body
	}
	// A session or CDR of a token behind a hub is addressed to its party.
	cc, pid := pushAddressee(push)
	if push.To != "" {
		cc, pid, _ = strings.Cut(push.To, "*")
	}
	_, err := s.doAs(ctx, party, addressedTo(p, cc, pid), push.Method, u, p.TheirToken, body, nil)
	return err
}

// deliverBatch is how many due pushes one delivery round reads.
const deliverBatch = 500

// RunPushes queues roaming CDRs and sessions and drivers' token changes
// and delivers
// due pushes until ctx ends, every tick.
func (s *Server) RunPushes(ctx context.Context, tick <-chan struct{}) {
	for {
		select {
		case <-ctx.Done():
			return
		case <-tick:
			if _, err := s.SyncRoamingCDRs(ctx); err != nil && ctx.Err() == nil {
				s.logger().Warn("ocpi roaming cdrs", "err", err)
			}
			if _, err := s.SyncRoamingSessions(ctx); err != nil && ctx.Err() == nil {
				s.logger().Warn("ocpi roaming sessions", "err", err)
			}
			if _, err := s.SyncTokens(ctx); err != nil && ctx.Err() == nil {
				s.logger().Warn("ocpi tokens", "err", err)
			}
			// Rounds back to back while they come full (a burst of
			// status changes); failed pushes wait out their back-off.
			for {
				n, err := s.DeliverDue(ctx, deliverBatch)
				if err != nil && ctx.Err() == nil {
					s.logger().Warn("ocpi pushes", "err", err)
				}
				if err != nil || n < deliverBatch {
					break
				}
			}
		}
	}
}
