package volt

import (
	"context"
	"crypto/hmac"
	"crypto/sha256"
	"encoding/hex"
	"net/url"
	"slices"
	"strconv"
	"strings"
	"time"
)

// Domain events of money, support and alerts (issue #17), written by the
// transaction that makes the change, like the session events.
const (
	EventPaymentCaptured = "payment.captured"
	EventPaymentRefunded = "payment.refunded"
	EventTicketCreated   = "ticket.created"
	EventTicketUpdated   = "ticket.updated"
	EventAlertOpened     = "alert.opened"
	EventAlertResolved   = "alert.resolved"
)

// WebhookEventTypes are the event types an endpoint may subscribe to.
var WebhookEventTypes = []string{
	EventSessionStarted, EventSessionUpdated, EventSessionStopped, EventCDRCreated,
	EventConnectorStatus, EventPaymentCaptured, EventPaymentRefunded,
	EventTicketCreated, EventTicketUpdated, EventAlertOpened, EventAlertResolved,
}

// WebhookEndpoint is a URL of a CPO's that receives the events it subscribed
// to, each delivery signed with Secret (Volt-Signature, SignWebhook).
type WebhookEndpoint struct {
	ID          string   `json:"id"`
	CPOID       string   `json:"cpoId"`
	URL         string   `json:"url"`
	Events      []string `json:"events"`
	Description string   `json:"description,omitempty"`
	// Secret is shown once: in the answer to a create or a rotation.
	Secret         string    `json:"secret,omitempty"`
	Enabled        bool      `json:"enabled"`
	DisabledReason string    `json:"disabledReason,omitempty"`
	CreatedAt      time.Time `json:"createdAt"`
	UpdatedAt      time.Time `json:"updatedAt"`
}

// Ref locates the endpoint in the hierarchy.
func (e *WebhookEndpoint) Ref() Ref { return Ref{CPOID: e.CPOID} }

// Subscribed reports whether the endpoint takes events of type t.
func (e *WebhookEndpoint) Subscribed(t string) bool { return slices.Contains(e.Events, t) }

// Validate checks the URL (absolute http or https, no credentials) and the
// event types. Where the URL may point is checked again at every delivery
// (the address it resolves to then).
func (e *WebhookEndpoint) Validate() error {
	if e.CPOID == "" {
		return FieldError("cpoId", "A CPO is required.")
	}
	if err := ValidateWebhookURL(e.URL); err != nil {
		return err
	}
	if len(e.Events) == 0 {
		return FieldError("events", "Subscribe to at least one event type.")
	}
	for _, t := range e.Events {
		if !slices.Contains(WebhookEventTypes, t) {
			return FieldError("events", "Unknown event type %q; one of %s.", t, strings.Join(WebhookEventTypes, ", "))
		}
	}
	if len(e.Description) > 200 {
		return FieldError("description", "At most 200 characters.")
	}
	return nil
}

// ValidateWebhookURL checks that u is an absolute http(s) URL with a host
// and without user information.
func ValidateWebhookURL(u string) error {
	p, err := url.Parse(u)
	if err != nil || (p.Scheme != "https" && p.Scheme != "http") || p.Host == "" || p.Hostname() == "" {
		return FieldError("url", "An absolute http:// or https:// URL is required.")
	}
	if p.User != nil {
		return FieldError("url", "The URL may not carry a user name or password.")
	}
	if len(u) > 2000 {
		return FieldError("url", "At most 2000 characters.")
	}
	return nil
}

// WebhookEndpointUpdate changes an endpoint; nil fields stay. Enabling an
// endpoint that was disabled for failing clears the reason.
type WebhookEndpointUpdate struct {
	URL         *string   `json:"url,omitempty"`
	Events      *[]string `json:"events,omitempty"`
	Description *string   `json:"description,omitempty"`
	Enabled     *bool     `json:"enabled,omitempty"`
}

// Delivery states.
const (
	DeliveryPending   = "pending"   // waiting for its next attempt
	DeliveryDelivered = "delivered" // the endpoint answered 2xx
	DeliveryFailed    = "failed"    // given up (3 days) or the endpoint was disabled
)

// WebhookRetryWindow is how long a delivery is retried before it fails.
const WebhookRetryWindow = 72 * time.Hour

// WebhookDelivery is one event sent (or to be sent) to one endpoint.
type WebhookDelivery struct {
	ID            string    `json:"id"`
	EndpointID    string    `json:"endpointId"`
	CPOID         string    `json:"cpoId"`
	EventID       string    `json:"eventId"`
	EventType     string    `json:"eventType"`
	State         string    `json:"state"`
	Attempts      int       `json:"attempts"`
	NextAt        time.Time `json:"nextAt"`
	LastCode      int       `json:"lastCode"`
	LastLatencyMS int       `json:"lastLatencyMs"`
	LastError     string    `json:"lastError,omitempty"`
	CreatedAt     time.Time `json:"createdAt"`
	UpdatedAt     time.Time `json:"updatedAt"`
	Body          string    `json:"-"`
}

// WebhookBackoff is the wait after the n-th failed attempt (n from 1): 30 s
// doubling up to 6 h, so a delivery is tried about 20 times in 3 days.
func WebhookBackoff(n int) time.Duration {
	d := 30 * time.Second
	for i := 1; i < n && d < 6*time.Hour; i++ {
		d *= 2
	}
	return min(d, 6*time.Hour)
}

// WebhookService manages a CPO's endpoints and shows their deliveries.
// Reading needs PermRead on the CPO, changing PermWrite.
type WebhookService interface {
	CreateWebhookEndpoint(ctx context.Context, e *WebhookEndpoint) error
	FindWebhookEndpointByID(ctx context.Context, id string) (*WebhookEndpoint, error)
	FindWebhookEndpoints(ctx context.Context, cpoID string, page Page) ([]*WebhookEndpoint, int, error)
	UpdateWebhookEndpoint(ctx context.Context, id string, upd WebhookEndpointUpdate) (*WebhookEndpoint, error)
	DeleteWebhookEndpoint(ctx context.Context, id string) error
	// RotateWebhookSecret issues a new secret, returned once.
	RotateWebhookSecret(ctx context.Context, id string) (*WebhookEndpoint, error)
	// FindWebhookDeliveries lists an endpoint's deliveries, newest first.
	FindWebhookDeliveries(ctx context.Context, endpointID string, page Page) ([]*WebhookDelivery, int, error)
	// ReplayWebhookDelivery sends a delivery again, now, whatever its state.
	ReplayWebhookDelivery(ctx context.Context, id string) (*WebhookDelivery, error)
}

// WebhookSignatureHeader is the header carrying a delivery's signature.
const WebhookSignatureHeader = "Volt-Signature"

// SignWebhook returns the Volt-Signature header value for body sent at t:
// "t=UNIX,v1=HEX" with HEX the HMAC-SHA256 under secret of t + "." + body.
func SignWebhook(secret string, t time.Time, body []byte) string {
	ts := strconv.FormatInt(t.Unix(), 10)
	return "t=" + ts + ",v1=" + webhookMAC(secret, ts, body)
}

func webhookMAC(secret, ts string, body []byte) string {
	m := hmac.New(sha256.New, []byte(secret))
	m.Write([]byte(ts))
	m.Write([]byte("."))
	m.Write(body)
	return hex.EncodeToString(m.Sum(nil))
}

// VerifyWebhook checks a Volt-Signature header against body: the MAC must
// match and its time be within tolerance of now (receivers' side; tests).
func VerifyWebhook(secret, header string, body []byte, now time.Time, tolerance time.Duration) bool {
	var ts, sig string
	for _, part := range strings.Split(header, ",") {
		k, v, _ := strings.Cut(strings.TrimSpace(part), "=")
		switch k {
		case "t":
			ts = v
		case "v1":
			sig = v
		}
	}
	unix, err := strconv.ParseInt(ts, 10, 64)
	if err != nil || sig == "" {
		return false
	}
	if d := now.Sub(time.Unix(unix, 0)); d > tolerance || d < -tolerance {
		return false
	}
	return hmac.Equal([]byte(sig), []byte(webhookMAC(secret, ts, body)))
}

// DueWebhookDelivery is a delivery to send now, with where and how.
type DueWebhookDelivery struct {
	*WebhookDelivery
	URL    string
	Secret string
}

// WebhookAttempt is the outcome of one attempt to deliver.
type WebhookAttempt struct {
	Code    int // HTTP status; 0 when there was no answer
	Latency time.Duration
	Err     string // why it failed, when it did
}

// OK reports whether the endpoint took the delivery (a 2xx answer).
func (a WebhookAttempt) OK() bool { return a.Code >= 200 && a.Code < 300 }

// DisabledWebhookEndpoint names an endpoint disabled for failing, for the
// mail to its CPO (Email: the CPO's alert address, may be empty).
type DisabledWebhookEndpoint struct {
	ID, CPOID, URL, Email string
}

// WebhookOutbox is the durable side of outgoing webhooks the dispatcher
// drives (store.WebhookService): events fanned out to deliveries, due
// deliveries claimed, and attempts recorded. System calls: no actor.
type WebhookOutbox interface {
	// FanOutWebhooks turns up to limit new events into deliveries.
	FanOutWebhooks(ctx context.Context, limit int) (int, error)
	// ClaimWebhookDeliveries returns deliveries due now, leased for lease.
	ClaimWebhookDeliveries(ctx context.Context, limit int, lease time.Duration) ([]DueWebhookDelivery, error)
	// RecordWebhookAttempt logs an attempt; a non-nil endpoint was disabled.
	RecordWebhookAttempt(ctx context.Context, id string, at WebhookAttempt) (*DisabledWebhookEndpoint, error)
}
