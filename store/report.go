package store

import (
	"context"
	"fmt"

	"github.com/volt-ev/volt"
)

// ReportService implements volt.ReportService: income reports aggregated in
// SQL over income_lines (one row per charged CDR, indexed by scope and stop
// time) and socket_fee_charges.
type ReportService struct {
	db *DB
}

var _ volt.ReportService = (*ReportService)(nil)

// NewReportService returns the report service of db.
func NewReportService(db *DB) *ReportService { return &ReportService{db: db} }

// IncomeReport returns the income of a CPO, owner or site in a period, for an
// actor who may read it.
func (s *ReportService) IncomeReport(ctx context.Context, f volt.IncomeFilter) (*volt.IncomeReport, error) {
	a, err := actorOf(ctx)
	if err != nil {
		return nil, err
	}
	if err := f.Validate(); err != nil {
		return nil, err
	}
	col, id := "cpo_id", f.CPOID
	switch {
	case f.SiteID != "":
		col, id = "site_id", f.SiteID
	case f.OwnerID != "":
		col, id = "owner_id", f.OwnerID
	}
	ref, err := reportRef(ctx, s.db, col, id)
	if err != nil || !a.Can(volt.PermRead, ref) {
		return nil, volt.Errorf(volt.ENOTFOUND, "Nothing to report for %q.", id)
	}
	r := &volt.IncomeReport{Filter: f, Sites: []volt.IncomeLine{}}
	if err := s.db.QueryRow(ctx, `SELECT currency FROM cpos WHERE id = ?`, ref.CPOID).Scan(&r.Currency); err != nil {
		return nil, notFound(err, "CPO", ref.CPOID)
	}
	rows, err := s.db.Query(ctx, `SELECT site_id, channel, count(*), SUM(energy_wh), SUM(incl_vat), SUM(vat), SUM(transaction_fee)
		FROM income_lines WHERE `+col+` = ? AND stopped_at >= ? AND stopped_at < ? GROUP BY site_id, channel ORDER BY site_id`,
		id, toMS(f.From), toMS(f.To))
	if err != nil {
		return nil, fmt.Errorf("income report: %w", err)
	}
	defer rows.Close()
	for rows.Next() {
		var l volt.IncomeLine
		var channel string
		if err := rows.Scan(&l.SiteID, &channel, &l.Sessions, &l.EnergyWh, &l.DirectIncome, &l.VAT, &l.TransactionFees); err != nil {
			return nil, fmt.Errorf("income report: %w", mapError(err))
		}
		addIncome(r, channel, l)
	}
	if err := rows.Err(); err != nil {
		return nil, mapError(err)
	}
	if f.SiteID == "" { // socket fees are per owner; a site report has none
		err = s.db.QueryRow(ctx, `SELECT COALESCE(SUM(amount), 0) FROM socket_fee_charges WHERE `+col+` = ? AND period_start >= ? AND period_start < ?`,
			id, toMS(f.From), toMS(f.To)).Scan(&r.SocketFees)
		if err != nil {
			return nil, fmt.Errorf("socket fees: %w", err)
		}
	}
	if r.ThirdPartyByPartner, err = thirdPartyByPartner(ctx, s.db, col, id, f.From, f.To); err != nil { // issue 14
		return nil, err
	}
	r.Finish()
	return r, nil
}

func addIncome(r *volt.IncomeReport, channel string, l volt.IncomeLine) {
	switch channel {
	case volt.ChannelCredit:
		r.CreditIncome += l.DirectIncome
	case volt.ChannelContactless:
		r.ContactlessIncome += l.DirectIncome
	case volt.ChannelRoaming:
		r.ThirdPartyIncome += l.DirectIncome
	default:
		r.AppIncome += l.DirectIncome
	}
	r.Sessions += l.Sessions
	r.EnergyWh += l.EnergyWh
	r.VAT += l.VAT
	r.TransactionFees += l.TransactionFees
	if n := len(r.Sites); n > 0 && r.Sites[n-1].SiteID == l.SiteID {
		s := &r.Sites[n-1]
		s.Sessions += l.Sessions
		s.EnergyWh += l.EnergyWh
		s.DirectIncome += l.DirectIncome
		s.VAT += l.VAT
		s.TransactionFees += l.TransactionFees
		return
	}
	r.Sites = append(r.Sites, l)
}

// reportRef locates a CPO, owner or site in the hierarchy.
func reportRef(ctx context.Context, q querier, col, id string) (volt.Ref, error) {
	switch col {
	case "cpo_id":
		var n int
		err := q.QueryRow(ctx, `SELECT count(*) FROM cpos WHERE id = ?`, id).Scan(&n)
		if err == nil && n == 0 {
			err = volt.Errorf(volt.ENOTFOUND, "CPO %q not found.", id)
		}
		return volt.Ref{CPOID: id}, err
	case "owner_id":
		ref := volt.Ref{OwnerID: id}
		return ref, q.QueryRow(ctx, `SELECT cpo_id FROM owners WHERE id = ?`, id).Scan(&ref.CPOID)
	default:
		var ref volt.Ref
		return ref, q.QueryRow(ctx, `SELECT cpo_id, owner_id FROM sites WHERE id = ?`, id).Scan(&ref.CPOID, &ref.OwnerID)
	}
}
