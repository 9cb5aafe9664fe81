package main

import (
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/volt-ev/volt/sim"
	"github.com/volt-ev/volt/store/storetest"
)

// TestPasswordRotationEndToEnd is issue #10 item 9 with a real websocket
// charger: a ChangeConfiguration of AuthorizationKey that the charger
// accepts must let it back in with the new key (it got 401 before), the old
// key must stop working once the new one was used, and the one-action
// rotation must do the same with a generated password. Neither password may
// be seen in the message log or the audit log (item 10).
func TestPasswordRotationEndToEnd(t *testing.T) {
	for _, e := range storetest.Engines(t) {
		t.Run(e.Name, func(t *testing.T) { passwordRotationEndToEnd(t, e.DSN(t)) })
	}
}

func passwordRotationEndToEnd(t *testing.T, dsn string) {
	m := testMain(t, dsn)
	c := rootClient(t, m)
	est := newEstate(t, c, "0.45", "0.30")
	cpid, identity, first := est.creds.CPID, est.creds.OCPPIdentity, est.creds.OCPPPassword

	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	ch := sim.New(sim.Config{URL: "ws://" + m.Addr() + "/ocpp", Identity: identity, Password: first,
		Connectors: 1, MinBackoff: 50 * time.Millisecond, MaxBackoff: 200 * time.Millisecond})
	done := make(chan struct{})
	go func() { defer close(done); _ = ch.Run(ctx) }()
	defer func() { cancel(); <-done }()
	waitBoots := func(n int) {
		t.Helper()
		checkFor(t, 15*time.Second, func() error {
			if ch.Boots() < n || !ch.Online() {
				return fmt.Errorf("charger booted %d times (online %v), want %d", ch.Boots(), ch.Online(), n)
			}
			return nil
		})
	}
	waitBoots(1)

	// The operator sets a key by hand: the charger takes it and reconnects.
	chosen := "Chosen-key_0123456789"
	var ans map[string]any
	c.must("POST", "/api/v1/chargers/"+cpid+"/commands/change-configuration",
		map[string]any{"key": "AuthorizationKey", "value": chosen}, 200, &ans)
	if ans["status"] != "Accepted" {
		t.Fatalf("change-configuration answer %v", ans)
	}
	waitBoots(2)
	if ch.Password() != chosen {
		t.Fatalf("the simulated charger did not apply AuthorizationKey")
	}
	if code := ocppAuth(t, m, identity, first); code != http.StatusUnauthorized {
		t.Fatalf("old password after the charger connected with the new one: %d, want 401", code)
	}
	if code := ocppAuth(t, m, identity, chosen); code == http.StatusUnauthorized {
		t.Fatalf("new password refused")
	}

	// Rotation as one action, with a generated password.
	var rot struct {
		Status             string     `json:"status"`
		PreviousValidUntil *time.Time `json:"previousValidUntil"`
	}
	c.must("POST", "/api/v1/chargers/"+cpid+"/password/rotate", nil, 200, &rot)
	if rot.Status != "Accepted" || rot.PreviousValidUntil == nil {
		t.Fatalf("rotation answer %+v", rot)
	}
	waitBoots(3)
	generated := ch.Password()
	if generated == chosen || len(generated) != 40 {
		t.Fatalf("charger password after rotation %q", generated)
	}
	checkFor(t, 5*time.Second, func() error {
		if code := ocppAuth(t, m, identity, chosen); code != http.StatusUnauthorized {
			return fmt.Errorf("previous password still works after the new one was used: %d", code)
		}
		return nil
	})

	// No password in the message log, the API's answers or the audit log.
	checkFor(t, 10*time.Second, func() error {
		_, body := c.do("GET", "/api/v1/chargers/"+cpid+"/messages?limit=500", nil, nil)
		raw, _ := json.Marshal(body)
		if n := strings.Count(string(raw), "ChangeConfiguration"); n < 2 {
			return fmt.Errorf("%d ChangeConfiguration frames logged, want 2 or more", n)
		}
		for _, secret := range []string{chosen, generated} {
			if strings.Contains(string(raw), secret) {
				t.Fatalf("the message log holds a password: %s", raw)
			}
		}
		return nil
	})
	_, audit := c.do("GET", "/api/v1/audit-log?limit=200", nil, nil)
	raw, _ := json.Marshal(audit)
	if !strings.Contains(string(raw), "charger.rotate-password") {
		t.Errorf("rotation not audited: %s", raw)
	}
	for _, secret := range []string{first, chosen, generated} {
		if strings.Contains(string(raw), secret) {
			t.Fatalf("the audit log holds a password: %s", raw)
		}
	}
}

// ocppAuth answers the status of an OCPP connection attempt with Basic auth
// (no websocket upgrade: a 400 means the password was accepted).
func ocppAuth(t *testing.T, m *Main, identity, password string) int {
	t.Helper()
	req, _ := http.NewRequest("GET", m.URL()+"/ocpp/"+identity, nil)
	req.SetBasicAuth(identity, password)
	res, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	res.Body.Close()
	return res.StatusCode
}
