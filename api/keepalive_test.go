package api

import (
	"bufio"
	"context"
	"encoding/json"
	"io"
	"net"
	"net/http"
	"net/http/httptest"
	"net/http/httptrace"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/volt-ev/volt"
)

// TestSlowHandlerKeepsConnectionContext: a command whose charger answers
// later than huma's body-read timeout (5 s) is answered, not canceled, and
// the next request on the same keep-alive connection is served. Before the
// fix the body's read deadline outlived the body: net/http's background
// read on the connection timed out while the handler ran, which canceled
// the connection's context, so the slow command saw "context canceled" and
// every later request on that connection failed with 500 "authenticate:
// context canceled" (issue 12, found with NATS down in
// TestClusterWithoutNATS).
func TestSlowHandlerKeepsConnectionContext(t *testing.T) {
	t.Parallel()
	// Longer than huma's default BodyReadTimeout, which the API keeps.
	const slowAnswer = 5*time.Second + time.Second
	a := &volt.Charger{CPID: "000001", CPOID: "cpo_a", OwnerID: "own_a", ChargerGroupID: "cgr_a"}
	var mu sync.Mutex
	var canceled []string
	h := New(Config{
		Auth:     tokenAuth{actors: map[string]*volt.Actor{"admin": {UserID: "usr_admin", Grants: []volt.Grant{{Role: volt.RoleAdmin, CPOID: "cpo_a"}}}}},
		Chargers: fakeChargers{chargers: map[string]*volt.Charger{a.CPID: a}},
		Commander: commanderFunc(func(ctx context.Context, cpid, action string, req any) (json.RawMessage, error) {
			if action == "Reset" {
				// A slow charger: it answers after slowAnswer, unless the
				// request is canceled first.
				select {
				case <-ctx.Done():
					mu.Lock()
					canceled = append(canceled, action)
					mu.Unlock()
					return nil, ctx.Err()
				case <-time.After(slowAnswer):
				}
			}
			if err := ctx.Err(); err != nil {
				mu.Lock()
				canceled = append(canceled, action)
				mu.Unlock()
				return nil, err
			}
			return json.RawMessage(`{"status":"Accepted"}`), nil
		}),
		Commands: func(n string) (string, bool) { v, ok := testCommands[n]; return v, ok },
	})
	srv := httptest.NewServer(h)
	defer srv.Close()
	tr := &http.Transport{MaxConnsPerHost: 1}
	defer tr.CloseIdleConnections()
	hc := &http.Client{Transport: tr}

	post := func(command, body string) (int, string, string) {
		t.Helper()
		var local string
		trace := &httptrace.ClientTrace{GotConn: func(i httptrace.GotConnInfo) { local = i.Conn.LocalAddr().String() }}
		req, err := http.NewRequestWithContext(httptrace.WithClientTrace(context.Background(), trace),
			"POST", srv.URL+"/api/v1/chargers/000001/commands/"+command, strings.NewReader(body))
		if err != nil {
			t.Fatal(err)
		}
		req.Header.Set("Authorization", "Bearer admin")
		req.Header.Set("Content-Type", "application/json")
		res, err := hc.Do(req)
		if err != nil {
			t.Fatalf("%s: %v", command, err)
		}
		defer res.Body.Close()
		raw, _ := io.ReadAll(res.Body)
		return res.StatusCode, string(raw), local
	}

	code, body, conn1 := post("reset", `{"type":"Soft"}`)
	if code != 200 || !strings.Contains(body, `"Accepted"`) {
		t.Errorf("slow command: %d %s, want 200 Accepted (the charger answered within the command's timeout)", code, body)
	}
	code, body, conn2 := post("get-configuration", `{}`)
	if conn2 != conn1 {
		t.Fatalf("second request on connection %s, first on %s: the test needs one keep-alive connection", conn2, conn1)
	}
	if code != 200 {
		t.Errorf("next request on the same keep-alive connection: %d %s, want 200", code, body)
	}
	mu.Lock()
	defer mu.Unlock()
	if len(canceled) > 0 {
		t.Errorf("the slow command's context was canceled while it ran: %v", canceled)
	}
}

// TestStalledJSONBodyAnswered: a client that sends its headers and part of
// a JSON body, then stalls, gets a 400 naming the body once the body-read
// timeout passed, instead of holding the request open for good (the API
// reads JSON bodies before huma sets its deadline, so none applied).
func TestStalledJSONBodyAnswered(t *testing.T) {
	t.Parallel()
	a := &volt.Charger{CPID: "000001", CPOID: "cpo_a", OwnerID: "own_a", ChargerGroupID: "cgr_a"}
	h := New(Config{
		Auth:     tokenAuth{actors: map[string]*volt.Actor{"admin": {UserID: "usr_admin", Grants: []volt.Grant{{Role: volt.RoleAdmin, CPOID: "cpo_a"}}}}},
		Chargers: fakeChargers{chargers: map[string]*volt.Charger{a.CPID: a}},
		Commander: commanderFunc(func(context.Context, string, string, any) (json.RawMessage, error) {
			return json.RawMessage(`{"status":"Accepted"}`), nil
		}),
		Commands: func(n string) (string, bool) { v, ok := testCommands[n]; return v, ok },
	})
	srv := httptest.NewServer(h)
	defer srv.Close()
	conn, err := net.Dial("tcp", srv.Listener.Addr().String())
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close()
	if _, err := io.WriteString(conn, "POST /api/v1/chargers/000001/commands/reset HTTP/1.1\r\nHost: volt\r\n"+
		"Authorization: Bearer admin\r\nContent-Type: application/json\r\nContent-Length: 100\r\n\r\n{\"type\""); err != nil {
		t.Fatal(err)
	}
	// A bound for the test only, far past the body-read timeout.
	_ = conn.SetReadDeadline(time.Now().Add(10 * jsonBodyTimeout))
	res, err := http.ReadResponse(bufio.NewReader(conn), nil)
	if err != nil {
		t.Fatalf("no answer to a stalled body: %v", err)
	}
	defer res.Body.Close()
	raw, _ := io.ReadAll(res.Body)
	if res.StatusCode != 400 || !strings.Contains(string(raw), `"field":"body"`) {
		t.Errorf("stalled body: %d %s, want 400 naming the body", res.StatusCode, raw)
	}
}
