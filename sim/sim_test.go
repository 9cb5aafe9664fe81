package sim

import (
	"context"
	"fmt"
	"net"
	"os"
	"runtime"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/volt-ev/volt/ocpp"
	"github.com/volt-ev/volt/ocpp/v16"
)

// TestMain fails the run when goroutines outlive the tests.
func TestMain(m *testing.M) {
	before := runtime.NumGoroutine()
	code := m.Run()
	deadline := time.Now().Add(5 * time.Second)
	for runtime.NumGoroutine() > before && time.Now().Before(deadline) {
		time.Sleep(10 * time.Millisecond)
	}
	if n := runtime.NumGoroutine(); n > before && code == 0 {
		buf := make([]byte, 1<<20)
		fmt.Fprintf(os.Stderr, "goroutine leak: %d before, %d after\n%s", before, n, buf[:runtime.Stack(buf, true)])
		code = 1
	}
	os.Exit(code)
}

// fastClock runs simulated time 600 times faster than the wall clock, so a
// test second charges ten minutes' worth of energy.
func fastClock() func() time.Time {
	start := time.Now()
	return func() time.Time { return start.Add(time.Since(start) * 600) }
}

// eventLog collects a charger's events.
type eventLog struct {
	mu  sync.Mutex
	evs []Event
}

func (l *eventLog) add(ev Event) {
	l.mu.Lock()
	l.evs = append(l.evs, ev)
	l.mu.Unlock()
}

func (l *eventLog) of(kind EventKind) []Event {
	l.mu.Lock()
	defer l.mu.Unlock()
	var out []Event
	for _, ev := range l.evs {
		if ev.Kind == kind {
			out = append(out, ev)
		}
	}
	return out
}

// startCharger runs a charger against f until the test ends.
func startCharger(t *testing.T, f *fakeCSMS, mutate func(*Config)) (*Charger, *eventLog) {
	t.Helper()
	log := &eventLog{}
	cfg := Config{URL: f.url(), Identity: "CP1", Password: f.password, Connectors: 2,
		MeterInterval: 50 * time.Millisecond, Heartbeat: time.Hour, Clock: fastClock(), OnEvent: log.add,
		MinBackoff: 20 * time.Millisecond, MaxBackoff: 200 * time.Millisecond, RebootDelay: 20 * time.Millisecond,
		StepDelay: 10 * time.Millisecond, CallTimeout: 5 * time.Second}
	if mutate != nil {
		mutate(&cfg)
	}
	c := New(cfg)
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan struct{})
	go func() {
		defer close(done)
		if err := c.Run(ctx); err != nil {
			t.Errorf("Run: %v", err)
		}
	}()
	t.Cleanup(func() {
		cancel()
		<-done
	})
	waitCtx(t, c, "boot", c.Online)
	return c, log
}

func waitCtx(t *testing.T, c *Charger, what string, cond func() bool) {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	if err := c.WaitFor(ctx, cond); err != nil {
		t.Fatalf("%s: %v", what, err)
	}
}

func testCtx(t *testing.T) context.Context {
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	t.Cleanup(cancel)
	return ctx
}

func statuses(f *fakeCSMS, connector int) []v16.ChargePointStatus {
	var out []v16.ChargePointStatus
	for _, r := range f.received(v16.ActionStatusNotification) {
		if req := r.Req.(*v16.StatusNotificationRequest); req.ConnectorID == connector {
			out = append(out, req.Status)
		}
	}
	return out
}

func measurands(mv v16.MeterValue) map[v16.Measurand]int {
	m := map[v16.Measurand]int{}
	for _, sv := range mv.SampledValue {
		m[sv.Measurand]++
	}
	return m
}

func TestSessionLifecycle(t *testing.T) {
	f := newFakeCSMS(t)
	c, _ := startCharger(t, f, nil)
	ctx := testCtx(t)

	eventually(t, "boot statuses", func() bool { return len(statuses(f, 0)) == 1 && len(statuses(f, 2)) == 1 })
	if c.Status(1) != v16.ChargePointStatusAvailable {
		t.Fatalf("status after boot = %s", c.Status(1))
	}
	if err := c.Plug(1); err != nil {
		t.Fatal(err)
	}
	if err := c.Swipe(ctx, 1, "04A2B3C4"); err != nil {
		t.Fatalf("Swipe: %v", err)
	}
	tx := c.TransactionID(1)
	if tx != 101 || c.Status(1) != v16.ChargePointStatusCharging {
		t.Fatalf("after swipe: tx %d status %s", tx, c.Status(1))
	}
	eventually(t, "3 meter values", func() bool { return f.count(v16.ActionMeterValues) >= 3 })
	if err := c.Stop(ctx, 1, v16.ReasonLocal); err != nil {
		t.Fatalf("Stop: %v", err)
	}
	if c.Status(1) != v16.ChargePointStatusFinishing {
		t.Fatalf("after stop: %s", c.Status(1))
	}
	if err := c.Unplug(1); err != nil {
		t.Fatal(err)
	}
	eventually(t, "Available sent", func() bool {
		s := statuses(f, 1)
		return len(s) > 0 && s[len(s)-1] == v16.ChargePointStatusAvailable
	})

	want := []v16.ChargePointStatus{"Available", "Preparing", "Charging", "Finishing", "Available"}
	if got := statuses(f, 1); fmt.Sprint(got) != fmt.Sprint(want) {
		t.Errorf("connector 1 statuses %v, want %v", got, want)
	}
	auth := f.received(v16.ActionAuthorize)
	if len(auth) != 1 || auth[0].Req.(*v16.AuthorizeRequest).IdTag != "04A2B3C4" {
		t.Errorf("Authorize: %+v", auth)
	}
	start := f.received(v16.ActionStartTransaction)[0].Req.(*v16.StartTransactionRequest)
	stop := f.received(v16.ActionStopTransaction)[0].Req.(*v16.StopTransactionRequest)
	if start.ConnectorID != 1 || start.IdTag != "04A2B3C4" {
		t.Errorf("StartTransaction %+v", start)
	}
	if stop.TransactionID != tx || stop.Reason != v16.ReasonLocal || stop.MeterStop <= start.MeterStart || len(stop.TransactionData) != 2 {
		t.Errorf("StopTransaction %+v (meterStart %d)", stop, start.MeterStart)
	}
	last := start.MeterStart
	for _, r := range f.received(v16.ActionMeterValues) {
		mv := r.Req.(*v16.MeterValuesRequest)
		if mv.TransactionID == nil || *mv.TransactionID != tx {
			t.Fatalf("MeterValues without transaction %d: %s", tx, r.Payload)
		}
		m := measurands(mv.MeterValue[0])
		if m[v16.MeasurandEnergyActiveImportRegister] != 1 || m[v16.MeasurandPowerActiveImport] != 1 ||
			m[v16.MeasurandCurrentImport] != 3 || m[v16.MeasurandVoltage] != 3 || m[v16.MeasurandSoC] != 1 {
			t.Errorf("measurands %v", m)
		}
		wh, _ := strconv.Atoi(mv.MeterValue[0].SampledValue[0].Value)
		if wh < last {
			t.Errorf("energy register went back from %d to %d", last, wh)
		}
		last = wh
	}
	if stop.MeterStop < last {
		t.Errorf("meterStop %d below the last reading %d", stop.MeterStop, last)
	}
}

func TestSwipeBlockedTag(t *testing.T) {
	f := newFakeCSMS(t)
	f.blocked["BAD"] = true
	c, _ := startCharger(t, f, nil)
	if err := c.Swipe(testCtx(t), 1, "BAD"); err == nil || !strings.Contains(err.Error(), "Blocked") {
		t.Fatalf("Swipe blocked tag: %v", err)
	}
	if c.Charging(1) || f.count(v16.ActionStartTransaction) != 0 {
		t.Fatal("a session started for a blocked tag")
	}
}

func TestBootPendingRetried(t *testing.T) {
	f := newFakeCSMS(t)
	f.bootPlan = []v16.RegistrationStatus{v16.RegistrationStatusPending}
	c, log := startCharger(t, f, nil)
	if got := f.count(v16.ActionBootNotification); got != 2 {
		t.Fatalf("%d BootNotifications, want 2", got)
	}
	booted := log.of(EventBooted)
	if len(booted) != 2 || booted[0].Detail != "Pending" || booted[1].Detail != "Accepted" || c.Boots() != 1 {
		t.Fatalf("boot events %+v", booted)
	}
}

func TestHeartbeatFromBootInterval(t *testing.T) {
	f := newFakeCSMS(t)
	// No override: the fake's boot interval (1s) drives the heartbeat.
	startCharger(t, f, func(c *Config) { c.Heartbeat = 0 })
	eventually(t, "a heartbeat", func() bool { return f.count(v16.ActionHeartbeat) >= 1 })
}

func TestOfflineQueueDeliveredAfterReconnect(t *testing.T) {
	f := newFakeCSMS(t)
	c, _ := startCharger(t, f, nil)
	ctx := testCtx(t)
	eventually(t, "boot statuses", func() bool { return len(statuses(f, 2)) == 1 })

	f.setRefuse(true)
	f.dropConn()
	waitCtx(t, c, "offline", func() bool { return !c.Online() })
	if err := c.Swipe(ctx, 1, "OFFLINE1"); err != nil { // AllowOfflineTxForUnknownId
		t.Fatalf("offline swipe: %v", err)
	}
	waitCtx(t, c, "samples queued", func() bool { return c.QueueLen() >= 3 })
	if err := c.Stop(ctx, 1, v16.ReasonLocal); err != nil {
		t.Fatal(err)
	}
	if f.count(v16.ActionStartTransaction) != 0 {
		t.Fatal("StartTransaction sent while offline")
	}
	queued := c.QueueLen()
	f.setRefuse(false)
	eventually(t, "StopTransaction delivered", func() bool { return f.count(v16.ActionStopTransaction) == 1 })

	var order []string
	for _, r := range f.received("") {
		switch r.Action {
		case v16.ActionStartTransaction, v16.ActionStopTransaction, v16.ActionMeterValues:
			order = append(order, r.Action)
		}
	}
	if len(order) != queued || order[0] != v16.ActionStartTransaction || order[len(order)-1] != v16.ActionStopTransaction {
		t.Fatalf("delivered %v, want %d queued messages, Start first, Stop last", order, queued)
	}
	tx := 101
	for _, r := range f.received(v16.ActionMeterValues) {
		if mv := r.Req.(*v16.MeterValuesRequest); mv.TransactionID == nil || *mv.TransactionID != tx {
			t.Errorf("queued MeterValues not linked to transaction %d: %s", tx, r.Payload)
		}
	}
	if stop := f.received(v16.ActionStopTransaction)[0].Req.(*v16.StopTransactionRequest); stop.TransactionID != tx {
		t.Errorf("queued StopTransaction has transactionId %d, want %d", stop.TransactionID, tx)
	}
	// The statuses reported after the reconnect end with the current one.
	eventually(t, "status after reconnect", func() bool {
		s := statuses(f, 1)
		return len(s) > 1 && s[len(s)-1] == v16.ChargePointStatusFinishing
	})
}

// TestStaleStatusNotResentAfterReconnect: a status queued when the
// connection failed is not sent after the fresh ones of the next boot.
func TestStaleStatusNotResentAfterReconnect(t *testing.T) {
	f := newFakeCSMS(t)
	c, _ := startCharger(t, f, nil)
	eventually(t, "boot statuses", func() bool { return len(statuses(f, 2)) == 1 })
	// Queue statuses behind a call the fake never answers, then drop.
	f.mu.Lock()
	f.silent = true
	f.mu.Unlock()
	c.send(v16.ActionHeartbeat, &v16.HeartbeatRequest{})
	eventually(t, "unanswered heartbeat", func() bool { return f.count(v16.ActionHeartbeat) == 1 })
	_ = c.Plug(1) // Preparing, queued behind the heartbeat
	_ = c.Unplug(1)
	f.mu.Lock()
	f.silent = false
	f.mu.Unlock()
	f.dropConn()
	eventually(t, "second boot", func() bool { return f.count(v16.ActionBootNotification) == 2 })
	waitCtx(t, c, "online", c.Online)
	eventually(t, "fresh statuses", func() bool { return len(statuses(f, 2)) == 2 })
	if got := statuses(f, 1); fmt.Sprint(got) != "[Available Available]" {
		t.Fatalf("connector 1 statuses %v: a stale Preparing was sent", got)
	}
}

func TestReconnectBackoff(t *testing.T) {
	f := newFakeCSMS(t)
	f.setRefuse(true)
	log := &eventLog{}
	c := New(Config{URL: f.url(), Identity: "CP1", Password: f.password, OnEvent: log.add,
		MinBackoff: 10 * time.Millisecond, MaxBackoff: 80 * time.Millisecond})
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan struct{})
	go func() { defer close(done); _ = c.Run(ctx) }()
	defer func() { cancel(); <-done }()

	eventually(t, "6 refused dials", func() bool { return len(log.of(EventDisconnected)) >= 6 })
	f.setRefuse(false)
	waitCtx(t, c, "connected after refusals", c.Online)

	want := []time.Duration{10, 20, 40, 80, 80, 80}
	for i, ev := range log.of(EventDisconnected)[:6] {
		_, rest, _ := strings.Cut(ev.Detail, "retry in ")
		d, err := time.ParseDuration(strings.SplitN(rest, ":", 2)[0])
		if err != nil {
			t.Fatalf("event %q: %v", ev.Detail, err)
		}
		base := want[i] * time.Millisecond
		if d < base*3/4 || d > base*5/4 {
			t.Errorf("retry %d after %s, want %s ± 25%%", i, d, base)
		}
	}
}

func TestWrongPasswordKeepsRetrying(t *testing.T) {
	f := newFakeCSMS(t)
	log := &eventLog{}
	c := New(Config{URL: f.url(), Identity: "CP1", Password: "wrong", OnEvent: log.add, MinBackoff: 5 * time.Millisecond})
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan struct{})
	go func() { defer close(done); _ = c.Run(ctx) }()
	eventually(t, "2 refused dials", func() bool { return len(log.of(EventDisconnected)) >= 2 })
	cancel()
	<-done
	if c.Online() || !strings.Contains(log.of(EventDisconnected)[0].Detail, "401") {
		t.Fatalf("wrong password: online=%v %q", c.Online(), log.of(EventDisconnected)[0].Detail)
	}
}

func TestRunTwiceRefused(t *testing.T) {
	f := newFakeCSMS(t)
	c, _ := startCharger(t, f, nil)
	if err := c.Run(context.Background()); err == nil {
		t.Fatal("second Run accepted")
	}
}

func TestUnknownAndWrongDirectionActions(t *testing.T) {
	f := newFakeCSMS(t)
	startCharger(t, f, nil)
	ctx := testCtx(t)
	for action, code := range map[string]ocpp.ErrorCode{"FlyToMoon": ocpp.NotImplemented, v16.ActionHeartbeat: ocpp.NotSupported} {
		fr, err := f.call(ctx, action, struct{}{})
		if err != nil {
			t.Fatal(err)
		}
		if ce, ok := fr.(ocpp.CallError); !ok || ce.Code != code {
			t.Errorf("%s answered %#v, want CALLERROR %s", action, fr, code)
		}
	}
	fr, err := f.call(ctx, v16.ActionReset, map[string]string{"type": "Sideways"})
	if err != nil {
		t.Fatal(err)
	}
	if ce, ok := fr.(ocpp.CallError); !ok || ce.Code != ocpp.PropertyConstraintViolation {
		t.Errorf("bad Reset answered %#v", fr)
	}
}

// TestRunEndsDuringUnansweredHandshake: a server that accepts TCP and never
// answers the upgrade must not hold Run after its context ends.
func TestRunEndsDuringUnansweredHandshake(t *testing.T) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	accepted := make(chan net.Conn, 1)
	go func() {
		if c, err := ln.Accept(); err == nil {
			// Once the upgrade request is in, the charger waits for the answer.
			_, _ = c.Read(make([]byte, 16))
			accepted <- c
		}
	}()
	defer ln.Close()
	c := New(Config{URL: "ws://" + ln.Addr().String() + "/ocpp", Identity: "CP1", DialTimeout: time.Hour})
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan struct{})
	go func() { defer close(done); _ = c.Run(ctx) }()
	var conn net.Conn
	select {
	case conn = <-accepted:
	case <-time.After(10 * time.Second):
		t.Fatal("charger never dialled")
	}
	defer conn.Close()
	cancel()
	select {
	case <-done:
	case <-time.After(10 * time.Second):
		t.Fatal("Run still waits for the handshake after its context ended")
	}
}
