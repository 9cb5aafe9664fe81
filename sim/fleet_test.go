package sim

import (
	"bytes"
	"context"
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/volt-ev/volt/ocpp/v16"
)

func fleetCreds(f *fakeCSMS, n int) []Credentials {
	out := make([]Credentials, n)
	for i := range out {
		out[i] = Credentials{Identity: fmt.Sprintf("FLEET%03d", i+1), Password: f.password}
	}
	return out
}

func TestFleetPlaysSessions(t *testing.T) {
	f := newFakeCSMS(t)
	tags := []string{"FLEETTAG1", "FLEETTAG2"}
	fl, err := StartFleet(context.Background(), f.url(), fleetCreds(f, 3), FleetOptions{
		Connectors: 2, MeterInterval: 20 * time.Millisecond, Heartbeat: time.Hour, IDTags: tags,
		SessionEvery: 30 * time.Millisecond, SessionLength: 60 * time.Millisecond, MinBackoff: 10 * time.Millisecond,
	})
	if err != nil {
		t.Fatal(err)
	}
	defer fl.Close()
	eventually(t, "all online", func() bool { return fl.Online() == 3 })
	eventually(t, "sessions started and stopped", func() bool {
		return f.count(v16.ActionStartTransaction) >= 6 && f.count(v16.ActionStopTransaction) >= 3
	})
	for _, r := range f.received(v16.ActionStartTransaction) {
		if tag := r.Req.(*v16.StartTransactionRequest).IdTag; tag != tags[0] && tag != tags[1] {
			t.Fatalf("session with idTag %s, not one of %v", tag, tags)
		}
	}
	if f.count(v16.ActionBootNotification) != 3 {
		t.Fatalf("%d boots for 3 chargers", f.count(v16.ActionBootNotification))
	}
	fl.Close()
	if fl.Online() != 0 {
		t.Fatal("chargers online after Close")
	}
}

func TestStartFleetChecksArguments(t *testing.T) {
	if _, err := StartFleet(context.Background(), "", []Credentials{{Identity: "A"}}, FleetOptions{}); err == nil {
		t.Error("no URL accepted")
	}
	if _, err := StartFleet(context.Background(), "ws://x", nil, FleetOptions{}); err == nil {
		t.Error("no chargers accepted")
	}
}

func TestRunLoadReportsAndSurvivesStorm(t *testing.T) {
	f := newFakeCSMS(t)
	var out bytes.Buffer
	rep, err := RunLoad(context.Background(), LoadOptions{
		URL: f.url(), Creds: fleetCreds(f, 5), Every: 50 * time.Millisecond, Duration: 30 * time.Second,
		ReconnectStorm: true, StormAfter: 100 * time.Millisecond, EndAfterStorm: true, Out: &out,
		Fleet: FleetOptions{Heartbeat: 20 * time.Millisecond, NoSessions: true, MinBackoff: 10 * time.Millisecond},
	})
	if err != nil {
		t.Fatal(err)
	}
	if rep.Chargers != 5 || rep.Calls == 0 || rep.P50 <= 0 || rep.P999 < rep.P50 || rep.StormRecovery <= 0 || rep.AllOnlineAfter <= 0 {
		t.Fatalf("report %+v", rep)
	}
	s := out.String()
	for _, want := range []string{"online=", "calls/s=", "p999=", "reconnect storm: all 5 chargers back", "summary: chargers=5"} {
		if !strings.Contains(s, want) {
			t.Errorf("output lacks %q:\n%s", want, s)
		}
	}
	if n := f.count(v16.ActionBootNotification); n != 10 {
		t.Errorf("%d boots, want 5 before and 5 after the storm", n)
	}
}

func TestHistogramQuantiles(t *testing.T) {
	var h Histogram
	for i := 1; i <= 1000; i++ {
		h.Record(time.Duration(i) * time.Millisecond)
	}
	for _, tc := range []struct {
		q    float64
		want time.Duration
	}{{0.5, 500 * time.Millisecond}, {0.99, 990 * time.Millisecond}, {0.999, 999 * time.Millisecond}} {
		got := h.Quantile(tc.q)
		if got < tc.want || float64(got) > float64(tc.want)*1.05 {
			t.Errorf("q%.3f = %s, want %s within one 4%% bucket", tc.q, got, tc.want)
		}
	}
	s := h.Swap()
	if s.Count() != 1000 || h.Count() != 0 || h.Quantile(0.5) != 0 {
		t.Fatalf("swap: %d moved, %d left", s.Count(), h.Count())
	}
}

func TestSessionShareTimes(t *testing.T) {
	if got := SessionShareTimes(0.25, 20*time.Minute); got != time.Hour {
		t.Errorf("share 0.25 of 20m sessions: idle %s, want 1h", got)
	}
	if SessionShareTimes(0, time.Minute) != 0 {
		t.Error("share 0")
	}
}

func TestDialURL(t *testing.T) {
	for in, want := range map[string]string{
		"ws://h/ocpp":            "ws://h/ocpp/CP%201",
		"ws://h/ocpp/":           "ws://h/ocpp/CP%201",
		"ws://h/x/{identity}/ws": "ws://h/x/CP%201/ws",
	} {
		if got := dialURL(in, "CP 1"); got != want {
			t.Errorf("dialURL(%q) = %q, want %q", in, got, want)
		}
	}
}
