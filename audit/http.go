package audit

import (
	"net"
	"net/http"
	"strings"

	"github.com/volt-ev/volt"
)

// Middleware returns a handler wrapper that tells the audit recorder which
// surface a request came through and from which client address. With
// trustForwarded (Volt behind a reverse proxy that sets X-Forwarded-For),
// the address is the last one the proxy appended; otherwise the connection's
// peer. Mount it around api.New and the portal in cmd/voltd:
//
//	mux.Handle("/api/", audit.Middleware(volt.AuditSourceAPI, false)(api.New(cfg)))
func Middleware(source volt.AuditSource, trustForwarded bool) func(http.Handler) http.Handler {
	return func(next http.Handler) http.Handler {
		return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			ac := volt.AuditContextFrom(r.Context())
			ac.Source, ac.ClientAddr = source, ClientAddr(r, trustForwarded)
			next.ServeHTTP(w, r.WithContext(volt.NewContextWithAudit(r.Context(), ac)))
		})
	}
}

// ClientAddr returns the client's IP address of r: the last X-Forwarded-For
// entry when trustForwarded and the header is present, else the peer's.
func ClientAddr(r *http.Request, trustForwarded bool) string {
	if trustForwarded {
		if xff := r.Header.Values("X-Forwarded-For"); len(xff) > 0 {
			parts := strings.Split(xff[len(xff)-1], ",")
			if ip := strings.TrimSpace(parts[len(parts)-1]); net.ParseIP(ip) != nil {
				return ip
			}
		}
	}
	host, _, err := net.SplitHostPort(r.RemoteAddr)
	if err != nil {
		return r.RemoteAddr
	}
	return host
}
