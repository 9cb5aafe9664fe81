package gateway

import (
	"bufio"
	"net"
	"net/http"
)

// Idle connections cost what their reader goroutine's stack costs. A
// goroutine parked inside the websocket library's read sits about a dozen
// frames deep and keeps a 4-8 KiB stack; at 10,000 idle chargers that was
// a quarter of the node's resident memory. So the gateway reads the socket
// through a bufio.Reader and a net.Conn of its own (handed to the library at
// the upgrade) and, between messages, when nothing is read ahead, hands the
// connection to a fresh goroutine that waits for one byte on a 2 KiB stack
// (waitFrames). The frames that byte starts are read on that goroutine;
// when they are done it hands over again and ends.
//
// Pings and pongs between messages are answered here, not by the library:
// the library handles control frames only inside a read that then waits
// for the next data frame, deep in its stack.

// readBufferSize is the read buffer of a charger connection: the library
// reuses a hijacked reader only when it is larger than 256 bytes, and a
// frame larger than the buffer is read past it.
const readBufferSize = 512

// byteConn is a net.Conn with one byte read ahead by waitByte, returned by
// the next Read. Only the connection's reader (one goroutine at a time)
// calls Read and waitByte.
type byteConn struct {
	net.Conn
	b   [1]byte
	has bool
}

func (c *byteConn) Read(p []byte) (int, error) {
	if c.has && len(p) > 0 {
		p[0], c.has = c.b[0], false
		return 1, nil
	}
	return c.Conn.Read(p)
}

// waitByte blocks until the peer sends a byte (kept for the next Read) or
// the connection fails.
func (c *byteConn) waitByte() error {
	if c.has {
		return nil
	}
	n, err := c.Conn.Read(c.b[:])
	if n == 1 {
		c.has = true
		return nil
	}
	return err
}

// hijacker makes the websocket library read the connection through the
// gateway's byteConn and bufio.Reader.
type hijacker struct {
	http.ResponseWriter
	bc *byteConn
	br *bufio.Reader
}

func (h *hijacker) Hijack() (net.Conn, *bufio.ReadWriter, error) {
	nc, brw, err := http.NewResponseController(h.ResponseWriter).Hijack()
	if err != nil || brw.Reader.Buffered() > 0 {
		return nc, brw, err // the library refuses data before the handshake
	}
	h.bc = &byteConn{Conn: nc}
	h.br = bufio.NewReaderSize(h.bc, readBufferSize)
	return h.bc, bufio.NewReadWriter(h.br, brw.Writer), nil
}

// WebSocket opcodes (RFC 6455 §5.2), as websocket.PingMessage and PongMessage.
const (
	opPing = 0x9
	opPong = 0xA
)

// controlFrame consumes a ping or pong waiting whole at the start of the
// read buffer, between messages, answering a ping with its pong as the
// library would. It reports whether it consumed one. Anything else, or a
// control frame that breaks the rules (fragmented, reserved bits, unmasked,
// over 125 bytes), is left to the library, which reads and judges it.
func (c *conn) controlFrame() bool {
	h, err := c.br.Peek(2)
	if err != nil {
		return false
	}
	op, n := h[0]&0x0f, int(h[1]&0x7f)
	if h[0]&0xf0 != 0x80 || (op != opPing && op != opPong) || h[1]&0x80 == 0 || n > 125 {
		return false
	}
	frame, err := c.br.Peek(2 + 4 + n)
	if err != nil {
		return false
	}
	payload := make([]byte, n)
	for i := range payload {
		payload[i] = frame[6+i] ^ frame[2+i%4]
	}
	_, _ = c.br.Discard(len(frame))
	if op == opPing {
		_ = c.onPing(string(payload))
	} else {
		c.touch()
	}
	return true
}

// waitFrames runs on a fresh goroutine: it waits for the next byte, then
// reads on.
func (c *conn) waitFrames() {
	if err := c.bc.waitByte(); err != nil {
		c.finish(c.readEnded(err))
		return
	}
	c.serveReads()
}
