package store

import (
	"context"
	"encoding/json"
	"fmt"
	"strings"

	"github.com/volt-ev/volt"
)

// coalesceChunk is how many pushes one transaction of
// QueueCoalescedPushes writes: short transactions let the OCPP path's
// writes in between (SQLite has one writer).
const coalesceChunk = 200

// QueueCoalescedPushes queues pushes that replace any pending push of the
// same partner, module and object: the pending row takes the new body
// and a new id (so a delivery of the old body in flight does not delete
// it), and keeps its attempts and due time (a partner in back-off stays
// in back-off). Transactions of coalesceChunk pushes.
func (s *OCPIService) QueueCoalescedPushes(ctx context.Context, pushes []*volt.OCPIPush) error {
	for len(pushes) > coalesceChunk {
		if err := s.queueCoalesced(ctx, pushes[:coalesceChunk]); err != nil {
			return err
		}
		pushes = pushes[coalesceChunk:]
	}
	if len(pushes) == 0 {
		return nil
	}
	return s.queueCoalesced(ctx, pushes)
}

func (s *OCPIService) queueCoalesced(ctx context.Context, pushes []*volt.OCPIPush) error {
	return s.db.WithTx(ctx, func(tx *Tx) error {
		now := tx.NowMS()
		for _, p := range pushes {
			p.ID = volt.NewID("opu")
			key := p.PartnerID + "|" + p.Module + "|" + p.ObjectID
			if _, err := tx.Exec(ctx, `INSERT INTO ocpi_pushes (id, partner_id, module, object_id, method, url, body, attempts, next_at, created_at, coalesce_key)
				VALUES (?, ?, ?, ?, ?, ?, ?, 0, ?, ?, ?)
				ON CONFLICT (coalesce_key) WHERE coalesce_key <> '' DO UPDATE SET id = excluded.id, method = excluded.method,
				url = excluded.url, body = excluded.body`,
				p.ID, p.PartnerID, p.Module, p.ObjectID, p.Method, p.URL, string(p.Body), now, now, key); err != nil {
				return fmt.Errorf("queue %s %s for %s: %w", p.Module, p.ObjectID, p.PartnerID, mapError(err))
			}
		}
		return nil
	})
}

// FindPartnerObject returns one object a partner sent (ENOTFOUND).
func (s *OCPIService) FindPartnerObject(ctx context.Context, partnerID, module, id string) (json.RawMessage, error) {
	var d string
	if err := s.db.QueryRow(ctx, `SELECT data FROM ocpi_partner_objects WHERE partner_id = ? AND module = ? AND object_id = ?`,
		partnerID, module, id).Scan(&d); err != nil {
		return nil, notFound(err, "Partner object", id)
	}
	return json.RawMessage(d), nil
}

// DeleteOCPIPushes removes delivered pushes, in one statement per 200.
func (s *OCPIService) DeleteOCPIPushes(ctx context.Context, ids []string) error {
	for len(ids) > 0 {
		n := min(len(ids), 200)
		args := make([]any, n)
		for i, id := range ids[:n] {
			args[i] = id
		}
		if _, err := s.db.Exec(ctx, `DELETE FROM ocpi_pushes WHERE id IN (?`+strings.Repeat(", ?", n-1)+`)`, args...); err != nil {
			return fmt.Errorf("delete %d delivered OCPI pushes: %w", n, err)
		}
		ids = ids[n:]
	}
	return nil
}
