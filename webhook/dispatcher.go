package webhook

import (
	"bytes"
	"context"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"sync"
	"time"

	volt "github.com/volt-ev/volt"
)

// Dispatcher fans journal events out to deliveries and sends due deliveries,
// until its context ends. Each delivery is attempted by one of Workers
// goroutines with the client's timeouts, so a slow receiver holds one worker
// for at most the timeout and never blocks Volt's charging path (which only
// writes the journal).
type Dispatcher struct {
	Outbox volt.WebhookOutbox
	Client *http.Client
	// Mail tells a CPO its endpoint was disabled; nil: only logged.
	Mail   func(to, subject, body string) error
	Logger *slog.Logger
	// Poll is how often it looks for work without a Wake; default 1 s.
	Poll time.Duration
	// Workers sending at once; default 8.
	Workers int
	// Now is the clock of signatures; default time.Now.
	Now func() time.Time

	wake chan struct{}
	once sync.Once
}

// batch is how many events or deliveries one round takes.
const batch = 100

// lease is how long a claimed delivery stays with its sender.
const lease = time.Minute

func (d *Dispatcher) init() {
	d.once.Do(func() {
		d.wake = make(chan struct{}, 1)
		if d.Poll <= 0 {
			d.Poll = time.Second
		}
		if d.Workers <= 0 {
			d.Workers = 8
		}
		if d.Now == nil {
			d.Now = time.Now
		}
		if d.Logger == nil {
			d.Logger = slog.Default()
		}
		if d.Client == nil {
			d.Client = NewClient(ClientConfig{})
		}
	})
}

// Wake asks for a round now (a commit wrote events, a replay). Never blocks.
func (d *Dispatcher) Wake() {
	d.init()
	select {
	case d.wake <- struct{}{}:
	default:
	}
}

// Run works until ctx ends.
func (d *Dispatcher) Run(ctx context.Context) {
	d.init()
	t := time.NewTicker(d.Poll)
	defer t.Stop()
	failing := false
	for {
		_, err := d.Round(ctx)
		if err != nil && ctx.Err() == nil {
			if !failing {
				d.Logger.Warn("webhooks: round failed; retrying", "err", err)
			}
			failing = true
		} else {
			failing = false
		}
		select {
		case <-ctx.Done():
			return
		case <-d.wake:
		case <-t.C:
		}
	}
}

// Round fans out every new event and sends every due delivery once,
// returning how many attempts it made.
func (d *Dispatcher) Round(ctx context.Context) (int, error) {
	d.init()
	for {
		n, err := d.Outbox.FanOutWebhooks(ctx, batch)
		if err != nil {
			return 0, fmt.Errorf("webhook fan-out: %w", err)
		}
		if n < batch {
			break
		}
	}
	sent := 0
	for {
		due, err := d.Outbox.ClaimWebhookDeliveries(ctx, batch, lease)
		if err != nil {
			return sent, fmt.Errorf("claim webhook deliveries: %w", err)
		}
		d.sendAll(ctx, due)
		sent += len(due)
		if len(due) < batch {
			return sent, nil
		}
	}
}

func (d *Dispatcher) sendAll(ctx context.Context, due []volt.DueWebhookDelivery) {
	sem := make(chan struct{}, d.Workers)
	var wg sync.WaitGroup
	for _, dd := range due {
		sem <- struct{}{}
		wg.Add(1)
		go func() {
			defer func() { <-sem; wg.Done() }()
			at := d.Send(ctx, dd)
			if ctx.Err() != nil {
				return // shutting down: the lease makes it due again
			}
			disabled, err := d.Outbox.RecordWebhookAttempt(context.WithoutCancel(ctx), dd.ID, at)
			if err != nil {
				d.Logger.Warn("webhooks: record attempt", "delivery", dd.ID, "err", err)
				return
			}
			if disabled != nil {
				d.tell(disabled)
			}
		}()
	}
	wg.Wait()
}

// Send makes one attempt of dd: a POST of its body, signed.
func (d *Dispatcher) Send(ctx context.Context, dd volt.DueWebhookDelivery) volt.WebhookAttempt {
	d.init()
	body := []byte(dd.Body)
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, dd.URL, bytes.NewReader(body))
	if err != nil {
		return volt.WebhookAttempt{Err: "bad URL: " + err.Error()}
	}
	req.Header.Set("Content-Type", "application/json")
	req.Header.Set("User-Agent", "Volt-Webhooks/1")
	req.Header.Set(volt.WebhookSignatureHeader, volt.SignWebhook(dd.Secret, d.Now(), body))
	req.Header.Set("Volt-Event-Id", dd.EventID)
	start := time.Now()
	resp, err := d.Client.Do(req)
	lat := time.Since(start)
	if err != nil {
		return volt.WebhookAttempt{Latency: lat, Err: err.Error()}
	}
	defer resp.Body.Close()
	_, _ = io.Copy(io.Discard, io.LimitReader(resp.Body, 64<<10))
	at := volt.WebhookAttempt{Code: resp.StatusCode, Latency: lat}
	if !at.OK() {
		at.Err = resp.Status
		if loc := resp.Header.Get("Location"); loc != "" {
			at.Err += " (redirect not followed)"
		}
	}
	return at
}

func (d *Dispatcher) tell(e *volt.DisabledWebhookEndpoint) {
	d.Logger.Warn("webhooks: endpoint disabled after failing for 3 days", "endpoint", e.ID, "cpo", e.CPOID, "url", e.URL)
	if d.Mail == nil || e.Email == "" {
		return
	}
	body := fmt.Sprintf("Your webhook endpoint %s (%s) failed every delivery for 3 days and has been disabled.\n"+
		"Fix the receiver, then enable it again in the Admin Portal (Webhooks); its pending deliveries are kept and the failed ones can be replayed.\n", e.ID, e.URL)
	if err := d.Mail(e.Email, "Volt: webhook endpoint disabled", body); err != nil {
		d.Logger.Warn("webhooks: mail about disabled endpoint", "endpoint", e.ID, "err", err)
	}
}
