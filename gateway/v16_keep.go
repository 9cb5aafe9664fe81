package gateway

import (
	"context"
	"encoding/json"

	volt "github.com/volt-ev/volt"
	"github.com/volt-ev/volt/ocpp"
	v16 "github.com/volt-ev/volt/ocpp/v16"
)

// Reservations and the local authorisation list are kept in the database as
// the charger accepted them, not only sent (issue #3): after the charger's
// Accepted answer, the store is told. Without Config.Reservations nothing is
// kept.

// accepted decodes the request and reports whether the answer's status is
// one of ok.
func accepted[Req any](c *conn, req, res json.RawMessage, ok ...string) (*Req, bool) {
	var answer struct {
		Status string `json:"status"`
	}
	if json.Unmarshal(res, &answer) != nil {
		return nil, false
	}
	found := false
	for _, s := range ok {
		found = found || answer.Status == s
	}
	if !found || c.g.cfg.Reservations == nil {
		return nil, false
	}
	var r Req
	if err := ocpp.Decode(ocpp.V16, req, &r, ocpp.Strict); err != nil {
		c.g.log.Warn("gateway: accepted request not kept", "cpid", c.cpid, "err", err)
		return nil, false
	}
	return &r, true
}

func afterReserveNow16(ctx context.Context, c *conn, req, res json.RawMessage) {
	r, ok := accepted[v16.ReserveNowRequest](c, req, res, string(v16.ReservationStatusAccepted))
	if !ok {
		return
	}
	rsv := &volt.Reservation{ID: int64(r.ReservationID), CPID: c.cpid, ConnectorID: r.ConnectorID,
		IDTag: r.IdTag, ParentIDTag: r.ParentIdTag, ExpiresAt: r.ExpiryDate.Time, Status: volt.ReservationActive}
	if err := c.g.cfg.Reservations.SaveReservation(ctx, rsv); err != nil {
		c.g.log.Error("gateway: keep reservation", "cpid", c.cpid, "reservationId", r.ReservationID, "err", err)
	}
}

func afterCancelReservation16(ctx context.Context, c *conn, req, res json.RawMessage) {
	r, ok := accepted[v16.CancelReservationRequest](c, req, res, string(v16.CancelReservationStatusAccepted))
	if !ok {
		return
	}
	if err := c.g.cfg.Reservations.CancelReservation(ctx, c.cpid, int64(r.ReservationID)); err != nil {
		c.g.log.Error("gateway: keep cancelled reservation", "cpid", c.cpid, "reservationId", r.ReservationID, "err", err)
	}
}

func afterSendLocalList16(ctx context.Context, c *conn, req, res json.RawMessage) {
	r, ok := accepted[v16.SendLocalListRequest](c, req, res, string(v16.UpdateStatusAccepted))
	if !ok {
		return
	}
	entries := make([]volt.LocalListEntry, 0, len(r.LocalAuthorizationList))
	for _, d := range r.LocalAuthorizationList {
		e := volt.LocalListEntry{IDTag: d.IdTag}
		if d.IdTagInfo != nil { // absent info in a differential update removes the entry
			e.Status = volt.AuthStatus(d.IdTagInfo.Status)
			e.ParentIDTag = d.IdTagInfo.ParentIdTag
			if d.IdTagInfo.ExpiryDate != nil {
				t := d.IdTagInfo.ExpiryDate.Time
				e.ExpiresAt = &t
			}
		}
		entries = append(entries, e)
	}
	full := r.UpdateType == v16.UpdateTypeFull
	if err := c.g.cfg.Reservations.SaveLocalList(ctx, c.cpid, r.ListVersion, entries, full); err != nil {
		c.g.log.Error("gateway: keep local list", "cpid", c.cpid, "version", r.ListVersion, "err", err)
	}
}
