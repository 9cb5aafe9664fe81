package webhook_test

import (
	"context"
	"errors"
	"net"
	"net/http"
	"net/http/httptest"
	"net/netip"
	"sync/atomic"
	"testing"
	"time"

	volt "github.com/volt-ev/volt"
	"github.com/volt-ev/volt/webhook"
)

func TestForbiddenAddresses(t *testing.T) {
	for _, s := range []string{"127.0.0.1", "10.1.2.3", "172.16.0.1", "192.168.1.1", "169.254.169.254", "::1", "fe80::1",
		"fc00::1", "0.0.0.0", "100.64.0.1", "::ffff:127.0.0.1", "::ffff:169.254.169.254", "224.0.0.1"} {
		if !webhook.Forbidden(netip.MustParseAddr(s), nil) {
			t.Errorf("%s allowed, want refused", s)
		}
	}
	for _, s := range []string{"93.184.216.34", "2606:4700::1111"} {
		if webhook.Forbidden(netip.MustParseAddr(s), nil) {
			t.Errorf("%s refused, want allowed", s)
		}
	}
	if webhook.Forbidden(netip.MustParseAddr("127.0.0.1"), loopback()) {
		t.Error("127.0.0.1 refused despite the allow-list")
	}
	if _, err := webhook.ParseAllowList("127.0.0.1, 10.0.0.0/8"); err != nil {
		t.Fatal(err)
	}
	if _, err := webhook.ParseAllowList("not-an-address"); err == nil {
		t.Fatal("bad allow-list accepted")
	}
}

// TestClientRefusesInternalTargets: without the allow-list a receiver on
// loopback (by address or by a name resolving to it) is never reached, and
// with it a redirect is not followed.
func TestClientRefusesInternalTargets(t *testing.T) {
	var hits, inner atomic.Int32
	internal := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) { inner.Add(1) }))
	defer internal.Close()
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		hits.Add(1)
		http.Redirect(w, r, internal.URL+"/metadata", http.StatusFound)
	}))
	defer srv.Close()
	_, p, _ := net.SplitHostPort(srv.Listener.Addr().String())

	d := &webhook.Dispatcher{Client: webhook.NewClient(webhook.ClientConfig{Timeout: 2 * time.Second})}
	for _, u := range []string{srv.URL, "http://localhost:" + p + "/", "http://[::1]:" + p + "/"} {
		at := d.Send(context.Background(), volt.DueWebhookDelivery{WebhookDelivery: &volt.WebhookDelivery{ID: "whd_1", Body: "{}"}, URL: u, Secret: "s"})
		if at.OK() || at.Code != 0 || at.Err == "" {
			t.Fatalf("%s: attempt %+v, want refused before any answer", u, at)
		}
	}
	if hits.Load() != 0 {
		t.Fatalf("receiver on loopback reached %d times without the allow-list", hits.Load())
	}
	_, err := webhook.NewClient(webhook.ClientConfig{}).Get(srv.URL)
	if !errors.Is(err, webhook.ErrForbiddenAddress) {
		t.Fatalf("dial error %v, want ErrForbiddenAddress", err)
	}

	// Allowed (the test's receiver), but its redirect is an answer, not followed.
	d = &webhook.Dispatcher{Client: webhook.NewClient(webhook.ClientConfig{Allow: loopback(), Timeout: 2 * time.Second})}
	at := d.Send(context.Background(), volt.DueWebhookDelivery{WebhookDelivery: &volt.WebhookDelivery{ID: "whd_1", Body: "{}"}, URL: srv.URL, Secret: "s"})
	if at.Code != http.StatusFound || at.OK() || hits.Load() != 1 || inner.Load() != 0 {
		t.Fatalf("redirect: attempt %+v, hits %d, internal hits %d; want a failed 302 and no follow", at, hits.Load(), inner.Load())
	}
}

// TestSlowReceiverTimesOut: a receiver that never answers costs one
// timeout, recorded as a failed attempt with no code.
func TestSlowReceiverTimesOut(t *testing.T) {
	release := make(chan struct{})
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) { <-release }))
	defer srv.Close()
	defer close(release)
	d := &webhook.Dispatcher{Client: webhook.NewClient(webhook.ClientConfig{Allow: loopback(), Timeout: 200 * time.Millisecond})}
	at := d.Send(context.Background(), volt.DueWebhookDelivery{WebhookDelivery: &volt.WebhookDelivery{ID: "whd_1", Body: "{}"}, URL: srv.URL, Secret: "s"})
	if at.OK() || at.Code != 0 || at.Err == "" {
		t.Fatalf("attempt %+v, want a timeout", at)
	}
}
