package sim

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/gorilla/websocket"
	"github.com/santhosh-tekuri/jsonschema/v6"
	"github.com/volt-ev/volt/ocpp"
	"github.com/volt-ev/volt/ocpp/v16"
)

// schemaDir is where the OCA schemas are, from this package's directory.
const schemaDir = "../../shared/ocpp-schemas/1.6"

// schemas validates payloads against the OCPP 1.6 JSON schemas.
type schemas struct {
	dir   string
	mu    sync.Mutex
	cache map[string]*jsonschema.Schema
}

func loadSchemas(t testing.TB) *schemas {
	if _, err := os.Stat(schemaDir); err != nil {
		t.Logf("OCPP schemas not found at %s: frames are not checked against them", schemaDir)
		return nil
	}
	abs, err := filepath.Abs(schemaDir)
	if err != nil {
		t.Fatal(err)
	}
	return &schemas{dir: abs, cache: map[string]*jsonschema.Schema{}}
}

// validate checks payload against name.json ("Authorize",
// "AuthorizeResponse").
func (s *schemas) validate(name string, payload []byte) error {
	if s == nil {
		return nil
	}
	s.mu.Lock()
	sch, ok := s.cache[name]
	if !ok {
		var err error
		sch, err = jsonschema.NewCompiler().Compile(filepath.Join(s.dir, name+".json"))
		if err != nil {
			s.mu.Unlock()
			return fmt.Errorf("compile schema %s: %w", name, err)
		}
		s.cache[name] = sch
	}
	s.mu.Unlock()
	inst, err := jsonschema.UnmarshalJSON(bytes.NewReader(payload))
	if err != nil {
		return fmt.Errorf("%s: payload: %w", name, err)
	}
	if err := sch.Validate(inst); err != nil {
		return fmt.Errorf("%s: %s: %w", name, payload, err)
	}
	return nil
}

// received is a CALL the fake central system got from the charger.
type received struct {
	Action  string
	Payload json.RawMessage
	Req     any // decoded by the codec
}

// fakeCSMS is a tiny OCPP 1.6 central system for tests. It validates every
// frame the charger sends against the schemas and the codec.
type fakeCSMS struct {
	t        *testing.T
	srv      *httptest.Server
	schemas  *schemas
	password string

	mu       sync.Mutex
	calls    []received
	conn     *websocket.Conn // the newest connection; commands go there
	writeMu  *sync.Mutex
	byID     map[string]*websocket.Conn
	pending  map[string]chan ocpp.Frame
	actions  map[string]string // pending id → action
	refuse   bool
	dials    int
	boots    int
	nextTx   int
	blocked  map[string]bool
	bootPlan []v16.RegistrationStatus // statuses of the first boots, then Accepted
	silent   bool                     // record CALLs but answer none
	wg       sync.WaitGroup
}

func newFakeCSMS(t *testing.T) *fakeCSMS {
	f := &fakeCSMS{t: t, schemas: loadSchemas(t), password: "secret", pending: map[string]chan ocpp.Frame{},
		actions: map[string]string{}, byID: map[string]*websocket.Conn{}, blocked: map[string]bool{}, nextTx: 100}
	f.srv = httptest.NewServer(http.HandlerFunc(f.serve))
	t.Cleanup(f.close)
	return f
}

func (f *fakeCSMS) url() string { return "ws" + strings.TrimPrefix(f.srv.URL, "http") + "/ocpp" }

func (f *fakeCSMS) close() {
	f.srv.Close()
	f.dropConn()
	f.wg.Wait()
}

// dropConn closes every websocket, as a network failure would.
func (f *fakeCSMS) dropConn() {
	f.mu.Lock()
	all := f.byID
	f.conn, f.byID = nil, map[string]*websocket.Conn{}
	f.mu.Unlock()
	for _, c := range all {
		_ = c.Close()
	}
}

func (f *fakeCSMS) setRefuse(v bool) {
	f.mu.Lock()
	f.refuse = v
	f.mu.Unlock()
}

var upgrader = websocket.Upgrader{Subprotocols: []string{"ocpp1.6"}}

func (f *fakeCSMS) serve(w http.ResponseWriter, r *http.Request) {
	f.mu.Lock()
	f.dials++
	refuse := f.refuse
	f.mu.Unlock()
	id := strings.TrimPrefix(r.URL.Path, "/ocpp/")
	user, pass, ok := r.BasicAuth()
	switch {
	case refuse:
		http.Error(w, "down", http.StatusServiceUnavailable)
		return
	case !ok || user != id || pass != f.password:
		http.Error(w, "auth", http.StatusUnauthorized)
		return
	}
	ws, err := upgrader.Upgrade(w, r, nil)
	if err != nil {
		return
	}
	if ws.Subprotocol() != "ocpp1.6" {
		f.t.Errorf("charger did not offer ocpp1.6")
	}
	wmu := &sync.Mutex{}
	f.mu.Lock()
	old := f.byID[id] // the newest connection of an identity wins
	f.conn, f.writeMu, f.byID[id] = ws, wmu, ws
	f.mu.Unlock()
	if old != nil {
		_ = old.Close()
	}
	f.wg.Add(1)
	defer f.wg.Done()
	defer ws.Close()
	for {
		_, data, err := ws.ReadMessage()
		if err != nil {
			return
		}
		f.handle(ws, wmu, data)
	}
}

func (f *fakeCSMS) write(ws *websocket.Conn, wmu *sync.Mutex, fr ocpp.Frame) {
	b, _ := json.Marshal(fr)
	wmu.Lock()
	defer wmu.Unlock()
	_ = ws.WriteMessage(websocket.TextMessage, b)
}

func (f *fakeCSMS) handle(ws *websocket.Conn, wmu *sync.Mutex, data []byte) {
	fr, err := ocpp.ParseFrame(ocpp.V16, data)
	if err != nil {
		f.t.Errorf("charger sent a bad frame %s: %v", data, err)
		return
	}
	switch fr := fr.(type) {
	case ocpp.Call:
		if err := f.schemas.validate(fr.Action, fr.Payload); err != nil {
			f.t.Errorf("charger CALL not schema-valid: %v", err)
		}
		req, err := ocpp.DecodeRequest(v16.Registry(), ocpp.ChargerToCSMS, fr.Action, fr.Payload, ocpp.Strict)
		if err != nil {
			f.t.Errorf("charger CALL %s %s: %v", fr.Action, fr.Payload, err)
			f.write(ws, wmu, err.(*ocpp.Error).CallError(fr.UniqueID))
			return
		}
		resp := f.answer(fr.Action, req)
		f.mu.Lock()
		f.calls = append(f.calls, received{Action: fr.Action, Payload: fr.Payload, Req: req})
		silent := f.silent
		f.mu.Unlock()
		if silent {
			return
		}
		res, err := ocpp.NewCallResult(fr.UniqueID, resp)
		if err != nil {
			f.t.Error(err)
			return
		}
		f.write(ws, wmu, res)
	default:
		f.mu.Lock()
		ch := f.pending[fr.ID()]
		action := f.actions[fr.ID()]
		delete(f.pending, fr.ID())
		delete(f.actions, fr.ID())
		f.mu.Unlock()
		if res, ok := fr.(ocpp.CallResult); ok {
			if err := f.schemas.validate(action+"Response", res.Payload); err != nil {
				f.t.Errorf("charger answer not schema-valid: %v", err)
			}
		}
		if ch != nil {
			ch <- fr
		}
	}
}

// answer is the fake's reply to a charger's CALL.
func (f *fakeCSMS) answer(action string, req any) any {
	now := ocpp.NewDateTime(time.Now())
	accepted := v16.IdTagInfo{Status: v16.AuthorizationStatusAccepted}
	f.mu.Lock()
	defer f.mu.Unlock()
	switch action {
	case v16.ActionBootNotification:
		st := v16.RegistrationStatusAccepted
		if f.boots < len(f.bootPlan) {
			st = f.bootPlan[f.boots]
		}
		f.boots++
		return &v16.BootNotificationResponse{Status: st, CurrentTime: now, Interval: 1}
	case v16.ActionHeartbeat:
		return &v16.HeartbeatResponse{CurrentTime: now}
	case v16.ActionAuthorize:
		if f.blocked[req.(*v16.AuthorizeRequest).IdTag] {
			return &v16.AuthorizeResponse{IdTagInfo: v16.IdTagInfo{Status: v16.AuthorizationStatusBlocked}}
		}
		return &v16.AuthorizeResponse{IdTagInfo: accepted}
	case v16.ActionStartTransaction:
		f.nextTx++
		info := accepted
		if f.blocked[req.(*v16.StartTransactionRequest).IdTag] {
			info.Status = v16.AuthorizationStatusBlocked
		}
		return &v16.StartTransactionResponse{IdTagInfo: info, TransactionID: f.nextTx}
	case v16.ActionStopTransaction:
		return &v16.StopTransactionResponse{IdTagInfo: &accepted}
	case v16.ActionDataTransfer:
		return &v16.DataTransferResponse{Status: v16.DataTransferStatusAccepted}
	case v16.ActionSignCertificate:
		return &v16.SignCertificateResponse{Status: v16.GenericStatusAccepted}
	}
	spec, _ := v16.Registry().Lookup(action)
	return spec.NewResponse()
}

// call sends a command to the connected charger and waits for its answer.
func (f *fakeCSMS) call(ctx context.Context, action string, payload any) (ocpp.Frame, error) {
	c, err := ocpp.NewCall(action, payload)
	if err != nil {
		return nil, err
	}
	return f.callFrame(ctx, c)
}

func (f *fakeCSMS) callFrame(ctx context.Context, c ocpp.Call) (ocpp.Frame, error) {
	ch := make(chan ocpp.Frame, 1)
	f.mu.Lock()
	ws, wmu := f.conn, f.writeMu
	f.pending[c.UniqueID], f.actions[c.UniqueID] = ch, c.Action
	f.mu.Unlock()
	if ws == nil {
		return nil, errors.New("no charger connected")
	}
	f.write(ws, wmu, c)
	select {
	case fr := <-ch:
		return fr, nil
	case <-ctx.Done():
		return nil, fmt.Errorf("%s: %w", c.Action, ctx.Err())
	}
}

// received returns the CALLs of action received so far.
func (f *fakeCSMS) received(action string) []received {
	f.mu.Lock()
	defer f.mu.Unlock()
	var out []received
	for _, c := range f.calls {
		if action == "" || c.Action == action {
			out = append(out, c)
		}
	}
	return out
}

func (f *fakeCSMS) count(action string) int { return len(f.received(action)) }

// eventually polls cond until it holds or 10 seconds pass.
func eventually(t *testing.T, what string, cond func() bool) {
	t.Helper()
	deadline := time.Now().Add(10 * time.Second)
	for !cond() {
		if time.Now().After(deadline) {
			t.Fatalf("timed out waiting for %s", what)
		}
		time.Sleep(5 * time.Millisecond)
	}
}
