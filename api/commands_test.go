package api

import (
	"context"
	"encoding/json"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/volt-ev/volt"
)

// fakeCommander answers calls from a table keyed by action and records them.
type fakeCommander struct {
	mu      sync.Mutex
	calls   []fakeCall
	answers map[string]func() (json.RawMessage, error)
}

type fakeCall struct {
	CPID, Action string
	Request      string
	Deadline     time.Duration
}

func (f *fakeCommander) Call(ctx context.Context, cpid, action string, request any) (json.RawMessage, error) {
	b, err := json.Marshal(request)
	if err != nil {
		return nil, err
	}
	dl, _ := ctx.Deadline()
	f.mu.Lock()
	f.calls = append(f.calls, fakeCall{CPID: cpid, Action: action, Request: string(b), Deadline: time.Until(dl)})
	f.mu.Unlock()
	if a, ok := f.answers[action]; ok {
		return a()
	}
	return json.RawMessage(`{"status":"Accepted"}`), nil
}

func (f *fakeCommander) Calls() []fakeCall {
	f.mu.Lock()
	defer f.mu.Unlock()
	return append([]fakeCall(nil), f.calls...)
}

// fakeChargers holds chargers and shows each only to actors who may read it.
type fakeChargers struct {
	volt.ChargerService
	chargers map[string]*volt.Charger
}

func (f fakeChargers) FindChargerByCPID(ctx context.Context, cpid string) (*volt.Charger, error) {
	c, ok := f.chargers[cpid]
	if !ok || !volt.ActorFromContext(ctx).Can(volt.PermRead, c.Ref()) {
		return nil, volt.Errorf(volt.ENOTFOUND, "Charger %s not found.", cpid)
	}
	cp := *c
	return &cp, nil
}

// tokenAuth maps tokens to actors.
type tokenAuth struct {
	volt.AuthService
	actors map[string]*volt.Actor
}

func (a tokenAuth) Authenticate(_ context.Context, token string) (*volt.Actor, error) {
	if act, ok := a.actors[token]; ok {
		return act, nil
	}
	return nil, volt.Errorf(volt.EUNAUTHORIZED, "Invalid token.")
}

type recAuditor struct {
	mu  sync.Mutex
	got []CommandAudit
}

func (r *recAuditor) RecordCommand(_ context.Context, e CommandAudit) {
	r.mu.Lock()
	r.got = append(r.got, e)
	r.mu.Unlock()
}

var testCommands = map[string]string{"reset": "Reset", "remote-start": "RemoteStartTransaction", "get-configuration": "GetConfiguration",
	"change-configuration": "ChangeConfiguration", "send-local-list": "SendLocalList",
	"change-availability": "ChangeAvailability"}

// TestCommands drives POST /api/v1/chargers/{cpid}/commands/{command}
// through its outcomes with a fake charger connection.
func TestCommands(t *testing.T) {
	a := &volt.Charger{CPID: "000001", CPOID: "cpo_a", OwnerID: "own_a", ChargerGroupID: "cgr_a"}
	b := &volt.Charger{CPID: "000002", CPOID: "cpo_b", OwnerID: "own_b", ChargerGroupID: "cgr_b"}
	cmd := &fakeCommander{answers: map[string]func() (json.RawMessage, error){
		"GetConfiguration": func() (json.RawMessage, error) {
			return json.RawMessage(`{"configurationKey":[{"key":"HeartbeatInterval","readonly":false,"value":"300"}],"unknownKey":["Foo"]}`), nil
		},
	}}
	aud := &recAuditor{}
	actors := map[string]*volt.Actor{
		"admin":    {UserID: "usr_admin", Grants: []volt.Grant{{Role: volt.RoleAdmin, CPOID: "cpo_a"}}},
		"engineer": {UserID: "usr_eng", Grants: []volt.Grant{{Role: volt.RoleEngineer, OwnerID: "own_a"}}},
		"staff":    {UserID: "usr_staff", Grants: []volt.Grant{{Role: volt.RoleStaff, CPOID: "cpo_a"}}},
		"driver":   {UserID: "usr_driver", Grants: []volt.Grant{{Role: volt.RoleDriver, CPOID: "cpo_a"}}},
	}
	outcome := map[string]error{}
	h := New(Config{
		Auth:     tokenAuth{actors: actors},
		Chargers: fakeChargers{chargers: map[string]*volt.Charger{a.CPID: a, b.CPID: b}},
		Commander: commanderFunc(func(ctx context.Context, cpid, action string, req any) (json.RawMessage, error) {
			if err, ok := outcome[cpid+"/"+action]; ok {
				return nil, err
			}
			return cmd.Call(ctx, cpid, action, req)
		}),
		Commands: func(n string) (string, bool) { v, ok := testCommands[n]; return v, ok },
		ValidateCommand: func(action string, body json.RawMessage) error {
			if action == "RemoteStartTransaction" && !strings.Contains(string(body), `"idTag"`) {
				return volt.FieldError("idTag", "idTag is required.")
			}
			return nil
		},
		Auditor: aud,
	})
	outcome["000001/Reset"] = nil
	delete(outcome, "000001/Reset")

	cases := []struct {
		name, token, path, body string
		setup                   func()
		status                  int
		want                    []string
	}{
		{"admin remote start", "admin", "/000001/commands/remote-start", `{"connectorId":1,"idTag":"04A2B3C4"}`, nil, 200, []string{`"status":"Accepted"`}},
		{"engineer reset", "engineer", "/000001/commands/reset", `{"type":"Soft"}`, nil, 200, []string{`"status":"Accepted"`}},
		{"payload verbatim", "admin", "/000001/commands/get-configuration", `{}`, nil, 200, []string{`"unknownKey":["Foo"]`, `"HeartbeatInterval"`}},
		{"empty body is {}", "admin", "/000001/commands/get-configuration", ``, nil, 200, []string{`configurationKey`}},
		{"staff may not", "staff", "/000001/commands/reset", `{"type":"Soft"}`, nil, 403, []string{`"code":"forbidden"`}},
		{"driver sees nothing", "driver", "/000001/commands/reset", `{"type":"Soft"}`, nil, 404, []string{`"code":"not_found"`}},
		{"other tenant", "admin", "/000002/commands/reset", `{"type":"Soft"}`, nil, 404, []string{`"code":"not_found"`}},
		{"unknown charger", "admin", "/999999/commands/reset", `{"type":"Soft"}`, nil, 404, []string{`"code":"not_found"`}},
		{"unknown command", "admin", "/000001/commands/brew-tea", `{}`, nil, 404, []string{`"field":"command"`}},
		{"invalid payload", "admin", "/000001/commands/remote-start", `{"connectorId":1}`, nil, 400, []string{`"field":"idTag"`}},
		{"not an object", "admin", "/000001/commands/reset", `[1]`, nil, 400, []string{`"code":"invalid"`}},
		{"malformed", "admin", "/000001/commands/reset", `{"type":`, nil, 400, []string{`"code":"invalid"`}},
		{"offline", "admin", "/000001/commands/reset", `{"type":"Soft"}`, func() {
			outcome["000001/Reset"] = volt.Errorf(volt.ECHARGEROFFLINE, "Charger 000001 is offline.")
		}, 409, []string{`"code":"charger_offline"`}},
		{"timeout", "admin", "/000001/commands/reset", `{"type":"Soft"}`, func() {
			outcome["000001/Reset"] = volt.Errorf(volt.ETIMEOUT, "No answer.")
		}, 504, []string{`"code":"charger_timeout"`}},
		{"bare deadline", "admin", "/000001/commands/reset", `{"type":"Soft"}`, func() {
			outcome["000001/Reset"] = context.DeadlineExceeded
		}, 504, []string{`"code":"charger_timeout"`}},
		{"call error", "admin", "/000001/commands/reset", `{"type":"Soft"}`, func() {
			outcome["000001/Reset"] = &volt.Error{Code: volt.ECALLERROR, Message: "NotSupported",
				Details: map[string]any{"errorCode": "NotSupported", "errorDescription": "no"}}
		}, 502, []string{`"code":"charger_call_error"`, `"details":{"errorCode":"NotSupported"`}},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			delete(outcome, "000001/Reset")
			if tc.setup != nil {
				tc.setup()
			}
			req := httptest.NewRequest("POST", "/api/v1/chargers"+tc.path, strings.NewReader(tc.body))
			req.Header.Set("Authorization", "Bearer "+tc.token)
			rec := httptest.NewRecorder()
			h.ServeHTTP(rec, req)
			if rec.Code != tc.status {
				t.Fatalf("status %d, want %d: %s", rec.Code, tc.status, rec.Body)
			}
			for _, w := range tc.want {
				if !strings.Contains(rec.Body.String(), w) {
					t.Errorf("body lacks %s: %s", w, rec.Body)
				}
			}
			if rec.Code >= 400 {
				errorShape(t, rec.Body.Bytes())
			}
		})
	}
	for _, c := range cmd.Calls() {
		if c.CPID != "000001" {
			t.Errorf("a command reached charger %s", c.CPID)
		}
		if c.Deadline <= 0 || c.Deadline > DefaultCommandTimeout {
			t.Errorf("call deadline %v, want within the default %v", c.Deadline, DefaultCommandTimeout)
		}
	}
	if calls := cmd.Calls(); len(calls) == 0 || calls[0].Action != "RemoteStartTransaction" ||
		calls[0].Request != `{"connectorId":1,"idTag":"04A2B3C4"}` {
		t.Errorf("first call %+v, want RemoteStartTransaction with the body verbatim", calls)
	}
	aud.mu.Lock()
	defer aud.mu.Unlock()
	var okSeen, offlineSeen bool
	for _, e := range aud.got {
		okSeen = okSeen || (e.UserID == "usr_admin" && e.Action == "RemoteStartTransaction" && e.Outcome == "ok")
		offlineSeen = offlineSeen || e.Outcome == volt.ECHARGEROFFLINE
		if e.UserID == "usr_staff" || e.UserID == "usr_driver" {
			t.Errorf("a refused command was sent: %+v", e)
		}
	}
	if !okSeen || !offlineSeen {
		t.Errorf("audit lacks the accepted or the offline command: %+v", aud.got)
	}
}

// TestCommandTimeoutParam checks ?timeout= bounds the wait.
func TestCommandTimeoutParam(t *testing.T) {
	c := &volt.Charger{CPID: "000001", CPOID: "cpo_a"}
	cmd := &fakeCommander{}
	h := New(Config{
		Auth:      tokenAuth{actors: map[string]*volt.Actor{"root": {SuperAdmin: true}}},
		Chargers:  fakeChargers{chargers: map[string]*volt.Charger{c.CPID: c}},
		Commander: cmd,
		Commands:  func(n string) (string, bool) { v, ok := testCommands[n]; return v, ok },
	})
	req := httptest.NewRequest("POST", "/api/v1/chargers/000001/commands/reset?timeout=2", strings.NewReader(`{"type":"Hard"}`))
	req.Header.Set("Authorization", "Bearer root")
	rec := httptest.NewRecorder()
	h.ServeHTTP(rec, req)
	if rec.Code != 200 {
		t.Fatalf("status %d: %s", rec.Code, rec.Body)
	}
	calls := cmd.Calls()
	if len(calls) != 1 || calls[0].Deadline > 2*time.Second || calls[0].Deadline < time.Second {
		t.Fatalf("calls %+v, want one with a deadline of about 2s", calls)
	}
}

type commanderFunc func(ctx context.Context, cpid, action string, req any) (json.RawMessage, error)

func (f commanderFunc) Call(ctx context.Context, cpid, action string, req any) (json.RawMessage, error) {
	return f(ctx, cpid, action, req)
}
