package store

import (
	"encoding/json"

	"github.com/volt-ev/volt"
)

// openingHoursJSON is a site's opening hours as stored ('[]': 24/7).
func openingHoursJSON(ps []volt.OpeningPeriod) string {
	if len(ps) == 0 {
		return "[]"
	}
	b, _ := json.Marshal(ps)
	return string(b)
}
