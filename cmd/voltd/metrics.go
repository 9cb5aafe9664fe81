package main

import (
	"crypto/subtle"
	"errors"
	"fmt"
	"log/slog"
	"net"
	"net/http"
	"strings"
	"time"

	"github.com/prometheus/client_golang/prometheus/promhttp"
)

// metricsHandler serves the node's Prometheus registry.
func (m *Main) metricsHandler() http.Handler {
	return promhttp.HandlerFor(m.Registry, promhttp.HandlerOpts{})
}

// serveMetrics listens on --metrics (VOLT_METRICS_ADDR), when set, with
// /metrics alone: the metrics stay off the public listener, which serves
// them only behind VOLT_METRICS_TOKEN.
func (m *Main) serveMetrics() error {
	if m.Config.MetricsAddr == "" {
		return nil
	}
	ln, err := net.Listen("tcp", m.Config.MetricsAddr)
	if err != nil {
		return fmt.Errorf("listen metrics %s: %w", m.Config.MetricsAddr, err)
	}
	m.metrics = ln
	mux := http.NewServeMux()
	mux.Handle("GET /metrics", m.metricsHandler())
	srv := &http.Server{Handler: mux, ReadHeaderTimeout: 10 * time.Second,
		ErrorLog: slog.NewLogLogger(m.Logger.Handler(), slog.LevelWarn)}
	go func() {
		if err := srv.Serve(ln); err != nil && !errors.Is(err, http.ErrServerClosed) {
			m.Logger.Error("metrics server stopped", "err", err)
		}
	}()
	m.onClose(srv.Shutdown)
	m.Logger.Info("metrics listener", "addr", "http://"+ln.Addr().String()+"/metrics")
	return nil
}

// MetricsAddr returns the address of the metrics listener, or "".
func (m *Main) MetricsAddr() string {
	if m.metrics == nil {
		return ""
	}
	return m.metrics.Addr().String()
}

// bearerOnly lets through requests that carry "Authorization: Bearer
// token" (compared in constant time) and answers 401 to the rest.
func bearerOnly(token string, next http.Handler) http.Handler {
	want := []byte("Bearer " + token)
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		got := []byte(strings.TrimSpace(r.Header.Get("Authorization")))
		if subtle.ConstantTimeCompare(got, want) != 1 {
			w.Header().Set("WWW-Authenticate", `Bearer realm="metrics"`)
			http.Error(w, "metrics need VOLT_METRICS_TOKEN as a bearer token", http.StatusUnauthorized)
			return
		}
		next.ServeHTTP(w, r)
	})
}
