package sim

import (
	"context"
	"fmt"
	"math/rand/v2"
	"strings"
	"time"

	"github.com/volt-ev/volt/ocpp"
	"github.com/volt-ev/volt/ocpp/v16"
)

// connector is one connector's state; connector 0 stands for the whole
// charge point. Guarded by Charger.mu.
type connector struct {
	id          int
	status      v16.ChargePointStatus
	plugged     bool
	operative   bool
	scheduled   *bool // availability to apply when the session ends
	finishing   bool  // session ended, cable still in
	meterWh     float64
	sess        *session
	reservation *reservation
	profiles    []v16.ChargingProfile
}

// session is a transaction as the charger sees it.
type session struct {
	idTag         string
	txID          int // 0 until StartTransaction is answered
	meterStart    int
	start         time.Time
	lastSample    time.Time
	reservationID *int
	socPct        float64 // the vehicle's state of charge
	capacityWh    float64
	carMaxW       float64
	powerW        float64
	voltage       float64
}

type reservation struct {
	id          int
	idTag       string
	parentIdTag string
	expiry      time.Time
}

// deriveStatus computes a connector's status from its state (OCPP 1.6 §4.9).
func (c *Charger) deriveStatus(cn *connector) v16.ChargePointStatus {
	if cn.id == 0 {
		if cn.operative {
			return v16.ChargePointStatusAvailable
		}
		return v16.ChargePointStatusUnavailable
	}
	switch {
	case cn.sess != nil && cn.sess.socPct >= 100:
		return v16.ChargePointStatusSuspendedEV
	case cn.sess != nil && cn.sess.powerW <= 0 && c.limitW(cn.id, c.now()) <= 0:
		return v16.ChargePointStatusSuspendedEVSE
	case cn.sess != nil:
		return v16.ChargePointStatusCharging
	case cn.finishing && cn.plugged:
		return v16.ChargePointStatusFinishing
	case !cn.operative:
		return v16.ChargePointStatusUnavailable
	case cn.plugged:
		return v16.ChargePointStatusPreparing
	case cn.reservation != nil:
		return v16.ChargePointStatusReserved
	}
	return v16.ChargePointStatusAvailable
}

// refreshLocked recomputes connector n's status and reports a change with a
// StatusNotification. c.mu is held.
func (c *Charger) refreshLocked(n int) {
	cn := c.conns[n]
	st := c.deriveStatus(cn)
	if st == cn.status {
		return
	}
	cn.status = st
	c.emitLocked(Event{Kind: EventStatus, Connector: n, Detail: string(st)})
	c.enqueueLocked(&outItem{action: v16.ActionStatusNotification, build: c.statusBuilder(n, st)})
}

func (c *Charger) statusBuilder(n int, st v16.ChargePointStatus) func() any {
	ts := c.nowDT()
	return func() any {
		return &v16.StatusNotificationRequest{ConnectorID: n, ErrorCode: v16.ChargePointErrorCodeNoError, Status: st, Timestamp: &ts}
	}
}

// reportAllStatus queues the status of the charge point and every
// connector, at the head of the outbox when first (after a boot).
func (c *Charger) reportAllStatus(first bool) {
	c.mu.Lock()
	defer c.mu.Unlock()
	var items []*outItem
	for _, cn := range c.conns {
		cn.status = c.deriveStatus(cn)
		items = append(items, &outItem{action: v16.ActionStatusNotification, build: c.statusBuilder(cn.id, cn.status)})
	}
	if first {
		c.queue = append(items, c.queue...)
	} else {
		c.queue = append(c.queue, items...)
	}
	select {
	case c.wake <- struct{}{}:
	default:
	}
}

func (c *Charger) connLocked(n int) (*connector, error) {
	if n < 1 || n >= len(c.conns) {
		return nil, fmt.Errorf("connector %d: %w", n, ErrNoConnector)
	}
	return c.conns[n], nil
}

// Status returns connector n's status (0 is the charge point).
func (c *Charger) Status(n int) v16.ChargePointStatus {
	c.mu.Lock()
	defer c.mu.Unlock()
	if n < 0 || n >= len(c.conns) {
		return ""
	}
	return c.conns[n].status
}

// TransactionID returns the transactionId of the session on connector n, 0
// when there is none or StartTransaction is not answered yet.
func (c *Charger) TransactionID(n int) int {
	c.mu.Lock()
	defer c.mu.Unlock()
	if n < 1 || n >= len(c.conns) || c.conns[n].sess == nil {
		return 0
	}
	return c.conns[n].sess.txID
}

// Charging reports whether connector n has a session.
func (c *Charger) Charging(n int) bool {
	c.mu.Lock()
	defer c.mu.Unlock()
	return n >= 1 && n < len(c.conns) && c.conns[n].sess != nil
}

// MeterWh returns connector n's energy register in Wh.
func (c *Charger) MeterWh(n int) int64 {
	c.mu.Lock()
	defer c.mu.Unlock()
	if n < 0 || n >= len(c.conns) {
		return 0
	}
	return int64(c.conns[n].meterWh)
}

// Plug connects a vehicle to connector n: Preparing (OCPP 1.6 §4.9).
func (c *Charger) Plug(n int) error {
	c.mu.Lock()
	defer c.mu.Unlock()
	cn, err := c.connLocked(n)
	if err != nil {
		return err
	}
	cn.plugged, cn.finishing = true, false
	c.refreshLocked(n)
	return nil
}

// Unplug disconnects the vehicle from connector n. A running session stops
// with reason EVDisconnected (StopTransactionOnEVSideDisconnect); the
// connector becomes Available.
func (c *Charger) Unplug(n int) error {
	c.mu.Lock()
	defer c.mu.Unlock()
	cn, err := c.connLocked(n)
	if err != nil {
		return err
	}
	if cn.sess != nil {
		c.stopLocked(cn, v16.ReasonEVDisconnected, "")
	}
	cn.plugged, cn.finishing = false, false
	c.refreshLocked(n)
	return nil
}

// Swipe presents idTag at connector n, as a driver with an RFID card who has
// plugged in (Plug is implied). On a connector charging for the same idTag
// it stops the session (reason Local). Otherwise the idTag is authorised
// (Authorize on line; local list, cache or AllowOfflineTxForUnknownId off
// line) and a session starts. On line, Swipe waits for the answer to
// StartTransaction; off line the transaction is queued.
func (c *Charger) Swipe(ctx context.Context, n int, idTag string) error {
	c.mu.Lock()
	cn, err := c.connLocked(n)
	if err != nil {
		c.mu.Unlock()
		return err
	}
	if cn.sess != nil {
		same := strings.EqualFold(cn.sess.idTag, idTag)
		c.mu.Unlock()
		if same {
			return c.Stop(ctx, n, v16.ReasonLocal)
		}
		return fmt.Errorf("connector %d: %w", n, ErrBusy)
	}
	if err := c.usableLocked(cn, idTag); err != nil {
		c.mu.Unlock()
		return err
	}
	c.mu.Unlock()
	if err := c.authorize(ctx, idTag); err != nil {
		return err
	}
	return c.startSession(ctx, n, idTag, nil)
}

// usableLocked reports whether a session for idTag may start on cn.
func (c *Charger) usableLocked(cn *connector, idTag string) error {
	if !cn.operative {
		return fmt.Errorf("connector %d unavailable: %w", cn.id, ErrBusy)
	}
	if r := cn.reservation; r != nil && !strings.EqualFold(r.idTag, idTag) && !strings.EqualFold(r.parentIdTag, c.parentOfLocked(idTag)) {
		return fmt.Errorf("connector %d reserved: %w", cn.id, ErrBusy)
	}
	return nil
}

func (c *Charger) parentOfLocked(idTag string) string {
	if info, ok := c.localList[idTagKey(idTag)]; ok && info.ParentIdTag != "" {
		return info.ParentIdTag
	}
	if info, ok := c.cache[idTagKey(idTag)]; ok {
		return info.ParentIdTag
	}
	return "\x00" // matches no parentIdTag
}

// authorize checks idTag: the local list first when LocalPreAuthorize is on,
// Authorize when on line, the local list, cache and AllowOfflineTxForUnknownId
// when off line (OCPP 1.6 §3.5).
func (c *Charger) authorize(ctx context.Context, idTag string) error {
	c.mu.Lock()
	online := c.online
	local, known := c.localStatusLocked(idTag)
	pre := keyBool(c.keys, "LocalPreAuthorize")
	unknownOK := keyBool(c.keys, keyAllowOfflineTxForUnknownID)
	offlineOK := keyBool(c.keys, keyLocalAuthorizeOffline)
	c.mu.Unlock()
	if known && pre && local == v16.AuthorizationStatusAccepted {
		return nil
	}
	if online {
		resp, err := c.callAndWait(ctx, v16.ActionAuthorize, &v16.AuthorizeRequest{IdTag: idTag})
		if err == nil {
			info := resp.(*v16.AuthorizeResponse).IdTagInfo
			c.mu.Lock()
			if keyBool(c.keys, keyAuthorizationCacheEnabled) {
				c.cache[idTagKey(idTag)] = info
			}
			c.mu.Unlock()
			if info.Status != v16.AuthorizationStatusAccepted {
				return fmt.Errorf("idTag %s: %s: %w", idTag, info.Status, ErrNotAuthorized)
			}
			return nil
		}
		if ctx.Err() != nil {
			return err
		}
		// The connection went away during Authorize: decide off line.
	}
	switch {
	case known && offlineOK && local == v16.AuthorizationStatusAccepted:
		return nil
	case known:
		return fmt.Errorf("idTag %s: %s: %w", idTag, local, ErrNotAuthorized)
	case unknownOK:
		return nil
	}
	return fmt.Errorf("idTag %s: unknown while offline: %w", idTag, ErrNotAuthorized)
}

// localStatusLocked looks idTag up in the local list, then the cache.
func (c *Charger) localStatusLocked(idTag string) (v16.AuthorizationStatus, bool) {
	if keyBool(c.keys, keyLocalAuthListEnabled) {
		if info, ok := c.localList[idTagKey(idTag)]; ok {
			return info.Status, true
		}
	}
	if keyBool(c.keys, keyAuthorizationCacheEnabled) {
		if info, ok := c.cache[idTagKey(idTag)]; ok {
			return info.Status, true
		}
	}
	return "", false
}

// startSession starts a transaction on connector n for an authorised idTag:
// StartTransaction, then Charging. profile is a TxProfile from
// RemoteStartTransaction, or nil.
func (c *Charger) startSession(ctx context.Context, n int, idTag string, profile *v16.ChargingProfile) error {
	c.mu.Lock()
	cn, err := c.connLocked(n)
	if err == nil && cn.sess != nil {
		err = fmt.Errorf("connector %d: %w", n, ErrBusy)
	}
	if err == nil {
		err = c.usableLocked(cn, idTag)
	}
	if err != nil {
		c.mu.Unlock()
		return err
	}
	now := c.now()
	s := newSession(idTag, now, int(cn.meterWh), c.cfg.MaxPowerW)
	if r := cn.reservation; r != nil {
		id := r.id
		s.reservationID = &id
		cn.reservation = nil
	}
	cn.plugged, cn.finishing, cn.sess = true, false, s
	if profile != nil {
		p := *profile
		c.setProfileLocked(n, p)
	}
	s.powerW = c.targetPowerLocked(cn, now)
	req := &v16.StartTransactionRequest{ConnectorID: n, IdTag: idTag, MeterStart: s.meterStart, ReservationID: s.reservationID, Timestamp: ocpp.NewDateTime(now)}
	it := &outItem{action: v16.ActionStartTransaction, tx: true, res: make(chan error, 1),
		build:    func() any { return req },
		onAnswer: func(r any) { c.onStartAnswer(n, s, r.(*v16.StartTransactionResponse)) }}
	online := c.online
	c.enqueueLocked(it)
	c.emitLocked(Event{Kind: EventTransaction, Connector: n, Detail: fmt.Sprintf("started idTag=%s at=%d", idTag, s.start.UnixNano())})
	c.refreshLocked(n)
	c.mu.Unlock()
	if !online {
		return nil
	}
	select {
	case err := <-it.res:
		return err
	case <-ctx.Done():
		return ctx.Err()
	}
}

func newSession(idTag string, now time.Time, meterStart, maxW int) *session {
	cars := []float64{7400, 11000, 22000}
	return &session{
		idTag: idTag, meterStart: meterStart, start: now, lastSample: now,
		socPct:     15 + rand.Float64()*45,
		capacityWh: 40_000 + float64(rand.IntN(5))*10_000,
		carMaxW:    min(cars[rand.IntN(len(cars))], float64(maxW)),
		voltage:    230,
	}
}

// onStartAnswer records the transactionId; a refused idTag stops the session
// when StopTransactionOnInvalidId is on (OCPP 1.6 §4.8).
func (c *Charger) onStartAnswer(n int, s *session, resp *v16.StartTransactionResponse) {
	c.mu.Lock()
	defer c.mu.Unlock()
	s.txID = resp.TransactionID
	c.emitLocked(Event{Kind: EventTransaction, Connector: n, Detail: fmt.Sprintf("transactionId=%d %s at=%d", s.txID, resp.IdTagInfo.Status, s.start.UnixNano())})
	cn := c.conns[n]
	if resp.IdTagInfo.Status != v16.AuthorizationStatusAccepted && cn.sess == s && keyBool(c.keys, keyStopTransactionOnInvalidID) {
		c.stopLocked(cn, v16.ReasonDeAuthorized, "")
		c.refreshLocked(n)
	}
}

// Stop ends the session on connector n with reason (Local, Remote,
// EVDisconnected, ...): StopTransaction with the transaction's meter values,
// then Finishing (cable still in). On line it waits for the answer.
func (c *Charger) Stop(ctx context.Context, n int, reason v16.Reason) error {
	c.mu.Lock()
	cn, err := c.connLocked(n)
	if err == nil && cn.sess == nil {
		err = fmt.Errorf("connector %d: %w", n, ErrNoSession)
	}
	if err != nil {
		c.mu.Unlock()
		return err
	}
	it := c.stopLocked(cn, reason, cn.sess.idTag)
	c.refreshLocked(n)
	online := c.online
	c.mu.Unlock()
	if !online {
		return nil
	}
	select {
	case err := <-it.res:
		return err
	case <-ctx.Done():
		return ctx.Err()
	}
}

// stopLocked ends cn's session and queues StopTransaction; the caller
// refreshes the status. c.mu is held.
func (c *Charger) stopLocked(cn *connector, reason v16.Reason, idTag string) *outItem {
	s := cn.sess
	now := c.now()
	c.integrateLocked(cn, now)
	meterStop := int(cn.meterWh)
	data := []v16.TransactionData{
		{Timestamp: ocpp.NewDateTime(s.start), SampledValue: []v16.SampledValue{energySample(float64(s.meterStart), v16.ReadingContextTransactionBegin)}},
		{Timestamp: ocpp.NewDateTime(now), SampledValue: []v16.SampledValue{energySample(float64(meterStop), v16.ReadingContextTransactionEnd)}},
	}
	cn.sess, cn.finishing = nil, cn.plugged
	c.removeTxProfilesLocked(cn)
	if cn.scheduled != nil {
		cn.operative, cn.scheduled = *cn.scheduled, nil
	}
	ts := ocpp.NewDateTime(now)
	it := &outItem{action: v16.ActionStopTransaction, tx: true, res: make(chan error, 1), build: func() any {
		c.mu.Lock()
		id := s.txID
		c.mu.Unlock()
		if id == 0 {
			id = -1 // StartTransaction was never answered
		}
		return &v16.StopTransactionRequest{IdTag: idTag, MeterStop: meterStop, Timestamp: ts, TransactionID: id, Reason: reason, TransactionData: data}
	}, onAnswer: func(any) {
		c.mu.Lock()
		c.emitLocked(Event{Kind: EventTransaction, Connector: cn.id, Detail: fmt.Sprintf("stop answered at=%d", s.start.UnixNano())})
		c.mu.Unlock()
	}}
	c.enqueueLocked(it)
	c.emitLocked(Event{Kind: EventTransaction, Connector: cn.id, Detail: fmt.Sprintf("stopped reason=%s energyWh=%d at=%d", reason, meterStop-s.meterStart, s.start.UnixNano())})
	return it
}

// stopAll stops every session with reason and returns the queued messages.
func (c *Charger) stopAll(reason v16.Reason) []*outItem {
	c.mu.Lock()
	defer c.mu.Unlock()
	var its []*outItem
	for _, cn := range c.conns[1:] {
		if cn.sess != nil {
			its = append(its, c.stopLocked(cn, reason, cn.sess.idTag))
			c.refreshLocked(cn.id)
		}
	}
	return its
}
