package gateway

import (
	"bufio"
	"context"
	"crypto/tls"
	"fmt"
	"net"
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
	"github.com/volt-ev/volt/pki/pkitest"
)

// TestIdleTLSConnectionMemory is TestIdleConnectionMemory over the TLS
// listener (profile 2: TLS and Basic auth, ECDSA server certificate, TLS
// 1.3), to compare the memory per idle connection with plain websockets:
//
//	VOLT_IDLE_CONNS=1000 go test -run 'TestIdle(TLS)?ConnectionMemory' -v ./gateway
func TestIdleTLSConnectionMemory(t *testing.T) {
	n, _ := strconv.Atoi(os.Getenv("VOLT_IDLE_CONNS"))
	if n <= 0 {
		t.Skip("set VOLT_IDLE_CONNS=<n> to measure memory per idle TLS connection")
	}
	g := New(Config{Charging: &quietCharging{}, FrameLogFlush: time.Second})
	root := pkitest.NewRoot(t, "bench")
	cfg, err := g.TLSConfig([]tls.Certificate{root.Server(t, pkitest.ECKey(t))}, nil)
	if err != nil {
		t.Fatal(err)
	}
	mux := http.NewServeMux()
	mux.Handle("GET /ocpp/{identity}", g)
	srv := httptest.NewUnstartedServer(mux)
	srv.TLS = cfg
	srv.StartTLS()
	defer srv.Close()
	defer g.Shutdown(context.Background())

	base := heapAndStack()
	start := time.Now()
	exe, _ := os.Executable()
	cmd := exec.Command(exe, "-test.run=^TestHelperIdleTLSClients$")
	cmd.Env = append(os.Environ(), "VOLT_IDLE_TLS_URL=wss"+strings.TrimPrefix(srv.URL, "https")+"/ocpp/", "VOLT_IDLE_CLIENT_N="+strconv.Itoa(n))
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
	storm := time.Since(start)
	time.Sleep(500 * time.Millisecond) // handler and writer goroutines end
	after := heapAndStack()
	t.Logf("connect storm: %d chargers connected over TLS (full handshake, Basic auth, one Heartbeat) in %s: %.0f/s",
		n, storm.Round(time.Millisecond), float64(n)/storm.Seconds())
	t.Logf("%d idle TLS connections (%d registered, %d goroutines): heap+stack %d KiB → %d KiB, %.1f KiB per connection",
		n, g.Stats().Connections, runtime.NumGoroutine(), base/1024, after/1024, float64(after-base)/float64(n)/1024)
}

// TestHelperIdleTLSClients is the child process of
// TestIdleTLSConnectionMemory.
func TestHelperIdleTLSClients(t *testing.T) {
	url := os.Getenv("VOLT_IDLE_TLS_URL")
	n, _ := strconv.Atoi(os.Getenv("VOLT_IDLE_CLIENT_N"))
	if url == "" {
		t.Skip("child process of TestIdleTLSConnectionMemory")
	}
	conns := make([]*websocket.Conn, n)
	var wg sync.WaitGroup
	sem := make(chan struct{}, 16)
	for i := range n {
		wg.Add(1)
		sem <- struct{}{}
		go func() {
			defer wg.Done()
			defer func() { <-sem }()
			id := fmt.Sprintf("B-%06d", i)
			d := websocket.Dialer{Subprotocols: []string{"ocpp1.6"}, HandshakeTimeout: 30 * time.Second,
				TLSClientConfig: &tls.Config{InsecureSkipVerify: true}} //nolint:gosec // benchmark client
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
	_, _ = bufio.NewReader(os.Stdin).ReadString('\n')
	for _, ws := range conns {
		if ws != nil {
			ws.Close()
		}
	}
}

// BenchmarkTLSHandshake measures full handshakes (no resumption) against
// the OCPP listener's configuration, client and server in this process
// over an in-memory pipe: run with -cpu 1 for handshakes per core (both
// sides on that core, so the server alone does more).
func BenchmarkTLSHandshake(b *testing.B) {
	g := New(Config{Charging: &quietCharging{}})
	defer g.Shutdown(context.Background())
	root := pkitest.NewRoot(b, "bench")
	cfg, err := g.TLSConfig([]tls.Certificate{root.Server(b, pkitest.RSAKey(b, 2048)), root.Server(b, pkitest.ECKey(b))}, nil)
	if err != nil {
		b.Fatal(err)
	}
	cases := []struct {
		name  string
		max   uint16
		suite uint16
	}{
		{"TLS12_ECDHE_ECDSA_AES128GCM", tls.VersionTLS12, tls.TLS_ECDHE_ECDSA_WITH_AES_128_GCM_SHA256},
		{"TLS12_RSA_AES128GCM", tls.VersionTLS12, tls.TLS_RSA_WITH_AES_128_GCM_SHA256},
		{"TLS12_ECDHE_RSA_AES128GCM", tls.VersionTLS12, tls.TLS_ECDHE_RSA_WITH_AES_128_GCM_SHA256},
		{"TLS13", tls.VersionTLS13, 0},
	}
	for _, tc := range cases {
		b.Run(tc.name, func(b *testing.B) {
			cc := &tls.Config{InsecureSkipVerify: true, MaxVersion: tc.max, ClientSessionCache: nil} //nolint:gosec // benchmark client
			if tc.suite != 0 {
				cc.CipherSuites = []uint16{tc.suite}
			}
			for b.Loop() {
				c1, c2 := net.Pipe()
				srv := tls.Server(c2, cfg)
				done := make(chan error, 1)
				go func() { done <- srv.Handshake() }()
				if err := tls.Client(c1, cc).Handshake(); err != nil {
					b.Fatal(err)
				}
				if err := <-done; err != nil {
					b.Fatal(err)
				}
				c1.Close()
				c2.Close()
			}
			b.ReportMetric(float64(b.N)/b.Elapsed().Seconds(), "handshakes/s")
		})
	}
}
