package gateway

import (
	"context"
	"encoding/json"
	"strconv"
	"strings"
	"time"

	volt "github.com/volt-ev/volt"
	"github.com/volt-ev/volt/ocpp/v201"
)

// The 2.x charger→CSMS messages beyond transactions and the device model
// (issue #13): reports a station sends in parts after a request
// (NotifyMonitoringReport N02, NotifyCustomerInformation N09,
// NotifyDisplayMessages O04), the EV's own schedule (NotifyEVChargingSchedule
// K15), the local firmware publication (PublishFirmwareStatusNotification
// L03) are kept as sent beside the smart-charging reports (reportHandler,
// v201_smart.go), readable per charger; reservations the station ends itself
// (ReservationStatusUpdate H03/H04) update the reservation Volt keeps, as a
// 1.6 CancelReservation does. ReserveNow, CancelReservation and SendLocalList
// accepted by a 2.x station are kept as on 1.6 (v16_keep.go).

// notifyHandlers2x are the handlers of those messages.
func notifyHandlers2x() map[string]handler {
	return map[string]handler{
		v201.ActionNotifyEVChargingSchedule: reportHandler(volt.ReportEVChargingSchedule, func() any {
			// Accepted: the schedule is kept for load management.
			return &v201.NotifyEVChargingScheduleResponse{Status: v201.GenericStatusEnumAccepted}
		}),
		v201.ActionNotifyMonitoringReport: reportHandler(volt.ReportMonitoring, func() any {
			return &v201.NotifyMonitoringReportResponse{}
		}),
		v201.ActionNotifyCustomerInformation: reportHandler(volt.ReportCustomerInformation, func() any {
			return &v201.NotifyCustomerInformationResponse{}
		}),
		v201.ActionNotifyDisplayMessages: reportHandler(volt.ReportDisplayMessages, func() any {
			return &v201.NotifyDisplayMessagesResponse{}
		}),
		v201.ActionPublishFirmwareStatusNotification: publishFirmwareStatus2x(),
		v201.ActionReservationStatusUpdate:           typed2x(reservationStatusUpdate201),
	}
}

// keepAfter2x keeps what a 2.x station accepted, as v16_keep.go does for 1.6.
func keepAfter2x() map[string]afterFunc {
	return map[string]afterFunc{
		v201.ActionReserveNow:        afterReserveNow2x,
		v201.ActionCancelReservation: afterCancelReservation2x,
		v201.ActionSendLocalList:     afterSendLocalList2x,
	}
}

// publishFirmwareStatus2x stores the report and notes it as 1.6's
// FirmwareStatusNotification is noted (chargerEvent).
func publishFirmwareStatus2x() handler {
	store := reportHandler(volt.ReportFirmwarePublication, func() any { return &v201.PublishFirmwareStatusNotificationResponse{} })
	return func(ctx context.Context, c *conn, req any) (any, error) {
		var r v201.PublishFirmwareStatusNotificationRequest
		if b, err := json.Marshal(req); err == nil && json.Unmarshal(b, &r) == nil {
			detail := string(r.Status) + requestRef(r.RequestID)
			if len(r.Location) > 0 {
				detail += " at " + strings.Join(r.Location, ", ")
			}
			chargerEvent(ctx, c, v201.ActionPublishFirmwareStatusNotification, detail, c.g.cfg.Now())
		}
		return store(ctx, c, req)
	}
}

// reservationStatusUpdate201 ends a reservation the station expired or
// removed: Removed is a cancellation, Expired moves its expiry to now (an
// active reservation past its expiry reads as expired). An unknown
// reservation is only logged: the station's answer carries nothing.
func reservationStatusUpdate201(ctx context.Context, c *conn, req *v201.ReservationStatusUpdateRequest) (*v201.ReservationStatusUpdateResponse, error) {
	chargerEvent(ctx, c, v201.ActionReservationStatusUpdate, string(req.ReservationUpdateStatus)+" reservation "+strconv.Itoa(req.ReservationID), c.g.cfg.Now())
	rs := c.g.cfg.Reservations
	if rs == nil {
		return &v201.ReservationStatusUpdateResponse{}, nil
	}
	id := int64(req.ReservationID)
	var err error
	switch req.ReservationUpdateStatus {
	case v201.ReservationUpdateStatusEnumRemoved:
		err = rs.CancelReservation(ctx, c.cpid, id)
	case v201.ReservationUpdateStatusEnumExpired:
		err = expireReservation(ctx, c, rs, id)
	}
	switch {
	case volt.IsCode(err, volt.ENOTFOUND):
		c.g.log.Info("gateway: reservation update of an unknown reservation", "cpid", c.cpid, "reservationId", id)
	case err != nil:
		return nil, internal(c, "update reservation", err)
	}
	return &v201.ReservationStatusUpdateResponse{}, nil
}

func expireReservation(ctx context.Context, c *conn, rs volt.ReservationService, id int64) error {
	all, err := rs.FindReservations(ctx, c.cpid, true)
	if err != nil {
		return err
	}
	for _, r := range all {
		if r.ID == id {
			r.ExpiresAt = c.g.cfg.Now().Add(-time.Millisecond)
			return rs.SaveReservation(ctx, r)
		}
	}
	return volt.Errorf(volt.ENOTFOUND, "Reservation %d not active on charger %s.", id, c.cpid)
}

// decodeSent reads a CALL Volt sent to a 2.x station (it was validated
// when sent) into the 2.0.1 type; 2.1's additions are ignored.
func decodeSent[Req any](c *conn, req json.RawMessage) (*Req, bool) {
	r := new(Req)
	if err := json.Unmarshal(req, r); err != nil {
		c.g.log.Warn("gateway: accepted request not kept", "cpid", c.cpid, "err", err)
		return nil, false
	}
	return r, true
}

// answerStatus is the status of a CALLRESULT.
func answerStatus(res json.RawMessage) string {
	var a struct {
		Status string `json:"status"`
	}
	_ = json.Unmarshal(res, &a)
	return a.Status
}

func afterReserveNow2x(ctx context.Context, c *conn, req, res json.RawMessage) {
	if c.g.cfg.Reservations == nil || answerStatus(res) != string(v201.ReserveNowStatusEnumAccepted) {
		return
	}
	r, ok := decodeSent[v201.ReserveNowRequest](c, req)
	if !ok {
		return
	}
	rsv := &volt.Reservation{ID: int64(r.ID), CPID: c.cpid, IDTag: r.IDToken.IDToken, ExpiresAt: r.ExpiryDateTime.Time,
		Status: volt.ReservationActive}
	if r.EvseID != nil {
		rsv.ConnectorID = *r.EvseID
	}
	if r.GroupIDToken != nil {
		rsv.ParentIDTag = r.GroupIDToken.IDToken
	}
	if err := c.g.cfg.Reservations.SaveReservation(ctx, rsv); err != nil {
		c.g.log.Error("gateway: keep reservation", "cpid", c.cpid, "reservationId", r.ID, "err", err)
	}
}

func afterCancelReservation2x(ctx context.Context, c *conn, req, res json.RawMessage) {
	if c.g.cfg.Reservations == nil || answerStatus(res) != string(v201.CancelReservationStatusEnumAccepted) {
		return
	}
	r, ok := decodeSent[v201.CancelReservationRequest](c, req)
	if !ok {
		return
	}
	if err := c.g.cfg.Reservations.CancelReservation(ctx, c.cpid, int64(r.ReservationID)); err != nil {
		c.g.log.Error("gateway: keep cancelled reservation", "cpid", c.cpid, "reservationId", r.ReservationID, "err", err)
	}
}

func afterSendLocalList2x(ctx context.Context, c *conn, req, res json.RawMessage) {
	if c.g.cfg.Reservations == nil || answerStatus(res) != string(v201.SendLocalListStatusEnumAccepted) {
		return
	}
	r, ok := decodeSent[v201.SendLocalListRequest](c, req)
	if !ok {
		return
	}
	entries := make([]volt.LocalListEntry, 0, len(r.LocalAuthorizationList))
	for _, d := range r.LocalAuthorizationList {
		e := volt.LocalListEntry{IDTag: d.IDToken.IDToken}
		if info := d.IDTokenInfo; info != nil { // absent info in a differential update removes the entry
			e.Status = volt.AuthStatus(info.Status)
			if info.GroupIDToken != nil {
				e.ParentIDTag = info.GroupIDToken.IDToken
			}
			if info.CacheExpiryDateTime != nil {
				t := info.CacheExpiryDateTime.Time
				e.ExpiresAt = &t
			}
		}
		entries = append(entries, e)
	}
	full := r.UpdateType == v201.UpdateEnumFull
	if err := c.g.cfg.Reservations.SaveLocalList(ctx, c.cpid, r.VersionNumber, entries, full); err != nil {
		c.g.log.Error("gateway: keep local list", "cpid", c.cpid, "version", r.VersionNumber, "err", err)
	}
}
