package realip

import (
	"bytes"
	"encoding/binary"
	"errors"
	"fmt"
	"io"
	"net"
	"net/netip"
	"strconv"
	"strings"
	"sync"
	"time"
)

// ProxyListener wraps a listener whose every connection comes from a TCP
// load balancer speaking the PROXY protocol (HAProxy's send-proxy or
// send-proxy-v2; versions 1 and 2 are both read): each connection's
// RemoteAddr becomes the client's own address from the header, so the
// charger rate limits and logs see the charger, not the balancer (issue 12).
//
// The header is required: a connection without one fails on its first
// read. Turn it on only when the port is reachable through the balancer
// alone, since a client reaching it directly could name any address. The
// header is read in the connection's own goroutine (on the first Read or
// RemoteAddr), never in Accept, within timeout. A v2 LOCAL header (the
// balancer's own health check) keeps the peer's address.
func ProxyListener(l net.Listener, timeout time.Duration) net.Listener {
	return &proxyListener{Listener: l, timeout: timeout}
}

type proxyListener struct {
	net.Listener
	timeout time.Duration
}

func (l *proxyListener) Accept() (net.Conn, error) {
	c, err := l.Listener.Accept()
	if err != nil {
		return nil, err
	}
	return &proxyConn{Conn: c, timeout: l.timeout}, nil
}

// proxyConn reads the PROXY header once, exactly (no read-ahead to keep: an
// idle connection holds no buffer).
type proxyConn struct {
	net.Conn
	timeout time.Duration
	once    sync.Once
	remote  net.Addr
	err     error
}

func (c *proxyConn) header() error {
	c.once.Do(func() {
		if c.timeout > 0 {
			_ = c.Conn.SetReadDeadline(time.Now().Add(c.timeout))
			defer c.Conn.SetReadDeadline(time.Time{})
		}
		c.remote, c.err = readProxyHeader(c.Conn)
		if c.err != nil {
			c.err = fmt.Errorf("PROXY protocol from %s: %w", c.Conn.RemoteAddr(), c.err)
		}
	})
	return c.err
}

func (c *proxyConn) Read(p []byte) (int, error) {
	if err := c.header(); err != nil {
		return 0, err
	}
	return c.Conn.Read(p)
}

// RemoteAddr is the client's address from the header (the peer's when the
// header carried none, or could not be read).
func (c *proxyConn) RemoteAddr() net.Addr {
	if c.header() == nil && c.remote != nil {
		return c.remote
	}
	return c.Conn.RemoteAddr()
}

// proxyV2Sig opens every version 2 header.
var proxyV2Sig = []byte("\r\n\r\n\x00\r\nQUIT\n")

// errNoProxyHeader is a connection that did not start with a PROXY header.
var errNoProxyHeader = errors.New("no PROXY protocol header")

// readProxyHeader reads a version 1 or 2 header from r, exactly, and returns
// the source address it names (nil for UNKNOWN, LOCAL or a family without
// an IP address).
func readProxyHeader(r io.Reader) (net.Addr, error) {
	// 8 bytes tell the versions apart and are shorter than the shortest
	// header ("PROXY UNKNOWN\r\n", 15 bytes): nothing past it is read.
	var head [16]byte
	if _, err := io.ReadFull(r, head[:8]); err != nil {
		return nil, err
	}
	switch {
	case bytes.Equal(head[:8], proxyV2Sig[:8]):
		if _, err := io.ReadFull(r, head[8:]); err != nil {
			return nil, err
		}
		if !bytes.Equal(head[:12], proxyV2Sig) {
			return nil, errNoProxyHeader
		}
		return readProxyV2(r, head)
	case bytes.HasPrefix(head[:8], []byte("PROXY ")):
		return readProxyV1(r, head[:8])
	}
	return nil, errNoProxyHeader
}

// readProxyV1 reads the rest of a text header ("PROXY TCP4 src dst sport
// dport\r\n", at most 107 bytes) byte by byte, so nothing past it is read.
func readProxyV1(r io.Reader, start []byte) (net.Addr, error) {
	line := append(make([]byte, 0, 108), start...)
	var b [1]byte
	for !bytes.HasSuffix(line, []byte("\r\n")) {
		if len(line) >= 107 {
			return nil, errors.New("PROXY v1 header longer than 107 bytes")
		}
		if _, err := io.ReadFull(r, b[:]); err != nil {
			return nil, err
		}
		line = append(line, b[0])
	}
	f := strings.Fields(string(line[:len(line)-2]))
	if len(f) >= 2 && f[1] == "UNKNOWN" {
		return nil, nil
	}
	if len(f) != 6 || (f[1] != "TCP4" && f[1] != "TCP6") {
		return nil, fmt.Errorf("bad PROXY v1 header %q", line)
	}
	ip, err := netip.ParseAddr(f[2])
	if err != nil || ip.Is4() != (f[1] == "TCP4") {
		return nil, fmt.Errorf("bad PROXY v1 source address %q", f[2])
	}
	port, err := strconv.ParseUint(f[4], 10, 16)
	if err != nil {
		return nil, fmt.Errorf("bad PROXY v1 source port %q", f[4])
	}
	return net.TCPAddrFromAddrPort(netip.AddrPortFrom(ip, uint16(port))), nil
}

// readProxyV2 reads the rest of a binary header: version and command,
// family and transport, length, then the addresses (and TLVs, skipped).
func readProxyV2(r io.Reader, head [16]byte) (net.Addr, error) {
	if head[12]>>4 != 2 {
		return nil, fmt.Errorf("PROXY v2 header of version %d", head[12]>>4)
	}
	n := int(binary.BigEndian.Uint16(head[14:16]))
	rest := make([]byte, n)
	if _, err := io.ReadFull(r, rest); err != nil {
		return nil, err
	}
	switch head[12] & 0x0f {
	case 0x0: // LOCAL: the balancer speaking for itself
		return nil, nil
	case 0x1: // PROXY
	default:
		return nil, fmt.Errorf("PROXY v2 command %d", head[12]&0x0f)
	}
	switch head[13] >> 4 {
	case 0x1: // AF_INET: src 4, dst 4, src port 2, dst port 2
		if n < 12 {
			return nil, errors.New("PROXY v2 IPv4 addresses cut short")
		}
		ip := netip.AddrFrom4([4]byte(rest[0:4]))
		return net.TCPAddrFromAddrPort(netip.AddrPortFrom(ip, binary.BigEndian.Uint16(rest[8:10]))), nil
	case 0x2: // AF_INET6: src 16, dst 16, src port 2, dst port 2
		if n < 36 {
			return nil, errors.New("PROXY v2 IPv6 addresses cut short")
		}
		ip := netip.AddrFrom16([16]byte(rest[0:16])).Unmap()
		return net.TCPAddrFromAddrPort(netip.AddrPortFrom(ip, binary.BigEndian.Uint16(rest[32:34]))), nil
	}
	return nil, nil // AF_UNSPEC or AF_UNIX: no IP address to report
}
