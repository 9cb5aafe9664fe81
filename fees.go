package volt

// FeeRule is a platform fee: a flat amount, a percentage of the amount it is
// levied on, or both (Flat + Percent % of the amount). Amounts include VAT.
// Percent is a percentage ("1.5" is 1.5 %), not a fraction.
type FeeRule struct {
	Flat    Decimal `json:"flat"`
	Percent Decimal `json:"percent"`
}

// Validate checks the rule for a currency: non-negative parts, a flat part in
// whole minor units, a percentage of at most 100.
func (f FeeRule) Validate(currency string) error {
	if err := checkPrice("flat", f.Flat); err != nil {
		return err
	}
	if _, ok := f.Flat.ExactMinor(CurrencyExponent(currency)); !ok {
		return FieldError("flat", "Flat fee must be a whole number of minor units of %s, got %s.", currency, f.Flat)
	}
	if f.Percent.Sign() < 0 || f.Percent.Cmp(NewDecimalInt(100)) > 0 {
		return FieldError("percent", "Fee percentage must be from 0 to 100, got %s.", f.Percent)
	}
	return nil
}

// Apply returns the fee on amount (minor units of a currency with exponent
// exp): the flat part plus Percent % of amount, the percentage part rounded
// half away from zero to minor units. A fee on a zero amount is the flat
// part; on a refund (negative amount) the percentage part is negative too.
func (f FeeRule) Apply(amount int64, exp int) int64 {
	pct := mul128(absU(amount), uint64(f.Percent.micro)).divRound(100 * decimalScale)
	if amount < 0 {
		pct = -pct
	}
	return f.Flat.RoundMinor(exp) + pct
}

// FeePeriod is how often a socket fee is charged.
type FeePeriod string

// Socket fee periods.
const (
	FeeMonthly FeePeriod = "monthly"
	FeeAnnual  FeePeriod = "annual"
)

// SocketFee is charged per socket every Period: Rule.Flat per socket, plus
// Rule.Percent % of the income those sockets earned in the period.
type SocketFee struct {
	Period FeePeriod `json:"period"`
	Rule   FeeRule   `json:"rule"`
}

// Validate checks the socket fee for a currency.
func (s SocketFee) Validate(currency string) error {
	if s.Period != FeeMonthly && s.Period != FeeAnnual {
		return FieldError("period", "Socket fee period must be %q or %q, got %q.", FeeMonthly, FeeAnnual, s.Period)
	}
	return s.Rule.Validate(currency)
}

// Charge returns the socket fee for one period: sockets × flat plus the
// percentage of income (minor units, VAT included) the sockets earned.
func (s SocketFee) Charge(sockets int, income int64, exp int) int64 {
	flat := s.Rule.Flat.RoundMinor(exp) * int64(max(sockets, 0))
	return flat + FeeRule{Percent: s.Rule.Percent}.Apply(income, exp)
}

// Fees are the platform fees an owner pays, in the CPO's currency, amounts
// including VAT at VATRate.
type Fees struct {
	Currency    string    `json:"currency"`
	VATRate     Decimal   `json:"vatRate"`
	Transaction FeeRule   `json:"transaction"` // per payment
	Socket      SocketFee `json:"socket"`
}

// Validate checks the fees.
func (f *Fees) Validate() error {
	if !ValidCurrency(f.Currency) {
		return FieldError("currency", "Unknown currency %q.", f.Currency)
	}
	if f.VATRate.Sign() < 0 || f.VATRate.Cmp(NewDecimalInt(1)) >= 0 {
		return FieldError("vatRate", "VAT rate must be a fraction from 0 to below 1, got %s.", f.VATRate)
	}
	if err := f.Transaction.Validate(f.Currency); err != nil {
		return err
	}
	return f.Socket.Validate(f.Currency)
}

// SameFees reports whether two fee settings are the same (nil is none).
func SameFees(a, b *Fees) bool {
	if a == nil || b == nil {
		return a == b
	}
	return *a == *b
}
