package realip

import (
	"bufio"
	"encoding/binary"
	"io"
	"net"
	"net/http"
	"strings"
	"testing"
	"time"
)

// v2Header builds a version 2 header for the tests (the layout of HAProxy's
// proxy-protocol.txt, section 2.2).
func v2Header(cmd, fam byte, addrs []byte) []byte {
	h := append([]byte(nil), proxyV2Sig...)
	h = append(h, 0x20|cmd, fam<<4|0x1, 0, 0)
	binary.BigEndian.PutUint16(h[14:16], uint16(len(addrs)))
	return append(h, addrs...)
}

func TestReadProxyHeader(t *testing.T) {
	v4 := []byte{203, 0, 113, 9, 10, 0, 0, 1, 0x13, 0x88, 0x1f, 0x90} // 203.0.113.9:5000 → 10.0.0.1:8080
	v6 := make([]byte, 36)
	copy(v6, net.ParseIP("2001:db8::7"))
	binary.BigEndian.PutUint16(v6[32:], 4000)
	for _, c := range []struct {
		name, in, want, rest string
		bad                  bool
	}{
		{name: "v1 IPv4", in: "PROXY TCP4 203.0.113.9 10.0.0.1 5000 8080\r\nGET /", want: "203.0.113.9:5000", rest: "GET /"},
		{name: "v1 IPv6", in: "PROXY TCP6 2001:db8::7 2001:db8::1 4000 443\r\nGET /", want: "[2001:db8::7]:4000", rest: "GET /"},
		{name: "v1 unknown keeps the peer", in: "PROXY UNKNOWN\r\nGET /", rest: "GET /"},
		{name: "v2 IPv4 with a TLV skipped", in: string(v2Header(1, 1, append(v4, 0x04, 0, 1, 'x'))) + "GET /", want: "203.0.113.9:5000", rest: "GET /"},
		{name: "v2 IPv6", in: string(v2Header(1, 2, v6)) + "GET /", want: "[2001:db8::7]:4000", rest: "GET /"},
		{name: "v2 LOCAL health check keeps the peer", in: string(v2Header(0, 0, nil)) + "GET /", rest: "GET /"},
		{name: "no header", in: "GET /ocpp/CP1 HTTP/1.1\r\n\r\n", bad: true},
		{name: "v1 address of the wrong family", in: "PROXY TCP4 2001:db8::7 10.0.0.1 1 2\r\n", bad: true},
		{name: "v1 too long", in: "PROXY TCP4 " + strings.Repeat("1", 120) + "\r\n", bad: true},
		{name: "v2 cut short", in: string(v2Header(1, 1, v4[:6])), bad: true},
		{name: "empty", in: "", bad: true},
	} {
		t.Run(c.name, func(t *testing.T) {
			r := strings.NewReader(c.in)
			addr, err := readProxyHeader(r)
			if c.bad {
				if err == nil {
					t.Fatalf("got %v, want an error", addr)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			got := ""
			if addr != nil {
				got = addr.String()
			}
			if got != c.want {
				t.Errorf("address %q, want %q", got, c.want)
			}
			if rest, _ := io.ReadAll(r); string(rest) != c.rest {
				t.Errorf("left %q, want %q: the header must be read exactly", rest, c.rest)
			}
		})
	}
}

// TestProxyListenerServesTheClientAddress: behind the listener an HTTP
// handler sees the address of the PROXY header as r.RemoteAddr; a
// connection without a header never reaches the handler.
func TestProxyListenerServesTheClientAddress(t *testing.T) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	srv := &http.Server{Handler: http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		_, _ = io.WriteString(w, r.RemoteAddr)
	}), ReadHeaderTimeout: 5 * time.Second}
	go func() { _ = srv.Serve(ProxyListener(ln, 2*time.Second)) }()
	t.Cleanup(func() { _ = srv.Close() })

	ask := func(header string) (string, error) {
		c, err := net.Dial("tcp", ln.Addr().String())
		if err != nil {
			return "", err
		}
		defer c.Close()
		_ = c.SetDeadline(time.Now().Add(5 * time.Second))
		if _, err := io.WriteString(c, header+"GET / HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n"); err != nil {
			return "", err
		}
		res, err := http.ReadResponse(bufio.NewReader(c), nil)
		if err != nil {
			return "", err
		}
		defer res.Body.Close()
		b, err := io.ReadAll(res.Body)
		return string(b), err
	}
	got, err := ask("PROXY TCP4 198.51.100.20 10.0.0.1 61000 8080\r\n")
	if err != nil || got != "198.51.100.20:61000" {
		t.Errorf("remote %q, %v; want the client's 198.51.100.20:61000", got, err)
	}
	// net/http answers what it could not read with 400: never the handler.
	if got, err := ask(""); err == nil && got != "400 Bad Request" {
		t.Errorf("no header: answered %q, want 400 or the connection closed", got)
	}
}
