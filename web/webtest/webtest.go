// Package webtest holds what the browser tests of the Admin Portal (web) and
// the Driver Web App (web/app) share: finding Chromium, starting it headless
// through chromedp, steps that leave a screenshot when they fail, axe-core
// accessibility checks and a page-weight measure. Only tests import it.
package webtest

import (
	"context"
	_ "embed"
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/chromedp/cdproto/network"
	"github.com/chromedp/chromedp"
)

// axeSource is axe-core, vendored from npm for tests only (axe/, with its
// licence).
//
//go:embed axe/axe.min.js
var axeSource string

// Chromium finds the browser: $VOLT_CHROMIUM, else Debian's
// /usr/bin/chromium. Without one the test is skipped.
func Chromium(t testing.TB) string {
	t.Helper()
	if p := os.Getenv("VOLT_CHROMIUM"); p != "" {
		return p
	}
	for _, p := range []string{"/usr/bin/chromium", "/usr/bin/chromium-browser"} {
		if _, err := os.Stat(p); err == nil {
			return p
		}
	}
	t.Skip("browser tests skipped: no Chromium at /usr/bin/chromium and VOLT_CHROMIUM unset (apt-get install -y chromium)")
	return ""
}

// Options shape a Browser.
type Options struct {
	Width, Height int            // the window, or with Mobile the emulated phone
	Mobile        bool           // emulate a phone's viewport
	Flags         map[string]any // extra Chromium flags, "host-resolver-rules": "MAP *.test 127.0.0.1"
	Timeout       time.Duration  // the whole browser's life
	StepTimeout   time.Duration  // each Run or Value
	ShotPrefix    string         // temp folder of failure screenshots, "volt-web-shots-"
	ShotQuality   int            // JPEG quality of screenshots, 100 for PNG
}

// Browser is one headless Chromium with a fresh profile, a place for
// screenshots of failures, and a count of the bytes responses moved.
type Browser struct {
	T   testing.TB
	Ctx context.Context

	opt   Options
	shots string

	mu    sync.Mutex
	bytes float64
	reqs  map[network.RequestID]bool
}

// NewBrowser starts Chromium for the test and stops it at its end. The test
// is skipped in -short mode, without Chromium, or when Chromium fails to
// start.
func NewBrowser(t testing.TB, o Options) *Browser {
	t.Helper()
	exec := Chromium(t)
	if testing.Short() {
		t.Skip("browser tests skipped in -short mode")
	}
	opts := []chromedp.ExecAllocatorOption{
		chromedp.ExecPath(exec), chromedp.UserDataDir(t.TempDir()),
		chromedp.Headless, chromedp.NoSandbox, chromedp.DisableGPU, chromedp.NoFirstRun,
		chromedp.NoDefaultBrowserCheck, chromedp.Flag("disable-background-networking", true),
		chromedp.Flag("disable-component-update", true), chromedp.Flag("disable-sync", true),
		chromedp.WindowSize(o.Width, o.Height),
	}
	for k, v := range o.Flags {
		opts = append(opts, chromedp.Flag(k, v))
	}
	b := &Browser{T: t, opt: o, reqs: map[network.RequestID]bool{}}
	actx, cancelAlloc := chromedp.NewExecAllocator(context.Background(), opts...)
	ctx, cancelCtx := chromedp.NewContext(actx, chromedp.WithListener(b.onEvent))
	ctx, cancelTimeout := context.WithTimeout(ctx, o.Timeout)
	t.Cleanup(func() { cancelTimeout(); cancelCtx(); cancelAlloc() })
	var start []chromedp.Action[chromedp.Void]
	if o.Mobile {
		start = append(start, chromedp.EmulateViewport(int64(o.Width), int64(o.Height), chromedp.EmulateMobile))
	}
	if err := chromedp.Do(ctx, start...); err != nil {
		t.Skipf("browser tests skipped: Chromium at %s does not start: %v", exec, err)
	}
	b.Ctx = ctx
	return b
}

func (b *Browser) onEvent(ev any) {
	b.mu.Lock()
	defer b.mu.Unlock()
	switch e := ev.(type) {
	case *network.EventRequestWillBeSent:
		b.reqs[e.RequestID] = true
	case *network.EventLoadingFinished:
		b.bytes += e.EncodedDataLength
	}
}

// Transferred returns the bytes responses moved, and the requests sent,
// since the last call: the weight of a page load.
func (b *Browser) Transferred() (bytes int64, requests int) {
	b.mu.Lock()
	defer b.mu.Unlock()
	bytes, requests = int64(b.bytes), len(b.reqs)
	b.bytes, b.reqs = 0, map[network.RequestID]bool{}
	return bytes, requests
}

// Run performs a step; on failure it saves a screenshot and fails the test.
func (b *Browser) Run(step string, actions ...chromedp.Action[chromedp.Void]) {
	b.T.Helper()
	ctx, cancel := context.WithTimeout(b.Ctx, b.opt.StepTimeout)
	defer cancel()
	if err := chromedp.Do(ctx, actions...); err != nil {
		b.Fatal(step, err)
	}
}

// Value runs an action that returns something, failing the test (with a
// screenshot) on error.
func Value[T any](b *Browser, step string, a chromedp.Action[T]) T {
	b.T.Helper()
	ctx, cancel := context.WithTimeout(b.Ctx, b.opt.StepTimeout)
	defer cancel()
	v, err := chromedp.Run(ctx, a)
	if err != nil {
		b.Fatal(step, err)
	}
	return v
}

// Fatal saves a screenshot named after the step and fails the test.
func (b *Browser) Fatal(step string, err error) {
	b.T.Helper()
	b.Screenshot(step)
	b.T.Fatalf("%s: %v", step, err)
}

// Screenshot saves the page under a temp folder (logged once) named after
// the step.
func (b *Browser) Screenshot(step string) {
	b.T.Helper()
	if b.shots == "" {
		dir, err := os.MkdirTemp("", b.opt.ShotPrefix)
		if err != nil {
			return
		}
		b.shots = dir
		b.T.Logf("screenshots of failures in %s", dir)
	}
	ctx, cancel := context.WithTimeout(b.Ctx, 10*time.Second)
	defer cancel()
	if png, err := chromedp.Run(ctx, chromedp.FullScreenshot(b.opt.ShotQuality)); err == nil {
		name := filepath.Join(b.shots, strings.NewReplacer(" ", "-", "/", "-").Replace(step)+".png")
		if os.WriteFile(name, png, 0o644) == nil {
			b.T.Logf("screenshot: %s", name)
		}
	}
}

// axeViolation is one serious or critical finding of axe-core.
type axeViolation struct {
	ID      string   `json:"id"`
	Impact  string   `json:"impact"`
	Help    string   `json:"help"`
	Targets []string `json:"targets"`
}

// Axe runs axe-core on the current page, reports each serious or critical
// violation as a test error, and returns how many there were. axe is
// evaluated through DevTools, so the page's CSP (script-src 'self') stays as
// it is in production.
func (b *Browser) Axe(page string) int {
	b.T.Helper()
	Value(b, "load axe on "+page, chromedp.Evaluate[bool](axeSource+";true"))
	script := `axe.run(document, {resultTypes: ['violations']}).then(r => JSON.stringify(
		r.violations.filter(v => v.impact === 'serious' || v.impact === 'critical').map(v => ({
			id: v.id, impact: v.impact, help: v.help, targets: v.nodes.slice(0, 5).map(n => n.target.join(' '))}))))`
	out := Value(b, "axe on "+page, chromedp.Evaluate[string](script, chromedp.EvalAwaitPromise))
	var vs []axeViolation
	if err := json.Unmarshal([]byte(out), &vs); err != nil {
		b.T.Fatalf("axe result on %s: %v: %s", page, err, out)
	}
	for _, v := range vs {
		b.T.Errorf("accessibility (%s) on %s: %s [%s] at %v", v.Impact, page, v.Help, v.ID, v.Targets)
	}
	return len(vs)
}
