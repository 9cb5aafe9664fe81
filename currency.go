package volt

// currencies lists the ISO 4217 currencies Volt prices in, with their minor
// unit exponent. Add one here to support it.
var currencies = map[string]int{
	"GBP": 2, "EUR": 2, "USD": 2, "CHF": 2, "SEK": 2, "NOK": 2, "DKK": 2, "PLN": 2,
	"CZK": 2, "HUF": 2, "CAD": 2, "AUD": 2, "NZD": 2, "JPY": 0,
}

// ValidCurrency reports whether code is a supported ISO 4217 currency.
func ValidCurrency(code string) bool { _, ok := currencies[code]; return ok }

// CurrencyExponent returns the number of minor-unit digits of a currency (2 for
// GBP: pence), or -1 for an unknown currency.
func CurrencyExponent(code string) int {
	if e, ok := currencies[code]; ok {
		return e
	}
	return -1
}
