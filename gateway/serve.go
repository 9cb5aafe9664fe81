package gateway

import (
	"context"
	"math/rand/v2"
	"net"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"time"
	"unicode"
	"unicode/utf8"

	"github.com/gorilla/websocket"
	volt "github.com/volt-ev/volt"
)

// MaxIdentityLen is the longest charger identity accepted in the URL, in
// characters (OCPP 2.0.1 Part 4 §3.1.1 "identifierString" of 48; Volt uses the
// same limit for 1.6).
const MaxIdentityLen = 48

// ServeHTTP serves GET /ocpp/{identity}: it checks the identity, the auth
// rate limit and Basic auth, then upgrades to a websocket with the OCPP
// subprotocol. Mount it with the pattern "GET /ocpp/{identity}"; without a
// pattern the last path element is the identity.
func (g *Gateway) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	if r.Method != http.MethodGet {
		w.Header().Set("Allow", http.MethodGet)
		http.Error(w, "method not allowed", http.StatusMethodNotAllowed)
		return
	}
	identity, ok := identityOf(r)
	if !ok {
		http.Error(w, "bad charger identity", http.StatusBadRequest)
		return
	}
	if g.full() { // checked again, exactly, by admit after authentication
		g.refuse(w, refusedFull)
		return
	}
	remote := remoteHost(r.RemoteAddr)
	if wait := g.limiter.blocked(identity, remote, time.Now()); wait > 0 {
		g.stats.rateLimited.Add(1)
		w.Header().Set("Retry-After", strconv.Itoa(int(wait/time.Second)+1))
		http.Error(w, "too many failed attempts", http.StatusTooManyRequests)
		return
	}
	if !g.enterAuth(r.Context()) {
		if r.Context().Err() == nil { // a charger that left is not counted as shed
			g.refuse(w, refusedBusy)
		}
		return
	}
	charger, ok := g.authenticateProfile(w, r, identity, remote)
	g.leaveAuth()
	if !ok {
		return
	}
	g.upgrade(w, r, charger, identity, remote)
}

const refusedBusy = "too many connections authenticating, retry later"

// newSlots returns a semaphore of n places, or nil (no limit) for n < 0.
func newSlots(n int) chan struct{} {
	if n < 0 {
		return nil
	}
	return make(chan struct{}, n)
}

// enterAuth takes a place among the requests authenticating, waiting at
// most AuthQueueWait. It reports false when none came free in time or the
// client went away; leaveAuth gives the place back.
func (g *Gateway) enterAuth(ctx context.Context) bool {
	if g.authSlots == nil {
		return true
	}
	select {
	case g.authSlots <- struct{}{}:
		return true
	default:
	}
	t := time.NewTimer(g.cfg.AuthQueueWait)
	defer t.Stop()
	select {
	case g.authSlots <- struct{}{}:
		return true
	case <-t.C:
	case <-ctx.Done():
	}
	return false
}

func (g *Gateway) leaveAuth() {
	if g.authSlots != nil {
		<-g.authSlots
	}
}

// authenticate checks Basic auth before the upgrade. It writes the refusal
// itself and reports whether the request may go on.
func (g *Gateway) authenticate(w http.ResponseWriter, r *http.Request, identity, remote string) (*volt.Charger, bool) {
	user, pass, hasAuth := r.BasicAuth()
	if !hasAuth || user != identity {
		if hasAuth { // a wrong user name is a failed attempt; no header is a first try
			g.authFailed(identity, remote)
		}
		unauthorized(w)
		return nil, false
	}
	ctx, cancel := context.WithTimeout(volt.NewContextWithActor(r.Context(), volt.SystemActor), 10*time.Second)
	defer cancel()
	ch, err := g.cfg.Charging.AuthenticateCharger(ctx, identity, pass)
	switch {
	case err == nil && ch != nil:
		g.limiter.succeeded(identity, remote)
		g.shareAuth(identity, remote, true)
		return ch, true
	case volt.IsCode(err, volt.EUNAUTHORIZED) || volt.IsCode(err, volt.ENOTFOUND):
		g.authFailed(identity, remote)
		g.log.Info("gateway: charger auth refused", "identity", identity, "remote", remote)
		unauthorized(w)
	default:
		g.log.Error("gateway: authenticate charger", "identity", identity, "err", err)
		http.Error(w, "authentication unavailable", http.StatusServiceUnavailable)
	}
	return nil, false
}

func (g *Gateway) authFailed(identity, remote string) {
	g.stats.authFails.Add(1)
	g.limiter.failed(identity, remote, time.Now())
	g.shareAuth(identity, remote, false)
}

func unauthorized(w http.ResponseWriter) {
	w.Header().Set("WWW-Authenticate", `Basic realm="OCPP", charset="UTF-8"`)
	http.Error(w, "unauthorized", http.StatusUnauthorized)
}

// upgrade switches an authenticated request to a websocket and starts the
// connection. A client that offers no subprotocol Volt speaks gets a
// handshake without Sec-WebSocket-Protocol and an immediate close 1002.
func (g *Gateway) upgrade(w http.ResponseWriter, r *http.Request, ch *volt.Charger, identity, remote string) {
	if refusal := g.admit(); refusal != "" {
		g.refuse(w, refusal)
		return
	}
	proto := g.selectProtocol(websocket.Subprotocols(r))
	if proto == nil {
		ws, err := g.upgrader.Upgrade(w, r, nil)
		if err == nil {
			msg := websocket.FormatCloseMessage(websocket.CloseProtocolError, "no supported subprotocol offered (want "+g.versions()+")")
			_ = ws.WriteControl(websocket.CloseMessage, msg, time.Now().Add(time.Second))
			_ = ws.Close()
		}
		g.log.Info("gateway: refused subprotocols", "identity", identity, "offered", websocket.Subprotocols(r))
		g.track(-1)
		return
	}
	hdr := http.Header{"Sec-Websocket-Protocol": {string(proto.version)}}
	h := &hijacker{ResponseWriter: w}
	ws, err := g.upgrader.Upgrade(h, r, hdr)
	if err != nil {
		g.log.Info("gateway: upgrade failed", "identity", identity, "err", err)
		g.track(-1)
		return
	}
	c := newConn(g, ws, proto, ch, identity, remote, h)
	c.profile = ProfileOf(r)
	if hs := ch.Handshake; hs == nil || hs.Security.ConnectedProfile != c.profile || hs.Security.PendingProfile != 0 {
		g.goBackground(c.recordProfile) // a reconnect on the same profile writes nothing
	}
	g.wg.Add(1)
	go c.run()
}

// selectProtocol returns the charger's first offered subprotocol that Volt
// speaks: the charger's order of preference (PRODUCT.md; OCPP 2.0.1 Part 4
// §3.1.2 lets the station list several).
func (g *Gateway) selectProtocol(offered []string) *protocol {
	for _, o := range offered {
		for _, p := range g.protos {
			if o == string(p.version) {
				return p
			}
		}
	}
	return nil
}

func (g *Gateway) versions() string {
	vs := make([]string, len(g.protos))
	for i, p := range g.protos {
		vs[i] = string(p.version)
	}
	return strings.Join(vs, ", ")
}

// identityOf returns the percent-decoded identity of the request and whether
// it is acceptable: 1 to MaxIdentityLen printable characters.
func identityOf(r *http.Request) (string, bool) {
	id := r.PathValue("identity")
	if id == "" {
		p := r.URL.EscapedPath()
		raw := p[strings.LastIndexByte(p, '/')+1:]
		var err error
		if id, err = url.PathUnescape(raw); err != nil {
			return "", false
		}
	}
	if id == "" || !utf8.ValidString(id) || utf8.RuneCountInString(id) > MaxIdentityLen {
		return "", false
	}
	for _, c := range id {
		if !unicode.IsPrint(c) || c == '/' {
			return "", false
		}
	}
	return id, true
}

func remoteHost(addr string) string {
	if h, _, err := net.SplitHostPort(addr); err == nil {
		return h
	}
	return addr
}

const refusedFull = "connection limit reached"

// refuse answers an upgrade request 503. At the connection limit, or with
// no place to authenticate, it is refused before authentication (a
// database read), with a jittered Retry-After so that chargers refused in a
// storm come back spread out.
func (g *Gateway) refuse(w http.ResponseWriter, reason string) {
	switch reason {
	case refusedFull:
		g.stats.refused.Add(1)
		w.Header().Set("Retry-After", strconv.Itoa(30+rand.IntN(60)))
	case refusedBusy: // the database is behind: come back within half a minute
		g.stats.shed.Add(1)
		w.Header().Set("Retry-After", strconv.Itoa(5+rand.IntN(25)))
	}
	http.Error(w, reason, http.StatusServiceUnavailable)
}
