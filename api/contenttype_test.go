package api

import (
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"

	"github.com/volt-ev/volt/store/storetest"
)

// TestBodyWithoutJSONContentType: `curl -d '{...}'` sends the form content
// type; the API reads the body as JSON anyway, and a real form body gets a
// 400 in the error shape rather than being accepted or hidden behind a 415.
func TestBodyWithoutJSONContentType(t *testing.T) {
	e := newEnv(t, storetest.SQLite(t))
	for _, tc := range []struct {
		name, contentType, body string
		status                  int
	}{
		{"form type with JSON body", "application/x-www-form-urlencoded", `{"email":"root@volt.example","password":"` + testPassword + `"}`, 200},
		{"no type with JSON body", "", `{"email":"root@volt.example","password":"` + testPassword + `"}`, 200},
		{"real form body", "application/x-www-form-urlencoded", "email=root%40volt.example&password=x", 400},
		{"xml stays refused", "application/xml", "<login/>", 415},
	} {
		t.Run(tc.name, func(t *testing.T) {
			req := httptest.NewRequest("POST", "/api/v1/auth/token", strings.NewReader(tc.body))
			if tc.contentType != "" {
				req.Header.Set("Content-Type", tc.contentType)
			}
			rec := httptest.NewRecorder()
			e.h.ServeHTTP(rec, req)
			if rec.Code != tc.status {
				t.Fatalf("status %d, want %d: %s", rec.Code, tc.status, rec.Body)
			}
			if tc.status == http.StatusOK && !strings.Contains(rec.Body.String(), `"token"`) {
				t.Fatalf("no token in %s", rec.Body)
			}
			if tc.status >= 400 {
				errorShape(t, rec.Body.Bytes())
			}
		})
	}
}
