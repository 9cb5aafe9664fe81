// Package webhook delivers a CPO's events to its webhook endpoints (issue
// #17 item 6): deliveries come from the durable journal through
// volt.WebhookOutbox, each signed (volt.SignWebhook), over an HTTP client
// that refuses private, loopback and link-local addresses at dial time and
// never follows redirects.
package webhook

import (
	"errors"
	"fmt"
	"net"
	"net/http"
	"net/netip"
	"strings"
	"syscall"
	"time"
)

// ErrForbiddenAddress is the dial error of an address webhooks may not reach.
var ErrForbiddenAddress = errors.New("webhook: address not allowed (private, loopback, link-local or reserved)")

// ParseAllowList parses a comma-separated list of CIDR prefixes or single
// addresses (VOLT_WEBHOOK_ALLOW_NETS): addresses in it are reachable even
// when private or loopback. For tests and operators with an internal
// receiver; empty in production.
func ParseAllowList(s string) ([]netip.Prefix, error) {
	var out []netip.Prefix
	for _, part := range strings.Split(s, ",") {
		part = strings.TrimSpace(part)
		if part == "" {
			continue
		}
		if !strings.Contains(part, "/") {
			a, err := netip.ParseAddr(part)
			if err != nil {
				return nil, fmt.Errorf("webhook allow-list %q: %w", part, err)
			}
			out = append(out, netip.PrefixFrom(a, a.BitLen()))
			continue
		}
		p, err := netip.ParsePrefix(part)
		if err != nil {
			return nil, fmt.Errorf("webhook allow-list %q: %w", part, err)
		}
		out = append(out, p.Masked())
	}
	return out, nil
}

// reserved are ranges beyond what netip's predicates name: shared address
// space (CGNAT), "this network", benchmarking, IETF and documentation
// ranges, 6to4/NAT64 relays that could wrap an internal address.
var reserved = []netip.Prefix{
	netip.MustParsePrefix("0.0.0.0/8"),
	netip.MustParsePrefix("100.64.0.0/10"),
	netip.MustParsePrefix("192.0.0.0/24"),
	netip.MustParsePrefix("192.0.2.0/24"),
	netip.MustParsePrefix("198.18.0.0/15"),
	netip.MustParsePrefix("198.51.100.0/24"),
	netip.MustParsePrefix("203.0.113.0/24"),
	netip.MustParsePrefix("240.0.0.0/4"),
	netip.MustParsePrefix("64:ff9b::/96"),
	netip.MustParsePrefix("2001:db8::/32"),
	netip.MustParsePrefix("2002::/16"),
}

// Forbidden reports whether webhooks may not dial a (outside allow).
func Forbidden(a netip.Addr, allow []netip.Prefix) bool {
	a = a.Unmap()
	for _, p := range allow {
		if p.Contains(a) {
			return false
		}
	}
	if !a.IsValid() || a.IsLoopback() || a.IsPrivate() || a.IsLinkLocalUnicast() || a.IsLinkLocalMulticast() ||
		a.IsInterfaceLocalMulticast() || a.IsMulticast() || a.IsUnspecified() {
		return true
	}
	for _, p := range reserved {
		if p.Contains(a) {
			return true
		}
	}
	return false
}

// ClientConfig tunes NewClient.
type ClientConfig struct {
	// Allow lists addresses reachable despite being private (tests).
	Allow []netip.Prefix
	// Timeout bounds a whole delivery (dial, TLS, answer); default 10 s.
	Timeout time.Duration
}

// NewClient returns the HTTP client of deliveries: the address actually
// dialled (after DNS) is checked, so a name that resolves to an internal
// address, or is re-bound between check and dial, is refused; no proxy from
// the environment; redirects are not followed (a 3xx is an answer, and a
// failure); every phase has a timeout.
func NewClient(cfg ClientConfig) *http.Client {
	if cfg.Timeout <= 0 {
		cfg.Timeout = 10 * time.Second
	}
	dialer := &net.Dialer{
		Timeout: 5 * time.Second,
		Control: func(network, address string, _ syscall.RawConn) error {
			ap, err := netip.ParseAddrPort(address)
			if err != nil {
				return fmt.Errorf("%w: %s", ErrForbiddenAddress, address)
			}
			if Forbidden(ap.Addr(), cfg.Allow) {
				return fmt.Errorf("%w: %s", ErrForbiddenAddress, ap.Addr())
			}
			return nil
		},
	}
	tr := &http.Transport{
		Proxy:                 nil,
		DialContext:           dialer.DialContext,
		TLSHandshakeTimeout:   5 * time.Second,
		ResponseHeaderTimeout: cfg.Timeout,
		MaxIdleConnsPerHost:   4,
		IdleConnTimeout:       30 * time.Second,
		ForceAttemptHTTP2:     true,
	}
	return &http.Client{
		Transport: tr,
		Timeout:   cfg.Timeout,
		CheckRedirect: func(*http.Request, []*http.Request) error {
			return http.ErrUseLastResponse
		},
	}
}
