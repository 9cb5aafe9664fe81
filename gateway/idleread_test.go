package gateway

import (
	"bufio"
	"bytes"
	"net"
	"strings"
	"testing"
	"time"

	"github.com/gorilla/websocket"
)

// TestControlFramesBetweenMessages: pings and pongs that come between
// messages are handled by the gateway's own reader (idleread.go): a ping is
// answered with its payload, a pong keeps the connection alive past
// StaleAfter, and messages before, after and right behind them are served.
func TestControlFramesBetweenMessages(t *testing.T) {
	h := newHarness(t, func(c *Config) {
		c.PingInterval = 50 * time.Millisecond
		c.StaleAfter = 300 * time.Millisecond
	})
	c := h.connect("CP-1", "secret-1")
	waitFor(t, "registration", func() bool { return h.g.Connected("000001") })
	pongs := make(chan string, 10)
	c.ws.SetPongHandler(func(s string) error { pongs <- s; return nil })
	texts := make(chan string, 10)
	go func() { // the charger's reader: answers the server's pings with pongs
		for {
			_, data, err := c.ws.ReadMessage()
			if err != nil {
				close(texts)
				return
			}
			texts <- string(data)
		}
	}()
	answer := func(what string) string {
		t.Helper()
		select {
		case s, ok := <-texts:
			if !ok {
				t.Fatalf("%s: connection closed", what)
			}
			return s
		case <-time.After(5 * time.Second):
			t.Fatalf("%s: no answer", what)
		}
		return ""
	}
	if err := c.ws.WriteControl(websocket.PingMessage, []byte("volt"), time.Now().Add(time.Second)); err != nil {
		t.Fatal(err)
	}
	select {
	case s := <-pongs:
		if s != "volt" {
			t.Fatalf("pong payload %q, want the ping's", s)
		}
	case <-time.After(5 * time.Second):
		t.Fatal("no pong to the charger's ping")
	}
	// A ping and a CALL in one write: both in the read buffer at once.
	c.sendRaw(`[2,"h1","Heartbeat",{}]`)
	if s := answer("heartbeat"); !strings.Contains(s, `"h1"`) {
		t.Fatalf("heartbeat answer %s", s)
	}
	_ = c.ws.WriteControl(websocket.PingMessage, []byte("x"), time.Now().Add(time.Second))
	c.sendRaw(`[2,"h2","Heartbeat",{}]`)
	if s := answer("heartbeat after a ping"); !strings.Contains(s, `"h2"`) {
		t.Fatalf("heartbeat answer %s", s)
	}
	// Idle for more than StaleAfter: only the pongs to the server's pings
	// keep the connection up.
	time.Sleep(700 * time.Millisecond)
	if !h.g.Connected("000001") || h.g.Stats().Stale != 0 {
		t.Fatalf("closed as stale although it answered every ping: %+v", h.g.Stats())
	}
	c.sendRaw(`[2,"h3","Heartbeat",{}]`)
	if s := answer("heartbeat after idling"); !strings.Contains(s, `"h3"`) {
		t.Fatalf("heartbeat answer %s", s)
	}
}

// TestByteConnHandsBackTheWaitedByte: the byte waitByte read comes first,
// alone, then the rest of the stream.
func TestByteConnHandsBackTheWaitedByte(t *testing.T) {
	a, b := net.Pipe()
	defer a.Close()
	defer b.Close()
	go func() { _, _ = b.Write([]byte("hello")) }()
	bc := &byteConn{Conn: a}
	if err := bc.waitByte(); err != nil || !bc.has {
		t.Fatalf("waitByte: %v, has %v", err, bc.has)
	}
	if err := bc.waitByte(); err != nil { // already has one: returns at once
		t.Fatal(err)
	}
	got, err := bufio.NewReader(bc).Peek(5)
	if err != nil || !bytes.Equal(got, []byte("hello")) {
		t.Fatalf("read %q, %v", got, err)
	}
}
