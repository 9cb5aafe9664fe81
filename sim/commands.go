package sim

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/volt-ev/volt/ocpp"
	"github.com/volt-ev/volt/ocpp/v16"
)

// handler answers one CSMS-initiated command. It returns the response
// payload and, optionally, work to do after the answer has been sent.
type handler func(c *Charger, req any) (resp any, follow func(ctx context.Context))

// handlers answers every CSMS-to-charger action of OCPP 1.6 and its security
// extension. An action missing here is answered NotSupported; an unknown one
// NotImplemented (by the codec).
var handlers map[string]handler

func init() {
	handlers = map[string]handler{
		v16.ActionRemoteStartTransaction:     (*Charger).onRemoteStart,
		v16.ActionRemoteStopTransaction:      (*Charger).onRemoteStop,
		v16.ActionReset:                      (*Charger).onReset,
		v16.ActionUnlockConnector:            (*Charger).onUnlock,
		v16.ActionChangeAvailability:         (*Charger).onChangeAvailability,
		v16.ActionGetConfiguration:           (*Charger).onGetConfiguration,
		v16.ActionChangeConfiguration:        (*Charger).onChangeConfiguration,
		v16.ActionClearCache:                 (*Charger).onClearCache,
		v16.ActionTriggerMessage:             (*Charger).onTriggerMessage,
		v16.ActionExtendedTriggerMessage:     (*Charger).onExtendedTriggerMessage,
		v16.ActionDataTransfer:               (*Charger).onDataTransfer,
		v16.ActionGetDiagnostics:             (*Charger).onGetDiagnostics,
		v16.ActionUpdateFirmware:             (*Charger).onUpdateFirmware,
		v16.ActionReserveNow:                 (*Charger).onReserveNow,
		v16.ActionCancelReservation:          (*Charger).onCancelReservation,
		v16.ActionSendLocalList:              (*Charger).onSendLocalList,
		v16.ActionGetLocalListVersion:        (*Charger).onGetLocalListVersion,
		v16.ActionSetChargingProfile:         (*Charger).onSetChargingProfile,
		v16.ActionClearChargingProfile:       (*Charger).onClearChargingProfile,
		v16.ActionGetCompositeSchedule:       (*Charger).onGetCompositeSchedule,
		v16.ActionCertificateSigned:          (*Charger).onCertificateSigned,
		v16.ActionDeleteCertificate:          (*Charger).onDeleteCertificate,
		v16.ActionGetInstalledCertificateIds: (*Charger).onGetInstalledCertificateIDs,
		v16.ActionInstallCertificate:         (*Charger).onInstallCertificate,
		v16.ActionGetLog:                     (*Charger).onGetLog,
		v16.ActionSignedUpdateFirmware:       (*Charger).onSignedUpdateFirmware,
	}
}

// onCall answers a CALL from the central system, on the reader goroutine.
func (c *Charger) onCall(l *link, call ocpp.Call) {
	if c.cfg.OnEvent != nil {
		b, _ := call.MarshalJSON()
		c.emit(Event{Kind: EventReceived, Action: call.Action, Frame: b})
	}
	var out ocpp.Frame
	var follow func(context.Context)
	req, err := ocpp.DecodeRequest(c.reg, ocpp.CSMSToCharger, call.Action, call.Payload, ocpp.Strict)
	var oe *ocpp.Error
	switch {
	case errors.As(err, &oe):
		out = oe.CallError(call.UniqueID)
	case err != nil:
		out = ocpp.NewCallError(call.UniqueID, ocpp.InternalError, "cannot decode request")
	case handlers[call.Action] == nil:
		out = ocpp.NewCallError(call.UniqueID, ocpp.NotSupported, call.Action+" is not supported")
	default:
		var resp any
		resp, follow = handlers[call.Action](c, req)
		res, err := ocpp.NewCallResult(call.UniqueID, resp)
		if err != nil {
			out, follow = ocpp.NewCallError(call.UniqueID, ocpp.InternalError, "cannot encode answer"), nil
		} else {
			out = res
		}
	}
	if err := l.write(out); err != nil {
		return
	}
	if c.cfg.OnEvent != nil {
		b, _ := jsonFrame(out)
		c.emit(Event{Kind: EventSent, Action: call.Action, Frame: b})
	}
	if follow != nil {
		c.goFollow(follow)
	}
}

// onRemoteStart accepts when a connector is free (the one asked for, or the
// first free one), then plugs, authorises when AuthorizeRemoteTxRequests is
// on, and starts the session (OCPP 1.6 §5.11).
func (c *Charger) onRemoteStart(r any) (any, func(context.Context)) {
	req := r.(*v16.RemoteStartTransactionRequest)
	reject := &v16.RemoteStartTransactionResponse{Status: v16.RemoteStartStopStatusRejected}
	c.mu.Lock()
	defer c.mu.Unlock()
	n := 0
	if req.ConnectorID != nil {
		cn, err := c.connLocked(*req.ConnectorID)
		if err != nil || cn.sess != nil || c.usableLocked(cn, req.IdTag) != nil {
			return reject, nil
		}
		n = cn.id
	} else {
		for _, cn := range c.conns[1:] {
			if cn.sess == nil && c.usableLocked(cn, req.IdTag) == nil {
				n = cn.id
				break
			}
		}
	}
	if n == 0 || (req.ChargingProfile != nil && req.ChargingProfile.ChargingProfilePurpose != v16.ChargingProfilePurposeTypeTxProfile) {
		return reject, nil
	}
	authorize := keyBool(c.keys, keyAuthorizeRemoteTxRequests)
	idTag, profile := req.IdTag, req.ChargingProfile
	return &v16.RemoteStartTransactionResponse{Status: v16.RemoteStartStopStatusAccepted}, func(ctx context.Context) {
		_ = c.Plug(n)
		if authorize {
			if err := c.authorize(ctx, idTag); err != nil {
				c.cfg.Logger.Info("sim: remote start not authorized", "identity", c.cfg.Identity, "idTag", idTag, "err", err)
				return
			}
		}
		if err := c.startSession(ctx, n, idTag, profile); err != nil {
			c.cfg.Logger.Info("sim: remote start failed", "identity", c.cfg.Identity, "err", err)
		}
	}
}

// onRemoteStop stops the session with that transactionId, reason Remote.
func (c *Charger) onRemoteStop(r any) (any, func(context.Context)) {
	req := r.(*v16.RemoteStopTransactionRequest)
	c.mu.Lock()
	defer c.mu.Unlock()
	for _, cn := range c.conns[1:] {
		if cn.sess != nil && cn.sess.txID == req.TransactionID {
			c.stopLocked(cn, v16.ReasonRemote, "")
			c.refreshLocked(cn.id)
			return &v16.RemoteStopTransactionResponse{Status: v16.RemoteStartStopStatusAccepted}, nil
		}
	}
	return &v16.RemoteStopTransactionResponse{Status: v16.RemoteStartStopStatusRejected}, nil
}

// onReset accepts, stops every session (SoftReset or HardReset), sends the
// StopTransactions, then drops the connection and boots again after
// RebootDelay (OCPP 1.6 §5.14).
func (c *Charger) onReset(r any) (any, func(context.Context)) {
	req := r.(*v16.ResetRequest)
	reason := v16.ReasonSoftReset
	if req.Type == v16.ResetTypeHard {
		reason = v16.ReasonHardReset
	}
	return &v16.ResetResponse{Status: v16.ResetStatusAccepted}, func(ctx context.Context) {
		its := c.stopAll(reason)
		deadline := time.NewTimer(c.cfg.CallTimeout)
		defer deadline.Stop()
		for _, it := range its {
			select {
			case <-it.res:
			case <-deadline.C:
			case <-ctx.Done():
				return
			}
		}
		c.mu.Lock()
		c.reboot = true
		l := c.link
		for _, cn := range c.conns {
			cn.finishing = false
		}
		c.mu.Unlock()
		if l != nil {
			l.close()
		}
	}
}

// onUnlock unlocks connector n, ending its session with UnlockCommand.
func (c *Charger) onUnlock(r any) (any, func(context.Context)) {
	req := r.(*v16.UnlockConnectorRequest)
	c.mu.Lock()
	defer c.mu.Unlock()
	cn, err := c.connLocked(req.ConnectorID)
	if err != nil {
		return &v16.UnlockConnectorResponse{Status: v16.UnlockStatusNotSupported}, nil
	}
	if cn.sess != nil {
		c.stopLocked(cn, v16.ReasonUnlockCommand, "")
		c.refreshLocked(cn.id)
	}
	return &v16.UnlockConnectorResponse{Status: v16.UnlockStatusUnlocked}, nil
}

// onChangeAvailability changes connector 0 (all) or one connector; a
// connector with a session changes when it ends: Scheduled (OCPP 1.6 §5.2).
func (c *Charger) onChangeAvailability(r any) (any, func(context.Context)) {
	req := r.(*v16.ChangeAvailabilityRequest)
	c.mu.Lock()
	defer c.mu.Unlock()
	if req.ConnectorID < 0 || req.ConnectorID >= len(c.conns) {
		return &v16.ChangeAvailabilityResponse{Status: v16.AvailabilityStatusRejected}, nil
	}
	targets := c.conns[req.ConnectorID : req.ConnectorID+1]
	if req.ConnectorID == 0 {
		targets = c.conns
	}
	op := req.Type == v16.AvailabilityTypeOperative
	status := v16.AvailabilityStatusAccepted
	for _, cn := range targets {
		if cn.sess != nil && !op {
			cn.scheduled = &op
			status = v16.AvailabilityStatusScheduled
			continue
		}
		cn.operative, cn.scheduled = op, nil
		c.refreshLocked(cn.id)
	}
	return &v16.ChangeAvailabilityResponse{Status: status}, nil
}

func (c *Charger) onGetConfiguration(r any) (any, func(context.Context)) {
	req := r.(*v16.GetConfigurationRequest)
	c.mu.Lock()
	defer c.mu.Unlock()
	return getConfiguration(c.keys, req.Key), nil
}

func (c *Charger) onChangeConfiguration(r any) (any, func(context.Context)) {
	req := r.(*v16.ChangeConfigurationRequest)
	if req.Key == "SecurityProfile" {
		return c.onSecurityProfile(req.Value)
	}
	c.mu.Lock()
	defer c.mu.Unlock()
	st := changeConfiguration(c.keys, req.Key, req.Value)
	if st == v16.ConfigurationStatusAccepted {
		switch req.Key {
		case keyAuthorizationKey:
			// Security whitepaper: the new key is used from the next
			// connection, which the charger opens at once.
			c.password = req.Value
			return &v16.ChangeConfigurationResponse{Status: st}, func(context.Context) { c.Disconnect() }
		case keyHeartbeatInterval:
			c.hbOverride = 0
		case keyMeterValueSampleInterval:
			c.mvOverride = 0
		case keyAuthorizationCacheEnabled:
			if !keyBool(c.keys, keyAuthorizationCacheEnabled) {
				clear(c.cache)
			}
		}
	}
	return &v16.ChangeConfigurationResponse{Status: st}, nil
}

func (c *Charger) onClearCache(any) (any, func(context.Context)) {
	c.mu.Lock()
	defer c.mu.Unlock()
	clear(c.cache)
	return &v16.ClearCacheResponse{Status: v16.ClearCacheStatusAccepted}, nil
}

// onTriggerMessage accepts and then sends the requested message (OCPP 1.6
// §5.17).
func (c *Charger) onTriggerMessage(r any) (any, func(context.Context)) {
	req := r.(*v16.TriggerMessageRequest)
	st, f := c.trigger(string(req.RequestedMessage), req.ConnectorID)
	return &v16.TriggerMessageResponse{Status: st}, f
}

func (c *Charger) onExtendedTriggerMessage(r any) (any, func(context.Context)) {
	req := r.(*v16.ExtendedTriggerMessageRequest)
	st, f := c.trigger(string(req.RequestedMessage), req.ConnectorID)
	return &v16.ExtendedTriggerMessageResponse{Status: st}, f
}

func (c *Charger) trigger(msg string, connector *int) (v16.TriggerMessageStatus, func(context.Context)) {
	c.mu.Lock()
	nconn := len(c.conns)
	c.mu.Unlock()
	if connector != nil && (*connector < 0 || *connector >= nconn) {
		return v16.TriggerMessageStatusRejected, nil
	}
	var f func(context.Context)
	switch msg {
	case "BootNotification":
		f = func(context.Context) {
			c.mu.Lock()
			defer c.mu.Unlock()
			if !c.online { // still Pending: the boot loop sends it at once (OCPP 1.6 §4.2)
				select {
				case c.bootNow <- struct{}{}:
				default:
				}
				return
			}
			c.enqueueLocked(&outItem{action: v16.ActionBootNotification, build: func() any { return c.bootRequest() },
				onAnswer: func(r any) { c.onBootAnswer(r.(*v16.BootNotificationResponse)) }})
		}
	case "Heartbeat":
		f = func(context.Context) { c.send(v16.ActionHeartbeat, &v16.HeartbeatRequest{}) }
	case "StatusNotification":
		f = func(context.Context) { c.triggerStatus(connector) }
	case "MeterValues":
		f = func(context.Context) { c.triggerMeterValues(connector) }
	case "DiagnosticsStatusNotification":
		f = func(context.Context) {
			c.mu.Lock()
			st := c.diagStatus
			c.mu.Unlock()
			c.send(v16.ActionDiagnosticsStatusNotification, &v16.DiagnosticsStatusNotificationRequest{Status: st})
		}
	case "FirmwareStatusNotification":
		f = func(context.Context) {
			c.mu.Lock()
			st := c.fwStatus
			c.mu.Unlock()
			c.send(v16.ActionFirmwareStatusNotification, &v16.FirmwareStatusNotificationRequest{Status: st})
		}
	case "SignChargePointCertificate":
		f = c.triggerSignCertificate
	case "LogStatusNotification":
		f = func(context.Context) {
			c.send(v16.ActionLogStatusNotification, &v16.LogStatusNotificationRequest{Status: v16.UploadLogStatusIdle})
		}
	default:
		return v16.TriggerMessageStatusNotImplemented, nil
	}
	return v16.TriggerMessageStatusAccepted, f
}

func (c *Charger) triggerStatus(connector *int) {
	c.mu.Lock()
	defer c.mu.Unlock()
	for _, cn := range c.conns {
		if connector == nil || *connector == cn.id {
			c.enqueueLocked(&outItem{action: v16.ActionStatusNotification, build: c.statusBuilder(cn.id, cn.status)})
		}
	}
}

func (c *Charger) triggerMeterValues(connector *int) {
	c.mu.Lock()
	defer c.mu.Unlock()
	now := c.now()
	for _, cn := range c.conns {
		if (connector == nil && cn.id == 0) || (connector != nil && *connector != cn.id) {
			continue
		}
		c.integrateLocked(cn, now)
		mv := c.meterValueLocked(cn, now, v16.ReadingContextTrigger)
		n, s := cn.id, cn.sess
		c.enqueueLocked(&outItem{action: v16.ActionMeterValues, build: func() any {
			return &v16.MeterValuesRequest{ConnectorID: n, TransactionID: c.txIDOf(s), MeterValue: []v16.MeterValue{mv}}
		}})
	}
}

// onDataTransfer accepts messages for the simulator's own vendor id and
// echoes their data; any other vendor is unknown (OCPP 1.6 §5.6).
func (c *Charger) onDataTransfer(r any) (any, func(context.Context)) {
	req := r.(*v16.DataTransferRequest)
	if req.VendorID == PnCVendorID {
		return c.onPnCDataTransfer(req)
	}
	if req.VendorID != c.cfg.Vendor {
		return &v16.DataTransferResponse{Status: v16.DataTransferStatusUnknownVendorID}, nil
	}
	return &v16.DataTransferResponse{Status: v16.DataTransferStatusAccepted, Data: req.Data}, nil
}

// stepper sends a sequence of status notifications StepDelay apart.
func (c *Charger) stepper(ctx context.Context, steps []func()) {
	for _, step := range steps {
		select {
		case <-time.After(c.cfg.StepDelay):
		case <-ctx.Done():
			return
		}
		step()
	}
}

func (c *Charger) setDiag(st v16.DiagnosticsStatus) func() {
	return func() {
		c.mu.Lock()
		c.diagStatus = st
		c.mu.Unlock()
		c.send(v16.ActionDiagnosticsStatusNotification, &v16.DiagnosticsStatusNotificationRequest{Status: st})
	}
}

func (c *Charger) setFirmware(st v16.FirmwareStatus) func() {
	return func() {
		c.mu.Lock()
		c.fwStatus = st
		c.mu.Unlock()
		c.send(v16.ActionFirmwareStatusNotification, &v16.FirmwareStatusNotificationRequest{Status: st})
	}
}

// onGetDiagnostics names the file and then reports Uploading and Uploaded
// (OCPP 1.6 §5.9, §4.4).
func (c *Charger) onGetDiagnostics(any) (any, func(context.Context)) {
	name := fmt.Sprintf("diagnostics-%s-%s.log", c.cfg.Identity, c.now().UTC().Format("20060102T150405Z"))
	if len(name) > 255 {
		name = name[:255]
	}
	return &v16.GetDiagnosticsResponse{FileName: name}, func(ctx context.Context) {
		c.stepper(ctx, []func(){c.setDiag(v16.DiagnosticsStatusUploading), c.setDiag(v16.DiagnosticsStatusUploaded)})
	}
}

// onUpdateFirmware waits for retrieveDate, then reports Downloading,
// Downloaded, Installing and Installed, and boots with the new version
// string on the next connection (OCPP 1.6 §5.19, §4.5).
func (c *Charger) onUpdateFirmware(r any) (any, func(context.Context)) {
	req := r.(*v16.UpdateFirmwareRequest)
	wait := min(max(0, req.RetrieveDate.Sub(c.now())), time.Minute)
	return &v16.UpdateFirmwareResponse{}, func(ctx context.Context) {
		select {
		case <-time.After(wait):
		case <-ctx.Done():
			return
		}
		c.stepper(ctx, []func(){
			c.setFirmware(v16.FirmwareStatusDownloading), c.setFirmware(v16.FirmwareStatusDownloaded),
			c.setFirmware(v16.FirmwareStatusInstalling), c.setFirmware(v16.FirmwareStatusInstalled),
			func() {
				c.mu.Lock()
				c.firmware = c.cfg.Firmware + "+upd"
				c.mu.Unlock()
			},
		})
	}
}
