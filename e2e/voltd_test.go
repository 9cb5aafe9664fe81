// Package e2e holds end-to-end tests that run the voltd binary as a user
// would and drive it from outside: REST and OCPP only.
package e2e

import (
	"bufio"
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"runtime"
	"sync"
	"testing"
	"time"
)

var (
	buildOnce sync.Once
	binPath   string
	buildErr  error
)

// voltdBinary builds cmd/voltd once per test run.
func voltdBinary(t *testing.T) string {
	t.Helper()
	buildOnce.Do(func() {
		dir, err := os.MkdirTemp("", "voltd-e2e")
		if err != nil {
			buildErr = err
			return
		}
		binPath = filepath.Join(dir, "voltd")
		if runtime.GOOS == "windows" {
			binPath += ".exe"
		}
		out, err := exec.Command("go", "build", "-o", binPath, "../cmd/voltd").CombinedOutput()
		if err != nil {
			buildErr = fmt.Errorf("go build ./cmd/voltd: %w\n%s", err, out)
		}
	})
	if buildErr != nil {
		t.Fatal(buildErr)
	}
	return binPath
}

// node is a running voltd.
type node struct {
	URL  string // http://127.0.0.1:port
	Addr string // 127.0.0.1:port
	logs *syncBuffer
}

type syncBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (s *syncBuffer) Write(p []byte) (int, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.Write(p)
}

func (s *syncBuffer) String() string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.String()
}

var readyLine = regexp.MustCompile(`msg="volt is ready" http=http://(\S+)`)

// startVoltd runs `voltd serve` on port 0 with a fresh SQLite database and
// a first Super Admin (env: more VAR=value settings), waits until it is
// ready and stops it at cleanup.
func startVoltd(t *testing.T, adminEmail, adminPassword string, env ...string) *node {
	t.Helper()
	bin := voltdBinary(t)
	dir := t.TempDir()
	cmd := exec.Command(bin, "serve", "--http", "127.0.0.1:0", "--db", filepath.Join(dir, "volt.db"), "--log-level", "info")
	cmd.Env = append(os.Environ(), "VOLT_ADMIN_EMAIL="+adminEmail, "VOLT_ADMIN_PASSWORD="+adminPassword, "VOLT_LOG_FORMAT=text")
	cmd.Env = append(cmd.Env, env...)
	stderr, err := cmd.StderrPipe()
	if err != nil {
		t.Fatal(err)
	}
	cmd.Stdout = io.Discard
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	n := &node{logs: &syncBuffer{}}
	addr := make(chan string, 1)
	scanned := make(chan struct{})
	go func() {
		defer close(scanned)
		sc := bufio.NewScanner(stderr)
		sc.Buffer(make([]byte, 64<<10), 1<<20)
		for sc.Scan() {
			line := sc.Text()
			fmt.Fprintln(n.logs, line)
			if m := readyLine.FindStringSubmatch(line); m != nil {
				select {
				case addr <- m[1]:
				default:
				}
			}
		}
	}()
	t.Cleanup(func() {
		_ = cmd.Process.Signal(os.Interrupt)
		done := make(chan struct{})
		go func() { _ = cmd.Wait(); close(done) }()
		select {
		case <-done:
		case <-time.After(20 * time.Second):
			_ = cmd.Process.Kill()
			<-done
		}
		<-scanned
		if t.Failed() || os.Getenv("VOLT_E2E_LOG") != "" {
			t.Logf("voltd log:\n%s", n.logs.String())
		}
	})
	select {
	case a := <-addr:
		n.Addr, n.URL = a, "http://"+a
	case <-time.After(60 * time.Second):
		t.Fatalf("voltd not ready after 60s:\n%s", n.logs.String())
	}
	checkFor(t, 20*time.Second, func() error {
		res, err := http.Get(n.URL + "/healthz")
		if err != nil {
			return err
		}
		res.Body.Close()
		if res.StatusCode != 200 {
			return fmt.Errorf("healthz %d", res.StatusCode)
		}
		return nil
	})
	return n
}

// checkFor polls f until it returns nil or d passes.
func checkFor(t *testing.T, d time.Duration, f func() error) {
	t.Helper()
	deadline := time.Now().Add(d)
	for {
		err := f()
		if err == nil {
			return
		}
		if time.Now().After(deadline) {
			t.Fatalf("after %s: %v", d, err)
		}
		time.Sleep(50 * time.Millisecond)
	}
}

// rest is a small JSON client of the REST API.
type rest struct {
	t     *testing.T
	base  string
	token string
}

func (c *rest) do(method, path string, body any) (int, json.RawMessage) {
	c.t.Helper()
	var rd io.Reader
	if body != nil {
		b, err := json.Marshal(body)
		if err != nil {
			c.t.Fatal(err)
		}
		rd = bytes.NewReader(b)
	}
	ctx, cancel := context.WithTimeout(context.Background(), 60*time.Second)
	defer cancel()
	req, err := http.NewRequestWithContext(ctx, method, c.base+path, rd)
	if err != nil {
		c.t.Fatal(err)
	}
	req.Header.Set("Content-Type", "application/json")
	if c.token != "" {
		req.Header.Set("Authorization", "Bearer "+c.token)
	}
	res, err := http.DefaultClient.Do(req)
	if err != nil {
		c.t.Fatalf("%s %s: %v", method, path, err)
	}
	defer res.Body.Close()
	raw, _ := io.ReadAll(res.Body)
	return res.StatusCode, raw
}

// must calls the API, fails unless the status is want, and decodes the
// answer into out (if not nil).
func (c *rest) must(method, path string, body any, want int, out any) {
	c.t.Helper()
	code, raw := c.do(method, path, body)
	if code != want {
		c.t.Fatalf("%s %s: status %d, want %d: %s", method, path, code, want, raw)
	}
	if out != nil {
		if err := json.Unmarshal(raw, out); err != nil {
			c.t.Fatalf("%s %s: decode %s: %v", method, path, raw, err)
		}
	}
}
