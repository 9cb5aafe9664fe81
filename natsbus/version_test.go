package natsbus

import (
	"context"
	"encoding/json"
	"fmt"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/nats-io/nats.go"

	volt "github.com/volt-ev/volt"
)

// TestIncompatibleProtocolIsRefusedClearly: during a rolling upgrade a
// command for a charger held by a node of an incompatible cluster protocol
// fails at once with 503 naming both versions, on the sending side (from the
// registry entry) and on the receiving side (from the request header); a
// protocol-2 request is still served, a version-1 one without a header not.
func TestIncompatibleProtocolIsRefusedClearly(t *testing.T) {
	srv := startServer(t)
	gwB := newFakeGateway("CP1", "CP2")
	a := startNode(t, srv, "a", newFakeGateway())
	b := startNode(t, srv, "b", gwB)
	ctx := context.Background()

	// A future node "c" (alive: its lease is there) holds CP9.
	future := ClusterProtocol + 1
	entry, _ := json.Marshal(holder{Node: "c", At: time.Now(), Proto: future, Boot: "c1"})
	if _, err := a.chargers.Put(ctx, "CP9", entry); err != nil {
		t.Fatal(err)
	}
	nl, _ := json.Marshal(nodeLease{Node: "c", Boot: "c1", Proto: future, At: time.Now()})
	if _, err := a.nodes.Put(ctx, "c", nl); err != nil {
		t.Fatal(err)
	}
	_, err := a.Call(ctx, "CP9", "Reset", map[string]any{"type": "Soft"})
	if want := fmt.Sprintf("cluster protocol %d", future); volt.ErrorCode(err) != volt.EUNAVAILABLE || !strings.Contains(err.Error(), want) {
		t.Fatalf("command to a protocol-%d node: %v; want unavailable naming it", future, err)
	}

	// b refuses a forwarded command in protocol 3, and serves one without a
	// header (a version-1 node).
	req, _ := json.Marshal(callRequest{CPID: "CP1", Action: "Reset", Request: json.RawMessage(`{"type":"Soft"}`), TimeoutMS: 2000})
	ask := func(h nats.Header) callReply {
		t.Helper()
		m, err := a.nc.RequestMsgWithContext(ctx, &nats.Msg{Subject: callSubject("b"), Data: req, Header: h})
		if err != nil {
			t.Fatal(err)
		}
		var r callReply
		if err := json.Unmarshal(m.Data, &r); err != nil {
			t.Fatal(err)
		}
		return r
	}
	if r := ask(nats.Header{protocolHeader: []string{strconv.Itoa(future)}}); r.Error == nil || r.Error.Code != volt.EUNAVAILABLE || !strings.Contains(r.Error.Message, fmt.Sprintf("protocol %d", future)) {
		t.Errorf("protocol-%d request answered %+v; want refused as unavailable", future, r)
	}
	// Protocol 2 (the previous release) is still served; protocol 1 (no
	// header) no longer is.
	if r := ask(nats.Header{protocolHeader: []string{"2"}}); r.Error != nil || len(r.Result) == 0 {
		t.Errorf("protocol-2 request answered %+v; want served", r.Error)
	}
	if r := ask(nil); r.Error == nil || r.Error.Code != volt.EUNAVAILABLE {
		t.Errorf("version-1 request (no header) answered %+v; want refused", r)
	}

	// Between compatible nodes commands cross as before.
	b.Publish(ctx, volt.Event{Type: volt.EventChargerConnected, CPID: "CP2", Data: fenced(1)})
	b.settled()
	if _, err := a.Call(ctx, "CP2", "Reset", map[string]any{"type": "Soft"}); err != nil {
		t.Fatalf("command between protocol-%d nodes: %v", ClusterProtocol, err)
	}
}
