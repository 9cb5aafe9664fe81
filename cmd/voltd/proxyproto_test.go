package main

import (
	"bufio"
	"io"
	"net"
	"net/http"
	"path/filepath"
	"testing"
	"time"
)

// TestProxyProtocolListener: with --proxy-protocol the node answers a
// connection that opens with HAProxy's PROXY header and serves none without
// (issue 12: chargers behind haproxy send-proxy keep their own address).
func TestProxyProtocolListener(t *testing.T) {
	cfg, err := parseConfig("t", nil, func(k string) string { return map[string]string{"VOLT_PROXY_PROTOCOL": "true"}[k] })
	if err != nil || !cfg.ProxyProtocol {
		t.Fatalf("VOLT_PROXY_PROTOCOL=true: %v, %v", cfg.ProxyProtocol, err)
	}
	if _, err := parseConfig("t", nil, func(k string) string { return map[string]string{"VOLT_PROXY_PROTOCOL": "maybe"}[k] }); err == nil {
		t.Fatal("VOLT_PROXY_PROTOCOL=maybe accepted")
	}
	m := testMainWith(t, filepath.Join(t.TempDir(), "volt.db"), func(c *Config) { c.ProxyProtocol = true })
	health := func(header string) (int, error) {
		c, err := net.Dial("tcp", m.Addr())
		if err != nil {
			return 0, err
		}
		defer c.Close()
		_ = c.SetDeadline(time.Now().Add(15 * time.Second))
		if _, err := io.WriteString(c, header+"GET /healthz HTTP/1.1\r\nHost: volt\r\nConnection: close\r\n\r\n"); err != nil {
			return 0, err
		}
		res, err := http.ReadResponse(bufio.NewReader(c), nil)
		if err != nil {
			return 0, err
		}
		res.Body.Close()
		return res.StatusCode, nil
	}
	if code, err := health("PROXY TCP4 198.51.100.7 10.0.0.1 40000 8080\r\n"); err != nil || code != http.StatusOK {
		t.Errorf("with a PROXY header: %d, %v; want 200", code, err)
	}
	// net/http answers a request it could not read with 400 and closes.
	if code, err := health(""); err == nil && code != http.StatusBadRequest {
		t.Errorf("without a PROXY header: answered %d, want 400 or the connection closed", code)
	}
}
