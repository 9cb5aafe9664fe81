package store

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"strings"

	"github.com/volt-ev/volt"
)

// Issue 19: paying approved home reimbursement claims, once, by the
// owner's chosen method (wallet, Bacs Standard 18 file, payroll CSV).

var _ volt.FleetPayouts = (*FleetService)(nil)

// errPaidMeanwhile: another request paid the claim between the check and
// the insert; PayClaim then answers that payout.
var errPaidMeanwhile = errors.New("claim paid meanwhile")

// ownerRef loads an owner's CPO and checks the actor may read it (not
// found otherwise).
func ownerRef(ctx context.Context, q querier, a *volt.Actor, ownerID string) (volt.Ref, error) {
	ref := volt.Ref{OwnerID: ownerID}
	err := q.QueryRow(ctx, `SELECT cpo_id FROM owners WHERE id = ?`, ownerID).Scan(&ref.CPOID)
	if err != nil || !a.Can(volt.PermRead, ref) {
		return ref, notFound(errors.Join(err, sql.ErrNoRows), "Owner", ownerID)
	}
	return ref, nil
}

func payoutSettings(ctx context.Context, q querier, ownerID string) (*volt.PayoutSettings, error) {
	p := &volt.PayoutSettings{OwnerID: ownerID}
	var updated int64
	err := q.QueryRow(ctx, `SELECT cpo_id, method, originator_sort, originator_account, originator_name, service_user_number, updated_at
		FROM owner_payout_settings WHERE owner_id = ?`, ownerID).
		Scan(&p.CPOID, &p.Method, &p.Originator.SortCode, &p.Originator.AccountNumber, &p.Originator.Name, &p.ServiceUserNumber, &updated)
	if errors.Is(err, sql.ErrNoRows) {
		return volt.DefaultPayoutSettings(ownerID), nil
	} else if err != nil {
		return nil, fmt.Errorf("payout settings of %s: %w", ownerID, err)
	}
	p.UpdatedAt = fromMS(updated)
	return p, nil
}

// FindPayoutSettings answers an owner's payout settings (the wallet by
// default) to the owner's readers.
func (s *FleetService) FindPayoutSettings(ctx context.Context, ownerID string) (*volt.PayoutSettings, error) {
	a, err := actorOf(ctx)
	if err != nil {
		return nil, err
	}
	ref, err := ownerRef(ctx, s.db, a, ownerID)
	if err != nil {
		return nil, err
	}
	p, err := payoutSettings(ctx, s.db, ownerID)
	if err != nil {
		return nil, err
	}
	p.CPOID = ref.CPOID
	return p, nil
}

// SetPayoutSettings stores an owner's payout settings: the owner's admins
// (and the CPO's above them).
func (s *FleetService) SetPayoutSettings(ctx context.Context, p *volt.PayoutSettings) error {
	a, err := actorOf(ctx)
	if err != nil {
		return err
	}
	if err := p.Validate(); err != nil {
		return err
	}
	return s.db.WithTx(ctx, func(tx *Tx) error {
		ref, err := ownerRef(ctx, tx, a, p.OwnerID)
		if err != nil {
			return err
		}
		if !a.Can(volt.PermWrite, ref) {
			return forbidden("owner's payout settings")
		}
		p.CPOID, p.UpdatedAt = ref.CPOID, tx.Now()
		_, err = tx.Exec(ctx, `INSERT INTO owner_payout_settings (owner_id, cpo_id, method, originator_sort, originator_account, originator_name,
			service_user_number, updated_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?)
			ON CONFLICT (owner_id) DO UPDATE SET method = excluded.method, originator_sort = excluded.originator_sort,
			originator_account = excluded.originator_account, originator_name = excluded.originator_name,
			service_user_number = excluded.service_user_number, updated_at = excluded.updated_at`,
			p.OwnerID, p.CPOID, p.Method, p.Originator.SortCode, p.Originator.AccountNumber, p.Originator.Name, p.ServiceUserNumber, tx.NowMS())
		if err != nil {
			return fmt.Errorf("payout settings of %s: %w", p.OwnerID, err)
		}
		return nil
	})
}

// FindClaimPayout answers how a claim the actor may read was paid.
func (s *FleetService) FindClaimPayout(ctx context.Context, claimID string) (*volt.ClaimPayout, error) {
	if _, err := s.FindClaimByID(ctx, claimID); err != nil {
		return nil, err
	}
	p, err := findPayout(ctx, s.db, claimID)
	if errors.Is(err, sql.ErrNoRows) {
		return nil, volt.Errorf(volt.ENOTFOUND, "Reimbursement claim %q is not paid yet.", claimID)
	} else if err != nil {
		return nil, fmt.Errorf("payout of %s: %w", claimID, err)
	}
	return p, nil
}

// PayClaim pays an approved claim once (the owner's admins and the
// fleet's managers, never the claiming driver) and marks it paid with the
// payout's reference: to the driver's wallet (a ledger posting), by a
// complete Bacs Standard 18 file of exactly the claim's amount (from the
// owner's account and service user number), or by a payroll CSV line. An
// empty method or originator takes the owner's payout settings. A claim
// already paid answers its payout, whatever the method asked: the file is
// made once and nothing is paid twice, even by concurrent requests.
func (s *FleetService) PayClaim(ctx context.Context, claimID, method string, from, to volt.BankAccount) (*volt.ClaimPayout, error) {
	a, err := actorOf(ctx)
	if err != nil {
		return nil, err
	}
	if method != "" && !volt.ValidPayoutMethod(method) {
		return nil, volt.FieldError("method", "Payout method must be wallet, bacs18 or payroll_csv, got %q.", method)
	}
	// Bank details given are checked before anything else (bad input
	// names its field whatever the claim's state).
	for _, acct := range []struct {
		b     *volt.BankAccount
		field string
	}{{&from, "originator"}, {&to, "beneficiary"}} {
		if *acct.b != (volt.BankAccount{}) {
			acct.b.Normalize()
			if err := acct.b.Validate(acct.field); err != nil {
				return nil, err
			}
		}
	}
	var p *volt.ClaimPayout
	// Two files of one owner made at once may take the same serial number:
	// the loser takes the next one.
	for attempt := 0; attempt < 8; attempt++ {
		err = s.db.WithTx(ctx, func(tx *Tx) error {
			p, err = payClaim(ctx, tx, a, s.Bacs, claimID, method, from, to)
			return err
		})
		if !volt.IsCode(err, volt.ECONFLICT) {
			break
		}
	}
	if errors.Is(err, errPaidMeanwhile) {
		return findPayout(ctx, s.db, claimID)
	}
	if err != nil {
		return nil, err
	}
	return p, nil
}

func payClaim(ctx context.Context, tx *Tx, a *volt.Actor, cal volt.BacsCalendar, claimID, method string, from, to volt.BankAccount) (*volt.ClaimPayout, error) {
	c, err := scanRClaim(tx.QueryRow(ctx, `SELECT `+rclaimCols+` FROM reimbursement_claims WHERE id = ?`, claimID))
	if err != nil || !canReadFleet(a, c.CPOID, c.OwnerID, c.FleetID, c.UserID) {
		return nil, notFound(errors.Join(err, sql.ErrNoRows), "Reimbursement claim", claimID)
	}
	if !canManageFleet(a, c.CPOID, c.OwnerID, c.FleetID) || (a.UserID == c.UserID && !a.SuperAdmin) {
		return nil, forbidden("fleet's claims")
	}
	if p, err := findPayout(ctx, tx, claimID); err == nil {
		return p, nil // paid once
	} else if !errors.Is(err, sql.ErrNoRows) {
		return nil, fmt.Errorf("payout of %s: %w", claimID, err)
	}
	if c.State != volt.ClaimIsApproved {
		return nil, volt.Errorf(volt.EUNPROCESSABLE, "Claim %s is %s: only an approved claim is paid.", claimID, c.State)
	}
	if c.Amount == 0 {
		return nil, volt.Errorf(volt.EUNPROCESSABLE, "Claim %s pays nothing.", claimID)
	}
	set, err := payoutSettings(ctx, tx, c.OwnerID)
	if err != nil {
		return nil, err
	}
	if method == "" {
		method = set.Method
	}
	p := &volt.ClaimPayout{ClaimID: c.ID, Method: method, Amount: c.Amount, Currency: c.Currency, CreatedAt: tx.Now()}
	// The bank and payroll reference: EV, the month and the claim, within
	// the 18 characters Bacs carries.
	bankRef := "EV" + strings.ReplaceAll(c.Month, "-", "") + strings.ToUpper(strings.TrimPrefix(c.ID, "rcl_"))
	bankRef = bankRef[:min(len(bankRef), 18)]
	serial := 0
	switch method {
	case volt.PayoutWallet:
		p.Reference = "claim:" + c.ID // the ledger posting's idempotency key
		_, err = post(ctx, tx, &volt.Posting{IdempotencyKey: p.Reference, Kind: volt.PostReimbursement, Currency: c.Currency, Ref: c.ID,
			Memo:    fmt.Sprintf("claim %s: %d Wh at %s on %s", c.Month, c.PaidWh, c.Rate, c.CPID),
			Entries: volt.ReimbursementEntries(c.OwnerID, c.UserID, c.Amount, c.Currency)})
		if err != nil {
			return nil, err
		}
	case volt.PayoutBacs18:
		if c.Currency != "GBP" {
			return nil, volt.Errorf(volt.EUNPROCESSABLE, "Bacs pays sterling; claim %s is in %s.", claimID, c.Currency)
		}
		if set.ServiceUserNumber == "" {
			return nil, volt.FieldError("serviceUserNumber", "Owner %s has no Bacs service user number: set its payout settings first.", c.OwnerID)
		}
		if from == (volt.BankAccount{}) {
			from = set.Originator
		}
		from.Normalize()
		to.Normalize()
		if err := from.Validate("originator"); err != nil {
			return nil, err
		}
		if err := to.Validate("beneficiary"); err != nil {
			return nil, err
		}
		if err := tx.QueryRow(ctx, `SELECT COALESCE(MAX(serial), 0) + 1 FROM reimbursement_payouts WHERE owner_id = ?`, c.OwnerID).Scan(&serial); err != nil {
			return nil, fmt.Errorf("bacs serial of %s: %w", c.OwnerID, err)
		}
		p.Reference = bankRef
		var b strings.Builder
		sub := volt.Bacs18Submission{ServiceUserNumber: set.ServiceUserNumber, Serial: serial % 1_000_000, Created: p.CreatedAt,
			ProcessingDay: cal.ProcessingDay(p.CreatedAt)}
		if sub.Serial == 0 {
			sub.Serial = 1
		}
		if err := volt.WriteBacs18File(&b, sub, from, []volt.Bacs18Credit{{To: to, Amount: c.Amount, Reference: p.Reference}}); err != nil {
			return nil, err
		}
		p.File = b.String()
	case volt.PayoutPayrollCSV:
		line := volt.PayrollLine{ClaimID: c.ID, Month: c.Month, CPID: c.CPID, PaidWh: c.PaidWh, Rate: c.Rate, Amount: c.Amount,
			Currency: c.Currency, Reference: bankRef}
		if err := tx.QueryRow(ctx, `SELECT email, name FROM users WHERE id = ?`, c.UserID).Scan(&line.DriverEmail, &line.DriverName); err != nil {
			return nil, notFound(err, "User", c.UserID)
		}
		p.Reference = bankRef
		var b strings.Builder
		if err := volt.WritePayrollCSV(&b, []volt.PayrollLine{line}); err != nil {
			return nil, err
		}
		p.File = b.String()
	}
	res, err := tx.Exec(ctx, `INSERT INTO reimbursement_payouts (claim_id, month, method, reference, amount, currency, file, created_at, owner_id, serial)
		VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?) ON CONFLICT (claim_id) DO NOTHING`,
		c.ID, c.Month, p.Method, p.Reference, p.Amount, p.Currency, p.File, tx.NowMS(), c.OwnerID, serial)
	if err != nil {
		return nil, fmt.Errorf("payout of %s: %w", claimID, err)
	}
	if n, _ := res.RowsAffected(); n == 0 {
		return nil, errPaidMeanwhile
	}
	_, err = tx.Exec(ctx, `UPDATE reimbursement_claims SET state = ?, payout_method = ?, payout_reference = ?, paid_at = ? WHERE id = ? AND state = ?`,
		volt.ClaimIsPaid, p.Method, p.Reference, tx.NowMS(), c.ID, volt.ClaimIsApproved)
	if err != nil {
		return nil, fmt.Errorf("mark claim %s paid: %w", claimID, err)
	}
	return p, nil
}

func findPayout(ctx context.Context, q querier, claimID string) (*volt.ClaimPayout, error) {
	p := &volt.ClaimPayout{ClaimID: claimID}
	var created int64
	err := q.QueryRow(ctx, `SELECT method, reference, amount, currency, file, created_at FROM reimbursement_payouts WHERE claim_id = ?`, claimID).
		Scan(&p.Method, &p.Reference, &p.Amount, &p.Currency, &p.File, &created)
	if err != nil {
		return nil, err
	}
	p.CreatedAt = fromMS(created)
	return p, nil
}
