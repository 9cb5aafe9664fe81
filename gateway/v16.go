package gateway

import (
	"context"
	"encoding/json"
	"time"

	volt "github.com/volt-ev/volt"
	"github.com/volt-ev/volt/ocpp"
	v16 "github.com/volt-ev/volt/ocpp/v16"
)

// newV16 returns the OCPP 1.6 protocol: the handlers of charger-originated
// CALLs (core, firmware management, security extension notifications).
func newV16() *protocol {
	return &protocol{
		version:    ocpp.V16,
		registry:   v16.Registry(),
		bootAction: v16.ActionBootNotification,
		handlers: map[string]handler{
			v16.ActionBootNotification:                 typed(bootNotification16),
			v16.ActionHeartbeat:                        typed(heartbeat16),
			v16.ActionStatusNotification:               typed(statusNotification16),
			v16.ActionAuthorize:                        typed(authorize16),
			v16.ActionStartTransaction:                 typed(startTransaction16),
			v16.ActionMeterValues:                      typed(meterValues16),
			v16.ActionStopTransaction:                  typed(stopTransaction16),
			v16.ActionDataTransfer:                     typed(dataTransfer16),
			v16.ActionFirmwareStatusNotification:       typed(firmwareStatus16),
			v16.ActionDiagnosticsStatusNotification:    typed(diagnosticsStatus16),
			v16.ActionSecurityEventNotification:        typed(securityEvent16),
			v16.ActionSignedFirmwareStatusNotification: typed(signedFirmwareStatus16),
			v16.ActionLogStatusNotification:            typed(logStatus16),
			v16.ActionSignCertificate:                  typed(signCertificate16),
		},
		after: map[string]afterFunc{
			v16.ActionGetConfiguration:    afterGetConfiguration16,
			v16.ActionChangeConfiguration: afterChangeConfiguration16,
			v16.ActionReserveNow:          afterReserveNow16,
			v16.ActionCancelReservation:   afterCancelReservation16,
			v16.ActionSendLocalList:       afterSendLocalList16,
		},
	}
}

// typed adapts a handler of one request type to the handler table.
func typed[Req any, Resp any](f func(context.Context, *conn, *Req) (Resp, error)) handler {
	return func(ctx context.Context, c *conn, req any) (any, error) {
		return f(ctx, c, req.(*Req))
	}
}

// bootRetry is the interval of a Pending boot answer: when the boot could not
// be recorded, the charger tries again this soon.
const bootRetry = 30 * time.Second

func bootNotification16(ctx context.Context, c *conn, req *v16.BootNotificationRequest) (*v16.BootNotificationResponse, error) {
	g := c.g
	now := g.cfg.Now()
	serial := req.ChargePointSerialNumber
	if serial == "" {
		serial = req.ChargeBoxSerialNumber
	}
	info := volt.BootInfo{Vendor: req.ChargePointVendor, Model: req.ChargePointModel, SerialNumber: serial,
		Firmware: req.FirmwareVersion, ICCID: req.ICCID, IMSI: req.IMSI, MeterType: req.MeterType,
		OCPPVersion: string(ocpp.V16), At: now}
	if err := g.cfg.Charging.RecordBoot(ctx, c.cpid, info); err != nil {
		logPendingBoot(c, err) // certification.go
		c.setBoot(bootRefused)
		return &v16.BootNotificationResponse{Status: v16.RegistrationStatusPending, CurrentTime: ocpp.NewDateTime(now), Interval: int(bootRetry / time.Second)}, nil
	}
	c.setBoot(bootAccepted)
	g.publish(volt.Event{Type: volt.EventChargerBooted, CPID: c.cpid, CPOID: c.cpoID, At: now, Data: info})
	c.bootedModel(info.Vendor, info.Model) // the model may have changed with the boot
	// Open sessions are not closed here: many chargers send BootNotification
	// on every reconnect and carry on with their transactions (closing them
	// lost the energy of 1,394 of 1,500 sessions in a reconnect storm,
	// BENCHMARKS.md F3). A charger that really lost its transactions reports
	// its connectors Available or Preparing next, and statusNotification16
	// closes those sessions then.
	c.then(func() { c.g.bootQ.push(c, (*conn).fetchConfiguration) }) // asked by a config caller (bootconfig.go)
	return &v16.BootNotificationResponse{Status: v16.RegistrationStatusAccepted, CurrentTime: ocpp.NewDateTime(now),
		Interval: int(g.cfg.HeartbeatInterval / time.Second)}, nil
}

// fetchConfiguration reads the whole configuration after a boot; the after
// hook of GetConfiguration stores it.
func (c *conn) fetchConfiguration() {
	req := json.RawMessage("{}")
	res, err := c.call(c.ctx, v16.ActionGetConfiguration, req)
	if err != nil {
		c.g.log.Warn("gateway: GetConfiguration after boot", "cpid", c.cpid, "err", err)
		return
	}
	if !c.takeConfigSlot() {
		return
	}
	defer c.releaseConfigSlot()
	c.proto.afterCall(c.ctx, c, v16.ActionGetConfiguration, req, res)
}

func heartbeat16(ctx context.Context, c *conn, _ *v16.HeartbeatRequest) (*v16.HeartbeatResponse, error) {
	now := c.g.cfg.Now()
	if err := c.g.cfg.Charging.RecordHeartbeat(ctx, c.cpid, now); err != nil {
		c.g.log.Warn("gateway: record heartbeat", "cpid", c.cpid, "err", err) // the time is still worth answering
	}
	return &v16.HeartbeatResponse{CurrentTime: ocpp.NewDateTime(now)}, nil
}

func statusNotification16(ctx context.Context, c *conn, req *v16.StatusNotificationRequest) (*v16.StatusNotificationResponse, error) {
	at := c.g.cfg.Now()
	if req.Timestamp != nil && !req.Timestamp.IsZero() {
		at = req.Timestamp.Time
	}
	r := volt.StatusReport{CPID: c.cpid, ConnectorID: req.ConnectorID, Status: volt.ConnectorStatus(req.Status),
		ErrorCode: string(req.ErrorCode), Info: req.Info, VendorError: req.VendorErrorCode, At: at}
	if err := c.g.cfg.Charging.RecordStatus(ctx, r); err != nil {
		return nil, internal(c, "record status", err)
	}
	c.g.publish(volt.Event{Type: volt.EventConnectorStatus, CPID: c.cpid, CPOID: c.cpoID, At: at,
		Data: volt.Connector{CPID: c.cpid, ConnectorID: r.ConnectorID, Status: r.Status, ErrorCode: r.ErrorCode,
			Info: r.Info, VendorError: r.VendorError, StatusAt: at}})
	if r.ConnectorID > 0 && (r.Status == volt.StatusAvailable || r.Status == volt.StatusPreparing) {
		closeZombies(ctx, c, r.ConnectorID, string(r.Status), at)
	}
	return &v16.StatusNotificationResponse{}, nil
}

func authorize16(ctx context.Context, c *conn, req *v16.AuthorizeRequest) (*v16.AuthorizeResponse, error) {
	res, err := c.g.cfg.Charging.AuthorizeIDTag(ctx, c.cpid, req.IdTag)
	if err != nil {
		return nil, internal(c, "authorize", err)
	}
	logRefusal(c, "Authorize", req.IdTag, res)
	publishDecision(c, 0, req.IdTag, "Authorize", res)
	return &v16.AuthorizeResponse{IdTagInfo: idTagInfo(res)}, nil
}

// logRefusal logs why an idTag was not accepted (no tariff, no access, no
// credit, ...): the charger only gets a status, the operator needs the
// reason, which the session also keeps (auth_reason).
func logRefusal(c *conn, action, idTag string, a volt.AuthResult) {
	if a.Status != volt.AuthAccepted {
		c.g.log.Info("gateway: idTag refused", "cpid", c.cpid, "action", action, "idTag", idTag,
			"status", string(a.Status), "reason", a.Reason)
	}
}

// publishDecision announces Volt's answer to an idTag (a remote start waits
// for it to learn why no session started).
func publishDecision(c *conn, connectorID int, idTag, action string, a volt.AuthResult) {
	c.g.publish(volt.Event{Type: volt.EventAuthorization, CPID: c.cpid, CPOID: c.cpoID, At: c.g.cfg.Now(),
		Data: volt.AuthorizationDecision{CPID: c.cpid, ConnectorID: connectorID, IDTag: idTag, Action: action,
			Status: a.Status, Reason: a.Reason}})
}

func idTagInfo(a volt.AuthResult) v16.IdTagInfo {
	info := v16.IdTagInfo{Status: v16.AuthorizationStatus(a.Status), ParentIdTag: a.ParentIDTag}
	if info.Status == "" {
		info.Status = v16.AuthorizationStatusInvalid
	}
	if a.ExpiresAt != nil {
		t := ocpp.NewDateTime(*a.ExpiresAt)
		info.ExpiryDate = &t
	}
	return info
}

// internal logs a store failure and returns the InternalError CALLERROR.
func internal(c *conn, what string, err error) error {
	c.g.log.Error("gateway: "+what, "cpid", c.cpid, "err", err)
	return &ocpp.Error{Code: ocpp.InternalError, Reason: what + " failed"}
}
