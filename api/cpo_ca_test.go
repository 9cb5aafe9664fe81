package api

import (
	"context"
	"net/http"
	"strings"
	"testing"

	"github.com/volt-ev/volt"
	"github.com/volt-ev/volt/store"
)

// testCPOCAs serves the CPO CA endpoints over the store with a stand-in
// CA (generation and sealing are cmd/voltd's, tested there).
type testCPOCAs struct{ st *store.CPOAuthorityStore }

func (c testCPOCAs) FindCPOAuthority(ctx context.Context, cpoID string) (*volt.CPOAuthority, error) {
	return c.st.FindCPOAuthority(ctx, cpoID)
}

func (c testCPOCAs) CreateCPOAuthority(ctx context.Context, cpoID, certPEM, keyPEM string) (*volt.CPOAuthority, error) {
	if certPEM != "" && keyPEM == "" {
		return nil, volt.FieldError("keyPem", "Give the CA's key with its certificate.")
	}
	return c.st.CreateCPOAuthority(ctx, cpoID, func() (string, string, error) { return "ca of " + cpoID, "sealed", nil })
}

// TestCPOCertificateAuthorityAPI: a CPO's admin creates its CA once and
// reads it; a second is 409, half an import 400 naming the field, another
// CPO's CA 404 (TestTenantIsolation covers every role).
func TestCPOCertificateAuthorityAPI(t *testing.T) {
	forEachEnv(t, func(t *testing.T, e *env) {
		cpo := &volt.CPO{Name: "CA test CPO", Currency: "GBP"}
		must(t, e.cfg.Hierarchy.CreateCPO(sys(), cpo))
		tok := e.tokens["super"]
		path := Prefix + "/cpos/" + cpo.ID + "/certificate-authority"
		if st, body := e.do(http.MethodGet, path, "", tok); st != http.StatusNotFound {
			t.Fatalf("before: %d %s", st, body)
		}
		if st, body := e.do(http.MethodPost, path, `{"certificatePem":"x"}`, tok); st != http.StatusBadRequest && st != http.StatusUnprocessableEntity || !containsAll(string(body), "keyPem") {
			t.Fatalf("half an import: %d %s", st, body)
		}
		if st, body := e.do(http.MethodPost, path, "", tok); st != http.StatusCreated || !containsAll(string(body), cpo.ID, "ca of") {
			t.Fatalf("create: %d %s", st, body)
		}
		if st, body := e.do(http.MethodPost, path, "", tok); st != http.StatusConflict {
			t.Fatalf("second: %d %s", st, body)
		}
		if st, body := e.do(http.MethodGet, path, "", tok); st != http.StatusOK || !containsAll(string(body), cpo.ID) {
			t.Fatalf("read: %d %s", st, body)
		}
		if st, body := e.do(http.MethodGet, path, "", e.tokens["A/cpo-admin"]); st != http.StatusNotFound {
			t.Fatalf("another CPO's admin: %d %s", st, body)
		}
	})
}

func containsAll(s string, subs ...string) bool {
	for _, x := range subs {
		if !strings.Contains(s, x) {
			return false
		}
	}
	return true
}
