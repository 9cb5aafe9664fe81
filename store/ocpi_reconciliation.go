package store

import (
	"context"
	"encoding/json"
	"fmt"
	"sort"
	"time"

	"github.com/volt-ev/volt"
)

var _ volt.RoamingReconciler = (*OCPIService)(nil)

// reconCDR is what the reconciliation reads of a partner's CDR.
type reconCDR struct {
	ID        string `json:"id"`
	SessionID string `json:"session_id"`
	End       string `json:"end_date_time"`
	Currency  string `json:"currency"`
	TotalCost struct {
		InclVAT json.Number `json:"incl_vat"`
		ExclVAT json.Number `json:"excl_vat"`
	} `json:"total_cost"`
	Token struct {
		UID string `json:"uid"`
	} `json:"cdr_token"`
}

// reconSession is what it reads of a partner's session.
type reconSession struct {
	ID     string `json:"id"`
	End    string `json:"end_date_time"`
	Status string `json:"status"`
	Token  struct {
		UID string `json:"uid"`
	} `json:"cdr_token"`
}

// RoamingReconciliation compares a partner CPO's CDRs of the month (by
// their end) with what Volt owes it in the roaming payable, and lists the
// sessions it reported completed that month with no CDR yet. The partner
// must be readable by the actor.
func (s *OCPIService) RoamingReconciliation(ctx context.Context, partnerID string, month time.Time) (*volt.RoamingReconciliation, error) {
	p, err := s.FindOCPIPartnerByID(ctx, partnerID)
	if err != nil {
		return nil, err
	}
	from := time.Date(month.Year(), month.Month(), 1, 0, 0, 0, 0, time.UTC)
	to := from.AddDate(0, 1, 0)
	r := &volt.RoamingReconciliation{PartnerID: p.ID, PartnerName: p.Name, Month: from.Format("2006-01"), Lines: []volt.RoamingReconLine{}}
	inMonth := func(ts string) bool {
		t, err := time.Parse(time.RFC3339, ts)
		return err == nil && !t.Before(from) && t.Before(to)
	}
	// What Volt owes, by CDR (credits to the partner's payable account).
	owed := map[string]int64{}
	rows, err := s.db.Query(ctx, `SELECT p.ref, e.amount FROM ledger_postings p JOIN ledger_entries e ON e.posting_id = p.id
		WHERE e.account = ? AND p.kind = ? AND p.created_at >= ?`, volt.AccountRoamingPayable(p.ID), string(volt.PostRoamingCharge), toMS(from))
	if err != nil {
		return nil, fmt.Errorf("roaming payable of %s: %w", p.ID, err)
	}
	for rows.Next() {
		var ref string
		var amount int64
		if err := rows.Scan(&ref, &amount); err != nil {
			rows.Close()
			return nil, fmt.Errorf("roaming payable of %s: %w", p.ID, err)
		}
		owed[ref] -= amount // a credit: what Volt owes
	}
	rows.Close()
	if err := rows.Err(); err != nil {
		return nil, err
	}
	cdrs, err := s.partnerObjectsSince(ctx, p.ID, "cdrs", from)
	if err != nil {
		return nil, err
	}
	withCDR := map[string]bool{}
	for _, raw := range cdrs {
		var c reconCDR
		if json.Unmarshal(raw, &c) != nil {
			continue
		}
		withCDR[c.SessionID] = true
		if !inMonth(c.End) {
			continue
		}
		amount := c.TotalCost.InclVAT
		if amount == "" {
			amount = c.TotalCost.ExclVAT
		}
		var cost int64
		if d, err := volt.ParseDecimal(string(amount)); err == nil && volt.ValidCurrency(c.Currency) {
			cost = d.RoundMinor(volt.CurrencyExponent(c.Currency))
		}
		if r.Currency == "" {
			r.Currency = c.Currency
		}
		l := volt.RoamingReconLine{CDRID: c.ID, SessionID: c.SessionID, TokenUID: c.Token.UID, EndedAt: c.End, TheirCost: cost, OurPayable: owed[c.ID]}
		_, billed := owed[c.ID]
		switch {
		case !billed:
			l.Status = volt.ReconNotBilled
		case l.OurPayable != cost:
			l.Status = volt.ReconAmountDiffers
		default:
			l.Status = volt.ReconMatched
		}
		r.TheirCDRs++
		r.TheirTotal += cost
		r.Payable += l.OurPayable
		r.Lines = append(r.Lines, l)
	}
	sessions, err := s.partnerObjectsSince(ctx, p.ID, "sessions", from)
	if err != nil {
		return nil, err
	}
	for _, raw := range sessions {
		var x reconSession
		if json.Unmarshal(raw, &x) != nil || x.Status != "COMPLETED" || !inMonth(x.End) || withCDR[x.ID] {
			continue
		}
		r.Lines = append(r.Lines, volt.RoamingReconLine{SessionID: x.ID, TokenUID: x.Token.UID, EndedAt: x.End, Status: volt.ReconNoCDR})
	}
	for _, l := range r.Lines {
		if l.Status != volt.ReconMatched {
			r.Mismatches++
		}
	}
	sort.SliceStable(r.Lines, func(i, j int) bool { return r.Lines[i].EndedAt < r.Lines[j].EndedAt })
	return r, nil
}

// partnerObjectsSince returns a partner's objects of a module last
// updated at or after since.
func (s *OCPIService) partnerObjectsSince(ctx context.Context, partnerID, module string, since time.Time) ([]json.RawMessage, error) {
	rows, err := s.db.Query(ctx, `SELECT data FROM ocpi_partner_objects WHERE partner_id = ? AND module = ? AND last_updated >= ?`,
		partnerID, module, toMS(since))
	if err != nil {
		return nil, fmt.Errorf("%s of partner %s: %w", module, partnerID, err)
	}
	defer rows.Close()
	var out []json.RawMessage
	for rows.Next() {
		var d string
		if err := rows.Scan(&d); err != nil {
			return nil, fmt.Errorf("%s of partner %s: %w", module, partnerID, err)
		}
		out = append(out, json.RawMessage(d))
	}
	return out, rows.Err()
}
