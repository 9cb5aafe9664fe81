package audit_test

import (
	"bytes"
	"context"
	"encoding/csv"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/volt-ev/volt"
	"github.com/volt-ev/volt/audit"
)

func TestMiddlewareClientAddr(t *testing.T) {
	cases := []struct {
		name    string
		trust   bool
		xff     string
		want    string
		surface volt.AuditSource
	}{
		{"peer", false, "", "198.51.100.4", volt.AuditSourceAPI},
		{"untrusted header ignored", false, "10.0.0.1", "198.51.100.4", volt.AuditSourcePortal},
		{"trusted proxy, last hop", true, "1.2.3.4, 203.0.113.9", "203.0.113.9", volt.AuditSourceAPI},
		{"trusted proxy, garbage", true, "not-an-ip", "198.51.100.4", volt.AuditSourceAPI},
	}
	for _, c := range cases {
		var got volt.AuditContext
		h := audit.Middleware(c.surface, c.trust)(http.HandlerFunc(func(_ http.ResponseWriter, r *http.Request) {
			got = volt.AuditContextFrom(r.Context())
		}))
		r := httptest.NewRequest("GET", "/api/v1/chargers", nil)
		r.RemoteAddr = "198.51.100.4:51234"
		if c.xff != "" {
			r.Header.Set("X-Forwarded-For", c.xff)
		}
		h.ServeHTTP(httptest.NewRecorder(), r)
		if got.ClientAddr != c.want || got.Source != c.surface {
			t.Errorf("%s: %+v, want %s via %s", c.name, got, c.want, c.surface)
		}
	}
}

func TestCommandName(t *testing.T) {
	for action, want := range map[string]string{
		"RemoteStartTransaction": "remote-start",
		"RemoteStopTransaction":  "remote-stop",
		"Reset":                  "reset",
		"UnlockConnector":        "unlock-connector",
		"ChangeAvailability":     "change-availability",
		"TriggerMessage":         "trigger-message",
	} {
		if got := audit.CommandName(action); got != want {
			t.Errorf("CommandName(%s) = %s, want %s", action, got, want)
		}
	}
}

func TestWriteCSVNeutralisesFormulas(t *testing.T) {
	var b bytes.Buffer
	at := time.Date(2026, 1, 2, 3, 4, 5, 0, time.UTC)
	err := audit.WriteCSV(&b, []*volt.AuditEntry{{ID: "aud_1", At: at, ActorEmail: "=HYPERLINK(\"x\")", Action: "charger.update",
		Before: []byte(`{"name":"a,b"}`), Outcome: volt.AuditOK}})
	must(t, err)
	rows, err := csv.NewReader(&b).ReadAll()
	must(t, err)
	if len(rows) != 2 || rows[0][0] != "id" {
		t.Fatalf("rows: %v", rows)
	}
	row := rows[1]
	if row[1] != "2026-01-02T03:04:05Z" || row[3] != `'=HYPERLINK("x")` || row[7] != "charger.update" || row[17] != `{"name":"a,b"}` {
		t.Errorf("row: %q", row)
	}
}

// pagedLog serves n entries in pages, counting calls.
type pagedLog struct {
	volt.AuditService
	n     int
	calls int
	to    *time.Time
}

func (p *pagedLog) FindAuditEntries(_ context.Context, f volt.AuditFilter) ([]*volt.AuditEntry, int, error) {
	p.calls++
	p.to = f.To
	var out []*volt.AuditEntry
	for i := f.Offset; i < p.n && len(out) < f.Limit; i++ {
		out = append(out, &volt.AuditEntry{ID: "aud_" + strings.Repeat("x", i%3+1), Action: "a"})
	}
	return out, p.n, nil
}

func TestExportPagesAndFreezesWindow(t *testing.T) {
	p := &pagedLog{n: 1203}
	var b bytes.Buffer
	n, err := audit.Export(context.Background(), p, volt.AuditFilter{}, &b)
	must(t, err)
	rows, err := csv.NewReader(&b).ReadAll()
	must(t, err)
	if n != 1203 || len(rows) != 1204 || p.calls != 3 || p.to == nil {
		t.Errorf("export wrote %d (%d rows) in %d calls, window end %v", n, len(rows), p.calls, p.to)
	}
	big := &pagedLog{n: audit.MaxExportRows + 1}
	b.Reset()
	if _, err := audit.Export(context.Background(), big, volt.AuditFilter{}, &b); volt.ErrorCode(err) != volt.EUNPROCESSABLE || b.Len() != 0 {
		t.Errorf("oversized export: %v, wrote %d bytes", err, b.Len())
	}
}
