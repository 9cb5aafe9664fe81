// Package realip finds a request's client address: the peer's, or, when the
// peer is one of the configured trusted proxies (--trusted-proxies), the
// address that proxy forwarded in X-Forwarded-For or Forwarded (RFC 7239).
// From anyone else those headers are ignored: a client cannot choose the
// address it is throttled under.
package realip

import (
	"fmt"
	"net"
	"net/http"
	"net/netip"
	"strings"
)

// Resolver knows the trusted proxies. The zero value and nil trust none.
type Resolver struct {
	trusted []netip.Prefix
}

// Parse reads a list of CIDRs or bare addresses separated by commas or
// spaces ("10.0.0.0/8, 192.168.1.10, fd00::/8"); empty trusts none.
func Parse(list string) (*Resolver, error) {
	r := &Resolver{}
	for _, f := range strings.FieldsFunc(list, func(c rune) bool { return c == ',' || c == ' ' }) {
		if strings.Contains(f, "/") {
			p, err := netip.ParsePrefix(f)
			if err != nil {
				return nil, fmt.Errorf("trusted proxy %q: %w", f, err)
			}
			r.trusted = append(r.trusted, p.Masked())
			continue
		}
		a, err := netip.ParseAddr(f)
		if err != nil {
			return nil, fmt.Errorf("trusted proxy %q: %w", f, err)
		}
		a = a.Unmap()
		r.trusted = append(r.trusted, netip.PrefixFrom(a, a.BitLen()))
	}
	return r, nil
}

// Trusted reports whether a is a trusted proxy.
func (r *Resolver) Trusted(a netip.Addr) bool {
	if r == nil {
		return false
	}
	a = a.Unmap()
	for _, p := range r.trusted {
		if p.Contains(a) {
			return true
		}
	}
	return false
}

// ClientAddr returns the client's IP address for req. Through trusted
// proxies it walks the forwarded chain from the nearest hop outwards and
// takes the first address that is not a trusted proxy (Forwarded wins
// over X-Forwarded-For when both came).
func (r *Resolver) ClientAddr(req *http.Request) string {
	peer, ok := parseHost(req.RemoteAddr)
	if !ok {
		return req.RemoteAddr
	}
	if !r.Trusted(peer) {
		return peer.String()
	}
	chain := forwardedFor(req.Header.Values("Forwarded"))
	if len(chain) == 0 {
		chain = xForwardedFor(req.Header.Values("X-Forwarded-For"))
	}
	client := peer
	for i := len(chain) - 1; i >= 0; i-- {
		a, ok := parseHost(chain[i])
		if !ok {
			break // "unknown" or obfuscated: the hop after it is all we know
		}
		client = a
		if !r.Trusted(a) {
			break
		}
	}
	return client.String()
}

// parseHost reads "ip", "ip:port", "[v6]" or "[v6]:port".
func parseHost(s string) (netip.Addr, bool) {
	s = strings.TrimSpace(s)
	if a, err := netip.ParseAddr(strings.Trim(s, "[]")); err == nil {
		return a.Unmap(), true
	}
	if h, _, err := net.SplitHostPort(s); err == nil {
		if a, err := netip.ParseAddr(h); err == nil {
			return a.Unmap(), true
		}
	}
	return netip.Addr{}, false
}

func xForwardedFor(lines []string) []string {
	var out []string
	for _, l := range lines {
		for _, p := range strings.Split(l, ",") {
			if p = strings.TrimSpace(p); p != "" {
				out = append(out, p)
			}
		}
	}
	return out
}

// forwardedFor returns the for= values of Forwarded headers in order
// (RFC 7239 §4: elements separated by commas, pairs by semicolons).
func forwardedFor(lines []string) []string {
	var out []string
	for _, l := range lines {
		for _, elem := range strings.Split(l, ",") {
			for _, pair := range strings.Split(elem, ";") {
				k, v, ok := strings.Cut(strings.TrimSpace(pair), "=")
				if ok && strings.EqualFold(k, "for") {
					out = append(out, strings.Trim(v, `"`))
				}
			}
		}
	}
	return out
}
