package main

import (
	"bytes"
	"context"
	"io"
	"log/slog"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	volt "github.com/volt-ev/volt"
	"github.com/volt-ev/volt/ops"
	"github.com/volt-ev/volt/store/storetest"
)

// TestDemoShowsLiveChargingAndPaidSessions starts `voltd demo` as a
// newcomer would (no VOLT_ADMIN_PASSWORD) and watches the dashboard's data
// source (ops.Compute): sessions run within 10 s of the start and priced,
// paid sessions are there within 30 s. The printed block names the real
// port, who to sign in as first, every role including the host, and the
// first Super Admin's one-time password, which must be changed at first
// sign-in.
func TestDemoShowsLiveChargingAndPaidSessions(t *testing.T) {
	if testing.Short() {
		t.Skip("runs the demo for up to 30 s")
	}
	cfg := defaultConfig()
	cfg.HTTPAddr = "127.0.0.1:0"
	cfg.DatabaseURL = storetest.Engines(t)[0].DSN(t)
	var out bytes.Buffer
	m := NewMain(cfg, slog.New(slog.NewTextHandler(io.Discard, nil)), &syncWriter{w: &out})
	m.Demo = true
	start := time.Now()
	if err := m.Run(context.Background()); err != nil {
		t.Fatalf("run: %v", err)
	}
	t.Cleanup(func() {
		ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
		defer cancel()
		_ = m.Close(ctx)
	})
	// The demo's sticker and poster are in the data folder.
	if dir := m.demoDataDir(); dir != "" {
		files, _ := filepath.Glob(filepath.Join(dir, "demo-*.pdf"))
		var names []string
		for _, f := range files {
			if b, err := os.ReadFile(f); err != nil || !bytes.HasPrefix(b, []byte("%PDF-")) {
				t.Errorf("%s is no PDF: %v", f, err)
			}
			names = append(names, filepath.Base(f))
		}
		if got := strings.Join(names, " "); !strings.Contains(got, "demo-poster-") || !strings.Contains(got, "demo-sticker-") {
			t.Errorf("demo signage in %s: %q, want a sticker and a poster", dir, got)
		}
	}
	printed := out.String()
	for _, want := range []string{"Volt demo is running at " + m.URL(), "Sign in first:  admin@sparkline.example",
		"host@harbour.example", "one-time password", ":" + strings.TrimPrefix(m.URL(), "http://127.0.0.1:") + "/admin/"} {
		if !strings.Contains(printed, want) {
			t.Errorf("the demo block lacks %q:\n%s", want, printed)
		}
	}
	sys := volt.NewContextWithActor(context.Background(), volt.SystemActor)
	src := ops.Sources{Chargers: m.Services.Chargers, Charging: m.Services.Charging}
	var h *ops.Home
	poll := func(deadline time.Duration, what string, ok func(*ops.Home) bool) {
		t.Helper()
		for {
			var err error
			if h, err = ops.Compute(sys, src, time.Now()); err != nil {
				t.Fatal(err)
			}
			if ok(h) {
				t.Logf("%s after %s", what, time.Since(start).Round(100*time.Millisecond))
				return
			}
			if time.Since(start) > deadline {
				t.Fatalf("no %s within %s of the start: %+v", what, deadline, h)
			}
			time.Sleep(250 * time.Millisecond)
		}
	}
	poll(60*time.Second, "charging", func(h *ops.Home) bool { return h.SessionsToday > 0 })
	// The first paid session may be the 2.1 charger's, whose export
	// credit can leave a few pence (no VAT at that size): wait for revenue
	// that shows VAT.
	poll(90*time.Second, "paid sessions with VAT", func(h *ops.Home) bool {
		return h.PaidSessionsToday > 0 && len(h.Revenue) > 0 && h.Revenue[0].InclVAT >= 30 && h.Revenue[0].VAT > 0
	})
	if rv := h.Revenue[0]; rv.Currency != "GBP" || rv.ExclVAT+rv.VAT != rv.InclVAT {
		t.Errorf("revenue %+v, want GBP, excl. VAT plus VAT equal to the total", h.Revenue)
	}
	users, _, err := m.Services.Users.FindUsers(sys, volt.UserFilter{Email: "admin@volt.localhost"})
	if err != nil || len(users) != 1 {
		t.Fatalf("first super admin: %v %v", users, err)
	}
	token, _, err := m.Services.Auth.Login(context.Background(), "admin@volt.localhost", m.firstAdmin[1], "127.0.0.1")
	if err != nil {
		t.Fatalf("one-time password: %v", err)
	}
	if a, err := m.Services.Auth.Authenticate(context.Background(), token); err != nil || !a.MustChangePassword {
		t.Errorf("the first Super Admin is not asked to change the one-time password: %+v %v", a, err)
	}
}
