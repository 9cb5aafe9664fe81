package store

import (
	"context"
	"fmt"
	"sort"

	"github.com/volt-ev/volt"
)

var _ volt.PlatformReportService = (*ReportService)(nil)

// PlatformIncome returns the platform's fees per CPO and month: transaction
// fees from income_lines (by stop time), socket fees from socket_fee_charges
// (by period start), VAT at each CPO's fee VAT rate.
func (s *ReportService) PlatformIncome(ctx context.Context, f volt.PlatformIncomeFilter) (*volt.PlatformIncomeReport, error) {
	a, err := actorOf(ctx)
	if err != nil {
		return nil, err
	}
	if !a.SuperAdmin {
		// The platform's own report is outside every tenant's read scope.
		return nil, volt.Errorf(volt.ENOTFOUND, "No platform income report: it is the super admins'.")
	}
	if err := f.Validate(); err != nil {
		return nil, err
	}
	r := &volt.PlatformIncomeReport{Filter: f, Lines: []volt.PlatformIncomeLine{}, Totals: []volt.PlatformIncomeLine{}}
	type key struct{ cpo, cur string }
	for _, m := range volt.Months(f.From, f.To) {
		month := m[0].Format("2006-01")
		lines := map[key]*volt.PlatformIncomeLine{}
		get := func(cpo, cur string) *volt.PlatformIncomeLine {
			k := key{cpo, cur}
			if lines[k] == nil {
				lines[k] = &volt.PlatformIncomeLine{CPOID: cpo, Month: month, Currency: cur}
			}
			return lines[k]
		}
		w := &where{}
		w.add("stopped_at >= ? AND stopped_at < ?", toMS(m[0]), toMS(m[1]))
		w.eq("cpo_id", f.CPOID)
		rows, err := s.db.Query(ctx, `SELECT cpo_id, currency, count(*), COALESCE(SUM(transaction_fee), 0) FROM income_lines WHERE `+
			w.String()+` GROUP BY cpo_id, currency`, w.args...)
		if err != nil {
			return nil, fmt.Errorf("platform income: %w", err)
		}
		for rows.Next() {
			var cpo, cur string
			var n, fees int64
			if err := rows.Scan(&cpo, &cur, &n, &fees); err != nil {
				rows.Close()
				return nil, mapError(err)
			}
			l := get(cpo, cur)
			l.Sessions, l.TransactionFees = n, fees
		}
		rows.Close()
		w = &where{}
		w.add("period_start >= ? AND period_start < ?", toMS(m[0]), toMS(m[1]))
		w.eq("cpo_id", f.CPOID)
		rows, err = s.db.Query(ctx, `SELECT cpo_id, currency, COALESCE(SUM(amount), 0) FROM socket_fee_charges WHERE `+
			w.String()+` GROUP BY cpo_id, currency`, w.args...)
		if err != nil {
			return nil, fmt.Errorf("platform income: %w", err)
		}
		for rows.Next() {
			var cpo, cur string
			var fees int64
			if err := rows.Scan(&cpo, &cur, &fees); err != nil {
				rows.Close()
				return nil, mapError(err)
			}
			get(cpo, cur).SocketFees = fees
		}
		rows.Close()
		var byCPO []volt.PlatformIncomeLine
		for _, l := range lines {
			if err := s.finishPlatformLine(ctx, l); err != nil {
				return nil, err
			}
			if l.Fees != 0 || l.Sessions != 0 {
				byCPO = append(byCPO, *l)
			}
		}
		sort.Slice(byCPO, func(i, j int) bool {
			if byCPO[i].CPOName != byCPO[j].CPOName {
				return byCPO[i].CPOName < byCPO[j].CPOName
			}
			return byCPO[i].CPOID < byCPO[j].CPOID
		})
		r.Lines = append(r.Lines, byCPO...)
	}
	for _, l := range r.Lines {
		i := sort.Search(len(r.Totals), func(i int) bool { return r.Totals[i].Currency >= l.Currency })
		if i == len(r.Totals) || r.Totals[i].Currency != l.Currency {
			r.Totals = append(r.Totals[:i], append([]volt.PlatformIncomeLine{{Currency: l.Currency}}, r.Totals[i:]...)...)
		}
		r.Totals[i].Add(l)
	}
	return r, nil
}

// finishPlatformLine names the CPO and splits the fees into VAT at its fee
// VAT rate and the rest.
func (s *ReportService) finishPlatformLine(ctx context.Context, l *volt.PlatformIncomeLine) error {
	if err := s.db.QueryRow(ctx, `SELECT name FROM cpos WHERE id = ?`, l.CPOID).Scan(&l.CPOName); err != nil {
		l.CPOName = l.CPOID // a CPO since deleted keeps its fees
	}
	l.Fees = l.TransactionFees + l.SocketFees
	rate := volt.Decimal{}
	if set, err := moneySettings(ctx, s.db, l.CPOID); err == nil && set.Fees != nil {
		rate = set.Fees.VATRate
	}
	l.FeesExclVAT, l.VAT = volt.VATOf(l.Fees, rate)
	return nil
}
