package store

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
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

// sampleCols is the number of columns of one meter_samples row.
const sampleCols = 12

// maxCachedSampleRows is the largest multi-row sample INSERT kept prepared
// (one statement per row count, so the cache stays small).
const maxCachedSampleRows = 12

// maxSamplesPerInsert keeps a multi-row INSERT under both engines' limits on
// bound parameters.
const maxSamplesPerInsert = 200

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
		out, err = s.recordMeter(ctx, tx, r)
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
		for _, r := range reports {
			sess, err := s.recordMeter(ctx, tx, r)
			if err != nil {
				return fmt.Errorf("%s/%d: %w", r.CPID, r.ConnectorID, err)
			}
			out = append(out, sess)
		}
		return nil
	})
	if err != nil {
		return nil, fmt.Errorf("record meter values batch: %w", err)
	}
	return out, nil
}

func (s *ChargingService) recordMeter(ctx context.Context, tx *Tx, r volt.MeterReport) (*volt.Session, error) {
	var sess *sessionRow
	var err error
	switch {
	case r.TransactionID != nil:
		sess, err = s.sessionWhere(ctx, tx, `origin = 'start' AND cpid = ? AND transaction_id = ?`, r.CPID, *r.TransactionID)
	case r.ConnectorID > 0:
		sess, err = s.sessionWhere(ctx, tx, `cpid = ? AND connector_id = ? AND status = 'active'`, r.CPID, r.ConnectorID)
	}
	if err != nil {
		return nil, fmt.Errorf("find session: %w", err)
	}
	sessionID, connector := "", r.ConnectorID
	if sess != nil {
		sessionID = sess.ID
		if connector <= 0 {
			connector = sess.ConnectorID
		}
	}
	fresh, err := firstDelivery(ctx, tx, r)
	if err != nil {
		return nil, err
	}
	if fresh {
		if err := s.insertSamples(ctx, tx, sessionID, r.CPID, connector, r.TransactionID, r.Samples); err != nil {
			return nil, err
		}
	}
	if sess == nil {
		return nil, nil
	}
	if !fresh || sess.Status != volt.SessionActive || !s.applyReadings(sess, r.Samples) {
		return sess.result(), nil
	}
	cost, err := s.price(ctx, tx, &sess.Session, nil)
	if err != nil {
		return nil, err
	}
	sess.LiveCost = cost
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

// firstDelivery records the digest of a MeterValues message and reports
// whether it is the first delivery: a message the charger resends after a
// lost answer has the same connector, transaction and samples, so the same
// digest, and is not stored again. A message without samples stores nothing
// and is always "first".
func firstDelivery(ctx context.Context, tx *Tx, r volt.MeterReport) (bool, error) {
	if len(r.Samples) == 0 {
		return true, nil
	}
	h := sha256.New()
	fmt.Fprintf(h, "%d|", r.ConnectorID)
	if r.TransactionID != nil {
		fmt.Fprintf(h, "%d", *r.TransactionID)
	}
	for _, smp := range r.Samples {
		fmt.Fprintf(h, "|%d|%q|%q|%q|%q|%q|%q|%q", smp.Timestamp.UnixMilli(), smp.Measurand, smp.Phase, smp.Location,
			smp.Context, smp.Unit, smp.Format, smp.Value)
	}
	res, err := tx.Exec(ctx, `INSERT INTO meter_messages (cpid, digest, created_at) VALUES (?, ?, ?) ON CONFLICT DO NOTHING`,
		r.CPID, hex.EncodeToString(h.Sum(nil)), tx.NowMS())
	if err != nil {
		return false, fmt.Errorf("record meter message: %w", err)
	}
	n, err := res.RowsAffected()
	if err != nil {
		return false, fmt.Errorf("record meter message: %w", mapError(err))
	}
	return n > 0, nil
}

// insertSamples stores samples as sent, in multi-row INSERTs.
func (s *ChargingService) insertSamples(ctx context.Context, tx *Tx, sessionID, cpid string, connectorID int, txID *int64, samples []volt.MeterSample) error {
	var tid any
	if txID != nil {
		tid = *txID
	}
	for len(samples) > 0 {
		n := min(len(samples), maxSamplesPerInsert)
		var b strings.Builder
		b.WriteString(`INSERT INTO meter_samples (session_id, cpid, connector_id, transaction_id, sampled_at,
			measurand, phase, location, context, unit, format, value) VALUES `)
		args := make([]any, 0, n*sampleCols)
		for i, smp := range samples[:n] {
			if i > 0 {
				b.WriteString(", ")
			}
			b.WriteString("(?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)")
			m := smp.Measurand
			if m == "" {
				m = measurandEnergyRegister
			}
			args = append(args, sessionID, cpid, connectorID, tid, toMS(smp.Timestamp), m,
				smp.Phase, smp.Location, smp.Context, smp.Unit, smp.Format, smp.Value)
		}
		var err error
		if n <= maxCachedSampleRows {
			_, err = s.stmts.exec(ctx, tx, b.String(), args...)
		} else {
			_, err = tx.Exec(ctx, b.String(), args...)
		}
		if err != nil {
			return fmt.Errorf("insert meter samples: %w", err)
		}
		samples = samples[n:]
	}
	return nil
}
