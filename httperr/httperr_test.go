package httperr

import (
	"errors"
	"fmt"
	"testing"

	volt "github.com/volt-ev/volt"
)

func TestStatus(t *testing.T) {
	for code, want := range map[string]int{
		volt.EINVALID: 400, volt.EUNAUTHORIZED: 401, volt.EFORBIDDEN: 403, volt.ENOTFOUND: 404,
		volt.ECONFLICT: 409, volt.ECHARGEROFFLINE: 409, volt.EUNPROCESSABLE: 422, volt.ERATELIMITED: 429,
		volt.EINTERNAL: 500, volt.ENOTIMPLEMENTED: 501, volt.ECALLERROR: 502, volt.EUNAVAILABLE: 503, volt.ETIMEOUT: 504,
	} {
		if got, ok := Status(code); got != want || !ok {
			t.Errorf("Status(%q) = %d, %v; want %d", code, got, ok, want)
		}
	}
	if got, ok := Status("no_such_code"); got != 500 || ok {
		t.Errorf("unknown code: %d %v", got, ok)
	}
	wrapped := fmt.Errorf("find charger: %w", volt.Errorf(volt.ENOTFOUND, "gone"))
	if got := StatusOf(wrapped); got != 404 {
		t.Errorf("wrapped not found: %d", got)
	}
	if got := StatusOf(errors.New("disk on fire")); got != 500 {
		t.Errorf("plain error: %d", got)
	}
}
