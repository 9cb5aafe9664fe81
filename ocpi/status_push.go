package ocpi

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"math"
	"net/http"
	"net/url"
	"sync"
	"time"

	"github.com/volt-ev/volt"
)

// evsePatch is the body of a status PATCH of an EVSE (§8.2.1.4): only
// what changed, and last_updated, which OCPI requires.
type evsePatch struct {
	Status      string `json:"status"`
	LastUpdated string `json:"last_updated"`
}

// StatusFeedLease is how long a node's claim of a partner's status feed
// lasts (volt.OCPIStatusFeedStore): one node delivers to a partner; when
// it dies another takes the feed over after at most this long. A round
// starts no send in the last quarter of its claim, so a send in flight
// (bounded by the client's timeout) ends before another node may start.
const StatusFeedLease = 60 * time.Second

// StatusOverlap is how far behind its position a feed reads again each
// round: a status written (its position is the writing transaction's
// clock) but committed up to this late, or on a node whose clock is up
// to this far behind, is still found. What is read again and was already
// delivered is not sent again (statusFeed.sent).
const StatusOverlap = 3 * time.Second

// StatusLateWindow and StatusLateEvery bound what StatusOverlap misses: a
// status whose transaction committed later than the overlap after its
// stamp (a database stalled that long; the 50,000-charger cluster runs saw
// commits wait seconds). Every StatusLateEvery a feed's round reads this
// far behind its position instead, back to when this process took the
// feed (what came before is the previous holder's), and sends what differs
// from what the partner holds. A commit later than the window after its
// stamp is still missed until the EVSE changes again or a resync: no
// transaction of Volt's lives that long (charger calls end in seconds).
const (
	StatusLateWindow = 10 * time.Minute
	StatusLateEvery  = time.Minute
)

// statusFeed is what this process delivered to one partner while it
// holds the partner's feed.
type statusFeed struct {
	resync   int64             // the feed's resync generation this memory is of
	sent     map[string]string // "location/EVSE uid" → the status the partner holds
	first    int64             // the feed's position when this memory began
	lateAt   time.Time         // the last round that read StatusLateWindow behind
	attempts int               // failed rounds in a row
	nextAt   time.Time         // no round before (back-off)
	latency  time.Duration     // the partner's answers, a moving average
}

// statusPush is one PATCH owed to a partner.
type statusPush struct {
	key    string // location/EVSE uid
	status string
	push   *volt.OCPIPush
}

// FollowStatuses delivers EVSE status changes to the eMSP partners of the
// CPOs until ctx ends, one round (DeliverStatuses) every `every`: the
// changes of a round are coalesced (a partner gets the latest status of
// an EVSE, once). Nothing is written when a status changes beyond the
// OCPP handler's own write of the connector; the feeds read what changed
// since their position. Run it in its own goroutine, on every node: each
// partner's feed is delivered by one node at a time.
func (s *Server) FollowStatuses(ctx context.Context, every time.Duration) {
	t := time.NewTicker(every)
	defer t.Stop()
	defer func() {
		if fs, ok := s.Store.(volt.OCPIStatusFeedStore); ok {
			if err := fs.ReleaseOCPIStatusFeeds(context.WithoutCancel(ctx), s.pushHolder()); err != nil {
				s.logger().Warn("ocpi: release status feeds", "err", err)
			}
		}
	}()
	for {
		select {
		case <-ctx.Done():
			return
		case <-t.C:
			if _, err := s.DeliverStatuses(ctx); err != nil && ctx.Err() == nil {
				s.logger().Warn("ocpi status pushes", "err", err)
			}
		}
	}
}

// statusPartners returns the connected eMSP partners that take Locations
// pushes.
func (s *Server) statusPartners(ctx context.Context) ([]*volt.OCPIPartner, error) {
	ps, err := s.Store.ConnectedOCPIPartners(ctx, volt.OCPIRoleEMSP)
	if err != nil {
		return nil, fmt.Errorf("partners for status pushes: %w", err)
	}
	var out []*volt.OCPIPartner
	for _, p := range ps {
		if p.Endpoint("locations", "RECEIVER") != "" {
			out = append(out, p)
		}
	}
	return out, nil
}

// statusRound is what one round read, shared by its partners.
type statusRound struct {
	rows    []volt.OCPIConnectorState
	top     int64 // the highest position read
	groups  map[string]*volt.ChargerGroup
	parties map[string]*volt.OCPIParty
}

// readStatusRound reads the connectors changed since `since` and the
// groups and parties they need (reads only).
func (s *Server) readStatusRound(ctx context.Context, fs volt.OCPIStatusFeedStore, since int64, cpos map[string]bool) (*statusRound, error) {
	rows, err := fs.ChangedConnectors(ctx, since)
	if err != nil {
		return nil, err
	}
	r := &statusRound{rows: rows, top: since, groups: map[string]*volt.ChargerGroup{}, parties: map[string]*volt.OCPIParty{}}
	for _, c := range rows {
		r.top = max(r.top, c.Position)
		if !cpos[c.CPOID] {
			continue
		}
		if _, seen := r.groups[c.ChargerGroupID]; !seen {
			g, err := s.Hierarchy.FindChargerGroupByID(ctx, c.ChargerGroupID)
			if err != nil && volt.ErrorCode(err) != volt.ENOTFOUND {
				return nil, err
			}
			r.groups[c.ChargerGroupID] = g
		}
		if _, seen := r.parties[c.CPOID]; !seen {
			party, err := s.Store.OCPIPartyOf(ctx, c.CPOID)
			if err != nil && volt.ErrorCode(err) != volt.ENOTFOUND {
				return nil, err
			}
			r.parties[c.CPOID] = party
		}
	}
	return r, nil
}

// owed lists the PATCHes partner p is owed from the round: the connectors
// of its CPO changed after from (its position less the overlap), typed,
// of a group published to it, whose status differs from what it holds.
// Private groups, groups excluded from OCPI and groups not among the
// partner's (volt.OCPIPartner.Publishes) give nothing.
func (r *statusRound) owed(p *volt.OCPIPartner, from int64, sent map[string]string) ([]statusPush, error) {
	var out []statusPush
	for _, c := range r.rows {
		if c.Position <= from || c.CPOID != p.CPOID || c.ConnectorID < 1 || !c.Type.Valid() || !p.Publishes(r.groups[c.ChargerGroupID]) {
			continue
		}
		party := r.parties[c.CPOID]
		if party == nil {
			continue // no party of its own yet
		}
		uid := EVSEUID(c.CPID, c.ConnectorID)
		key := c.SiteID + "/" + uid
		status := EVSEStatus(c.Online, c.Status)
		if sent[key] == status {
			continue
		}
		at := c.StatusAt
		if at.IsZero() || (!c.Online && c.ChargerUpdatedAt.After(at)) {
			at = c.ChargerUpdatedAt
		}
		body, err := json.Marshal(evsePatch{Status: status, LastUpdated: DateTime(at)})
		if err != nil {
			return nil, err
		}
		path := "/" + url.PathEscape(party.CountryCode) + "/" + url.PathEscape(party.PartyID) + "/" + url.PathEscape(c.SiteID) + "/" + url.PathEscape(uid)
		out = append(out, statusPush{key: key, status: status, push: &volt.OCPIPush{PartnerID: p.ID, Module: "locations",
			ObjectID: key, Method: http.MethodPatch, URL: path, Body: body}})
	}
	return out, nil
}

// errNoStatusFeeds: the store keeps no status feeds.
var errNoStatusFeeds = errors.New("ocpi: the store keeps no status feeds (volt.OCPIStatusFeedStore)")

// DeliverStatuses runs one round of status pushes and returns how many
// PATCHes partners accepted. For every partner whose feed this process
// holds (claimed for StatusFeedLease) and that is not backing off, it
// reads the connectors changed since the feed's position, sends those
// whose status differs from what the partner last got (a slow partner
// holds up only itself: see sendStatuses and the lanes below), and once
// all are accepted moves the feed's position: one short write per
// partner and round, and only when something changed. A partner that
// fails stops its round and backs off (volt.OCPIPushBackoff); its
// position stays, so the next round after the back-off sends the latest
// status of everything changed since, whatever happened meanwhile.
func (s *Server) DeliverStatuses(ctx context.Context) (int, error) {
	ctx = system(ctx)
	fs, ok := s.Store.(volt.OCPIStatusFeedStore)
	if !ok {
		return 0, errNoStatusFeeds
	}
	s.statusMu.Lock()
	defer s.statusMu.Unlock()
	partners, err := s.statusPartners(ctx)
	if err != nil {
		return 0, err
	}
	byID := map[string]*volt.OCPIPartner{}
	ids := make([]string, 0, len(partners))
	for _, p := range partners {
		byID[p.ID] = p
		ids = append(ids, p.ID)
	}
	holder := s.pushHolder()
	now := s.now()
	feeds, err := fs.ClaimOCPIStatusFeeds(ctx, holder, ids, now, StatusFeedLease)
	if err != nil {
		return 0, err
	}
	if s.statusFeeds == nil {
		s.statusFeeds = map[string]*statusFeed{}
	}
	held := map[string]bool{}
	var due []volt.OCPIStatusFeed
	var froms []int64 // per due feed: the position its round reads after
	since := int64(math.MaxInt64)
	cpos := map[string]bool{}
	for _, f := range feeds {
		held[f.PartnerID] = true
		st := s.statusFeeds[f.PartnerID]
		if st == nil || st.resync != f.Resync { // new to this process, or resynced
			st = &statusFeed{resync: f.Resync, sent: map[string]string{}, first: f.Position, lateAt: now}
			s.statusFeeds[f.PartnerID] = st
		}
		if now.Before(st.nextAt) {
			continue
		}
		due = append(due, f)
		from := f.Position - StatusOverlap.Milliseconds()
		if now.Sub(st.lateAt) >= StatusLateEvery {
			st.lateAt = now
			from = min(from, max(f.Position-StatusLateWindow.Milliseconds(), st.first-StatusOverlap.Milliseconds()))
		}
		froms = append(froms, from)
		since = min(since, from)
		cpos[byID[f.PartnerID].CPOID] = true
	}
	for id := range s.statusFeeds {
		if !held[id] { // another node's now (or gone): what it sent is unknown here
			delete(s.statusFeeds, id)
		}
	}
	if len(due) == 0 {
		return 0, nil
	}
	round, err := s.readStatusRound(ctx, fs, max(since, 0), cpos)
	if err != nil {
		return 0, err
	}
	type result struct {
		sent  int
		err   error // the failure that stopped the partner's round
		whole bool  // every owed push was accepted
		feed  volt.OCPIStatusFeed
	}
	results := make([]result, len(due))
	// A partner answering slowly (or not yet measured) has a goroutine of
	// its own, so it holds up only itself; the quick ones (statusQuick)
	// share one, in turn: their sends are CPU, not waiting, and ten of
	// them at once only made a burst beside the OCPP handlers (issue 14:
	// the OCPP p99 with pushes).
	lanes := [][]int{nil} // lanes[0]: the quick partners
	for i, f := range due {
		if l := s.statusFeeds[f.PartnerID].latency; l > 0 && l < statusQuick {
			lanes[0] = append(lanes[0], i)
		} else {
			lanes = append(lanes, []int{i})
		}
	}
	var wg sync.WaitGroup
	for _, lane := range lanes {
		wg.Add(1)
		go func(lane []int) {
			defer wg.Done()
			for _, i := range lane {
				r, f := &results[i], due[i]
				r.feed = f
				r.sent, r.whole, r.err = s.sendStatuses(ctx, byID[f.PartnerID], s.statusFeeds[f.PartnerID], round, f, froms[i])
			}
		}(lane)
	}
	wg.Wait()
	total := 0
	for _, r := range results {
		total += r.sent
		id := r.feed.PartnerID
		st := s.statusFeeds[id]
		if r.err != nil {
			st.attempts++
			st.nextAt = s.now().Add(volt.OCPIPushBackoff(st.attempts))
			_ = s.Store.RecordOCPIError(ctx, id, r.err.Error())
			continue
		}
		if st.attempts > 0 {
			st.attempts, st.nextAt = 0, time.Time{}
			_ = s.Store.RecordOCPIError(ctx, id, "")
		}
		if !r.whole || round.top <= r.feed.Position {
			continue
		}
		ok, err := fs.AdvanceOCPIStatusFeed(ctx, holder, id, r.feed.Resync, round.top, s.now().Add(StatusFeedLease))
		if err != nil {
			return total, err
		}
		if !ok { // lost or resynced meanwhile: start again from the store's position
			delete(s.statusFeeds, id)
		}
	}
	return total, nil
}

// statusQuick is the answer time (moving average) under which a partner
// is quick: its sends share one goroutine with the other quick partners'.
// One that turns slow holds the others up for that round at most (its
// send ends at the client's timeout); its average then moves it to a
// goroutine of its own.
const statusQuick = 2 * time.Millisecond

// statusSendsMax bounds a partner's status PATCHes in flight at once.
const statusSendsMax = 8

// statusRoundBudget is how long a partner's sends of a round should take:
// when its answers are slow (a partner across the internet) enough sends
// run side by side (up to statusSendsMax) for its owed PATCHes to fit;
// when they are quick (the same data centre) one at a time, which keeps
// the round's CPU from coming in one burst beside the OCPP handlers. Each
// EVSE is at most once in a round and rounds follow one another, so an
// EVSE's statuses still reach the partner in order.
const statusRoundBudget = 250 * time.Millisecond

// sendStatuses sends partner p what it is owed from the round and says
// how many it accepted and whether it went through them all. A failure
// ends it (a partner down costs the requests in flight, one when it
// answers quickly), except an EVSE the partner refuses (refusedObject),
// which is skipped and recorded as the partner's last error.
func (s *Server) sendStatuses(ctx context.Context, p *volt.OCPIPartner, st *statusFeed, round *statusRound, f volt.OCPIStatusFeed, from int64) (int, bool, error) {
	owed, err := round.owed(p, from, st.sent)
	if err != nil {
		return 0, false, err
	}
	if len(owed) == 0 {
		return 0, true, nil
	}
	party := round.parties[p.CPOID]
	stopAt := f.Until.Add(-StatusFeedLease / 4)
	send := s.deliver
	if s.statusSend != nil {
		send = s.statusSend
	}
	workers := 1
	if st.latency > 0 {
		workers = int(time.Duration(len(owed))*st.latency/statusRoundBudget) + 1
	}
	workers = min(workers, statusSendsMax, len(owed))
	var (
		mu      sync.Mutex
		next    int
		sent    int
		stopped bool
		failed  error
		refused error
		wg      sync.WaitGroup
	)
	for range workers {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for {
				mu.Lock()
				if failed != nil || stopped || next == len(owed) {
					mu.Unlock()
					return
				}
				if s.now().After(stopAt) {
					stopped = true // the rest next round, if the claim is renewed
					mu.Unlock()
					return
				}
				o := owed[next]
				next++
				mu.Unlock()
				t0 := time.Now()
				err := send(ctx, party, p, o.push)
				d := time.Since(t0)
				mu.Lock()
				if st.latency == 0 {
					st.latency = d
				} else {
					st.latency += (d - st.latency) / 8
				}
				switch {
				case err == nil:
					sent++
					st.sent[o.key] = o.status
				case refusedObject(err):
					// One the partner does not hold (it has not pulled the
					// location yet): not sent again until its status changes
					// or a resync, and no reason to hold the others up.
					refused = err
					st.sent[o.key] = o.status
				case failed == nil:
					failed = err
				}
				mu.Unlock()
			}
		}()
	}
	wg.Wait()
	if refused != nil && failed == nil {
		_ = s.Store.RecordOCPIError(ctx, p.ID, refused.Error())
	}
	if failed != nil {
		return sent, false, failed
	}
	return sent, !stopped, nil
}

// ResyncStatuses sends every published EVSE's status again to every
// partner at their next round (their feeds back to position 0, and what
// this or another node remembers of what they hold forgotten): for a
// change of what is published, or a partner that lost its copy.
func (s *Server) ResyncStatuses(ctx context.Context) error {
	fs, ok := s.Store.(volt.OCPIStatusFeedStore)
	if !ok {
		return errNoStatusFeeds
	}
	return fs.ResyncOCPIStatusFeeds(system(ctx), nil)
}
