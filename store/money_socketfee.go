package store

import (
	"context"
	"fmt"
	"time"

	"github.com/volt-ev/volt"
)

// feePeriod returns the period containing at (UTC): its key ("2026-03" or
// "2026"), start and end.
func feePeriod(p volt.FeePeriod, at time.Time) (string, time.Time, time.Time) {
	at = at.UTC()
	if p == volt.FeeAnnual {
		s := time.Date(at.Year(), 1, 1, 0, 0, 0, 0, time.UTC)
		return s.Format("2006"), s, s.AddDate(1, 0, 0)
	}
	s := time.Date(at.Year(), at.Month(), 1, 0, 0, 0, 0, time.UTC)
	return s.Format("2006-01"), s, s.AddDate(0, 1, 0)
}

// ChargeSocketFees is the scheduled socket-fee job: for every CPO whose
// socket fee has the given period, it bills each owner's sockets (connectors
// of live chargers) for the period containing at, plus the fee's percentage
// of the income those sockets earned in it, to the CPO (receivable) as
// platform fee income. Each (owner, period) is charged once whatever how
// often the job runs. It returns how many charges it made.
func (m *MoneyService) ChargeSocketFees(ctx context.Context, period volt.FeePeriod, at time.Time) (int, error) {
	a, err := actorOf(ctx)
	if err != nil {
		return 0, err
	}
	if !a.SuperAdmin {
		return 0, volt.Errorf(volt.EFORBIDDEN, "Only the platform bills socket fees.")
	}
	key, start, end := feePeriod(period, at)
	rows, err := m.db.Query(ctx, `SELECT cpo_id FROM cpo_money_settings WHERE fees <> '' ORDER BY cpo_id`)
	if err != nil {
		return 0, fmt.Errorf("socket fees: %w", err)
	}
	var cpos []string
	for rows.Next() {
		var id string
		if err := rows.Scan(&id); err != nil {
			rows.Close()
			return 0, mapError(err)
		}
		cpos = append(cpos, id)
	}
	rows.Close()
	n := 0
	for _, cpo := range cpos {
		set, err := moneySettings(ctx, m.db, cpo)
		if err != nil {
			return n, err
		}
		if set.Fees == nil || set.Fees.Socket.Period != period {
			continue
		}
		err = m.db.WithTx(ctx, func(tx *Tx) error {
			c, err := chargeCPOSocketFees(ctx, tx, set, key, start, end)
			n += c
			return err
		})
		if err != nil {
			return n, fmt.Errorf("socket fees of %s for %s: %w", cpo, key, err)
		}
	}
	return n, nil
}

func chargeCPOSocketFees(ctx context.Context, tx *Tx, set *volt.MoneySettings, key string, start, end time.Time) (int, error) {
	rows, err := tx.Query(ctx, `SELECT o.id,
		(SELECT count(*) FROM connectors k JOIN chargers c ON c.cpid = k.cpid WHERE c.owner_id = o.id AND c.deleted_at IS NULL),
		(SELECT COALESCE(SUM(incl_vat), 0) FROM income_lines i WHERE i.owner_id = o.id AND i.stopped_at >= ? AND i.stopped_at < ?)
		FROM owners o WHERE o.cpo_id = ? ORDER BY o.id`, toMS(start), toMS(end), set.CPOID)
	if err != nil {
		return 0, err
	}
	type due struct {
		owner          string
		sockets        int
		income, amount int64
	}
	var dues []due
	exp := volt.CurrencyExponent(set.Currency)
	for rows.Next() {
		var d due
		if err := rows.Scan(&d.owner, &d.sockets, &d.income); err != nil {
			rows.Close()
			return 0, mapError(err)
		}
		d.amount = set.Fees.Socket.Charge(d.sockets, d.income, exp)
		dues = append(dues, d)
	}
	rows.Close()
	n := 0
	for _, d := range dues {
		res, err := tx.Exec(ctx, `INSERT INTO socket_fee_charges (cpo_id, owner_id, period, period_start, sockets, currency, amount, created_at)
			VALUES (?, ?, ?, ?, ?, ?, ?, ?) ON CONFLICT (owner_id, period) DO NOTHING`,
			set.CPOID, d.owner, key, toMS(start), d.sockets, set.Currency, d.amount, tx.NowMS())
		if err != nil {
			return n, err
		}
		if k, _ := res.RowsAffected(); k == 0 || d.amount == 0 {
			continue
		}
		if _, err := post(ctx, tx, &volt.Posting{IdempotencyKey: "socketfee:" + d.owner + ":" + key, Kind: volt.PostSocketFee,
			Currency: set.Currency, Ref: d.owner, Memo: fmt.Sprintf("%d sockets, %s", d.sockets, key),
			Entries: volt.SocketFeeEntries(set.CPOID, d.amount, set.Currency)}); err != nil {
			return n, err
		}
		n++
	}
	return n, nil
}
