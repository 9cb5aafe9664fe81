package store

import (
	"context"
	"crypto/rand"
	"database/sql"
	"encoding/hex"
	"fmt"

	"github.com/volt-ev/volt"
)

// WebhookService implements volt.WebhookService on a DB, and the fan-out
// and delivery bookkeeping of webhook.Dispatcher (webhook_delivery.go).
type WebhookService struct {
	db *DB
	// Wake, when set, is called after a replay so the dispatcher sends it
	// at once.
	Wake func()
}

var _ volt.WebhookService = (*WebhookService)(nil)

// NewWebhookService returns the webhook service of db.
func NewWebhookService(db *DB) *WebhookService { return &WebhookService{db: db} }

const endpointCols = `id, cpo_id, url, events, description, enabled, disabled_reason, created_at, updated_at`

var endpointScope = scopeCols{CPO: "cpo_id"}

func scanEndpoint(s rowScanner) (*volt.WebhookEndpoint, error) {
	e := &volt.WebhookEndpoint{}
	var events string
	var enabled int
	var created, updated int64
	if err := s.Scan(&e.ID, &e.CPOID, &e.URL, &events, &e.Description, &enabled, &e.DisabledReason, &created, &updated); err != nil {
		return nil, err
	}
	if err := decodeJSON(events, &e.Events); err != nil {
		return nil, fmt.Errorf("webhook endpoint %s events: %w", e.ID, err)
	}
	e.Enabled, e.CreatedAt, e.UpdatedAt = enabled == 1, fromMS(created), fromMS(updated)
	return e, nil
}

// newWebhookSecret returns a random signing secret.
func newWebhookSecret() string {
	b := make([]byte, 24)
	if _, err := rand.Read(b); err != nil {
		panic(fmt.Sprintf("webhook secret: %v", err)) // crypto/rand never fails on supported systems
	}
	return "whsec_" + hex.EncodeToString(b)
}

func boolInt(b bool) int {
	if b {
		return 1
	}
	return 0
}

// CreateWebhookEndpoint stores e (enabled) with a new secret, which it sets
// on e: the only time it is shown.
func (s *WebhookService) CreateWebhookEndpoint(ctx context.Context, e *volt.WebhookEndpoint) error {
	a, err := actorOf(ctx)
	if err != nil {
		return err
	}
	if err := e.Validate(); err != nil {
		return err
	}
	err = s.db.WithTx(ctx, func(tx *Tx) error {
		if err := cpoWritable(ctx, tx, a, e.CPOID); err != nil {
			return err
		}
		events, err := encodeJSON(e.Events)
		if err != nil {
			return err
		}
		e.ID, e.Secret, e.Enabled, e.DisabledReason = volt.NewID("whe"), newWebhookSecret(), true, ""
		e.CreatedAt, e.UpdatedAt = tx.Now(), tx.Now()
		if _, err := tx.Exec(ctx, `INSERT INTO webhook_endpoints (id, cpo_id, url, events, secret, description, enabled, disabled_reason, created_at, updated_at)
			VALUES (?, ?, ?, ?, ?, ?, 1, '', ?, ?)`, e.ID, e.CPOID, e.URL, events, s.db.sealText(e.Secret, webhookSecretAAD(e.ID)), e.Description, tx.NowMS(), tx.NowMS()); err != nil {
			return fmt.Errorf("create webhook endpoint: %w", err)
		}
		return nil
	})
	s.db.updates.invalidate()
	return err
}

// cpoWritable is ENOTFOUND for a CPO outside the actor's read scope and
// EFORBIDDEN for one it reads but may not change.
func cpoWritable(ctx context.Context, q querier, a *volt.Actor, cpoID string) error {
	ref := volt.Ref{CPOID: cpoID}
	var one int
	if err := q.QueryRow(ctx, `SELECT 1 FROM cpos WHERE id = ?`, cpoID).Scan(&one); err != nil || !a.Can(volt.PermRead, ref) {
		if err != nil && err != sql.ErrNoRows {
			return fmt.Errorf("find CPO %s: %w", cpoID, err)
		}
		return volt.Errorf(volt.ENOTFOUND, "CPO %q not found.", cpoID)
	}
	if !a.Can(volt.PermWrite, ref) {
		return forbidden("CPO's webhooks")
	}
	return nil
}

// FindWebhookEndpointByID returns an endpoint the actor reads (without its
// secret).
func (s *WebhookService) FindWebhookEndpointByID(ctx context.Context, id string) (*volt.WebhookEndpoint, error) {
	a, err := actorOf(ctx)
	if err != nil {
		return nil, err
	}
	return findOne(ctx, s.db, a, "Webhook endpoint", endpointCols, "webhook_endpoints", "id", id, endpointScope, scanEndpoint)
}

// FindWebhookEndpoints lists the endpoints the actor reads, of cpoID when
// set, oldest first.
func (s *WebhookService) FindWebhookEndpoints(ctx context.Context, cpoID string, page volt.Page) ([]*volt.WebhookEndpoint, int, error) {
	a, err := actorOf(ctx)
	if err != nil {
		return nil, 0, err
	}
	w := &where{}
	if err := w.scope(a, volt.PermRead, endpointScope); err != nil {
		return nil, 0, err
	}
	w.eq("cpo_id", cpoID)
	return list(ctx, s.db, listQuery{cols: endpointCols, from: "webhook_endpoints", where: w, order: "created_at, id", page: page}, scanEndpoint)
}

// writableEndpoint finds endpoint id in tx for a change by a.
func writableEndpoint(ctx context.Context, tx *Tx, a *volt.Actor, id string) (*volt.WebhookEndpoint, error) {
	e, err := findOne(ctx, tx, a, "Webhook endpoint", endpointCols, "webhook_endpoints", "id", id, endpointScope, scanEndpoint)
	if err != nil {
		return nil, err
	}
	if !a.Can(volt.PermWrite, e.Ref()) {
		return nil, forbidden("webhook endpoint")
	}
	return e, nil
}

// UpdateWebhookEndpoint changes URL, events, description or enabled.
func (s *WebhookService) UpdateWebhookEndpoint(ctx context.Context, id string, upd volt.WebhookEndpointUpdate) (*volt.WebhookEndpoint, error) {
	a, err := actorOf(ctx)
	if err != nil {
		return nil, err
	}
	var out *volt.WebhookEndpoint
	err = s.db.WithTx(ctx, func(tx *Tx) error {
		e, err := writableEndpoint(ctx, tx, a, id)
		if err != nil {
			return err
		}
		if upd.URL != nil {
			e.URL = *upd.URL
		}
		if upd.Events != nil {
			e.Events = *upd.Events
		}
		if upd.Description != nil {
			e.Description = *upd.Description
		}
		if upd.Enabled != nil {
			e.Enabled = *upd.Enabled
			if e.Enabled {
				e.DisabledReason = ""
			} else if e.DisabledReason == "" {
				e.DisabledReason = "Disabled by its operator."
			}
		}
		if err := e.Validate(); err != nil {
			return err
		}
		events, err := encodeJSON(e.Events)
		if err != nil {
			return err
		}
		e.UpdatedAt = tx.Now()
		if _, err := tx.Exec(ctx, `UPDATE webhook_endpoints SET url = ?, events = ?, description = ?, enabled = ?, disabled_reason = ?, updated_at = ? WHERE id = ?`,
			e.URL, events, e.Description, boolInt(e.Enabled), e.DisabledReason, tx.NowMS(), e.ID); err != nil {
			return fmt.Errorf("update webhook endpoint %s: %w", id, err)
		}
		out = e
		return nil
	})
	s.db.updates.invalidate()
	return out, err
}

// DeleteWebhookEndpoint deletes an endpoint and its delivery log.
func (s *WebhookService) DeleteWebhookEndpoint(ctx context.Context, id string) error {
	a, err := actorOf(ctx)
	if err != nil {
		return err
	}
	return s.db.WithTx(ctx, func(tx *Tx) error {
		if _, err := writableEndpoint(ctx, tx, a, id); err != nil {
			return err
		}
		for _, q := range []string{
			`DELETE FROM webhook_attempts WHERE delivery_id IN (SELECT id FROM webhook_deliveries WHERE endpoint_id = ?)`,
			`DELETE FROM webhook_deliveries WHERE endpoint_id = ?`,
			`DELETE FROM webhook_endpoints WHERE id = ?`,
		} {
			if _, err := tx.Exec(ctx, q, id); err != nil {
				return fmt.Errorf("delete webhook endpoint %s: %w", id, err)
			}
		}
		return nil
	})
}

// RotateWebhookSecret replaces the endpoint's secret and returns the
// endpoint with the new one, shown this once. Deliveries from now on are
// signed with it.
func (s *WebhookService) RotateWebhookSecret(ctx context.Context, id string) (*volt.WebhookEndpoint, error) {
	a, err := actorOf(ctx)
	if err != nil {
		return nil, err
	}
	var out *volt.WebhookEndpoint
	err = s.db.WithTx(ctx, func(tx *Tx) error {
		e, err := writableEndpoint(ctx, tx, a, id)
		if err != nil {
			return err
		}
		e.Secret, e.UpdatedAt = newWebhookSecret(), tx.Now()
		if _, err := tx.Exec(ctx, `UPDATE webhook_endpoints SET secret = ?, updated_at = ? WHERE id = ?`, s.db.sealText(e.Secret, webhookSecretAAD(id)), tx.NowMS(), id); err != nil {
			return fmt.Errorf("rotate webhook secret %s: %w", id, err)
		}
		out = e
		return nil
	})
	return out, err
}

const deliveryCols = `id, endpoint_id, cpo_id, event_id, event_type, state, attempts, next_at, last_code, last_latency_ms, last_error, created_at, updated_at, body`

func scanDelivery(s rowScanner) (*volt.WebhookDelivery, error) {
	d := &volt.WebhookDelivery{}
	var eventID, next, created, updated int64
	if err := s.Scan(&d.ID, &d.EndpointID, &d.CPOID, &eventID, &d.EventType, &d.State, &d.Attempts, &next, &d.LastCode,
		&d.LastLatencyMS, &d.LastError, &created, &updated, &d.Body); err != nil {
		return nil, err
	}
	d.EventID = eventIDString(eventID)
	d.NextAt, d.CreatedAt, d.UpdatedAt = fromMS(next), fromMS(created), fromMS(updated)
	return d, nil
}

// eventIDString is the public id of journal event id.
func eventIDString(id int64) string { return fmt.Sprintf("evt_%d", id) }

// FindWebhookDeliveries lists an endpoint's deliveries, newest first.
func (s *WebhookService) FindWebhookDeliveries(ctx context.Context, endpointID string, page volt.Page) ([]*volt.WebhookDelivery, int, error) {
	if _, err := s.FindWebhookEndpointByID(ctx, endpointID); err != nil {
		return nil, 0, err
	}
	w := &where{}
	w.eq("endpoint_id", endpointID)
	return list(ctx, s.db, listQuery{cols: deliveryCols, from: "webhook_deliveries", where: w, order: "created_at DESC, event_id DESC", page: page}, scanDelivery)
}

// ReplayWebhookDelivery makes a delivery due now, whatever its state, with
// a new retry window; the dispatcher sends the same body again (the same
// event id: receivers recognise a replay).
func (s *WebhookService) ReplayWebhookDelivery(ctx context.Context, id string) (*volt.WebhookDelivery, error) {
	a, err := actorOf(ctx)
	if err != nil {
		return nil, err
	}
	var out *volt.WebhookDelivery
	err = s.db.WithTx(ctx, func(tx *Tx) error {
		d, err := findOne(ctx, tx, a, "Webhook delivery", deliveryCols, "webhook_deliveries", "id", id, endpointScope, scanDelivery)
		if err != nil {
			return err
		}
		if !a.Can(volt.PermWrite, volt.Ref{CPOID: d.CPOID}) {
			return forbidden("webhook delivery")
		}
		d.State, d.NextAt, d.CreatedAt, d.UpdatedAt = volt.DeliveryPending, tx.Now(), tx.Now(), tx.Now()
		if _, err := tx.Exec(ctx, `UPDATE webhook_deliveries SET state = ?, next_at = ?, created_at = ?, updated_at = ? WHERE id = ?`,
			d.State, tx.NowMS(), tx.NowMS(), tx.NowMS(), id); err != nil {
			return fmt.Errorf("replay webhook delivery %s: %w", id, err)
		}
		out = d
		return nil
	})
	if err == nil && s.Wake != nil {
		s.Wake()
	}
	return out, err
}
