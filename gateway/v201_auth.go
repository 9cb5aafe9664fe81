package gateway

import (
	"context"
	"strconv"
	"sync"
	"time"

	volt "github.com/volt-ev/volt"
	"github.com/volt-ev/volt/ocpp/v201"
)

// Tokens, sequence numbers and lost Ended events of OCPP 2.x transactions
// (issue #13):
//
//   - every idToken Volt decides is announced as authorization.decided, as
//     on 1.6 (a remote start with ?wait=session learns why no session
//     started; the app shows it);
//   - a token presented in a later TransactionEvent of a transaction that
//     started without one (E03, cable first) becomes the session's token;
//   - seqNo gaps of a transaction are logged (E01: the CSMS can tell lost
//     events);
//   - a session whose EVSE reported Available while Volt waits for its Ended
//     is closed after Config.EndedTimeout if nothing about it came since.

// lateTokenStore is implemented by a ChargingService that can give a
// token-less transaction its token (store.ChargingService does).
type lateTokenStore interface {
	AuthorizeChargerTransaction(ctx context.Context, cpid, chargerTxID, idTag string) (volt.AuthResult, *volt.Session, error)
}

// tokenDuringTx answers an idToken sent in a TransactionEvent of a known
// transaction: the session's first token (E03) or a token presented
// during it (E07 a stop token, decided as Authorize).
func tokenDuringTx(ctx context.Context, c *conn, sess *volt.Session, tok v201.IDToken) (v201.IDTokenInfo, error) {
	if tok.Type == v201.IDTokenEnumNoAuthorization {
		return v201.IDTokenInfo{Status: v201.AuthorizationStatusEnumAccepted}, nil
	}
	f, ok := c.g.cfg.Charging.(lateTokenStore)
	if !ok || sess.IDTag != "" || sess.ChargerTransactionID == "" {
		return authorizeToken(ctx, c, tok)
	}
	auth, updated, err := f.AuthorizeChargerTransaction(ctx, c.cpid, sess.ChargerTransactionID, tok.IDToken)
	if err != nil {
		return v201.IDTokenInfo{}, internal(c, "authorize late token", err)
	}
	logRefusal(c, "TransactionEvent", tok.IDToken, auth)
	if auth.Status != volt.AuthAccepted {
		publishDecision(c, sess.ConnectorID, tok.IDToken, "StartTransaction", auth)
	}
	if updated != nil {
		c.g.publish(volt.Event{Type: volt.EventSessionUpdated, CPID: c.cpid, CPOID: updated.CPOID, At: c.g.cfg.Now(), Data: updated})
		if auth.Status == volt.AuthAccepted {
			showPrice(c, updated) // the tariff is known now
		}
	}
	return idTokenInfo(auth), nil
}

// v2State is what the gateway remembers of 2.x transactions across the
// connections of a node: the last seqNo per transaction and a generation
// per EVSE for the Ended timeout. Both are only for logging and closing
// lost sessions, so a charger that moves to another node starts afresh.
type v2State struct {
	mu   sync.Mutex
	seq  map[string]int    // cpid NUL transactionId → highest seqNo seen
	gen  map[string]uint64 // cpid NUL evse → bumped on every event about the EVSE
	cost map[string]int64  // cpid NUL transactionId → running cost last sent (CostUpdated)
}

// costChanged reports whether cost (minor units) is worth a CostUpdated
// for the transaction: not the one sent last, and not zero unless a cost
// was sent before (a V2X credit can bring the running cost down to zero,
// issue 15; a free session sends nothing).
func (s *v2State) costChanged(cpid, txID string, cost int64) bool {
	key := cpid + "\x00" + txID
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.cost == nil || len(s.cost) >= maxTracked {
		s.cost = map[string]int64{}
	}
	if last, ok := s.cost[key]; (ok && last == cost) || (!ok && cost == 0) {
		return false
	}
	s.cost[key] = cost
	return true
}

// maxTracked bounds the maps: past it they are reset (a node with that many
// transactions open loses only some gap logs).
const maxTracked = 200_000

// noteSeqNo records seqNo of a transaction's event and logs a gap or a
// repeat; ended forgets the transaction.
func (s *v2State) noteSeqNo(c *conn, txID string, seqNo int, typ v201.TransactionEventEnum, offline bool) {
	key := c.cpid + "\x00" + txID
	s.mu.Lock()
	if s.seq == nil || len(s.seq) >= maxTracked {
		s.seq = map[string]int{}
	}
	last, seen := s.seq[key]
	switch {
	case typ == v201.TransactionEventEnumEnded:
		delete(s.seq, key)
		delete(s.cost, key)
	case !seen || seqNo > last:
		s.seq[key] = seqNo
	}
	s.mu.Unlock()
	from := 0
	if seen {
		from = last + 1
	}
	switch {
	case seen && seqNo <= last:
		c.g.log.Info("gateway: TransactionEvent seqNo repeated or out of order", "cpid", c.cpid, "transactionId", txID,
			"seqNo", seqNo, "highest", last, "offline", offline)
	case (seen || typ == v201.TransactionEventEnumStarted) && seqNo > from:
		c.g.log.Warn("gateway: TransactionEvent seqNo gap: events lost or still queued", "cpid", c.cpid, "transactionId", txID,
			"missing", strconv.Itoa(from)+"-"+strconv.Itoa(seqNo-1), "eventType", string(typ), "offline", offline)
	}
}

// bump marks news about an EVSE and returns its generation.
func (s *v2State) bump(cpid string, evse int) uint64 {
	key := cpid + "\x00" + strconv.Itoa(evse)
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.gen == nil || len(s.gen) >= maxTracked {
		s.gen = map[string]uint64{}
	}
	s.gen[key]++
	return s.gen[key]
}

func (s *v2State) generation(cpid string, evse int) uint64 {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.gen[cpid+"\x00"+strconv.Itoa(evse)]
}

// DefaultEndedTimeout is Config.EndedTimeout's default.
const DefaultEndedTimeout = 15 * time.Minute

// armEndedTimeout is called when a 2.x EVSE reports Available: a session
// still open there is closed after Config.EndedTimeout unless news about the
// EVSE (a TransactionEvent, another status) comes first or the connection
// ends (a station queues Ended while offline, E04, and sends it after its
// boot, whose StatusNotification arms the timeout again).
func (c *conn) armEndedTimeout(evse int, at time.Time) {
	d := c.g.cfg.EndedTimeout
	if d < 0 || evse <= 0 {
		return
	}
	if d == 0 {
		d = DefaultEndedTimeout
	}
	gen := c.g.v2.bump(c.cpid, evse)
	time.AfterFunc(d, func() {
		if c.ctx.Err() != nil || c.g.ctx.Err() != nil || c.g.v2.generation(c.cpid, evse) != gen {
			return
		}
		c.g.goBackground(func() {
			closeZombies(c.ctx, c, evse, "no TransactionEvent Ended within "+d.String()+" of the EVSE becoming Available", at)
		})
	})
}
