package gateway

import (
	"bufio"
	"context"
	"fmt"
	"net/http"
	"net/http/httptest"
	"os"
	"os/exec"
	"runtime"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/gorilla/websocket"
	volt "github.com/volt-ev/volt"
)

// quietCharging authenticates any "B-<n>" identity and stores nothing, so
// that memory measurements see only the gateway.
type quietCharging struct{ fakeCharging }

func (*quietCharging) AuthenticateCharger(_ context.Context, identity, _ string) (*volt.Charger, error) {
	n, ok := strings.CutPrefix(identity, "B-")
	if !ok {
		return nil, volt.Errorf(volt.EUNAUTHORIZED, "bad credentials")
	}
	return &volt.Charger{CPID: n, OCPPIdentity: identity}, nil
}
func (*quietCharging) RecordConnection(context.Context, string, bool, string, time.Time) error {
	return nil
}
func (*quietCharging) RecordHeartbeat(context.Context, string, time.Time) error { return nil }
func (*quietCharging) LogFrames(context.Context, []volt.FrameLog) error         { return nil }

// TestIdleConnectionMemory measures the memory the gateway holds per idle
// connection: N chargers connect from a child process (so client memory is
// not counted), each sends one Heartbeat, then all stay idle. It runs only
// when VOLT_IDLE_CONNS is set:
//
//	VOLT_IDLE_CONNS=10000 go test -run TestIdleConnectionMemory -v ./gateway
func TestIdleConnectionMemory(t *testing.T) {
	n, _ := strconv.Atoi(os.Getenv("VOLT_IDLE_CONNS"))
	if n <= 0 {
		t.Skip("set VOLT_IDLE_CONNS=<n> to measure memory per idle connection")
	}
	g := New(Config{Charging: &quietCharging{}, FrameLogFlush: time.Second})
	mux := http.NewServeMux()
	mux.Handle("GET /ocpp/{identity}", g)
	srv := httptest.NewServer(mux)
	defer srv.Close()
	defer g.Shutdown(context.Background())

	base := heapAndStack()
	exe, _ := os.Executable()
	cmd := exec.Command(exe, "-test.run=^TestHelperIdleClients$")
	cmd.Env = append(os.Environ(), "VOLT_IDLE_CLIENT_URL=ws"+strings.TrimPrefix(srv.URL, "http")+"/ocpp/", "VOLT_IDLE_CLIENT_N="+strconv.Itoa(n))
	stdin, _ := cmd.StdinPipe()
	stdout, _ := cmd.StdoutPipe()
	cmd.Stderr = os.Stderr
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	defer cmd.Wait()
	defer stdin.Close()
	sc := bufio.NewScanner(stdout)
	for sc.Scan() && !strings.HasPrefix(sc.Text(), "READY") {
	}
	deadline := time.Now().Add(time.Minute)
	for g.Stats().Connections < n && time.Now().Before(deadline) {
		time.Sleep(10 * time.Millisecond)
	}
	time.Sleep(500 * time.Millisecond) // handler and writer goroutines end
	after := heapAndStack()
	var ms runtime.MemStats
	runtime.ReadMemStats(&ms)
	t.Logf("%d idle connections (%d registered, %d goroutines): heap+stack %d KiB → %d KiB, %.1f KiB per connection (HeapInuse %d MiB, StackInuse %d MiB)",
		n, g.Stats().Connections, runtime.NumGoroutine(), base/1024, after/1024, float64(after-base)/float64(n)/1024,
		ms.HeapInuse>>20, ms.StackInuse>>20)
}

func heapAndStack() int64 {
	runtime.GC()
	runtime.GC()
	var ms runtime.MemStats
	runtime.ReadMemStats(&ms)
	return int64(ms.HeapInuse + ms.StackInuse)
}

// TestHelperIdleClients is the child process of TestIdleConnectionMemory.
func TestHelperIdleClients(t *testing.T) {
	url := os.Getenv("VOLT_IDLE_CLIENT_URL")
	n, _ := strconv.Atoi(os.Getenv("VOLT_IDLE_CLIENT_N"))
	if url == "" {
		t.Skip("child process of TestIdleConnectionMemory")
	}
	conns := make([]*websocket.Conn, n)
	var wg sync.WaitGroup
	sem := make(chan struct{}, 64)
	for i := range n {
		wg.Add(1)
		sem <- struct{}{}
		go func() {
			defer wg.Done()
			defer func() { <-sem }()
			id := fmt.Sprintf("B-%06d", i)
			d := websocket.Dialer{Subprotocols: []string{"ocpp1.6"}, HandshakeTimeout: 30 * time.Second}
			ws, _, err := d.Dial(url+id, basic(id, "pw"))
			if err != nil {
				t.Errorf("dial %s: %v", id, err)
				return
			}
			if err := ws.WriteMessage(websocket.TextMessage, []byte(`[2,"1","Heartbeat",{}]`)); err == nil {
				_, _, err = ws.ReadMessage()
			}
			if err != nil {
				t.Errorf("heartbeat %s: %v", id, err)
			}
			conns[i] = ws
		}()
	}
	wg.Wait()
	fmt.Println("READY")
	_, _ = bufio.NewReader(os.Stdin).ReadString('\n') // until the parent closes stdin
	for _, ws := range conns {
		if ws != nil {
			ws.Close()
		}
	}
}

// BenchmarkHeartbeatRoundTrip measures one Heartbeat CALL and its answer over
// a real websocket: go test -run '^$' -bench HeartbeatRoundTrip ./gateway
func BenchmarkHeartbeatRoundTrip(b *testing.B) {
	g := New(Config{Charging: &quietCharging{}})
	mux := http.NewServeMux()
	mux.Handle("GET /ocpp/{identity}", g)
	srv := httptest.NewServer(mux)
	defer srv.Close()
	defer g.Shutdown(context.Background())
	d := websocket.Dialer{Subprotocols: []string{"ocpp1.6"}}
	ws, _, err := d.Dial("ws"+strings.TrimPrefix(srv.URL, "http")+"/ocpp/B-1", basic("B-1", "pw"))
	if err != nil {
		b.Fatal(err)
	}
	defer ws.Close()
	msg := []byte(`[2,"1","Heartbeat",{}]`)
	b.ReportAllocs()
	b.ResetTimer()
	for b.Loop() {
		if err := ws.WriteMessage(websocket.TextMessage, msg); err != nil {
			b.Fatal(err)
		}
		if _, _, err := ws.ReadMessage(); err != nil {
			b.Fatal(err)
		}
	}
}
