package gateway

import (
	"context"
	"encoding/json"
	"errors"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/gorilla/websocket"
	"github.com/prometheus/client_golang/prometheus"
	volt "github.com/volt-ev/volt"
)

func TestSubprotocolRefused(t *testing.T) {
	h := newHarness(t, nil)
	ws, resp, err := h.dialRaw("CP-1", "secret-1", "ocpp2.0", "json")
	if err != nil {
		t.Fatalf("handshake should succeed, got %v (%v)", err, resp)
	}
	defer ws.Close()
	if p := resp.Header.Get("Sec-WebSocket-Protocol"); p != "" {
		t.Fatalf("Sec-WebSocket-Protocol = %q, want none", p)
	}
	_ = ws.SetReadDeadline(time.Now().Add(5 * time.Second))
	_, _, err = ws.ReadMessage()
	var ce *websocket.CloseError
	if !errors.As(err, &ce) || ce.Code != websocket.CloseProtocolError {
		t.Fatalf("want close 1002, got %v", err)
	}
	if h.g.Connected("000001") {
		t.Fatal("refused connection registered")
	}
}

func TestAuthRefusedBeforeUpgrade(t *testing.T) {
	h := newHarness(t, nil)
	for _, tc := range []struct{ name, identity, user, pass string }{
		{"wrong password", "CP-1", "CP-1", "nope"},
		{"unknown identity", "CP-9", "CP-9", "secret-1"},
		{"user differs from identity", "CP-1", "CP-2", "secret-2"},
		{"no credentials", "CP-1", "", ""},
	} {
		t.Run(tc.name, func(t *testing.T) {
			hdr := http.Header{}
			if tc.user != "" {
				hdr = basic(tc.user, tc.pass)
			}
			d := websocket.Dialer{Subprotocols: []string{"ocpp1.6"}}
			ws, resp, err := d.Dial(h.url+tc.identity, hdr)
			if err == nil {
				ws.Close()
				t.Fatal("upgraded without valid credentials")
			}
			if resp == nil || resp.StatusCode != http.StatusUnauthorized {
				t.Fatalf("status %v, want 401", resp)
			}
			if !strings.HasPrefix(resp.Header.Get("WWW-Authenticate"), "Basic ") {
				t.Fatalf("WWW-Authenticate = %q", resp.Header.Get("WWW-Authenticate"))
			}
		})
	}
	for _, c := range h.fake.called() {
		if c == "RecordConnection" {
			t.Fatal("an unauthenticated peer reached the registry")
		}
	}
}

func TestIdentityInURL(t *testing.T) {
	h := newHarness(t, func(c *Config) {})
	h.fake.chargers["CP 7/é"] = fakeCharger{"000007", "pw"}
	h.fake.chargers[strings.Repeat("x", 49)] = fakeCharger{"000049", "pw"}
	d := websocket.Dialer{Subprotocols: []string{"ocpp1.6"}}
	ws, resp, err := d.Dial(h.url+"CP%207%2F%C3%A9", basic("CP 7/é", "pw"))
	if err == nil {
		ws.Close()
		t.Fatal("identity with '/' accepted")
	}
	if resp.StatusCode != http.StatusBadRequest {
		t.Fatalf("status %d, want 400", resp.StatusCode)
	}
	h.fake.chargers["CP 7é"] = fakeCharger{"000008", "pw"}
	ws, _, err = d.Dial(h.url+"CP%207%C3%A9", basic("CP 7é", "pw"))
	if err != nil {
		t.Fatalf("percent-encoded identity refused: %v", err)
	}
	ws.Close()
	long := strings.Repeat("x", 49)
	if _, resp, err = d.Dial(h.url+long, basic(long, "pw")); err == nil || resp.StatusCode != http.StatusBadRequest {
		t.Fatalf("49-character identity: %v %v", err, resp)
	}
}

func TestRateLimit(t *testing.T) {
	h := newHarness(t, func(c *Config) { c.PairFailures = 3 })
	for i := range 3 {
		if _, resp, _ := h.dialRaw("CP-1", "wrong", "ocpp1.6"); resp.StatusCode != http.StatusUnauthorized {
			t.Fatalf("attempt %d: %d", i, resp.StatusCode)
		}
	}
	_, resp, err := h.dialRaw("CP-1", "secret-1", "ocpp1.6")
	if err == nil || resp.StatusCode != http.StatusTooManyRequests || resp.Header.Get("Retry-After") == "" {
		t.Fatalf("after 3 failures: %v %v", err, resp)
	}
	// Another identity from the same address is not blocked by the pair.
	c := h.connect("CP-2", "secret-2")
	c.callOK("Heartbeat", struct{}{}, nil)
	if h.g.Stats().RateLimited != 1 || h.g.Stats().AuthFailures != 3 {
		t.Fatalf("stats %+v", h.g.Stats())
	}
}

func TestLimiterNeverLocksOutTheRealCharger(t *testing.T) {
	now := time.Unix(1_000_000, 0)
	l := newLimiter(time.Minute, 3, 5, 4)
	// An attacker sprays wrong passwords for CP-1 from many addresses.
	for i := range 50 {
		addr := "10.0.0." + string(rune('a'+i%26)) + string(rune('a'+i/26))
		if l.blocked("CP-1", addr, now) == 0 {
			l.failed("CP-1", addr, now)
		}
	}
	if w := l.blocked("CP-1", "192.0.2.1", now); w != 0 {
		t.Fatalf("the real charger's address is blocked for %v", w)
	}
	// A sprayer address that failed once is blocked while the identity is hot.
	if l.blocked("CP-1", "10.0.0.aa", now) == 0 {
		t.Fatal("a failed pair of a hot identity is not blocked")
	}
	// Per address: one host guessing many identities.
	for i := range 5 {
		l.failed("ID-"+string(rune('A'+i)), "198.51.100.7", now)
	}
	if l.blocked("ID-Z", "198.51.100.7", now) == 0 {
		t.Fatal("address over its limit not blocked")
	}
	// Windows end.
	if l.blocked("ID-Z", "198.51.100.7", now.Add(time.Minute)) != 0 {
		t.Fatal("block outlived the window")
	}
	// Success clears the pair.
	l.failed("CP-2", "192.0.2.9", now)
	l.failed("CP-2", "192.0.2.9", now)
	l.succeeded("CP-2", "192.0.2.9")
	l.failed("CP-2", "192.0.2.9", now)
	if l.blocked("CP-2", "192.0.2.9", now) != 0 {
		t.Fatal("success did not reset the pair")
	}
}

func TestDuplicateConnectionNewestWins(t *testing.T) {
	h := newHarness(t, nil)
	old := h.connect("CP-1", "secret-1")
	waitFor(t, "registration", func() bool { return h.g.Connected("000001") })

	pending := make(chan error, 1)
	go func() {
		_, err := h.g.Call(context.Background(), "000001", "ClearCache", nil)
		pending <- err
	}()
	if f := old.read(); f.str(2) != "ClearCache" {
		t.Fatalf("old connection got %s", joinFrame(f))
	}

	// An unauthenticated peer displaces nothing.
	if _, resp, err := h.dialRaw("CP-1", "guess", "ocpp1.6"); err == nil || resp.StatusCode != http.StatusUnauthorized {
		t.Fatalf("bad password: %v %v", err, resp)
	}
	select {
	case err := <-pending:
		t.Fatalf("an unauthenticated attempt failed the pending call: %v", err)
	case <-time.After(50 * time.Millisecond):
	}

	newer := h.connect("CP-1", "secret-1")
	err := <-pending
	if !errors.Is(err, ErrConnectionReplaced) || !volt.IsCode(err, volt.ECHARGEROFFLINE) {
		t.Fatalf("pending call: %v", err)
	}
	_ = old.ws.SetReadDeadline(time.Now().Add(5 * time.Second))
	_, _, rerr := old.ws.ReadMessage()
	var ce *websocket.CloseError
	if !errors.As(rerr, &ce) || !strings.Contains(ce.Text, "replaced") {
		t.Fatalf("old connection: %v", rerr)
	}

	go func() {
		_, err := h.g.Call(context.Background(), "000001", "ClearCache", nil)
		pending <- err
	}()
	f := newer.read()
	newer.sendRaw(`[3,` + string(f[1]) + `,{"status":"Accepted"}]`)
	if err := <-pending; err != nil {
		t.Fatalf("call on the new connection: %v", err)
	}
	h.fake.mu.Lock()
	online := append([]bool(nil), h.fake.online...)
	h.fake.mu.Unlock()
	if len(online) != 2 || !online[0] || !online[1] {
		t.Fatalf("RecordConnection online sequence %v, want [true true]", online)
	}
	waitFor(t, "old connection torn down", func() bool { return h.g.Stats().Connections == 1 })
	if s := h.g.Stats(); s.Replaced != 1 {
		t.Fatalf("stats %+v", s)
	}
}

func TestMalformedFrames(t *testing.T) {
	h := newHarness(t, nil)
	c := h.connect("CP-1", "secret-1")
	cases := []struct{ in, id, code string }{
		{`this is not json`, "-1", "FormationViolation"},
		{`{"a":1}`, "-1", "FormationViolation"},
		{`[2,"m1","Heartbeat"]`, "m1", "ProtocolError"},
		{`[2,"m2",17,{}]`, "m2", "ProtocolError"},
		{`[2,"m3","NoSuchAction",{}]`, "m3", "NotImplemented"},
		{`[2,"m4","Authorize",{}]`, "m4", "OccurenceConstraintViolation"},
		{`[2,"m5","Authorize",{"idTag":12}]`, "m5", "TypeConstraintViolation"},
		{`[2,"m6","RemoteStartTransaction",{"idTag":"x"}]`, "m6", "NotSupported"},
		{`[2,"m7","StatusNotification",{"connectorId":1,"errorCode":"NoError","status":"Dancing"}]`, "m7", "PropertyConstraintViolation"},
	}
	for _, tc := range cases {
		c.sendRaw(tc.in)
		f := c.expectError(tc.id, tc.code)
		if strings.Contains(string(f[3]), "not json") {
			t.Fatalf("CALLERROR repeats the input: %s", joinFrame(f))
		}
	}
	// An unknown message type is ignored in 1.6; the connection stays up.
	c.sendRaw(`[7,"m8",{}]`)
	var hb struct{ CurrentTime string }
	c.callOK("Heartbeat", struct{}{}, &hb)
	if hb.CurrentTime == "" {
		t.Fatal("heartbeat without currentTime")
	}
}

func TestCall(t *testing.T) {
	h := newHarness(t, nil)
	c := h.connect("CP-1", "secret-1")
	waitFor(t, "registration", func() bool { return h.g.Connected("000001") })

	t.Run("answer returned", func(t *testing.T) {
		res := asyncCall(h, "Reset", map[string]any{"type": "Soft"})
		f := c.read()
		if f.typ() != 2 || f.str(2) != "Reset" || string(f[3]) != `{"type":"Soft"}` {
			t.Fatalf("charger got %s", joinFrame(f))
		}
		c.sendRaw(`[3,` + string(f[1]) + `,{"status":"Accepted"}]`)
		if r := <-res; r.err != nil || string(r.payload) != `{"status":"Accepted"}` {
			t.Fatalf("got %s, %v", r.payload, r.err)
		}
	})
	t.Run("callerror mapped", func(t *testing.T) {
		res := asyncCall(h, "ClearCache", nil)
		f := c.read()
		c.sendRaw(`[4,` + string(f[1]) + `,"NotSupported","no cache",{"x":1}]`)
		r := <-res
		var ve *volt.Error
		if !errors.As(r.err, &ve) || ve.Code != volt.ECALLERROR {
			t.Fatalf("got %v", r.err)
		}
		d := ve.Details.(CallErrorDetails)
		if d.ErrorCode != "NotSupported" || d.ErrorDescription != "no cache" || string(d.ErrorDetails) != `{"x":1}` {
			t.Fatalf("details %+v", d)
		}
	})
	t.Run("timeout frees the slot", func(t *testing.T) {
		ctx, cancel := context.WithTimeout(context.Background(), 100*time.Millisecond)
		defer cancel()
		_, err := h.g.Call(ctx, "000001", "ClearCache", nil)
		if !volt.IsCode(err, volt.ETIMEOUT) {
			t.Fatalf("got %v", err)
		}
		lost := c.read() // never answered in time
		res := asyncCall(h, "ClearCache", nil)
		f := c.read()
		if f.str(1) == lost.str(1) {
			t.Fatal("unique id reused")
		}
		c.sendRaw(`[3,` + string(lost[1]) + `,{"status":"Accepted"}]`) // late: dropped
		c.sendRaw(`[3,` + string(f[1]) + `,{"status":"Rejected"}]`)
		if r := <-res; r.err != nil || !strings.Contains(string(r.payload), "Rejected") {
			t.Fatalf("second call: %s %v", r.payload, r.err)
		}
		if h.g.Stats().AnswersDropped != 1 {
			t.Fatalf("late answer not counted as dropped: %+v", h.g.Stats())
		}
	})
	t.Run("calls queue one at a time", func(t *testing.T) {
		r1 := asyncCall(h, "ClearCache", nil)
		f1 := c.read()
		r2 := asyncCall(h, "Reset", map[string]any{"type": "Hard"})
		_ = c.ws.SetReadDeadline(time.Now().Add(100 * time.Millisecond))
		if _, data, err := c.ws.ReadMessage(); err == nil {
			t.Fatalf("second CALL sent while the first is outstanding: %s", data)
		}
		c.ws.Close() // a read timeout breaks a gorilla conn: reconnect
		c = h.connect("CP-1", "secret-1")
		waitFor(t, "reconnection", func() bool { return h.g.Connected("000001") })
		for _, r := range []chan callRes{r1, r2} {
			if err := (<-r).err; !volt.IsCode(err, volt.ECHARGEROFFLINE) {
				t.Fatalf("after disconnect: %v", err)
			}
		}
		_ = f1
	})
	t.Run("invalid request", func(t *testing.T) {
		_, err := h.g.Call(context.Background(), "000001", "Reset", json.RawMessage(`{"type":"Sideways"}`))
		var ve *volt.Error
		if !errors.As(err, &ve) || ve.Code != volt.EINVALID || ve.Field != "type" {
			t.Fatalf("got %v", err)
		}
		if _, err := h.g.Call(context.Background(), "000001", "Heartbeat", nil); !volt.IsCode(err, volt.EINVALID) {
			t.Fatalf("charger-to-CSMS action: %v", err)
		}
	})
	t.Run("offline", func(t *testing.T) {
		_, err := h.g.Call(context.Background(), "999999", "ClearCache", nil)
		if !volt.IsCode(err, volt.ECHARGEROFFLINE) || errors.Is(err, ErrConnectionReplaced) {
			t.Fatalf("got %v", err)
		}
	})
}

type callRes struct {
	payload json.RawMessage
	err     error
}

func asyncCall(h *harness, action string, req any) chan callRes {
	ch := make(chan callRes, 1)
	go func() {
		p, err := h.g.Call(context.Background(), "000001", action, req)
		ch <- callRes{p, err}
	}()
	return ch
}

func TestChargerCallWhileOurCallWaits(t *testing.T) {
	h := newHarness(t, nil)
	c := h.connect("CP-1", "secret-1")
	waitFor(t, "registration", func() bool { return h.g.Connected("000001") })
	res := asyncCall(h, "GetConfiguration", map[string]any{"key": []string{"HeartbeatInterval"}})
	ours := c.read()
	c.callOK("Heartbeat", struct{}{}, nil) // answered although our CALL waits
	c.sendRaw(`[3,` + string(ours[1]) + `,{"configurationKey":[{"key":"HeartbeatInterval","readonly":false,"value":"300"}]}]`)
	if r := <-res; r.err != nil {
		t.Fatal(r.err)
	}
	h.fake.mu.Lock()
	defer h.fake.mu.Unlock()
	if len(h.fake.config) != 1 || h.fake.config[0][0].Key != "HeartbeatInterval" || *h.fake.config[0][0].Value != "300" {
		t.Fatalf("configuration not stored: %+v", h.fake.config)
	}
}

func TestSecondChargerCallBeforeAnswer(t *testing.T) {
	h := newHarness(t, nil)
	release := make(chan struct{})
	h.fake.block = release
	c := h.connect("CP-1", "secret-1")
	id1 := c.call("Heartbeat", struct{}{})
	id2 := c.call("StatusNotification", map[string]any{"connectorId": 1, "errorCode": "NoError", "status": "Charging"})
	waitFor(t, "heartbeat to block", func() bool {
		calls := h.fake.called()
		return len(calls) > 0 && calls[len(calls)-1] == "RecordHeartbeat"
	})
	close(release)
	c.expectResult(id1, nil)
	c.expectResult(id2, nil)
}

func TestDisconnectFailsPendingCalls(t *testing.T) {
	h := newHarness(t, nil)
	c := h.connect("CP-1", "secret-1")
	waitFor(t, "registration", func() bool { return h.g.Connected("000001") })
	r1 := asyncCall(h, "ClearCache", nil)
	c.read()
	r2 := asyncCall(h, "ClearCache", nil)
	time.Sleep(20 * time.Millisecond) // let r2 queue behind r1
	c.ws.Close()
	for _, r := range []chan callRes{r1, r2} {
		if err := (<-r).err; !volt.IsCode(err, volt.ECHARGEROFFLINE) {
			t.Fatalf("got %v", err)
		}
	}
	waitFor(t, "unregistration", func() bool { return !h.g.Connected("000001") })
	waitFor(t, "offline recorded", func() bool {
		h.fake.mu.Lock()
		defer h.fake.mu.Unlock()
		return len(h.fake.online) == 2 && !h.fake.online[1]
	})
}

func TestSlowConsumerClosed(t *testing.T) {
	h := newHarness(t, func(c *Config) { c.OutboxSize = 4 })
	c := h.connect("CP-1", "secret-1")
	waitFor(t, "registration", func() bool { return h.g.Connected("000001") })
	conn := h.g.lookup("000001")
	big := []byte(`[2,"x","DataTransfer",{"vendorId":"` + strings.Repeat("v", 256<<10) + `"}]`)
	for range 200 { // the charger reads nothing
		conn.enqueue(outFrame{data: big})
	}
	waitFor(t, "slow consumer to be closed", func() bool { return !h.g.Connected("000001") })
	if h.g.Stats().SlowConsumers != 1 {
		t.Fatalf("stats %+v", h.g.Stats())
	}
	_ = c
}

func TestStaleConnectionClosedAndPinged(t *testing.T) {
	h := newHarness(t, func(c *Config) {
		c.PingInterval = 50 * time.Millisecond
		c.StaleAfter = 300 * time.Millisecond
	})
	c := h.connect("CP-1", "secret-1")
	pings := make(chan struct{}, 100)
	c.ws.SetPingHandler(func(string) error { pings <- struct{}{}; return nil }) // never answers
	go func() {
		for {
			if _, _, err := c.ws.ReadMessage(); err != nil {
				return
			}
		}
	}()
	select {
	case <-pings:
	case <-time.After(5 * time.Second):
		t.Fatal("no ping on an idle connection")
	}
	waitFor(t, "stale close", func() bool { return !h.g.Connected("000001") })
	if h.g.Stats().Stale != 1 {
		t.Fatalf("stats %+v", h.g.Stats())
	}
}

func TestShutdown(t *testing.T) {
	h := newHarness(t, nil)
	c := h.connect("CP-1", "secret-1")
	waitFor(t, "registration", func() bool { return h.g.Connected("000001") })
	pending := asyncCall(h, "ClearCache", nil)
	c.read()
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	if err := h.g.Shutdown(ctx); err != nil {
		t.Fatal(err)
	}
	if err := (<-pending).err; !volt.IsCode(err, volt.ECHARGEROFFLINE) {
		t.Fatalf("pending call: %v", err)
	}
	_ = c.ws.SetReadDeadline(time.Now().Add(5 * time.Second))
	_, _, err := c.ws.ReadMessage()
	var ce *websocket.CloseError
	if !errors.As(err, &ce) || ce.Code != websocket.CloseGoingAway {
		t.Fatalf("charger saw %v, want close 1001", err)
	}
	if _, resp, err := h.dialRaw("CP-1", "secret-1", "ocpp1.6"); err == nil || resp.StatusCode != http.StatusServiceUnavailable {
		t.Fatalf("connect after shutdown: %v %v", err, resp)
	}
}

func TestCollectors(t *testing.T) {
	h := newHarness(t, nil)
	reg := prometheus.NewPedanticRegistry()
	for _, c := range h.g.Collectors() {
		reg.MustRegister(c)
	}
	c := h.connect("CP-1", "secret-1")
	c.callOK("Heartbeat", struct{}{}, nil)
	waitFor(t, "registration", func() bool { return h.g.Connected("000001") })
	mfs, err := reg.Gather()
	if err != nil {
		t.Fatal(err)
	}
	got := map[string]float64{}
	for _, mf := range mfs {
		m := mf.GetMetric()[0]
		if m.GetGauge() != nil {
			got[mf.GetName()] = m.GetGauge().GetValue()
		} else {
			got[mf.GetName()] = m.GetCounter().GetValue()
		}
	}
	if got["volt_ocpp_connections"] != 1 || got["volt_ocpp_calls_in_total"] != 1 || len(got) != len(metricDescs) {
		t.Fatalf("metrics %v", got)
	}
}
