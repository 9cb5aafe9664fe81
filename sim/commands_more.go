package sim

import (
	"context"
	"fmt"

	"github.com/volt-ev/volt/ocpp/v16"
)

// onReserveNow reserves a free connector for idTag until expiryDate
// (OCPP 1.6 §5.13). Connector 0 is refused (ReserveConnectorZeroSupported
// is false); a reservation with the same id is replaced.
func (c *Charger) onReserveNow(r any) (any, func(context.Context)) {
	req := r.(*v16.ReserveNowRequest)
	resp := func(s v16.ReservationStatus) (any, func(context.Context)) {
		return &v16.ReserveNowResponse{Status: s}, nil
	}
	c.mu.Lock()
	defer c.mu.Unlock()
	cn, err := c.connLocked(req.ConnectorID)
	if err != nil {
		return resp(v16.ReservationStatusRejected)
	}
	switch {
	case cn.status == v16.ChargePointStatusFaulted:
		return resp(v16.ReservationStatusFaulted)
	case !cn.operative:
		return resp(v16.ReservationStatusUnavailable)
	case cn.sess != nil || cn.plugged || (cn.reservation != nil && cn.reservation.id != req.ReservationID):
		return resp(v16.ReservationStatusOccupied)
	}
	for _, o := range c.conns[1:] { // the same id elsewhere is moved here
		if o.reservation != nil && o.reservation.id == req.ReservationID && o != cn {
			o.reservation = nil
			c.refreshLocked(o.id)
		}
	}
	cn.reservation = &reservation{id: req.ReservationID, idTag: req.IdTag, parentIdTag: req.ParentIdTag, expiry: req.ExpiryDate.Time}
	c.refreshLocked(cn.id)
	return resp(v16.ReservationStatusAccepted)
}

func (c *Charger) onCancelReservation(r any) (any, func(context.Context)) {
	req := r.(*v16.CancelReservationRequest)
	c.mu.Lock()
	defer c.mu.Unlock()
	for _, cn := range c.conns[1:] {
		if cn.reservation != nil && cn.reservation.id == req.ReservationID {
			cn.reservation = nil
			c.refreshLocked(cn.id)
			return &v16.CancelReservationResponse{Status: v16.CancelReservationStatusAccepted}, nil
		}
	}
	return &v16.CancelReservationResponse{Status: v16.CancelReservationStatusRejected}, nil
}

// onSendLocalList replaces (Full) or updates (Differential) the local
// authorisation list (OCPP 1.6 §5.15).
func (c *Charger) onSendLocalList(r any) (any, func(context.Context)) {
	req := r.(*v16.SendLocalListRequest)
	resp := func(s v16.UpdateStatus) (any, func(context.Context)) {
		return &v16.SendLocalListResponse{Status: s}, nil
	}
	c.mu.Lock()
	defer c.mu.Unlock()
	if !keyBool(c.keys, keyLocalAuthListEnabled) {
		return resp(v16.UpdateStatusNotSupported)
	}
	if len(req.LocalAuthorizationList) > keyInt(c.keys, "SendLocalListMaxLength") {
		return resp(v16.UpdateStatusFailed)
	}
	next := map[string]v16.IdTagInfo{}
	if req.UpdateType == v16.UpdateTypeDifferential {
		if req.ListVersion <= c.listVersion {
			return resp(v16.UpdateStatusVersionMismatch)
		}
		for k, v := range c.localList {
			next[k] = v
		}
	}
	for _, a := range req.LocalAuthorizationList {
		if a.IdTagInfo == nil {
			delete(next, idTagKey(a.IdTag))
			continue
		}
		next[idTagKey(a.IdTag)] = *a.IdTagInfo
	}
	if len(next) > keyInt(c.keys, keyLocalAuthListMaxLength) {
		return resp(v16.UpdateStatusFailed)
	}
	c.localList, c.listVersion = next, req.ListVersion
	return resp(v16.UpdateStatusAccepted)
}

// onGetLocalListVersion answers the list version: 0 for an empty list, -1
// when the local list is disabled (OCPP 1.6 §5.10).
func (c *Charger) onGetLocalListVersion(any) (any, func(context.Context)) {
	c.mu.Lock()
	defer c.mu.Unlock()
	v := c.listVersion
	switch {
	case !keyBool(c.keys, keyLocalAuthListEnabled):
		v = -1
	case len(c.localList) == 0:
		v = 0
	}
	return &v16.GetLocalListVersionResponse{ListVersion: v}, nil
}

// onSetChargingProfile installs a profile (OCPP 1.6 §5.16): a
// ChargePointMaxProfile only on connector 0, a TxProfile only on a connector
// with a session; the simulated power follows at once.
func (c *Charger) onSetChargingProfile(r any) (any, func(context.Context)) {
	req := r.(*v16.SetChargingProfileRequest)
	p := req.CsChargingProfiles
	reject := &v16.SetChargingProfileResponse{Status: v16.ChargingProfileStatusRejected}
	c.mu.Lock()
	defer c.mu.Unlock()
	n := req.ConnectorID
	if n < 0 || n >= len(c.conns) || p.StackLevel < 0 || p.StackLevel > keyInt(c.keys, "ChargeProfileMaxStackLevel") ||
		len(p.ChargingSchedule.ChargingSchedulePeriod) == 0 ||
		len(p.ChargingSchedule.ChargingSchedulePeriod) > keyInt(c.keys, "ChargingScheduleMaxPeriods") {
		return reject, nil
	}
	switch p.ChargingProfilePurpose {
	case v16.ChargingProfilePurposeTypeChargePointMaxProfile:
		if n != 0 {
			return reject, nil
		}
	case v16.ChargingProfilePurposeTypeTxProfile:
		if n == 0 || c.conns[n].sess == nil || (p.TransactionID != nil && *p.TransactionID != c.conns[n].sess.txID) {
			return reject, nil
		}
	}
	c.setProfileLocked(n, p)
	return &v16.SetChargingProfileResponse{Status: v16.ChargingProfileStatusAccepted}, nil
}

func (c *Charger) onClearChargingProfile(r any) (any, func(context.Context)) {
	req := r.(*v16.ClearChargingProfileRequest)
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.clearProfilesLocked(req) {
		return &v16.ClearChargingProfileResponse{Status: v16.ClearChargingProfileStatusAccepted}, nil
	}
	return &v16.ClearChargingProfileResponse{Status: v16.ClearChargingProfileStatusUnknown}, nil
}

func (c *Charger) onGetCompositeSchedule(r any) (any, func(context.Context)) {
	req := r.(*v16.GetCompositeScheduleRequest)
	c.mu.Lock()
	defer c.mu.Unlock()
	if req.ConnectorID < 0 || req.ConnectorID >= len(c.conns) || req.Duration < 0 {
		return &v16.GetCompositeScheduleResponse{Status: v16.GetCompositeScheduleStatusRejected}, nil
	}
	return c.compositeLocked(req.ConnectorID, req.Duration, req.ChargingRateUnit), nil
}

// The security extension's certificate commands: the simulator has no
// certificate store, so it refuses what needs one.

func (c *Charger) onDeleteCertificate(any) (any, func(context.Context)) {
	return &v16.DeleteCertificateResponse{Status: v16.DeleteCertificateStatusNotFound}, nil
}

func (c *Charger) onGetInstalledCertificateIDs(any) (any, func(context.Context)) {
	return &v16.GetInstalledCertificateIdsResponse{Status: v16.GetInstalledCertificateStatusNotFound}, nil
}

func (c *Charger) onInstallCertificate(any) (any, func(context.Context)) {
	return &v16.InstallCertificateResponse{Status: v16.InstallCertificateStatusRejected}, nil
}

// onGetLog accepts and reports Uploading then Uploaded.
func (c *Charger) onGetLog(r any) (any, func(context.Context)) {
	req := r.(*v16.GetLogRequest)
	id := req.RequestID
	name := fmt.Sprintf("%s-%s-%d.log", req.LogType, c.cfg.Identity, id)
	step := func(st v16.UploadLogStatus) func() {
		return func() {
			c.send(v16.ActionLogStatusNotification, &v16.LogStatusNotificationRequest{Status: st, RequestID: &id})
		}
	}
	return &v16.GetLogResponse{Status: v16.LogStatusAccepted, Filename: name}, func(ctx context.Context) {
		c.stepper(ctx, []func(){step(v16.UploadLogStatusUploading), step(v16.UploadLogStatusUploaded)})
	}
}

// onSignedUpdateFirmware accepts and reports the signed firmware steps.
func (c *Charger) onSignedUpdateFirmware(r any) (any, func(context.Context)) {
	req := r.(*v16.SignedUpdateFirmwareRequest)
	id := req.RequestID
	step := func(st v16.SignedFirmwareStatus) func() {
		return func() {
			c.send(v16.ActionSignedFirmwareStatusNotification, &v16.SignedFirmwareStatusNotificationRequest{Status: st, RequestID: &id})
		}
	}
	return &v16.SignedUpdateFirmwareResponse{Status: v16.UpdateFirmwareStatusAccepted}, func(ctx context.Context) {
		c.stepper(ctx, []func(){step(v16.SignedFirmwareStatusDownloading), step(v16.SignedFirmwareStatusDownloaded),
			step(v16.SignedFirmwareStatusSignatureVerified), step(v16.SignedFirmwareStatusInstalling), step(v16.SignedFirmwareStatusInstalled)})
	}
}
