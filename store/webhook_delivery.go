package store

import (
	"context"
	"encoding/json"
	"fmt"
	"time"

	"github.com/volt-ev/volt"
)

// WebhookConsumer is the journal consumer that fans events out to webhook
// deliveries.
const WebhookConsumer = "webhooks"

// webhookBody is what an endpoint receives: the event with its public id.
type webhookBody struct {
	ID        string          `json:"id"`
	Type      string          `json:"type"`
	CreatedAt time.Time       `json:"createdAt"`
	CPOID     string          `json:"cpoId,omitempty"`
	CPID      string          `json:"cpid,omitempty"`
	Data      json.RawMessage `json:"data"`
}

// FanOutWebhooks consumes up to limit journal events and writes one pending
// delivery per enabled endpoint of the event's CPO subscribed to its type,
// in the transaction that moves the consumer's cursor: each event becomes
// its deliveries exactly once. It returns the number of events consumed.
func (s *WebhookService) FanOutWebhooks(ctx context.Context, limit int) (int, error) {
	return s.db.ConsumeEvents(ctx, WebhookConsumer, limit, func(ctx context.Context, tx *Tx, events []LoggedEvent) error {
		endpoints := map[string][]*volt.WebhookEndpoint{} // by CPO, for this batch
		for _, e := range events {
			if e.CPOID == "" {
				continue
			}
			eps, ok := endpoints[e.CPOID]
			if !ok {
				var err error
				if eps, err = enabledEndpoints(ctx, tx, e.CPOID); err != nil {
					return err
				}
				endpoints[e.CPOID] = eps
			}
			var body []byte
			for _, ep := range eps {
				if !ep.Subscribed(e.Type) {
					continue
				}
				if body == nil {
					var err error
					raw, _ := e.Data.(json.RawMessage)
					if body, err = json.Marshal(webhookBody{ID: eventIDString(e.ID), Type: e.Type, CreatedAt: e.At, CPOID: e.CPOID, CPID: e.CPID, Data: raw}); err != nil {
						return fmt.Errorf("webhook body of event %d: %w", e.ID, err)
					}
				}
				if _, err := tx.Exec(ctx, `INSERT INTO webhook_deliveries (id, endpoint_id, cpo_id, event_id, event_type, body, state, attempts, next_at, created_at, updated_at)
					VALUES (?, ?, ?, ?, ?, ?, ?, 0, ?, ?, ?) ON CONFLICT (endpoint_id, event_id) DO NOTHING`,
					volt.NewID("whd"), ep.ID, ep.CPOID, e.ID, e.Type, string(body), volt.DeliveryPending, tx.NowMS(), tx.NowMS(), tx.NowMS()); err != nil {
					return fmt.Errorf("webhook delivery of event %d: %w", e.ID, err)
				}
			}
		}
		return nil
	})
}

func enabledEndpoints(ctx context.Context, tx *Tx, cpoID string) ([]*volt.WebhookEndpoint, error) {
	rows, err := tx.Query(ctx, `SELECT `+endpointCols+` FROM webhook_endpoints WHERE cpo_id = ? AND enabled = 1 ORDER BY id`, cpoID)
	if err != nil {
		return nil, fmt.Errorf("webhook endpoints of %s: %w", cpoID, err)
	}
	defer rows.Close()
	var out []*volt.WebhookEndpoint
	for rows.Next() {
		e, err := scanEndpoint(rows)
		if err != nil {
			return nil, err
		}
		out = append(out, e)
	}
	return out, rows.Err()
}

// ClaimWebhookDeliveries returns up to limit pending deliveries due now to
// enabled endpoints, oldest first, and pushes their next attempt lease into
// the future, so another loop or node does not send them meanwhile; a
// sender that dies leaves them due again after the lease.
func (s *WebhookService) ClaimWebhookDeliveries(ctx context.Context, limit int, lease time.Duration) ([]volt.DueWebhookDelivery, error) {
	var out []volt.DueWebhookDelivery
	err := s.db.WithTx(ctx, func(tx *Tx) error {
		out = nil
		q := `SELECT d.id, d.endpoint_id, d.cpo_id, d.event_id, d.event_type, d.state, d.attempts, d.next_at, d.last_code, d.last_latency_ms,
			d.last_error, d.created_at, d.updated_at, d.body, e.url, e.secret
			FROM webhook_deliveries d JOIN webhook_endpoints e ON e.id = d.endpoint_id
			WHERE d.state = ? AND d.next_at <= ? AND e.enabled = 1 ORDER BY d.next_at, d.event_id LIMIT ?`
		if tx.Dialect() == Postgres {
			q += ` FOR UPDATE OF d SKIP LOCKED`
		}
		rows, err := tx.Query(ctx, q, volt.DeliveryPending, tx.NowMS(), limit)
		if err != nil {
			return fmt.Errorf("due webhook deliveries: %w", err)
		}
		defer rows.Close()
		var leased []string
		for rows.Next() {
			var url, secret string
			d, err := scanDelivery(scanMore{rows, []any{&url, &secret}})
			if err != nil {
				return fmt.Errorf("due webhook deliveries: %w", err)
			}
			leased = append(leased, d.ID)
			// A secret that does not open (VOLT_SECRET_KEY changed) signs
			// nothing: the delivery waits, leased, until the key is back
			// or the CPO rotates the secret.
			if secret, err = s.db.openText(secret, webhookSecretAAD(d.EndpointID)); err != nil {
				continue
			}
			out = append(out, volt.DueWebhookDelivery{WebhookDelivery: d, URL: url, Secret: secret})
		}
		if err := rows.Err(); err != nil {
			return fmt.Errorf("due webhook deliveries: %w", err)
		}
		rows.Close()
		for _, id := range leased {
			if _, err := tx.Exec(ctx, `UPDATE webhook_deliveries SET next_at = ? WHERE id = ?`, toMS(tx.Now().Add(lease)), id); err != nil {
				return fmt.Errorf("lease webhook delivery %s: %w", id, err)
			}
		}
		return nil
	})
	return out, err
}

// scanMore scans a row's leading columns with scan and the rest into more.
type scanMore struct {
	s    rowScanner
	more []any
}

func (p scanMore) Scan(dest ...any) error { return p.s.Scan(append(dest, p.more...)...) }

// RecordWebhookAttempt logs an attempt of delivery id: a 2xx marks it
// delivered; otherwise it is due again after volt.WebhookBackoff, or failed
// once its retry window (volt.WebhookRetryWindow) is over, which disables
// the endpoint (it kept failing for 3 days): then the endpoint is returned
// for the CPO to be told.
func (s *WebhookService) RecordWebhookAttempt(ctx context.Context, id string, at volt.WebhookAttempt) (*volt.DisabledWebhookEndpoint, error) {
	var disabled *volt.DisabledWebhookEndpoint
	err := s.db.WithTx(ctx, func(tx *Tx) error {
		disabled = nil
		var attempts int
		var created int64
		var state, endpointID string
		if err := tx.QueryRow(ctx, `SELECT attempts, created_at, state, endpoint_id FROM webhook_deliveries WHERE id = ?`, id).
			Scan(&attempts, &created, &state, &endpointID); err != nil {
			return notFound(err, "Webhook delivery", id)
		}
		attempts++
		if _, err := tx.Exec(ctx, `INSERT INTO webhook_attempts (delivery_id, attempt, at, code, latency_ms, error) VALUES (?, ?, ?, ?, ?, ?)
			ON CONFLICT (delivery_id, attempt) DO NOTHING`, id, attempts, tx.NowMS(), at.Code, at.Latency.Milliseconds(), at.Err); err != nil {
			return fmt.Errorf("log webhook attempt %s: %w", id, err)
		}
		next, newState := tx.Now().Add(volt.WebhookBackoff(attempts)), volt.DeliveryPending
		switch {
		case at.OK():
			next, newState = tx.Now(), volt.DeliveryDelivered
		case tx.Now().Sub(fromMS(created)) >= volt.WebhookRetryWindow:
			newState = volt.DeliveryFailed
		}
		if _, err := tx.Exec(ctx, `UPDATE webhook_deliveries SET state = ?, attempts = ?, next_at = ?, last_code = ?, last_latency_ms = ?, last_error = ?, updated_at = ?
			WHERE id = ?`, newState, attempts, toMS(next), at.Code, at.Latency.Milliseconds(), at.Err, tx.NowMS(), id); err != nil {
			return fmt.Errorf("record webhook attempt %s: %w", id, err)
		}
		if newState != volt.DeliveryFailed {
			return nil
		}
		res, err := tx.Exec(ctx, `UPDATE webhook_endpoints SET enabled = 0, disabled_reason = ?, updated_at = ? WHERE id = ? AND enabled = 1`,
			"Disabled after failing to deliver for 3 days.", tx.NowMS(), endpointID)
		if err != nil {
			return fmt.Errorf("disable webhook endpoint %s: %w", endpointID, err)
		}
		if n, _ := res.RowsAffected(); n == 1 {
			d := &volt.DisabledWebhookEndpoint{ID: endpointID}
			if err := tx.QueryRow(ctx, `SELECT e.cpo_id, e.url, COALESCE(r.email, '') FROM webhook_endpoints e LEFT JOIN alert_rules r ON r.cpo_id = e.cpo_id WHERE e.id = ?`, endpointID).
				Scan(&d.CPOID, &d.URL, &d.Email); err != nil {
				return fmt.Errorf("disabled webhook endpoint %s: %w", endpointID, err)
			}
			disabled = d
		}
		return nil
	})
	return disabled, err
}

// WebhookDeliveryLen counts deliveries in state (tests, metrics).
func (s *WebhookService) WebhookDeliveryLen(ctx context.Context, state string) (int, error) {
	var n int
	if err := s.db.QueryRow(ctx, `SELECT count(*) FROM webhook_deliveries WHERE state = ?`, state).Scan(&n); err != nil {
		return 0, fmt.Errorf("count webhook deliveries: %w", err)
	}
	return n, nil
}
