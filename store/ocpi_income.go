package store

import (
	"context"
	"encoding/json"
	"fmt"
	"strings"
	"time"

	"github.com/volt-ev/volt"
)

// RoamingCDRsToQueue returns CDRs stopped since then on the CPOs' chargers
// that a partner's token paid for and that are not queued yet, with the
// partner: a sweep over state, so a CDR written while Volt stopped is
// still sent (nothing depends on an event being heard).
func (s *OCPIService) RoamingCDRsToQueue(ctx context.Context, since time.Time, limit int) ([]volt.RoamingCDR, error) {
	rows, err := s.db.Query(ctx, `SELECT `+prefixCols("c.", cdrCols)+`, (SELECT t.partner_id FROM ocpi_tokens t WHERE t.cpo_id = c.cpo_id
		AND t.uid_norm = upper(c.id_tag) ORDER BY t.last_updated DESC LIMIT 1)
		FROM cdrs c WHERE c.stopped_at >= ? AND c.user_id = '' AND c.credits_cdr_id = ''
		AND EXISTS (SELECT 1 FROM ocpi_tokens t WHERE t.cpo_id = c.cpo_id AND t.uid_norm = upper(c.id_tag))
		AND NOT EXISTS (SELECT 1 FROM ocpi_roaming_cdrs r WHERE r.cdr_id = c.id) ORDER BY c.stopped_at LIMIT ?`, toMS(since), limit)
	if err != nil {
		return nil, fmt.Errorf("roaming CDRs: %w", err)
	}
	defer rows.Close()
	var out []volt.RoamingCDR
	for rows.Next() {
		var partner string
		cdr, err := scanCDR(withExtra{rowScanner: rows, extra: &partner})
		if err != nil {
			return nil, fmt.Errorf("roaming CDRs: %w", err)
		}
		out = append(out, volt.RoamingCDR{CDR: cdr, PartnerID: partner})
	}
	return out, rows.Err()
}

// QueueRoamingCDR queues the push of a roaming CDR to its partner and
// writes its third-party income (channel roaming, net of the CPO's fees
// and VAT as other income), in one transaction and once: a second call
// for the same CDR does nothing.
func (s *OCPIService) QueueRoamingCDR(ctx context.Context, r volt.RoamingCDR, push *volt.OCPIPush) error {
	return s.db.WithTx(ctx, func(tx *Tx) error {
		res, err := tx.Exec(ctx, `INSERT INTO ocpi_roaming_cdrs (cdr_id, partner_id, cpo_id, queued_at, body) VALUES (?, ?, ?, ?, ?)
			ON CONFLICT (cdr_id) DO NOTHING`, r.CDR.ID, r.PartnerID, r.CDR.CPOID, tx.NowMS(), string(push.Body))
		if err != nil {
			return fmt.Errorf("queue roaming CDR %s: %w", r.CDR.ID, err)
		}
		if n, _ := res.RowsAffected(); n == 0 {
			return nil
		}
		push.ID = volt.NewID("opu")
		_, err = tx.Exec(ctx, `INSERT INTO ocpi_pushes (id, partner_id, module, object_id, method, url, body, attempts, next_at, created_at)
			VALUES (?, ?, ?, ?, ?, ?, ?, 0, ?, ?)`, push.ID, r.PartnerID, push.Module, push.ObjectID, push.Method, push.URL, string(push.Body),
			tx.NowMS(), tx.NowMS())
		if err != nil {
			return fmt.Errorf("queue roaming CDR %s: %w", r.CDR.ID, err)
		}
		f, err := cdrFactsOf(ctx, tx, r.CDR.SessionID)
		if err != nil {
			return err
		}
		if f.Cost.InclVAT <= 0 {
			return nil
		}
		set, err := moneySettings(ctx, tx, f.CPOID)
		if err != nil {
			return err
		}
		return insertIncome(ctx, tx, f, volt.ChannelRoaming, volt.ChargeSplit(&f.Cost, set.Fees, f.CPOID, f.OwnerID))
	})
}

// thirdPartyByPartner returns a report's roaming income per partner.
func thirdPartyByPartner(ctx context.Context, q querier, col, id string, from, to time.Time) ([]volt.ThirdPartyIncome, error) {
	rows, err := q.Query(ctx, `SELECT p.id, p.name, count(*), SUM(i.energy_wh), SUM(i.incl_vat), SUM(i.vat)
		FROM income_lines i JOIN ocpi_roaming_cdrs r ON r.cdr_id = i.cdr_id JOIN ocpi_partners p ON p.id = r.partner_id
		WHERE i.`+col+` = ? AND i.stopped_at >= ? AND i.stopped_at < ? AND i.channel = ? GROUP BY p.id, p.name ORDER BY p.name`,
		id, toMS(from), toMS(to), volt.ChannelRoaming)
	if err != nil {
		return nil, fmt.Errorf("third-party income: %w", err)
	}
	defer rows.Close()
	out := []volt.ThirdPartyIncome{}
	for rows.Next() {
		var l volt.ThirdPartyIncome
		if err := rows.Scan(&l.PartnerID, &l.PartnerName, &l.Sessions, &l.EnergyWh, &l.Income, &l.VAT); err != nil {
			return nil, fmt.Errorf("third-party income: %w", err)
		}
		out = append(out, l)
	}
	return out, rows.Err()
}

// prefixCols qualifies a column list with a table alias ("c.").
func prefixCols(prefix, cols string) string {
	parts := strings.Split(cols, ",")
	for i, p := range parts {
		parts[i] = prefix + strings.TrimSpace(p)
	}
	return strings.Join(parts, ", ")
}

// withExtra scans a row whose columns are a scanner's and then more.
type withExtra struct {
	rowScanner
	extra any
	more  []any
}

func (w withExtra) Scan(dest ...any) error {
	return w.rowScanner.Scan(append(append(dest, w.extra), w.more...)...)
}

// BillRoamingCDR charges Volt's driver for a partner CPO's CDR, once per
// partner and CDR (the posting's idempotency key): the driver's fleet's
// account when the fleet pays (billFleetRoaming, issue 19), else from the
// wallet when it covers it, else the card on file, else a debt
// (ocpi_card.go).
func (s *OCPIService) BillRoamingCDR(ctx context.Context, partnerID, cdrID, tokenUID string, cost int64, currency string) (*volt.RoamingBill, error) {
	p, err := s.FindOCPIPartnerSystem(ctx, partnerID)
	if err != nil {
		return nil, err
	}
	b := &volt.RoamingBill{PartnerID: partnerID, CDRID: cdrID, Currency: currency, Cost: cost, Margin: volt.RoamingMargin(cost, p.RoamingMarginPercent)}
	b.Total = b.Cost + b.Margin
	var fresh bool // billed by this call (a replay leaves a pending card to its first call or RetryFailed)
	err = s.db.WithTx(ctx, func(tx *Tx) error {
		// The token is a driver's card or the APP_USER token of a driver's
		// app account (a start from the app).
		err := tx.QueryRow(ctx, `SELECT c.user_id FROM rfid_cards c JOIN users u ON u.id = c.user_id WHERE c.uid_norm = ? AND u.cpo_id = ?
			UNION ALL SELECT a.user_id FROM ocpi_app_tokens a JOIN users u ON u.id = a.user_id WHERE a.uid_norm = ? AND u.cpo_id = ?`,
			volt.NormalizeIDTag(tokenUID), p.CPOID, volt.NormalizeIDTag(tokenUID), p.CPOID).Scan(&b.UserID)
		if err != nil {
			return notFound(err, "Driver of token", tokenUID)
		}
		if b.Total <= 0 {
			return nil
		}
		if fleet, err := billFleetRoaming(ctx, tx, p, b); err != nil || fleet { // issue 19: the driver's fleet pays
			return err
		}
		if _, err := findRoamingBill(ctx, tx, partnerID, cdrID); volt.ErrorCode(err) == volt.ENOTFOUND {
			var n int
			if err := tx.QueryRow(ctx, `SELECT count(*) FROM ledger_postings WHERE idempotency_key = ?`, roamingKey(partnerID, cdrID)).Scan(&n); err != nil {
				return err
			}
			if n > 0 {
				// Paid by the fleet when it first came (its wallet is
				// off now): never again, and never by the driver's card.
				// Or a concurrent first call billed it and its card
				// charge posted between the two reads (PostgreSQL reads
				// each statement afresh): the bill is there now.
				prev, err := findRoamingBill(ctx, tx, partnerID, cdrID)
				switch {
				case err == nil:
					*b = *prev
				case volt.ErrorCode(err) != volt.ENOTFOUND:
					return err
				}
				return nil
			}
		}
		return s.payRoamingBill(ctx, tx, p, b, &fresh)
	})
	if err != nil {
		return nil, fmt.Errorf("bill roaming CDR %s: %w", cdrID, err)
	}
	if fresh && b.State == volt.RoamingBillPending && s.Cards != nil {
		return s.Cards.chargeRoamingCard(ctx, b)
	}
	return b, nil
}

// RoamingCDRsOf returns the CDRs sent to a partner queued in [from, to)
// (zero ends open), oldest first, as sent, with their total.
func (s *OCPIService) RoamingCDRsOf(ctx context.Context, partnerID string, from, to time.Time, offset, limit int) ([]json.RawMessage, int, error) {
	w := &where{}
	w.add("partner_id = ?", partnerID)
	if !from.IsZero() {
		w.add("queued_at >= ?", toMS(from))
	}
	if !to.IsZero() {
		w.add("queued_at < ?", toMS(to))
	}
	var total int
	if err := s.db.QueryRow(ctx, `SELECT count(*) FROM ocpi_roaming_cdrs WHERE `+w.String(), w.args...).Scan(&total); err != nil {
		return nil, 0, fmt.Errorf("roaming CDRs of %s: %w", partnerID, err)
	}
	rows, err := s.db.Query(ctx, `SELECT body FROM ocpi_roaming_cdrs WHERE `+w.String()+` ORDER BY queued_at, cdr_id LIMIT ? OFFSET ?`,
		append(w.args, limit, offset)...)
	if err != nil {
		return nil, 0, fmt.Errorf("roaming CDRs of %s: %w", partnerID, err)
	}
	defer rows.Close()
	out := []json.RawMessage{}
	for rows.Next() {
		var b string
		if err := rows.Scan(&b); err != nil {
			return nil, 0, err
		}
		out = append(out, json.RawMessage(b))
	}
	return out, total, rows.Err()
}
