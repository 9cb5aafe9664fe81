package gateway

import (
	"context"
	"encoding/json"
	"time"

	volt "github.com/volt-ev/volt"
	"github.com/volt-ev/volt/ocpp"
	v16 "github.com/volt-ev/volt/ocpp/v16"
)

// DataTransferHandler serves a charger's DataTransfer for one vendorId. It
// returns the status (Accepted, Rejected, UnknownMessageId) and optional data.
type DataTransferHandler func(ctx context.Context, cpid, messageID, data string) (status, respData string, err error)

// ChargerEventRecorder is implemented by a ChargingService that can store
// charger notifications that have no place in the connector status: firmware,
// diagnostics and log upload progress, security events. The gateway uses it
// when Config.Charging implements it, and otherwise only logs them.
type ChargerEventRecorder interface {
	RecordChargerEvent(ctx context.Context, cpid, kind, detail string, at time.Time) error
}

func dataTransfer16(ctx context.Context, c *conn, req *v16.DataTransferRequest) (*v16.DataTransferResponse, error) {
	if req.VendorID == PnCVendorID && c.g.cfg.DataTransfer[req.VendorID] == nil { // issue 18
		return pncDataTransfer16(ctx, c, req)
	}
	h := c.g.cfg.DataTransfer[req.VendorID]
	if h == nil {
		return &v16.DataTransferResponse{Status: v16.DataTransferStatusUnknownVendorID}, nil
	}
	status, data, err := h(ctx, c.cpid, req.MessageID, req.Data)
	if err != nil {
		return nil, internal(c, "data transfer "+req.VendorID, err)
	}
	return &v16.DataTransferResponse{Status: v16.DataTransferStatus(status), Data: data}, nil
}

// chargerEvent logs a notification and stores it when the service can.
func chargerEvent(ctx context.Context, c *conn, kind, detail string, at time.Time) {
	c.g.log.Info("gateway: charger notification", "cpid", c.cpid, "kind", kind, "detail", detail)
	if r, ok := c.g.cfg.Charging.(ChargerEventRecorder); ok {
		if err := r.RecordChargerEvent(ctx, c.cpid, kind, detail, at); err != nil {
			c.g.log.Warn("gateway: record charger event", "cpid", c.cpid, "kind", kind, "err", err)
		}
	}
}

func firmwareStatus16(ctx context.Context, c *conn, req *v16.FirmwareStatusNotificationRequest) (*v16.FirmwareStatusNotificationResponse, error) {
	chargerEvent(ctx, c, v16.ActionFirmwareStatusNotification, string(req.Status), c.g.cfg.Now())
	return &v16.FirmwareStatusNotificationResponse{}, nil
}

func diagnosticsStatus16(ctx context.Context, c *conn, req *v16.DiagnosticsStatusNotificationRequest) (*v16.DiagnosticsStatusNotificationResponse, error) {
	chargerEvent(ctx, c, v16.ActionDiagnosticsStatusNotification, string(req.Status), c.g.cfg.Now())
	return &v16.DiagnosticsStatusNotificationResponse{}, nil
}

func securityEvent16(ctx context.Context, c *conn, req *v16.SecurityEventNotificationRequest) (*v16.SecurityEventNotificationResponse, error) {
	detail := req.Type
	if req.TechInfo != "" {
		detail += ": " + req.TechInfo
	}
	chargerEvent(ctx, c, v16.ActionSecurityEventNotification, detail, req.Timestamp.Time)
	storeSecurityEvent(ctx, c, req.Type, req.TechInfo, req.Timestamp.Time)
	return &v16.SecurityEventNotificationResponse{}, nil
}

func signedFirmwareStatus16(ctx context.Context, c *conn, req *v16.SignedFirmwareStatusNotificationRequest) (*v16.SignedFirmwareStatusNotificationResponse, error) {
	chargerEvent(ctx, c, v16.ActionSignedFirmwareStatusNotification, string(req.Status), c.g.cfg.Now())
	return &v16.SignedFirmwareStatusNotificationResponse{}, nil
}

func logStatus16(ctx context.Context, c *conn, req *v16.LogStatusNotificationRequest) (*v16.LogStatusNotificationResponse, error) {
	chargerEvent(ctx, c, v16.ActionLogStatusNotification, string(req.Status), c.g.cfg.Now())
	return &v16.LogStatusNotificationResponse{}, nil
}

// afterGetConfiguration16 stores the keys a charger reported.
func afterGetConfiguration16(ctx context.Context, c *conn, _, res json.RawMessage) {
	var conf v16.GetConfigurationResponse
	if err := ocpp.Decode(ocpp.V16, res, &conf, c.relaxations()); err != nil {
		c.g.log.Warn("gateway: GetConfiguration answer not stored", "cpid", c.cpid, "err", err)
		return
	}
	if fields := sanitizeRequest(&conf); len(fields) > 0 {
		c.g.log.Warn("gateway: control characters or invalid UTF-8 replaced by U+FFFD", "cpid", c.cpid,
			"action", v16.ActionGetConfiguration, "fields", fields)
	}
	keys := make([]volt.ConfigKey, 0, len(conf.ConfigurationKey))
	for _, kv := range conf.ConfigurationKey {
		keys = append(keys, volt.ConfigKey{Key: kv.Key, Value: kv.Value, Readonly: kv.Readonly})
	}
	if err := c.g.cfg.Charging.RecordConfiguration(ctx, c.cpid, keys); err != nil {
		c.g.log.Error("gateway: record configuration", "cpid", c.cpid, "err", err)
	}
}

// afterChangeConfiguration16 stores a value the charger accepted.
func afterChangeConfiguration16(ctx context.Context, c *conn, req, res json.RawMessage) {
	var (
		change v16.ChangeConfigurationRequest
		answer v16.ChangeConfigurationResponse
	)
	if ocpp.Decode(ocpp.V16, res, &answer, c.relaxations()) != nil || answer.Status != v16.ConfigurationStatusAccepted {
		return
	}
	if err := ocpp.Decode(ocpp.V16, req, &change, ocpp.Strict); err != nil {
		return
	}
	v := change.Value
	key := volt.ConfigKey{Key: change.Key, Value: &v}
	if err := c.g.cfg.Charging.RecordConfiguration(ctx, c.cpid, []volt.ConfigKey{key}); err != nil {
		c.g.log.Error("gateway: record changed configuration", "cpid", c.cpid, "key", change.Key, "err", err)
	}
}
