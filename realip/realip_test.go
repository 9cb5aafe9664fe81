package realip

import (
	"net/http"
	"testing"
)

func TestClientAddr(t *testing.T) {
	r, err := Parse("10.0.0.0/8, 192.168.1.10 fd00::/8")
	if err != nil {
		t.Fatal(err)
	}
	for _, c := range []struct {
		name, peer, xff, fwd, want string
	}{
		{"direct client", "203.0.113.9:5000", "", "", "203.0.113.9"},
		{"untrusted peer's header ignored", "203.0.113.9:5000", "1.2.3.4", "for=1.2.3.4", "203.0.113.9"},
		{"one trusted proxy", "10.1.2.3:443", "198.51.100.7", "", "198.51.100.7"},
		{"client spoofs a header before the proxy appends", "10.1.2.3:443", "6.6.6.6, 198.51.100.7", "", "198.51.100.7"},
		{"two trusted proxies", "192.168.1.10:80", "198.51.100.7, 10.9.9.9", "", "198.51.100.7"},
		{"all hops trusted", "10.1.2.3:443", "10.0.0.5", "", "10.0.0.5"},
		{"trusted proxy without a header", "10.1.2.3:443", "", "", "10.1.2.3"},
		{"Forwarded wins", "10.1.2.3:443", "6.6.6.6", `for="[2001:db8:cafe::17]:4711";proto=https, for=10.0.0.2`, "2001:db8:cafe::17"},
		{"unknown hop", "10.1.2.3:443", "", "for=unknown, for=10.0.0.2", "10.0.0.2"},
		{"v6 proxy", "[fd00::1]:443", "2001:db8::5", "", "2001:db8::5"},
		{"garbage", "10.1.2.3:443", "not-an-ip", "", "10.1.2.3"},
	} {
		req := &http.Request{RemoteAddr: c.peer, Header: http.Header{}}
		if c.xff != "" {
			req.Header.Set("X-Forwarded-For", c.xff)
		}
		if c.fwd != "" {
			req.Header.Set("Forwarded", c.fwd)
		}
		if got := r.ClientAddr(req); got != c.want {
			t.Errorf("%s: %q, want %q", c.name, got, c.want)
		}
	}
	var none *Resolver
	req := &http.Request{RemoteAddr: "10.1.2.3:443", Header: http.Header{"X-Forwarded-For": {"1.2.3.4"}}}
	if got := none.ClientAddr(req); got != "10.1.2.3" {
		t.Errorf("no trusted proxies: %q", got)
	}
	if _, err := Parse("10.0.0.0/33"); err == nil {
		t.Error("bad CIDR accepted")
	}
}
