package sim

import (
	"context"
	"encoding/json"
	"fmt"
	"math"
	"math/rand/v2"
	"strconv"
	"time"

	"github.com/volt-ev/volt/ocpp"
	"github.com/volt-ev/volt/ocpp/v201"
)

// assignResponse stores a decoded answer in out: *any takes the registry's
// value, any other pointer the payload read into its type (a 2.1 answer
// read as the 2.0.1 type it extends).
func assignResponse(out, resp any, payload []byte) error {
	switch o := out.(type) {
	case nil:
		return nil
	case *any:
		*o = resp
		return nil
	}
	return json.Unmarshal(payload, out)
}

func (c *Charger2) evseLocked(n int) (*evse2, error) {
	if n < 1 || n >= len(c.evses) {
		return nil, fmt.Errorf("evse %d: %w", n, ErrNoConnector)
	}
	return c.evses[n], nil
}

// Plug connects a vehicle to EVSE n.
func (c *Charger2) Plug(n int) error {
	c.mu.Lock()
	defer c.mu.Unlock()
	e, err := c.evseLocked(n)
	if err != nil {
		return err
	}
	e.plugged = true
	c.setStatusLocked(e)
	return nil
}

// Unplug disconnects the vehicle; a running transaction ends with
// EVDisconnected (E10).
func (c *Charger2) Unplug(n int) error {
	c.mu.Lock()
	defer c.mu.Unlock()
	e, err := c.evseLocked(n)
	if err != nil {
		return err
	}
	if e.tx != nil {
		c.endLocked(e, v201.ReasonEnumEVDisconnected, v201.TriggerReasonEnumEVCommunicationLost, "")
	}
	e.plugged = false
	c.setStatusLocked(e)
	return nil
}

// Swipe presents an RFID card at EVSE n: Authorize, then the transaction
// starts (TransactionEvent Started with the idToken, C01/E02).
func (c *Charger2) Swipe(ctx context.Context, n int, idToken string) error {
	tok := v201.IDToken{IDToken: idToken, Type: v201.IDTokenEnumISO14443}
	var ar v201.AuthorizeResponse
	if err := c.callAndWait(ctx, v201.ActionAuthorize, &v201.AuthorizeRequest{IDToken: tok}, &ar); err != nil {
		return err
	}
	if ar.IDTokenInfo.Status != v201.AuthorizationStatusEnumAccepted {
		return fmt.Errorf("%s: %s: %w", idToken, ar.IDTokenInfo.Status, ErrNotAuthorized)
	}
	return c.start(n, tok, v201.TriggerReasonEnumAuthorized, nil)
}

func (c *Charger2) start(n int, tok v201.IDToken, trigger v201.TriggerReasonEnum, remoteStartID *int) error {
	c.mu.Lock()
	defer c.mu.Unlock()
	e, err := c.evseLocked(n)
	if err != nil {
		return err
	}
	if e.tx != nil || !e.operative {
		return fmt.Errorf("evse %d: %w", n, ErrBusy)
	}
	e.plugged = true
	c.nextTx++
	now := c.cfg.Clock()
	e.tx = &tx2{id: fmt.Sprintf("%s-%d-%d", c.cfg.Identity, now.UnixMilli(), c.nextTx), idToken: tok.IDToken,
		carMaxW: math.Min(float64(c.cfg.MaxPowerW), 7400+rand.Float64()*3600), start: now, lastSample: now, remoteStartID: remoteStartID}
	c.setPowerLocked(e, now)
	ev := c.txEventLocked(e, v201.TransactionEventEnumStarted, trigger, "Transaction.Begin")
	ev.IDToken = &tok
	ev.Evse = &v201.EVSE{ID: e.id, ConnectorID: ptr(1)}
	c.enqueueLocked(&item2{action: v201.ActionTransactionEvent, payload: ev, tx: true})
	c.emitLocked(Event{Kind: EventTransaction, Connector: n, Detail: "started " + e.tx.id})
	c.setStatusLocked(e)
	return nil
}

// Stop ends EVSE n's transaction as the driver does (E07, StopAuthorized).
func (c *Charger2) Stop(_ context.Context, n int) error {
	c.mu.Lock()
	defer c.mu.Unlock()
	e, err := c.evseLocked(n)
	if err != nil {
		return err
	}
	if e.tx == nil {
		return fmt.Errorf("evse %d: %w", n, ErrNoSession)
	}
	c.endLocked(e, v201.ReasonEnumLocal, v201.TriggerReasonEnumStopAuthorized, "")
	return nil
}

// endLocked queues TransactionEvent Ended with the final register.
func (c *Charger2) endLocked(e *evse2, reason v201.ReasonEnum, trigger v201.TriggerReasonEnum, _ string) {
	c.advanceLocked(e, c.cfg.Clock())
	ev := c.txEventLocked(e, v201.TransactionEventEnumEnded, trigger, "Transaction.End")
	ev.TransactionInfo.StoppedReason = reason
	ev.TransactionInfo.ChargingState = v201.ChargingStateEnumEVConnected
	c.enqueueLocked(&item2{action: v201.ActionTransactionEvent, payload: ev, tx: true})
	c.emitLocked(Event{Kind: EventTransaction, Connector: e.id, Detail: "stopped " + e.tx.id})
	kept := e.profiles[:0]
	for _, p := range e.profiles { // a TxProfile ends with its transaction
		if p.TransactionID == "" || p.TransactionID != e.tx.id {
			kept = append(kept, p)
		}
	}
	e.profiles = kept
	e.tx = nil
	c.setStatusLocked(e)
}

// txEventLocked builds the next event of e's transaction: seqNo counts per
// transaction from 0, offline says the event happened without a
// connection, and the meter value carries the register (and power while
// charging) in context ctx.
func (c *Charger2) txEventLocked(e *evse2, typ v201.TransactionEventEnum, trigger v201.TriggerReasonEnum, ctx string) *v201.TransactionEventRequest {
	t := e.tx
	now := ocpp.NewDateTime(c.cfg.Clock())
	ev := &v201.TransactionEventRequest{EventType: typ, Timestamp: now, TriggerReason: trigger, SeqNo: t.seq,
		TransactionInfo: v201.Transaction{TransactionID: t.id, ChargingState: v201.ChargingStateEnumCharging, RemoteStartID: t.remoteStartID}}
	t.seq++
	if !c.online {
		ev.Offline = ptr(true)
	}
	if ctx == "" {
		ctx = string(v201.ReadingContextEnumTransactionBegin)
	}
	sv := []v201.SampledValue{{Value: math.Round(e.meterWh), Context: v201.ReadingContextEnum(ctx),
		Measurand: v201.MeasurandEnumEnergyActiveImportRegister, UnitOfMeasure: &v201.UnitOfMeasure{Unit: "Wh"}}}
	if e.exportWh > 0 || c.version == ocpp.V21 { // a bidirectional meter reports both registers, from the start
		sv = append(sv, v201.SampledValue{Value: math.Round(e.exportWh), Context: v201.ReadingContextEnum(ctx),
			Measurand: v201.MeasurandEnumEnergyActiveExportRegister, UnitOfMeasure: &v201.UnitOfMeasure{Unit: "Wh"}})
	}
	if typ == v201.TransactionEventEnumUpdated {
		m := v201.MeasurandEnumPowerActiveImport
		if t.powerW < 0 {
			m = v201.MeasurandEnumPowerActiveExport
		}
		sv = append(sv, v201.SampledValue{Value: math.Round(math.Abs(t.powerW)), Context: v201.ReadingContextEnum(ctx),
			Measurand: m, UnitOfMeasure: &v201.UnitOfMeasure{Unit: "W"}})
		sv = append(sv, phaseSamples(t.powerW, c.cfg.Phases, v201.ReadingContextEnum(ctx))...)
	}
	ev.MeterValue = []v201.MeterValue{{Timestamp: now, SampledValue: sv}}
	return ev
}

// advanceLocked integrates the energy of e's transaction up to now.
func (c *Charger2) advanceLocked(e *evse2, now time.Time) {
	if e.tx == nil {
		return
	}
	if dt := now.Sub(e.tx.lastSample); dt > 0 {
		if p := e.tx.powerW; p >= 0 {
			e.meterWh += p * dt.Hours()
		} else {
			e.exportWh -= p * dt.Hours()
		}
		e.tx.lastSample = now
	}
}

// meterLoop sends TransactionEvent Updated for every transaction each
// TxUpdatedInterval (J02), online or not.
func (c *Charger2) meterLoop(ctx context.Context) {
	for {
		c.mu.Lock()
		every := c.cfg.MeterInterval
		if s, err := strconv.Atoi(c.vars["SampledDataCtrlr/TxUpdatedInterval"]); err == nil && s > 0 {
			every = time.Duration(s) * time.Second
		}
		c.mu.Unlock()
		sleep(ctx, every)
		if ctx.Err() != nil {
			return
		}
		c.mu.Lock()
		now := c.cfg.Clock()
		for _, e := range c.evses[1:] {
			if e.tx == nil {
				continue
			}
			c.advanceLocked(e, now)
			c.setPowerLocked(e, now) // a schedule's next period
			ev := c.txEventLocked(e, v201.TransactionEventEnumUpdated, v201.TriggerReasonEnumMeterValuePeriodic, "Sample.Periodic")
			c.enqueueLocked(&item2{action: v201.ActionTransactionEvent, payload: ev, tx: true})
		}
		c.mu.Unlock()
	}
}

// callAndWait queues a CALL and waits for its answer, decoded into out.
func (c *Charger2) callAndWait(ctx context.Context, action string, payload, out any) error {
	var resp any
	it := &item2{action: action, payload: payload, res: make(chan error, 1), answer: func(r any) { resp = r }}
	c.mu.Lock()
	ok := c.enqueueLocked(it)
	c.mu.Unlock()
	if !ok {
		return fmt.Errorf("%s: %w", action, ErrOffline)
	}
	select {
	case err := <-it.res:
		if err != nil {
			return err
		}
		b, err := json.Marshal(resp)
		if err != nil {
			return err
		}
		return json.Unmarshal(b, out)
	case <-ctx.Done():
		return fmt.Errorf("%s: %w", action, ctx.Err())
	}
}

// Charging reports whether EVSE n has a transaction.
func (c *Charger2) Charging(n int) bool {
	c.mu.Lock()
	defer c.mu.Unlock()
	e, err := c.evseLocked(n)
	return err == nil && e.tx != nil
}

// TransactionID returns the id of EVSE n's transaction, "" if none.
func (c *Charger2) TransactionID(n int) string {
	c.mu.Lock()
	defer c.mu.Unlock()
	if e, err := c.evseLocked(n); err == nil && e.tx != nil {
		return e.tx.id
	}
	return ""
}

// MeterWh returns EVSE n's energy register in Wh.
func (c *Charger2) MeterWh(n int) int64 {
	c.mu.Lock()
	defer c.mu.Unlock()
	e, err := c.evseLocked(n)
	if err != nil {
		return 0
	}
	c.advanceLocked(e, c.cfg.Clock())
	return int64(math.Round(e.meterWh))
}

func ptr[T any](v T) *T { return &v }

// ExportWh returns EVSE n's export register in Wh: the energy its car has
// given back (V2X, 2.1).
func (c *Charger2) ExportWh(n int) int64 {
	c.mu.Lock()
	defer c.mu.Unlock()
	e, err := c.evseLocked(n)
	if err != nil {
		return 0
	}
	c.advanceLocked(e, c.cfg.Clock())
	return int64(math.Round(e.exportWh))
}
