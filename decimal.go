package volt

import (
	"encoding/json"
	"fmt"
	"math"
	"math/bits"
	"strconv"
	"strings"
)

// DecimalPlaces is the fixed number of fraction digits a Decimal holds: prices
// such as 0.123456 per kWh are exact, finer amounts are rejected on input.
const DecimalPlaces = 6

// decimalScale is 10^DecimalPlaces, the coefficient of 1.
const decimalScale = 1_000_000

// maxDecimalIntDigits bounds the integer part on input (12 digits) so that the
// sum or difference of two parsed Decimals never overflows int64.
const maxDecimalIntDigits = 12

// Decimal is an exact decimal number with six fraction digits, held as an
// int64 count of millionths. It is the type of every price in Volt: no float
// is ever involved. Its zero value is 0. In JSON it is a string ("0.45").
type Decimal struct{ micro int64 }

// NewDecimalMicro returns the Decimal of micro millionths (NewDecimalMicro(450000) is 0.45).
func NewDecimalMicro(micro int64) Decimal { return Decimal{micro} }

// NewDecimalInt returns the Decimal of a whole number.
func NewDecimalInt(n int64) Decimal { return Decimal{n * decimalScale} }

// DecimalFromMinor returns the Decimal of an amount in minor units of a
// currency with exponent exp (DecimalFromMinor(1234, 2) is 12.34).
func DecimalFromMinor(amount int64, exp int) Decimal {
	return Decimal{amount * pow10(DecimalPlaces-exp)}
}

// MustDecimal parses s and panics on error; for constants and tests.
func MustDecimal(s string) Decimal {
	d, err := ParseDecimal(s)
	if err != nil {
		panic(err)
	}
	return d
}

// ParseDecimal parses a plain decimal string: an optional '-', digits, and
// optionally '.' followed by at most six digits ("0.45", "-12", "3.000001").
// Exponents, NaN, infinities, '+', spaces, more than six fraction digits or
// more than twelve integer digits are errors (EINVALID) saying what is wrong.
func ParseDecimal(s string) (Decimal, error) {
	bad := func(why string) (Decimal, error) {
		return Decimal{}, Errorf(EINVALID, "%q is not a decimal amount: %s.", s, why)
	}
	if s == "" {
		return bad("empty")
	}
	str, neg := s, false
	if str[0] == '-' {
		neg, str = true, str[1:]
	}
	intPart, frac, hasDot := strings.Cut(str, ".")
	if intPart == "" || (hasDot && frac == "") {
		return bad(`expected digits like "0.45"`)
	}
	for _, part := range []string{intPart, frac} {
		for i := 0; i < len(part); i++ {
			if c := part[i]; c < '0' || c > '9' {
				return bad(fmt.Sprintf("unexpected character %q (use plain digits, no exponent)", c))
			}
		}
	}
	intPart = strings.TrimLeft(intPart, "0")
	if len(intPart) > maxDecimalIntDigits {
		return bad(fmt.Sprintf("more than %d integer digits", maxDecimalIntDigits))
	}
	if len(frac) > DecimalPlaces {
		return bad(fmt.Sprintf("more than %d decimal places", DecimalPlaces))
	}
	var coef int64
	for _, c := range intPart + frac + strings.Repeat("0", DecimalPlaces-len(frac)) {
		coef = coef*10 + int64(c-'0')
	}
	if neg {
		coef = -coef
	}
	return Decimal{coef}, nil
}

// String returns the shortest plain form: "0.45", "12", "-0.000001".
func (d Decimal) String() string {
	u := uint64(d.micro)
	sign := ""
	if d.micro < 0 {
		sign, u = "-", uint64(-d.micro) // -MinInt64 wraps to its magnitude as uint64
	}
	ip, fp := u/decimalScale, u%decimalScale
	if fp == 0 {
		return sign + strconv.FormatUint(ip, 10)
	}
	f := strings.TrimRight(fmt.Sprintf("%06d", fp), "0")
	return sign + strconv.FormatUint(ip, 10) + "." + f
}

// StringFixed returns d rounded half-up to places (0..6) fraction digits and
// written with exactly that many ("0.5" with 2 places is "0.50").
func (d Decimal) StringFixed(places int) string {
	places = min(max(places, 0), DecimalPlaces)
	r := d.Round(places)
	s := r.String()
	if places == 0 {
		return s
	}
	ip, fp, _ := strings.Cut(s, ".")
	return ip + "." + fp + strings.Repeat("0", places-len(fp))
}

// MarshalJSON writes the decimal as a JSON string.
func (d Decimal) MarshalJSON() ([]byte, error) { return []byte(`"` + d.String() + `"`), nil }

// UnmarshalJSON reads a decimal from a JSON string ("0.45"). A bare JSON
// number is read from its text, exactly, under the same rules.
func (d *Decimal) UnmarshalJSON(b []byte) error {
	s := string(b)
	if s == "null" {
		return nil
	}
	if len(s) >= 2 && s[0] == '"' {
		if err := json.Unmarshal(b, &s); err != nil {
			return Errorf(EINVALID, "decimal amount: %v", err)
		}
	}
	v, err := ParseDecimal(s)
	if err != nil {
		return err
	}
	*d = v
	return nil
}

// Micro returns the coefficient: d in millionths.
func (d Decimal) Micro() int64 { return d.micro }

// IsZero reports whether d is 0.
func (d Decimal) IsZero() bool { return d.micro == 0 }

// Sign returns -1, 0 or 1.
func (d Decimal) Sign() int {
	switch {
	case d.micro < 0:
		return -1
	case d.micro > 0:
		return 1
	}
	return 0
}

// Cmp compares d and e: -1 if d < e, 0 if equal, 1 if d > e.
func (d Decimal) Cmp(e Decimal) int {
	switch {
	case d.micro < e.micro:
		return -1
	case d.micro > e.micro:
		return 1
	}
	return 0
}

// Add returns d+e. Parsed values (at most 12 integer digits) never overflow.
func (d Decimal) Add(e Decimal) Decimal { return Decimal{d.micro + e.micro} }

// Sub returns d-e.
func (d Decimal) Sub(e Decimal) Decimal { return Decimal{d.micro - e.micro} }

// Neg returns -d.
func (d Decimal) Neg() Decimal { return Decimal{-d.micro} }

// MulInt returns d*n exactly, or an error on overflow.
func (d Decimal) MulInt(n int64) (Decimal, error) {
	hi, lo := bits.Mul64(absU(d.micro), absU(n))
	if hi != 0 || lo > math.MaxInt64 {
		return Decimal{}, Errorf(EINVALID, "%s × %d overflows.", d, n)
	}
	v := int64(lo)
	if (d.micro < 0) != (n < 0) {
		v = -v
	}
	return Decimal{v}, nil
}

// Round returns d rounded to places (0..6) fraction digits, half away from
// zero ("round half up" as accountants mean it: 0.125 → 0.13, -0.125 → -0.13).
func (d Decimal) Round(places int) Decimal {
	places = min(max(places, 0), DecimalPlaces)
	unit := pow10(DecimalPlaces - places)
	return Decimal{roundDivHalfUp(d.micro, unit) * unit}
}

// RoundMinor returns d in minor units of a currency with exponent exp (2 for
// GBP), rounded half away from zero: 0.125 GBP is 13 pence.
func (d Decimal) RoundMinor(exp int) int64 {
	return roundDivHalfUp(d.micro, pow10(DecimalPlaces-exp))
}

// ExactMinor returns d in minor units of a currency with exponent exp, and
// false if d has more fraction digits than the currency's minor unit.
func (d Decimal) ExactMinor(exp int) (int64, bool) {
	unit := pow10(DecimalPlaces - exp)
	return d.micro / unit, d.micro%unit == 0
}

// roundDivHalfUp returns n/d rounded half away from zero; d > 0.
func roundDivHalfUp(n, d int64) int64 {
	q, r := n/d, n%d
	if r < 0 {
		r = -r
	}
	if uint64(r)*2 >= uint64(d) {
		if n < 0 {
			q--
		} else {
			q++
		}
	}
	return q
}

// pow10 returns 10^n for 0 <= n <= 18.
func pow10(n int) int64 {
	p := int64(1)
	for range n {
		p *= 10
	}
	return p
}

func absU(n int64) uint64 {
	if n < 0 {
		return uint64(-n)
	}
	return uint64(n)
}
