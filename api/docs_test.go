package api

import (
	"encoding/json"
	"io"
	"net/http/httptest"
	"strings"
	"testing"
)

// TestOpenAPIDocument checks the document is public, OpenAPI 3.1, and
// describes the contract's routes with the error shape.
func TestOpenAPIDocument(t *testing.T) {
	h := New(Config{Auth: fakeAuth{}, Version: "test"})
	rec := httptest.NewRecorder()
	h.ServeHTTP(rec, httptest.NewRequest("GET", "/api/openapi.json", nil))
	if rec.Code != 200 {
		t.Fatalf("status %d", rec.Code)
	}
	var doc struct {
		OpenAPI string                                `json:"openapi"`
		Paths   map[string]map[string]json.RawMessage `json:"paths"`
		Comp    struct {
			Schemas map[string]json.RawMessage `json:"schemas"`
		} `json:"components"`
	}
	if err := json.Unmarshal(rec.Body.Bytes(), &doc); err != nil {
		t.Fatal(err)
	}
	if !strings.HasPrefix(doc.OpenAPI, "3.1") {
		t.Errorf("openapi %q", doc.OpenAPI)
	}
	for _, p := range []string{"/api/v1/auth/token", "/api/v1/cpos", "/api/v1/owners/{id}", "/api/v1/chargers/{cpid}/commands/{command}",
		"/api/v1/sessions", "/api/v1/cdrs", "/api/v1/rfid-cards", "/api/v1/affiliate-codes/redeem", "/api/v1/usergroups/{id}/members/{userId}",
		"/api/v1/tariffs", "/api/v1/tariffs/{id}/preview", "/api/v1/tariff-assignments", "/api/v1/chargers/{cpid}/price",
		"/api/v1/wallets/{id}", "/api/v1/payments/{id}/refund", "/api/v1/webhooks/{provider}", "/api/v1/reports/income",
		"/api/v1/cdrs/{id}/receipt.pdf", "/api/v1/tickets/{id}/messages", "/api/v1/helpline/search", "/api/v1/audit-log"} {
		if doc.Paths[p] == nil {
			t.Errorf("path %s missing from the document", p)
		}
	}
	errSchema := string(doc.Comp.Schemas["Error"])
	if !strings.Contains(errSchema, `"error"`) {
		t.Errorf("Error schema does not describe {\"error\": ...}: %s", errSchema)
	}
	for _, want := range []string{`text/csv`, `"application/pdf"`, `schemas/IncomeReport"`} {
		if !strings.Contains(string(doc.Paths["/api/v1/reports/income"]["get"]), want) {
			t.Errorf("income report operation lacks %s: %s", want, doc.Paths["/api/v1/reports/income"]["get"])
		}
	}
	if !strings.Contains(string(doc.Comp.Schemas["Tariff"]), `"energyPricePerKwh":{"type":"string"`) {
		t.Errorf("a Decimal is not a string in the document: %s", doc.Comp.Schemas["Tariff"])
	}
	if !strings.Contains(string(doc.Paths["/api/v1/webhooks/{provider}"]["post"]), `"security":[]`) {
		t.Errorf("webhook operation is not marked public")
	}
	if !strings.Contains(string(doc.Paths["/api/v1/auth/token"]["post"]), `"security":[]`) {
		t.Errorf("token operation is not marked public: %s", doc.Paths["/api/v1/auth/token"]["post"])
	}
}

// TestDocsPage checks the reference page is rendered on the server from the
// document, with every operation and no script.
func TestDocsPage(t *testing.T) {
	h := New(Config{Auth: fakeAuth{}, Version: "test"})
	rec := httptest.NewRecorder()
	h.ServeHTTP(rec, httptest.NewRequest("GET", "/api/docs", nil))
	if rec.Code != 200 {
		t.Fatalf("status %d", rec.Code)
	}
	page, _ := io.ReadAll(rec.Body)
	html := string(page)
	if strings.Contains(strings.ToLower(html), "<script") {
		t.Error("docs page contains a script")
	}
	for _, want := range []string{"/api/v1/chargers/{cpid}/commands/{command}", "POST", "ChargerCreate", "chargerGroupId", "offset", "id=\"schema-Error\"",
		"/api/v1/tariffs/{id}/preview", "TariffCreate", "/api/v1/audit-log", "text/csv", "application/pdf"} {
		if !strings.Contains(html, want) {
			t.Errorf("docs page lacks %q", want)
		}
	}
	if ct := rec.Header().Get("Content-Type"); !strings.HasPrefix(ct, "text/html") {
		t.Errorf("Content-Type %q", ct)
	}
}
