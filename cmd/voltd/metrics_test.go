package main

import (
	"io"
	"net/http"
	"strings"
	"testing"

	"github.com/volt-ev/volt/store/storetest"
)

// get fetches url with an optional bearer token: status and body.
func getMetrics(t *testing.T, url, token string) (int, string) {
	t.Helper()
	req, _ := http.NewRequest("GET", url, nil)
	if token != "" {
		req.Header.Set("Authorization", "Bearer "+token)
	}
	res, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatalf("GET %s: %v", url, err)
	}
	defer res.Body.Close()
	b, _ := io.ReadAll(res.Body)
	return res.StatusCode, string(b)
}

// TestMetricsOffThePublicListener: /metrics is served on --metrics only;
// the public listener answers 404 to anyone, or with VOLT_METRICS_TOKEN set
// serves it to that bearer token alone.
func TestMetricsOffThePublicListener(t *testing.T) {
	dsn := storetest.Engines(t)[0].DSN(t)
	m := testMainWith(t, dsn, func(c *Config) { c.MetricsAddr = "127.0.0.1:0" })
	if code, _ := getMetrics(t, m.URL()+"/metrics", ""); code != http.StatusNotFound {
		t.Errorf("public /metrics answered %d, want 404", code)
	}
	code, body := getMetrics(t, "http://"+m.MetricsAddr()+"/metrics", "")
	if code != http.StatusOK || !strings.Contains(body, "go_goroutines") {
		t.Errorf("metrics listener answered %d %.200s", code, body)
	}
	if code, _ := getMetrics(t, "http://"+m.MetricsAddr()+"/api/v1/users", ""); code != http.StatusNotFound {
		t.Errorf("metrics listener serves the API: %d", code)
	}

	tm := testMainWith(t, storetest.Engines(t)[0].DSN(t), func(c *Config) { c.MetricsToken = "scrape-secret-1" })
	for _, tc := range []struct {
		token string
		want  int
	}{{"", http.StatusUnauthorized}, {"wrong", http.StatusUnauthorized}, {"scrape-secret-1", http.StatusOK}} {
		if code, _ := getMetrics(t, tm.URL()+"/metrics", tc.token); code != tc.want {
			t.Errorf("public /metrics with token %q answered %d, want %d", tc.token, code, tc.want)
		}
	}
}

// TestMetricsConfig: the flag and the environment variables are read.
func TestMetricsConfig(t *testing.T) {
	env := map[string]string{"VOLT_METRICS_ADDR": "127.0.0.1:9100", "VOLT_METRICS_TOKEN": "tok", "VOLT_TRUSTED_PROXIES": "10.0.0.0/8"}
	c, err := parseConfig("t", nil, func(k string) string { return env[k] })
	if err != nil || c.MetricsAddr != "127.0.0.1:9100" || c.MetricsToken != "tok" || c.TrustedProxies != "10.0.0.0/8" {
		t.Fatalf("env: %+v %v", c, err)
	}
	c, err = parseConfig("t", []string{"--metrics", ":9200", "--trusted-proxies", "192.168.0.0/16"}, func(k string) string { return env[k] })
	if err != nil || c.MetricsAddr != ":9200" || c.TrustedProxies != "192.168.0.0/16" {
		t.Fatalf("flags: %+v %v", c, err)
	}
}
