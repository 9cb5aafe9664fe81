package volt

import "strings"

// ValidateLegal tidies and checks the CPO's receipt details: the legal name
// (at most 200 characters), the registered address (at most 500, lines
// kept) and the VAT number, written without spaces in capitals: two
// letters of the country and 2 to 13 letters or digits ("GB123456789",
// "DE123456789"). All are optional.
func (c *CPO) ValidateLegal() error {
	c.LegalName = strings.TrimSpace(c.LegalName)
	c.LegalAddress = strings.TrimSpace(strings.ReplaceAll(c.LegalAddress, "\r\n", "\n"))
	c.VATNumber = strings.ToUpper(strings.Join(strings.Fields(c.VATNumber), ""))
	switch {
	case len(c.LegalName) > 200:
		return FieldError("legalName", "Legal name is at most 200 characters.")
	case len(c.LegalAddress) > 500:
		return FieldError("legalAddress", "Legal address is at most 500 characters.")
	case c.VATNumber != "" && !validVATNumber(c.VATNumber):
		return FieldError("vatNumber", "VAT number must be a country code and 2 to 13 letters or digits, like GB123456789; got %q.", c.VATNumber)
	}
	return nil
}

func validVATNumber(s string) bool {
	if len(s) < 4 || len(s) > 15 || s[0] < 'A' || s[0] > 'Z' || s[1] < 'A' || s[1] > 'Z' {
		return false
	}
	for _, r := range s[2:] {
		if !(r >= 'A' && r <= 'Z' || r >= '0' && r <= '9') {
			return false
		}
	}
	return true
}
