package httperr

import (
	"errors"
	"fmt"
	"net/http/httptest"
	"strings"
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

func TestFormText(t *testing.T) {
	for _, c := range []struct {
		method, target, body, field string
	}{
		{"GET", "/admin/tickets?q=ok", "", ""},
		{"GET", "/admin/tickets?q=%00", "", "q"},
		{"GET", "/admin/tickets?q=a%0Ab", "", "q"},
		{"GET", "/admin/x%00y", "", "path"},
		{"GET", "/admin/tickets?q=%FF", "", "q"},
		{"POST", "/admin/sites", "name=Quay%00Street&city=Bristol", "name"},
		{"POST", "/admin/tickets/1/reply", "body=line+one%0D%0Aline+two%09tab", ""},
		{"POST", "/admin/cards", "label=%07", "label"},
		{"POST", "/admin/cards", "label=%C3%28", "label"},
	} {
		r := httptest.NewRequest(c.method, c.target, strings.NewReader(c.body))
		if c.body != "" {
			r.Header.Set("Content-Type", "application/x-www-form-urlencoded")
		}
		if f, why := FormText(r); f != c.field || (f != "" && why == "") {
			t.Errorf("%s %s %q: field %q (%s), want %q", c.method, c.target, c.body, f, why, c.field)
		}
	}
}
