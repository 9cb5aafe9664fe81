package api

import (
	"context"
	"encoding/json"
	"io"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/volt-ev/volt"
)

// fakeAuth knows one token, for the tests that need no store.
type fakeAuth struct{ volt.AuthService }

func (fakeAuth) Authenticate(_ context.Context, token string) (*volt.Actor, error) {
	if token == "good" {
		return &volt.Actor{UserID: "usr_admin", SuperAdmin: true}, nil
	}
	return nil, volt.Errorf(volt.EUNAUTHORIZED, "Invalid or expired token.")
}

func (fakeAuth) Login(context.Context, string, string, string) (string, time.Time, error) {
	return "", time.Time{}, volt.Errorf(volt.EUNAUTHORIZED, "Wrong email or password.")
}

func (fakeAuth) SignIn(context.Context, volt.SignInRequest) (*volt.SignInResult, error) {
	return nil, volt.Errorf(volt.EUNAUTHORIZED, "Wrong email or password.")
}

// errorShape decodes an error answer and fails unless it is exactly
// {"error": {"code", "message", "field"?, "details"?}}.
func errorShape(t *testing.T, body []byte) ErrorBody {
	t.Helper()
	var raw map[string]map[string]any
	if err := json.Unmarshal(body, &raw); err != nil {
		t.Fatalf("error body is not {\"error\": {...}}: %v: %s", err, body)
	}
	if len(raw) != 1 || raw["error"] == nil {
		t.Fatalf("error body must hold only \"error\": %s", body)
	}
	for k := range raw["error"] {
		switch k {
		case "code", "message", "field", "details":
		default:
			t.Fatalf("unexpected key %q in error: %s", k, body)
		}
	}
	var e struct{ Error ErrorBody }
	if err := json.Unmarshal(body, &e); err != nil {
		t.Fatal(err)
	}
	if e.Error.Code == "" || e.Error.Message == "" {
		t.Fatalf("error without code or message: %s", body)
	}
	return e.Error
}

// TestErrorShape checks that every kind of error, including huma's own and
// the router's, answers in the one error shape with the status of its code.
func TestErrorShape(t *testing.T) {
	h := New(Config{Auth: fakeAuth{}})
	big := `{"name":"` + strings.Repeat("x", MaxBodyBytes+10) + `"}`
	cases := []struct {
		name, method, path, body, token string
		status                          int
		code, field, msgPart            string
	}{
		{"no token", "GET", "/api/v1/cpos", "", "", 401, volt.EUNAUTHORIZED, "", "token"},
		{"bad token", "GET", "/api/v1/cpos", "", "bad", 401, volt.EUNAUTHORIZED, "", ""},
		{"unknown route", "GET", "/api/v1/nope", "", "good", 404, volt.ENOTFOUND, "", "/api/v1/nope"},
		{"unknown route no token", "GET", "/api/v2/cpos", "", "", 404, volt.ENOTFOUND, "", ""},
		{"method not allowed", "PUT", "/api/v1/cpos", "{}", "good", 405, codeMethodNotAllowed, "", "PUT"},
		{"malformed json", "POST", "/api/v1/cpos", `{"name":`, "good", 400, volt.EINVALID, "", ""},
		{"not an object", "POST", "/api/v1/cpos", `[1,2]`, "good", 400, volt.EINVALID, "", ""},
		{"unknown field", "POST", "/api/v1/cpos", `{"name":"A","colour":"red"}`, "good", 400, volt.EINVALID, "colour", "unexpected property"},
		{"wrong type", "POST", "/api/v1/cpos", `{"name":42}`, "good", 400, volt.EINVALID, "name", ""},
		{"missing field", "POST", "/api/v1/owners", `{"name":"O"}`, "good", 400, volt.EINVALID, "cpoId", ""},
		{"empty body", "POST", "/api/v1/cpos", ``, "good", 400, volt.EINVALID, "", ""},
		{"negative offset", "GET", "/api/v1/cpos?offset=-1", "", "good", 400, volt.EINVALID, "offset", ""},
		{"limit too big", "GET", "/api/v1/cpos?limit=100000", "", "good", 400, volt.EINVALID, "limit", ""},
		{"limit not a number", "GET", "/api/v1/cpos?limit=ten", "", "good", 400, volt.EINVALID, "limit", ""},
		{"huge body", "POST", "/api/v1/cpos", big, "good", 413, codeTooLarge, "", ""},
		{"bad login", "POST", "/api/v1/auth/token", `{"email":"a@b.c","password":"x"}`, "", 401, volt.EUNAUTHORIZED, "", ""},
		{"unknown command", "POST", "/api/v1/chargers/000001/commands/make-coffee", `{}`, "good", 404, volt.ENOTFOUND, "command", ""},
		{"command timeout too long", "POST", "/api/v1/chargers/000001/commands/reset?timeout=500", `{}`, "good", 400, volt.EINVALID, "timeout", ""},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			req := httptest.NewRequest(tc.method, tc.path, strings.NewReader(tc.body))
			if tc.body != "" {
				req.Header.Set("Content-Type", "application/json")
			}
			if tc.token != "" {
				req.Header.Set("Authorization", "Bearer "+tc.token)
			}
			rec := httptest.NewRecorder()
			h.ServeHTTP(rec, req)
			body, _ := io.ReadAll(rec.Body)
			if rec.Code != tc.status {
				t.Fatalf("status %d, want %d: %s", rec.Code, tc.status, body)
			}
			if ct := rec.Header().Get("Content-Type"); !strings.HasPrefix(ct, "application/json") {
				t.Errorf("Content-Type %q, want application/json", ct)
			}
			e := errorShape(t, body)
			if e.Code != tc.code {
				t.Errorf("code %q, want %q: %s", e.Code, tc.code, body)
			}
			if tc.field != "" && e.Field != tc.field {
				t.Errorf("field %q, want %q: %s", e.Field, tc.field, body)
			}
			if tc.msgPart != "" && !strings.Contains(e.Message, tc.msgPart) {
				t.Errorf("message %q lacks %q", e.Message, tc.msgPart)
			}
			if StatusOf(e.Code) != rec.Code {
				t.Errorf("status %d differs from the table's %d for %s", rec.Code, StatusOf(e.Code), e.Code)
			}
		})
	}
}
