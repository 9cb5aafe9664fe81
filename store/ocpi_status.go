package store

import (
	"context"
	"encoding/json"
	"fmt"
	"sort"
	"strings"
	"time"

	"github.com/volt-ev/volt"
)

// coalesceRows is how many pushes one statement of QueueCoalescedPushes
// writes. Each statement is short and takes SQLite's one writer on its
// own, so an OCPP handler's write waits for at most one of them, not for
// a whole round of status pushes (issue 14: the OCPP p99 with pushes).
const coalesceRows = 25

// QueueCoalescedPushes queues pushes that replace any pending push of the
// same partner, module and object: the pending row takes the new body
// and a new id (so a delivery of the old body in flight does not delete
// it), and keeps its attempts and due time (a partner in back-off stays
// in back-off). A pending row that already holds the same request is left
// as it is. Of pushes of one object in the batch the last one wins.
// Statements of coalesceRows pushes, each atomic.
func (s *OCPIService) QueueCoalescedPushes(ctx context.Context, pushes []*volt.OCPIPush) error {
	latest := make(map[string]int, len(pushes))
	keep := make([]*volt.OCPIPush, 0, len(pushes))
	for _, p := range pushes {
		p.ID = volt.NewID("opu")
		key := coalesceKey(p)
		if i, ok := latest[key]; ok {
			keep[i] = p // one statement may not update a row twice (PostgreSQL)
			continue
		}
		latest[key] = len(keep)
		keep = append(keep, p)
	}
	// In key order: two nodes queueing the same EVSEs lock their rows in
	// the same order (no deadlock on PostgreSQL).
	sort.Slice(keep, func(i, j int) bool { return coalesceKey(keep[i]) < coalesceKey(keep[j]) })
	for len(keep) > 0 {
		n := min(len(keep), coalesceRows)
		if err := s.queueCoalesced(ctx, keep[:n]); err != nil {
			return err
		}
		keep = keep[n:]
	}
	return nil
}

// coalesceKey names the pending push a coalesced push replaces.
func coalesceKey(p *volt.OCPIPush) string { return p.PartnerID + "|" + p.Module + "|" + p.ObjectID }

func (s *OCPIService) queueCoalesced(ctx context.Context, pushes []*volt.OCPIPush) error {
	now := toMS(s.db.Now())
	var q strings.Builder
	q.WriteString(`INSERT INTO ocpi_pushes (id, partner_id, module, object_id, method, url, body, attempts, next_at, created_at, coalesce_key) VALUES `)
	args := make([]any, 0, len(pushes)*10)
	for i, p := range pushes {
		if i > 0 {
			q.WriteString(", ")
		}
		q.WriteString("(?, ?, ?, ?, ?, ?, ?, 0, ?, ?, ?)")
		args = append(args, p.ID, p.PartnerID, p.Module, p.ObjectID, p.Method, p.URL, string(p.Body), now, now, coalesceKey(p))
	}
	q.WriteString(` ON CONFLICT (coalesce_key) WHERE coalesce_key <> '' DO UPDATE SET id = excluded.id, method = excluded.method,
		url = excluded.url, body = excluded.body
		WHERE ocpi_pushes.body <> excluded.body OR ocpi_pushes.url <> excluded.url OR ocpi_pushes.method <> excluded.method`)
	// One statement; in a transaction for WithTx's retry of a busy
	// database or a deadlock.
	if err := s.db.WithTx(ctx, func(tx *Tx) error {
		_, err := tx.Exec(ctx, q.String(), args...)
		return err
	}); err != nil {
		return fmt.Errorf("queue %d coalesced OCPI pushes (%s %s for %s first): %w", len(pushes), pushes[0].Module, pushes[0].ObjectID, pushes[0].PartnerID, mapError(err))
	}
	return nil
}

// BackOffOCPIPush records a failed attempt of p: it is due again at next.
// When a coalesced push replaced p while p was on the wire (a new id, the
// same partner and object), the replacement takes the back-off: the
// partner failed, whichever body it was sent, and a later status must not
// skip the back-off (TestStatusPushes saw one skip it).
func (s *OCPIService) BackOffOCPIPush(ctx context.Context, p *volt.OCPIPush, errMsg string, next time.Time) error {
	if len(errMsg) > 500 {
		errMsg = errMsg[:500]
	}
	if _, err := s.db.Exec(ctx, `UPDATE ocpi_pushes SET attempts = attempts + 1, last_error = ?, next_at = ?
		WHERE id = ? OR (coalesce_key = ? AND coalesce_key <> '' AND NOT EXISTS (SELECT 1 FROM ocpi_pushes o WHERE o.id = ?))`,
		errMsg, toMS(next), p.ID, coalesceKey(p), p.ID); err != nil {
		return fmt.Errorf("back off OCPI push %s: %w", p.ID, err)
	}
	return nil
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

// deleteRows is how many delivered pushes one statement removes: short
// statements, like coalesceRows.
const deleteRows = 50

// DeleteOCPIPushes removes delivered pushes, in one statement per
// deleteRows.
func (s *OCPIService) DeleteOCPIPushes(ctx context.Context, ids []string) error {
	for len(ids) > 0 {
		n := min(len(ids), deleteRows)
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
