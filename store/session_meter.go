package store

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"math/big"
	"strconv"
	"strings"
	"time"

	"github.com/volt-ev/volt"
)

// Measurands read by the store (OCPP 1.6 §7.31).
const (
	measurandEnergyRegister = "Energy.Active.Import.Register"
	measurandPowerImport    = "Power.Active.Import"
	measurandSoC            = "SoC"
)

// meterValueCols is the number of columns of one meter_values row.
const meterValueCols = 10

// maxMeterRowsPerInsert keeps a multi-row INSERT under both engines' limits
// on bound parameters.
const maxMeterRowsPerInsert = 200

// RecordMeterValues stores every sample of a MeterValues message and updates
// the session it belongs to: the one of its transactionId or, for samples
// without one, the session active on the connector (orphan samples are linked,
// never lost). The session's meter, energy and live cost move only on an
// Energy.Active.Import.Register reading of that session (phase-less, not from
// the EV) newer than the last one: a stray or older reading changes nothing.
// It returns the updated session, or nil when the samples belong to none.
//
// With StartMeterBatching, concurrent calls share transactions.
func (s *ChargingService) RecordMeterValues(ctx context.Context, r volt.MeterReport) (*volt.Session, error) {
	if b := s.batcher.Load(); b != nil {
		sess, err := b.record(ctx, r)
		if err != nil {
			return nil, fmt.Errorf("record meter values of %s/%d: %w", r.CPID, r.ConnectorID, err)
		}
		return sess, nil
	}
	return s.recordMeterAlone(ctx, r)
}

// recordMeterAlone records one MeterValues message in its own transaction.
func (s *ChargingService) recordMeterAlone(ctx context.Context, r volt.MeterReport) (*volt.Session, error) {
	var out *volt.Session
	err := s.db.WithTx(ctx, func(tx *Tx) error {
		var err error
		out, err = s.recordMeter(ctx, tx, r, nil)
		return err
	})
	if err != nil {
		return nil, fmt.Errorf("record meter values of %s/%d: %w", r.CPID, r.ConnectorID, err)
	}
	return out, nil
}

// RecordMeterValuesBatch records several MeterValues messages in one
// transaction, for a gateway that buffers them under load. The result is in
// the order of reports; an error rolls back the whole batch.
func (s *ChargingService) RecordMeterValuesBatch(ctx context.Context, reports []volt.MeterReport) ([]*volt.Session, error) {
	var out []*volt.Session
	err := s.db.WithTx(ctx, func(tx *Tx) error {
		out = make([]*volt.Session, 0, len(reports))
		mb, err := s.readAhead(ctx, tx, reports)
		if err != nil {
			return err
		}
		for _, r := range reports {
			sess, err := s.recordMeter(ctx, tx, r, mb)
			if err != nil {
				return fmt.Errorf("%s/%d: %w", r.CPID, r.ConnectorID, err)
			}
			out = append(out, sess)
		}
		return s.writeSessions(ctx, tx, mb)
	})
	if err != nil {
		return nil, fmt.Errorf("record meter values batch: %w", err)
	}
	return out, nil
}

// recordMeter records one MeterValues message in tx. With mb (a batch of
// messages in one transaction), sessions come from the batch's read-ahead
// and are written once at the end of the batch (meterBatch.writeSessions).
func (s *ChargingService) recordMeter(ctx context.Context, tx *Tx, r volt.MeterReport, mb *meterBatch) (*volt.Session, error) {
	var sess *sessionRow
	var err error
	switch {
	case r.TransactionID != nil && mb != nil && mb.has(r.CPID, *r.TransactionID):
		sess = mb.byTx[sessionTxKey{r.CPID, *r.TransactionID}]
	case r.TransactionID != nil:
		sess, err = s.sessionWhere(ctx, tx, `origin = 'start' AND cpid = ? AND transaction_id = ?`, r.CPID, *r.TransactionID)
	case r.ConnectorID > 0:
		sess, err = s.sessionWhere(ctx, tx, `cpid = ? AND connector_id = ? AND status = 'active'`, r.CPID, r.ConnectorID)
	}
	if err != nil {
		return nil, fmt.Errorf("find session: %w", err)
	}
	if mb != nil {
		sess = mb.keep(sess)
	}
	sessionID, connector, txID := "", r.ConnectorID, int64(0)
	if r.TransactionID != nil {
		txID = *r.TransactionID
	}
	if sess != nil {
		sessionID, txID = sess.ID, sess.TransactionID
		if connector <= 0 {
			connector = sess.ConnectorID
		}
	}
	fresh, err := s.storeMeterValues(ctx, tx, sessionID, txID, connector, r)
	if err != nil {
		return nil, err
	}
	if sess == nil {
		return nil, nil
	}
	if !fresh || sess.Status != volt.SessionActive {
		return sess.result(), nil
	}
	moved := s.applyReadings(sess, r.Samples)
	exported, err := s.liveExport(ctx, tx, sess, r.Samples)
	if err != nil {
		return nil, err
	}
	if !moved && !exported {
		return sess.result(), nil
	}
	cost, err := s.price(ctx, tx, &sess.Session, nil)
	if err != nil {
		return nil, err
	}
	sess.LiveCost = cost
	if err := tx.emit(ctx, volt.Event{Type: volt.EventSessionUpdated, CPID: sess.CPID, CPOID: sess.CPOID, Data: sess.result()}); err != nil {
		return nil, err
	}
	if mb != nil {
		mb.dirty(sess)
		return sess.result(), nil
	}
	if err := s.updateSession(ctx, tx, sess); err != nil {
		return nil, err
	}
	return sess.result(), nil
}

// applyReadings moves the session's meter to the newest register reading of
// samples (and power and state of charge with it) and reports whether it did.
func (s *ChargingService) applyReadings(sess *sessionRow, samples []volt.MeterSample) bool {
	reg, ok := newestRegister(samples, sess.StartedAt)
	if !ok || (sess.LastMeterAt != nil && !laterReading(reg, register{wh: sess.LastMeterWh, at: *sess.LastMeterAt})) {
		return false
	}
	at := reg.at
	sess.LastMeterWh, sess.LastMeterAt = reg.wh, &at
	wh, flags := volt.EnergyBetween(sess.MeterStart, reg.wh)
	sess.EnergyWh = wh
	sess.addFlags(flags...)
	for _, smp := range samples {
		if !smp.Timestamp.Equal(reg.at) || smp.Phase != "" || smp.Location == "EV" && smp.Measurand != measurandSoC {
			continue
		}
		switch smp.Measurand {
		case measurandPowerImport:
			if w, err := powerW(smp.Value, smp.Unit); err == nil {
				sess.PowerW = w
			}
		case measurandSoC:
			if v, err := decimalRound(smp.Value, 1); err == nil && v >= 0 && v <= 100 {
				soc := int(v)
				sess.SoCPercent = &soc
			}
		}
	}
	return true
}

// register is one energy register reading.
type register struct {
	wh int64
	at time.Time
}

// isRegister reports whether a sample is a whole-meter active import
// register reading (the default measurand, no phase, not from the EV).
func isRegister(smp volt.MeterSample) bool {
	m := smp.Measurand
	return (m == "" || m == measurandEnergyRegister) && smp.Phase == "" && smp.Location != "EV" &&
		(smp.Format == "" || smp.Format == "Raw")
}

// newestRegister returns the newest parseable register reading of samples
// taken at or after the session started.
func newestRegister(samples []volt.MeterSample, notBefore time.Time) (register, bool) {
	var best register
	found := false
	for _, smp := range samples {
		if !isRegister(smp) || smp.Timestamp.Before(notBefore) {
			continue
		}
		wh, err := energyWh(smp.Value, smp.Unit)
		if err != nil {
			continue
		}
		if r := (register{wh: wh, at: smp.Timestamp.UTC().Truncate(time.Millisecond)}); !found || laterReading(r, best) {
			best, found = r, true
		}
	}
	return best, found
}

// laterReading reports whether register reading r comes after prev: taken
// later, or at the same time stamp with a larger value. Chargers send whole
// seconds (ocpp-go), so two readings of one second differ only by value, and
// a register never runs backwards within a session.
func laterReading(r, prev register) bool {
	return r.at.After(prev.at) || (r.at.Equal(prev.at) && r.wh > prev.wh)
}

// firstRegister returns the oldest parseable register reading of samples.
func firstRegister(samples []volt.MeterSample) (register, bool) {
	var best register
	found := false
	for _, smp := range samples {
		if !isRegister(smp) {
			continue
		}
		if wh, err := energyWh(smp.Value, smp.Unit); err == nil && (!found || smp.Timestamp.Before(best.at)) {
			best, found = register{wh: wh, at: smp.Timestamp.UTC().Truncate(time.Millisecond)}, true
		}
	}
	return best, found
}

// energyWh parses an energy reading exactly (a decimal string, never a
// float) in Wh or kWh, rounded half up to whole Wh.
func energyWh(value, unit string) (int64, error) {
	switch unit {
	case "", "Wh":
		return decimalRound(value, 1)
	case "kWh":
		return decimalRound(value, 1000)
	}
	return 0, fmt.Errorf("energy unit %q", unit)
}

// powerW parses a power reading in W or kW, rounded half up to whole W.
func powerW(value, unit string) (int64, error) {
	switch unit {
	case "", "W":
		return decimalRound(value, 1)
	case "kW":
		return decimalRound(value, 1000)
	}
	return 0, fmt.Errorf("power unit %q", unit)
}

// decimalRound returns the decimal string v times scale, rounded half away
// from zero, computed exactly (big.Rat for fractions and exponents).
func decimalRound(v string, scale int64) (int64, error) {
	v = strings.TrimSpace(v)
	if n, err := strconv.ParseInt(v, 10, 64); err == nil {
		if n > (1<<62)/scale || n < -(1<<62)/scale {
			return 0, fmt.Errorf("value %q out of range", v)
		}
		return n * scale, nil
	}
	if len(v) > 64 {
		return 0, fmt.Errorf("value %q too long", v)
	}
	r, ok := new(big.Rat).SetString(v)
	if !ok {
		return 0, fmt.Errorf("value %q is not a decimal number", v)
	}
	r.Mul(r, new(big.Rat).SetInt64(scale))
	num, den := r.Num(), r.Denom()
	q, m := new(big.Int).QuoRem(num, den, new(big.Int))
	// Round half away from zero: |2m| >= den.
	if new(big.Int).Abs(new(big.Int).Lsh(m, 1)).Cmp(den) >= 0 {
		if num.Sign() < 0 {
			q.Sub(q, big.NewInt(1))
		} else {
			q.Add(q, big.NewInt(1))
		}
	}
	if !q.IsInt64() || q.Int64() > 1<<62 || q.Int64() < -(1<<62) {
		return 0, fmt.Errorf("value %q out of range", v)
	}
	return q.Int64(), nil
}

// storedSample is one sampled value as kept in meter_values.samples.
type storedSample struct {
	Measurand string `json:"measurand,omitempty"`
	Phase     string `json:"phase,omitempty"`
	Location  string `json:"location,omitempty"`
	Context   string `json:"context,omitempty"`
	Unit      string `json:"unit,omitempty"`
	Format    string `json:"format,omitempty"`
	Value     string `json:"value"`
}

// meterElement is one MeterValue of a message: the samples sharing a time
// stamp, as one meter_values row.
type meterElement struct {
	at       int64
	energyWh *int64
	samples  []storedSample
}

// meterElements groups samples into elements (consecutive samples with the
// same time stamp, as the codec flattened them) and extracts each element's
// register reading: the largest parseable whole-meter active import register
// value among its samples.
func meterElements(samples []volt.MeterSample) []meterElement {
	var out []meterElement
	for i, smp := range samples {
		at := toMS(smp.Timestamp)
		if i == 0 || out[len(out)-1].at != at {
			n := 1 // the element's samples: the run of this time stamp
			for n < len(samples)-i && toMS(samples[i+n].Timestamp) == at {
				n++
			}
			out = append(out, meterElement{at: at, samples: make([]storedSample, 0, n)})
		}
		out[len(out)-1].add(storedSample{Measurand: smp.Measurand, Phase: smp.Phase, Location: smp.Location,
			Context: smp.Context, Unit: smp.Unit, Format: smp.Format, Value: smp.Value})
	}
	return out
}

// add appends a sample to the element (the measurand defaulted to the
// energy register, as OCPP defines it) and keeps the largest register
// reading.
func (e *meterElement) add(smp storedSample) {
	if smp.Measurand == "" {
		smp.Measurand = measurandEnergyRegister
	}
	e.samples = append(e.samples, smp)
	if !isRegister(volt.MeterSample{Measurand: smp.Measurand, Phase: smp.Phase, Location: smp.Location, Format: smp.Format}) {
		return
	}
	if wh, err := energyWh(smp.Value, smp.Unit); err == nil && (e.energyWh == nil || wh > *e.energyWh) {
		e.energyWh = &wh
	}
}

// meterDigest identifies a MeterValues message's content: a message the
// charger resends after a lost answer has the same connector, transaction and
// samples, so the same digest. 128 bits of SHA-256, compared only between the
// messages of one transaction of one charger.
func meterDigest(r volt.MeterReport) string {
	buf := make([]byte, 0, 64+len(r.Samples)*96)
	buf = strconv.AppendInt(buf, int64(r.ConnectorID), 10)
	buf = append(buf, '|')
	if r.TransactionID != nil {
		buf = strconv.AppendInt(buf, *r.TransactionID, 10)
	}
	for _, smp := range r.Samples {
		buf = append(buf, '|')
		buf = strconv.AppendInt(buf, smp.Timestamp.UnixMilli(), 10)
		for _, f := range [...]string{smp.Measurand, smp.Phase, smp.Location, smp.Context, smp.Unit, smp.Format, smp.Value} {
			// Length-prefixed: no two different field lists give the same bytes.
			buf = append(buf, '|')
			buf = strconv.AppendInt(buf, int64(len(f)), 10)
			buf = append(buf, ':')
			buf = append(buf, f...)
		}
	}
	sum := sha256.Sum256(buf)
	return hex.EncodeToString(sum[:16])
}

// storeMeterValues stores a message's samples, one meter_values row per
// MeterValue, under txID (the session's transaction when linked to one), and
// reports whether it was the first delivery: a resent message conflicts on
// its digest and stores nothing. A message without samples stores nothing
// and is always "first".
func (s *ChargingService) storeMeterValues(ctx context.Context, tx *Tx, sessionID string, txID int64, connectorID int, r volt.MeterReport) (bool, error) {
	if len(r.Samples) == 0 {
		return true, nil
	}
	return insertMeterValues(ctx, tx, &s.stmts, r.CPID, txID, meterDigest(r), sessionID, connectorID, meterElements(r.Samples))
}

// insertMeterValues writes elements as meter_values rows in multi-row
// INSERTs and reports whether any row was new. stmts, when not nil, keeps
// the statements of small batches prepared.
func insertMeterValues(ctx context.Context, tx *Tx, stmts *stmtCache, cpid string, txID int64, digest, sessionID string,
	connectorID int, elements []meterElement) (bool, error) {
	now := tx.NowMS()
	inserted := false
	for seq := 0; seq < len(elements); {
		n := min(len(elements)-seq, maxMeterRowsPerInsert)
		args := make([]any, 0, n*meterValueCols)
		for i, e := range elements[seq : seq+n] {
			js, err := json.Marshal(e.samples)
			if err != nil {
				return false, fmt.Errorf("encode meter samples: %w", err)
			}
			args = append(args, cpid, txID, e.at, digest, seq+i, sessionID, connectorID, nullInt64(e.energyWh), string(js), now)
		}
		res, err := stmts.execRows(ctx, tx, n, `INSERT INTO meter_values (cpid, transaction_id, sampled_at, digest, seq,
			session_id, connector_id, energy_wh, samples, received_at) VALUES `+
			valuesRows(n, "(?, ?, ?, ?, ?, ?, ?, ?, ?, ?)")+` ON CONFLICT DO NOTHING`, args...)
		if err != nil {
			return false, fmt.Errorf("insert meter values: %w", err)
		}
		k, err := res.RowsAffected()
		if err != nil {
			return false, fmt.Errorf("insert meter values: %w", mapError(err))
		}
		inserted = inserted || k > 0
		seq += n
	}
	return inserted, nil
}
