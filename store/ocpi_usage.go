package store

import (
	"context"

	"github.com/volt-ev/volt"
)

// SessionUsage returns a session's tariff snapshot and its usage as it was
// priced: the register readings stored for it and, once stopped, the stop
// reading (issue 14: a CDR's charging periods, volt.ChargePeriods). A
// session without a snapshot has a nil one. The actor must see the session
// (FindSessionByID's rule).
func (s *ChargingService) SessionUsage(ctx context.Context, sessionID string) (*volt.TariffSnapshot, volt.Usage, error) {
	sess, err := s.FindSessionByID(ctx, sessionID)
	if err != nil {
		return nil, volt.Usage{}, err
	}
	u := volt.Usage{Start: sess.StartedAt, MeterStartWh: sess.MeterStart, ExportedWh: sess.ExportedWh}
	err = s.db.WithTx(ctx, func(tx *Tx) error {
		u.Readings, err = sessionReadings(ctx, tx, sess)
		return err
	})
	if err != nil {
		return nil, volt.Usage{}, err
	}
	if sess.StoppedAt != nil && sess.MeterStop != nil {
		u.Readings = append(u.Readings, volt.MeterReading{At: *sess.StoppedAt, Wh: *sess.MeterStop})
	}
	if len(sess.TariffSnapshot) == 0 {
		return nil, u, nil
	}
	snap, err := volt.ParseTariffSnapshot(sess.TariffSnapshot)
	if err != nil {
		return nil, volt.Usage{}, err
	}
	return snap, u, nil
}
