package volt

import (
	"context"
	"encoding/csv"
	"fmt"
	"io"
	"strings"
	"time"
)

// Issue 19: how an owner (the company) pays its drivers' approved home
// reimbursement claims, and the payroll CSV export.

// PayoutPayrollCSV pays a claim through the company's payroll: the claim
// is exported as a CSV line the payroll adds to the driver's next pay.
const PayoutPayrollCSV = "payroll_csv"

// ValidPayoutMethod reports whether m is a payout method.
func ValidPayoutMethod(m string) bool {
	return m == PayoutWallet || m == PayoutBacs18 || m == PayoutPayrollCSV
}

// PayoutSettings is an owner's choice of how approved claims are paid:
// the method used when a payout names none, and for Bacs the company's
// account the credits come from and its service user number.
type PayoutSettings struct {
	OwnerID string `json:"ownerId"`
	CPOID   string `json:"cpoId"`
	// Method is wallet, bacs18 or payroll_csv.
	Method            string      `json:"method"`
	Originator        BankAccount `json:"originator"`
	ServiceUserNumber string      `json:"serviceUserNumber"`
	UpdatedAt         time.Time   `json:"updatedAt"`
}

// DefaultPayoutSettings is what an owner that chose nothing pays by: the
// driver's wallet.
func DefaultPayoutSettings(ownerID string) *PayoutSettings {
	return &PayoutSettings{OwnerID: ownerID, Method: PayoutWallet}
}

// Validate checks settings (normalizing the account): Bacs needs the
// originator's account and service user number; the others keep them
// only when given.
func (p *PayoutSettings) Validate() error {
	p.Originator.Normalize()
	p.ServiceUserNumber = strings.TrimSpace(p.ServiceUserNumber)
	if !ValidPayoutMethod(p.Method) {
		return FieldError("method", "Payout method must be wallet, bacs18 or payroll_csv, got %q.", p.Method)
	}
	if p.Method != PayoutBacs18 && p.Originator == (BankAccount{}) && p.ServiceUserNumber == "" {
		return nil
	}
	if err := p.Originator.Validate("originator"); err != nil {
		return err
	}
	return ValidateSUN("serviceUserNumber", p.ServiceUserNumber)
}

// PayrollLine is one approved claim in a payroll export.
type PayrollLine struct {
	DriverEmail string
	DriverName  string
	ClaimID     string
	Month       string
	CPID        string
	PaidWh      int64
	Rate        Decimal
	Amount      int64
	Currency    string
	Reference   string
}

// PayrollCSVHeader is the first line of a payroll export.
var PayrollCSVHeader = []string{"employee_email", "employee_name", "claim_id", "month", "home_charger", "energy_kwh",
	"rate_per_kwh", "amount", "currency", "reference"}

// WritePayrollCSV writes a payroll export: the header and one line per
// claim, amounts as exact decimals of the currency ("2.50"), energy in kWh
// with three decimals. Text a spreadsheet would run as a formula is
// quoted with a leading apostrophe.
func WritePayrollCSV(w io.Writer, lines []PayrollLine) error {
	if len(lines) == 0 {
		return Errorf(EUNPROCESSABLE, "A payroll export has at least one claim.")
	}
	cw := csv.NewWriter(w)
	cw.UseCRLF = true
	if err := cw.Write(PayrollCSVHeader); err != nil {
		return fmt.Errorf("payroll csv: %w", err)
	}
	for _, l := range lines {
		err := cw.Write([]string{spreadsheetSafe(l.DriverEmail), spreadsheetSafe(l.DriverName), l.ClaimID, l.Month, spreadsheetSafe(l.CPID),
			NewDecimalMicro(l.PaidWh * 1000).StringFixed(3), l.Rate.String(), FormatMinor(l.Amount, l.Currency), l.Currency, l.Reference})
		if err != nil {
			return fmt.Errorf("payroll csv: %w", err)
		}
	}
	cw.Flush()
	if err := cw.Error(); err != nil {
		return fmt.Errorf("payroll csv: %w", err)
	}
	return nil
}

// spreadsheetSafe defuses a cell a spreadsheet would run as a formula.
func spreadsheetSafe(s string) string {
	if s != "" && strings.ContainsRune("=+-@\t\r", rune(s[0])) {
		return "'" + s
	}
	return s
}

// FleetPayouts is the payout side of the fleet service: the owner's
// payout settings and the paid claims' files.
type FleetPayouts interface {
	// FindPayoutSettings answers an owner's settings (the defaults when it
	// chose none): the owner's readers.
	FindPayoutSettings(ctx context.Context, ownerID string) (*PayoutSettings, error)
	// SetPayoutSettings stores an owner's settings: the owner's admins.
	SetPayoutSettings(ctx context.Context, p *PayoutSettings) error
	// FindClaimPayout answers how a readable claim was paid (ENOTFOUND
	// when it is not paid yet).
	FindClaimPayout(ctx context.Context, claimID string) (*ClaimPayout, error)
}
