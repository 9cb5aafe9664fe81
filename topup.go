package volt

import "context"

// DefaultMaxTopUpUnits is the largest wallet top-up, in major units of the
// CPO's currency, when the CPO has set none: 250.00.
const DefaultMaxTopUpUnits = 250

// DefaultMaxTopUp returns the default largest top-up in minor units of
// currency (25000 for GBP, 250 for JPY).
func DefaultMaxTopUp(currency string) int64 {
	n := int64(DefaultMaxTopUpUnits)
	for range max(CurrencyExponent(currency), 0) {
		n *= 10
	}
	return n
}

// FormatMinor formats minor units as an exact decimal of major units with
// the currency's digits ("250.00").
func FormatMinor(amount int64, currency string) string {
	exp := max(CurrencyExponent(currency), 0)
	return DecimalFromMinor(amount, exp).StringFixed(exp)
}

// CheckTopUp refuses a top-up above the maximum (minor units of its
// currency), naming the field and the maximum.
func CheckTopUp(amount Money, maxTopUp int64) error {
	if amount.Amount > maxTopUp {
		return FieldError("amount", "A top-up is at most %s %s, got %s %s.", FormatMinor(maxTopUp, amount.Currency),
			amount.Currency, FormatMinor(amount.Amount, amount.Currency), amount.Currency)
	}
	return nil
}

// TopUpLimits tells the largest top-up a driver may make (the money
// service): the smallest maximum of the driver's CPOs in that currency, or
// DefaultMaxTopUp when none has set one.
type TopUpLimits interface {
	MaxTopUp(ctx context.Context, userID, currency string) (Money, error)
}
