package sim

import (
	"context"
	"encoding/base64"
	"encoding/json"
	"errors"
	"fmt"
	"net"
	"net/http"
	"net/url"
	"strings"
	"sync"
	"time"

	"github.com/gorilla/websocket"
	"github.com/volt-ev/volt/ocpp"
)

// errLinkClosed is returned by calls on a link that has gone away.
var errLinkClosed = errors.New("sim: connection closed")

// link is one websocket connection to the central system. One goroutine
// reads (readLoop); writes are serialised by writeMu and never happen while
// Charger.mu is held. At most one CALL from the charger is outstanding
// (OCPP-J §4.1.1): the sender goroutine makes them one after another, and a
// late answer to an abandoned CALL is dropped because its id no longer
// matches.
type link struct {
	ws      *websocket.Conn
	version ocpp.Version // the negotiated subprotocol
	writeMu sync.Mutex

	mu      sync.Mutex
	pending string // unique id of the outstanding CALL, "" if none
	answer  chan ocpp.Frame

	closeOnce sync.Once
	closed    chan struct{}
}

// dialURL returns the websocket URL of identity: base with "{identity}"
// replaced, or base + "/" + identity.
func dialURL(base, identity string) string {
	id := url.PathEscape(identity)
	if strings.Contains(base, "{identity}") {
		return strings.ReplaceAll(base, "{identity}", id)
	}
	return strings.TrimRight(base, "/") + "/" + id
}

// dialConfig opens the websocket offering subprotocol v (OCPP 2.0.1 Part 4
// §3.1.2 for the 2.x versions) with HTTP Basic auth (security profile 1)
// and checks that the server agreed on it (OCPP-J §3.1.2), with opt applied
// to the dialer (TLS: security.go).
func dialConfig(ctx context.Context, rawURL, identity, password string, timeout time.Duration, v ocpp.Version, opt func(*websocket.Dialer)) (*link, error) {
	// gorilla/websocket bounds the handshake by its deadline only; closing
	// the socket when ctx ends lets Run return at once during a handshake
	// the server never answers.
	var (
		mu   sync.Mutex
		stop func() bool
	)
	d := websocket.Dialer{
		Subprotocols:     []string{string(v)},
		HandshakeTimeout: timeout,
		ReadBufferSize:   4096,
		WriteBufferSize:  4096,
		Proxy:            http.ProxyFromEnvironment,
		NetDialContext: func(dctx context.Context, network, addr string) (net.Conn, error) {
			var nd net.Dialer
			c, err := nd.DialContext(dctx, network, addr)
			if err == nil {
				mu.Lock()
				stop = context.AfterFunc(ctx, func() { _ = c.Close() })
				mu.Unlock()
			}
			return c, err
		},
	}
	if opt != nil {
		opt(&d)
	}
	defer func() {
		mu.Lock()
		if stop != nil {
			stop()
		}
		mu.Unlock()
	}()
	h := http.Header{}
	if password != "" {
		h.Set("Authorization", "Basic "+base64.StdEncoding.EncodeToString([]byte(identity+":"+password)))
	}
	ws, resp, err := d.DialContext(ctx, rawURL, h)
	if resp != nil && resp.Body != nil {
		_ = resp.Body.Close()
	}
	if err != nil {
		if resp != nil {
			return nil, fmt.Errorf("dial %s: %w (HTTP %d)", rawURL, err, resp.StatusCode)
		}
		return nil, fmt.Errorf("dial %s: %w", rawURL, err)
	}
	if ws.Subprotocol() != string(v) {
		_ = ws.Close()
		return nil, fmt.Errorf("dial %s: server did not accept subprotocol %s", rawURL, v)
	}
	return &link{ws: ws, version: v, closed: make(chan struct{})}, nil
}

// close closes the connection once; readLoop then ends.
func (l *link) close() {
	l.closeOnce.Do(func() {
		close(l.closed)
		l.writeMu.Lock()
		_ = l.ws.WriteControl(websocket.CloseMessage, websocket.FormatCloseMessage(websocket.CloseNormalClosure, ""), time.Now().Add(time.Second))
		l.writeMu.Unlock()
		_ = l.ws.Close()
	})
}

// write sends one frame.
func (l *link) write(f ocpp.Frame) error {
	b, err := json.Marshal(f)
	if err != nil {
		return err
	}
	l.writeMu.Lock()
	defer l.writeMu.Unlock()
	select {
	case <-l.closed:
		return errLinkClosed
	default:
	}
	_ = l.ws.SetWriteDeadline(time.Now().Add(10 * time.Second))
	if err := l.ws.WriteMessage(websocket.TextMessage, b); err != nil {
		return fmt.Errorf("write: %w", err)
	}
	return nil
}

// call sends c and waits for the CALLRESULT or CALLERROR with its id.
func (l *link) call(ctx context.Context, c ocpp.Call, timeout time.Duration) (ocpp.Frame, error) {
	ch := make(chan ocpp.Frame, 1)
	l.mu.Lock()
	l.pending, l.answer = c.UniqueID, ch
	l.mu.Unlock()
	defer func() {
		l.mu.Lock()
		if l.pending == c.UniqueID {
			l.pending, l.answer = "", nil
		}
		l.mu.Unlock()
	}()
	if err := l.write(c); err != nil {
		return nil, err
	}
	t := time.NewTimer(timeout)
	defer t.Stop()
	select {
	case f := <-ch:
		return f, nil
	case <-t.C:
		return nil, fmt.Errorf("%s: no answer within %s", c.Action, timeout)
	case <-l.closed:
		return nil, errLinkClosed
	case <-ctx.Done():
		return nil, ctx.Err()
	}
}

// deliver hands an answer frame to the waiting call, reporting false when no
// call waits for that id.
func (l *link) deliver(f ocpp.Frame) bool {
	l.mu.Lock()
	defer l.mu.Unlock()
	if l.pending == "" || l.pending != f.ID() {
		return false
	}
	l.answer <- f
	l.pending, l.answer = "", nil
	return true
}

// readLoop reads frames until the connection fails, handing answers to
// deliver and CALLs to onCall. It closes the link when it returns.
func (l *link) readLoop(onCall func(ocpp.Call), onDrop func(error)) {
	defer l.close()
	for {
		_, data, err := l.ws.ReadMessage()
		if err != nil {
			return
		}
		f, err := ocpp.ParseFrame(l.version, data)
		if err != nil {
			var fe *ocpp.FrameError
			if errors.As(err, &fe) && fe.Reply != nil {
				_ = l.write(*fe.Reply)
			}
			onDrop(err)
			continue
		}
		switch f := f.(type) {
		case ocpp.Call:
			onCall(f)
		default:
			if !l.deliver(f) {
				onDrop(fmt.Errorf("answer %s matches no outstanding call", f.ID()))
			}
		}
	}
}

func jsonFrame(f ocpp.Frame) ([]byte, error) { return json.Marshal(f) }
