package volt

import (
	"fmt"
	"io"
	"regexp"
	"strings"
	"time"
)

// Issue 19: paying approved home reimbursement claims by a Bacs Standard 18
// payment file.

// BankAccount is a UK bank account: 6-digit sort code, 8-digit account
// number, and the account's name as Bacs carries it (18 characters).
type BankAccount struct {
	SortCode      string `json:"sortCode"`
	AccountNumber string `json:"accountNumber"`
	Name          string `json:"name"`
}

var (
	sortCodeRe = regexp.MustCompile(`^[0-9]{6}$`)
	accountRe  = regexp.MustCompile(`^[0-9]{8}$`)
	// bacsText is the Bacs character set used here: upper-case letters,
	// digits, space and . & / -.
	bacsText = regexp.MustCompile(`[^A-Z0-9 .&/-]`)
)

// Normalize removes the separators people type in sort codes and account
// numbers ("12-34-56").
func (b *BankAccount) Normalize() {
	strip := strings.NewReplacer("-", "", " ", "")
	b.SortCode, b.AccountNumber = strip.Replace(b.SortCode), strip.Replace(b.AccountNumber)
	b.Name = strings.TrimSpace(b.Name)
}

// Validate checks an account (after Normalize); field prefixes the field
// names in errors ("originator", "beneficiary").
func (b *BankAccount) Validate(field string) error {
	switch {
	case !sortCodeRe.MatchString(b.SortCode):
		return FieldError(field+".sortCode", "Sort code must be 6 digits.")
	case !accountRe.MatchString(b.AccountNumber):
		return FieldError(field+".accountNumber", "Account number must be 8 digits.")
	case bacsField(b.Name, 18) == strings.Repeat(" ", 18):
		return FieldError(field+".name", "Account name is required.")
	}
	return nil
}

// bacsField upper-cases s, replaces characters outside the Bacs set by
// spaces and pads or cuts it to n.
func bacsField(s string, n int) string {
	s = bacsText.ReplaceAllString(strings.ToUpper(s), " ")
	if len(s) > n {
		return s[:n]
	}
	return s + strings.Repeat(" ", n-len(s))
}

// Bacs18Credit is one credit of a payment file.
type Bacs18Credit struct {
	To        BankAccount
	Amount    int64  // pence
	Reference string // shown on the beneficiary's statement
}

// Bacs transaction codes.
const (
	bacsCredit = "99"
	bacsContra = "17"
)

// WriteBacs18 writes the data records of a Standard 18 file (100-character
// records, CRLF): one credit (transaction code 99) per payment from the
// originator's account, and the balancing contra debit (code 17) of the
// total on the originator's account. Amounts are pence, 11 digits.
// WriteBacs18File wraps them in the labels for direct submission.
func WriteBacs18(w io.Writer, from BankAccount, credits []Bacs18Credit) error {
	if len(credits) == 0 {
		return Errorf(EUNPROCESSABLE, "A payment file has at least one credit.")
	}
	var total int64
	var b strings.Builder
	for i, c := range credits {
		if c.Amount <= 0 || c.Amount > 99_999_999_999 {
			return FieldError(fmt.Sprintf("credits[%d].amount", i), "A Bacs credit is 1 to 99 999 999 999 pence, got %d.", c.Amount)
		}
		total += c.Amount
		fmt.Fprintf(&b, "%s%s0%s%s%s    %011d%s%s%s\r\n", c.To.SortCode, c.To.AccountNumber, bacsCredit, from.SortCode, from.AccountNumber,
			c.Amount, bacsField(from.Name, 18), bacsField(c.Reference, 18), bacsField(c.To.Name, 18))
	}
	if total > 99_999_999_999 {
		return Errorf(EUNPROCESSABLE, "The file's total %d pence is more than a contra carries.", total)
	}
	fmt.Fprintf(&b, "%s%s0%s%s%s    %011d%s%s%s\r\n", from.SortCode, from.AccountNumber, bacsContra, from.SortCode, from.AccountNumber,
		total, bacsField("CONTRA", 18), bacsField(credits[0].Reference, 18), bacsField(from.Name, 18))
	_, err := io.WriteString(w, b.String())
	return err
}

// ClaimPayout is how an approved claim was paid, once: by the driver's
// wallet, by a Bacs Standard 18 file or by a payroll CSV line, whose
// reference the claim carries.
type ClaimPayout struct {
	ClaimID   string `json:"claimId"`
	Method    string `json:"method"` // wallet, bacs18, payroll_csv
	Reference string `json:"reference"`
	Amount    int64  `json:"amount"`
	Currency  string `json:"currency"`
	// File is the Bacs file or the payroll CSV (not for the wallet).
	File      string    `json:"file,omitempty"`
	CreatedAt time.Time `json:"createdAt"`
}

// Payout methods.
const (
	PayoutWallet = "wallet"
	PayoutBacs18 = "bacs18"
)
