package gateway

import (
	"context"
	"encoding/base64"
	"encoding/json"
	"fmt"
	"net/http"
	"net/http/httptest"
	"runtime"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/gorilla/websocket"
)

type harness struct {
	t    *testing.T
	g    *Gateway
	fake *fakeCharging
	srv  *httptest.Server
	url  string
}

// newHarness starts a gateway behind a real HTTP server. It checks at cleanup
// that Shutdown ends every goroutine the test started.
func newHarness(t *testing.T, mod func(*Config)) *harness {
	t.Helper()
	before := runtime.NumGoroutine()
	fake := newFake()
	cfg := Config{Charging: fake, CallTimeout: 2 * time.Second, FrameLogFlush: 10 * time.Millisecond}
	if mod != nil {
		mod(&cfg)
	}
	g := New(cfg)
	mux := http.NewServeMux()
	mux.Handle("GET /ocpp/{identity}", g)
	srv := httptest.NewServer(mux)
	h := &harness{t: t, g: g, fake: fake, srv: srv, url: "ws" + strings.TrimPrefix(srv.URL, "http") + "/ocpp/"}
	t.Cleanup(func() {
		ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
		defer cancel()
		if err := g.Shutdown(ctx); err != nil {
			t.Errorf("shutdown: %v", err)
		}
		srv.Close()
		waitFor(t, "goroutines to end", func() bool { return runtime.NumGoroutine() <= before })
	})
	return h
}

// waitFor polls cond until it holds or 5 s pass.
func waitFor(t *testing.T, what string, cond func() bool) {
	t.Helper()
	deadline := time.Now().Add(5 * time.Second)
	for !cond() {
		if time.Now().After(deadline) {
			buf := make([]byte, 1<<16)
			n := runtime.Stack(buf, true)
			t.Fatalf("timed out waiting for %s\n%s", what, buf[:n])
		}
		time.Sleep(5 * time.Millisecond)
	}
}

func basic(user, pass string) http.Header {
	return http.Header{"Authorization": {"Basic " + base64.StdEncoding.EncodeToString([]byte(user+":"+pass))}}
}

func (h *harness) dialRaw(identity, password string, protos ...string) (*websocket.Conn, *http.Response, error) {
	d := websocket.Dialer{Subprotocols: protos, HandshakeTimeout: 5 * time.Second}
	return d.Dial(h.url+identity, basic(identity, password))
}

// charger is a test client speaking OCPP-J over a gorilla client.
type charger struct {
	t  *testing.T
	ws *websocket.Conn
	n  atomic.Int64
}

func (h *harness) connect(identity, password string) *charger {
	h.t.Helper()
	ws, resp, err := h.dialRaw(identity, password, "ocpp1.6")
	if err != nil {
		h.t.Fatalf("dial %s: %v (%v)", identity, err, resp)
	}
	if ws.Subprotocol() != "ocpp1.6" {
		h.t.Fatalf("subprotocol %q", ws.Subprotocol())
	}
	c := &charger{t: h.t, ws: ws}
	h.t.Cleanup(func() { ws.Close() })
	return c
}

func (c *charger) sendRaw(s string) {
	c.t.Helper()
	if err := c.ws.WriteMessage(websocket.TextMessage, []byte(s)); err != nil {
		c.t.Fatalf("write: %v", err)
	}
}

// call sends a CALL and returns its unique id.
func (c *charger) call(action string, payload any) string {
	c.t.Helper()
	id := fmt.Sprintf("c%d", c.n.Add(1))
	p, err := json.Marshal(payload)
	if err != nil {
		c.t.Fatal(err)
	}
	c.sendRaw(fmt.Sprintf(`[2,%q,%q,%s]`, id, action, p))
	return id
}

// frame is a received OCPP-J array.
type frame []json.RawMessage

func (f frame) typ() int {
	var n int
	_ = json.Unmarshal(f[0], &n)
	return n
}

func (f frame) str(i int) string {
	var s string
	_ = json.Unmarshal(f[i], &s)
	return s
}

func (c *charger) read() frame {
	c.t.Helper()
	_ = c.ws.SetReadDeadline(time.Now().Add(5 * time.Second))
	_, data, err := c.ws.ReadMessage()
	if err != nil {
		c.t.Fatalf("read: %v", err)
	}
	var f frame
	if err := json.Unmarshal(data, &f); err != nil {
		c.t.Fatalf("frame %s: %v", data, err)
	}
	return f
}

// expectResult reads the next frame, a CALLRESULT of id, into out.
func (c *charger) expectResult(id string, out any) {
	c.t.Helper()
	f := c.read()
	if f.typ() != 3 || f.str(1) != id {
		c.t.Fatalf("want CALLRESULT %s, got %s", id, joinFrame(f))
	}
	if out != nil {
		if err := json.Unmarshal(f[2], out); err != nil {
			c.t.Fatal(err)
		}
	}
}

// expectError reads the next frame, a CALLERROR of id with code.
func (c *charger) expectError(id, code string) frame {
	c.t.Helper()
	f := c.read()
	if f.typ() != 4 || f.str(1) != id || f.str(2) != code {
		c.t.Fatalf("want CALLERROR %s %s, got %s", id, code, joinFrame(f))
	}
	return f
}

func joinFrame(f frame) string {
	b, _ := json.Marshal(f)
	return string(b)
}

func (c *charger) callOK(action string, payload, out any) {
	c.t.Helper()
	id := c.call(action, payload)
	c.expectResult(id, out)
}
