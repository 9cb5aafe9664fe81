package gateway

import (
	"context"
	"time"

	volt "github.com/volt-ev/volt"
	"github.com/volt-ev/volt/ocpp"
	v16 "github.com/volt-ev/volt/ocpp/v16"
)

// Transaction messages are retried by the charger and dropped after
// TransactionMessageAttempts (OCPP 1.6 §3.7): they always get a normal answer
// unless the store itself failed, and then the InternalError is logged at
// error level with everything needed to replay the message by hand.

func startTransaction16(ctx context.Context, c *conn, req *v16.StartTransactionRequest) (*v16.StartTransactionResponse, error) {
	r := volt.StartRequest{CPID: c.cpid, ConnectorID: req.ConnectorID, IDTag: req.IdTag, MeterStart: int64(req.MeterStart),
		At: req.Timestamp.Time, ReceivedAt: c.g.cfg.Now(), Flags: inputFlags(ctx)}
	if req.ReservationID != nil {
		id := int64(*req.ReservationID)
		r.ReservationID = &id
	}
	res, err := c.g.cfg.Charging.StartTransaction(ctx, r)
	if err != nil {
		c.g.log.Error("gateway: START TRANSACTION NOT RECORDED; charger will retry or lose it", "cpid", c.cpid,
			"connectorId", r.ConnectorID, "idTag", r.IDTag, "meterStart", r.MeterStart, "timestamp", r.At, "err", err)
		return nil, &ocpp.Error{Code: ocpp.InternalError, Reason: "start transaction could not be recorded"}
	}
	if !res.Replayed {
		logRefusal(c, "StartTransaction", r.IDTag, res.Auth)
		publishClosed(ctx, c, res.Superseded, r.ReceivedAt) // before the new one: they ended first
		if res.Auth.Status != volt.AuthAccepted {
			publishDecision(c, r.ConnectorID, r.IDTag, "StartTransaction", res.Auth)
		}
	}
	if res.Session != nil && !res.Replayed {
		c.g.publish(volt.Event{Type: volt.EventSessionStarted, CPID: c.cpid, CPOID: res.Session.CPOID, At: r.ReceivedAt, Data: res.Session})
	}
	return &v16.StartTransactionResponse{IdTagInfo: idTagInfo(res.Auth), TransactionID: int(res.TransactionID)}, nil
}

func meterValues16(ctx context.Context, c *conn, req *v16.MeterValuesRequest) (*v16.MeterValuesResponse, error) {
	r := volt.MeterReport{CPID: c.cpid, ConnectorID: req.ConnectorID, Samples: samples(req.MeterValue)}
	if req.TransactionID != nil {
		id := int64(*req.TransactionID)
		r.TransactionID = &id
	}
	s, err := c.g.cfg.Charging.RecordMeterValues(ctx, r)
	if err != nil {
		return nil, internal(c, "record meter values", err)
	}
	if c.g.cfg.AfterMeterReport != nil {
		c.g.cfg.AfterMeterReport(ctx, r)
	}
	if s != nil {
		c.g.publish(volt.Event{Type: volt.EventSessionUpdated, CPID: c.cpid, CPOID: s.CPOID, At: c.g.cfg.Now(), Data: s})
		if c.g.cfg.AfterMeterValues != nil {
			c.g.cfg.AfterMeterValues(ctx, s)
		}
	}
	return &v16.MeterValuesResponse{}, nil
}

func stopTransaction16(ctx context.Context, c *conn, req *v16.StopTransactionRequest) (*v16.StopTransactionResponse, error) {
	r := volt.StopRequest{CPID: c.cpid, TransactionID: int64(req.TransactionID), IDTag: req.IdTag, MeterStop: int64(req.MeterStop),
		At: req.Timestamp.Time, Reason: string(req.Reason), Flags: inputFlags(ctx)}
	for _, td := range req.TransactionData {
		r.Samples = append(r.Samples, samples([]v16.MeterValue{v16.MeterValue(td)})...)
	}
	if r.Reason == "" {
		r.Reason = string(v16.ReasonLocal) // the default of OCPP 1.6 §7.35
	}
	res, err := c.g.cfg.Charging.StopTransaction(ctx, r)
	if err != nil {
		c.g.log.Error("gateway: STOP TRANSACTION NOT RECORDED; charger will retry or lose it", "cpid", c.cpid,
			"transactionId", r.TransactionID, "meterStop", r.MeterStop, "timestamp", r.At, "reason", r.Reason, "err", err)
		return nil, &ocpp.Error{Code: ocpp.InternalError, Reason: "stop transaction could not be recorded"}
	}
	if !res.Replayed {
		now := c.g.cfg.Now()
		if res.Session != nil {
			c.g.publish(volt.Event{Type: volt.EventSessionStopped, CPID: c.cpid, CPOID: res.Session.CPOID, At: now, Data: res.Session})
		}
		if res.CDR != nil {
			c.g.publish(volt.Event{Type: volt.EventCDRCreated, CPID: c.cpid, CPOID: res.CDR.CPOID, At: now, Data: res.CDR})
		}
	}
	resp := &v16.StopTransactionResponse{}
	if res.Auth != nil {
		info := idTagInfo(*res.Auth)
		resp.IdTagInfo = &info
	}
	return resp, nil
}

// samples flattens meter values into the domain's samples. A missing
// measurand is the default Energy.Active.Import.Register (OCPP 1.6 §7.31).
func samples(mvs []v16.MeterValue) []volt.MeterSample {
	n := 0
	for _, mv := range mvs {
		n += len(mv.SampledValue)
	}
	out := make([]volt.MeterSample, 0, n)
	for _, mv := range mvs {
		for _, sv := range mv.SampledValue {
			m := string(sv.Measurand)
			if m == "" {
				m = string(v16.MeasurandEnergyActiveImportRegister)
			}
			out = append(out, volt.MeterSample{Timestamp: mv.Timestamp.Time, Measurand: m, Phase: string(sv.Phase),
				Location: string(sv.Location), Context: string(sv.Context), Unit: string(sv.Unit), Format: string(sv.Format), Value: sv.Value})
		}
	}
	return out
}

// closeZombies closes sessions the charger says are over (reboot, connector
// Available or Preparing) and publishes what changed. Failures are logged:
// the status itself was recorded.
func closeZombies(ctx context.Context, c *conn, connectorID int, reason string, at time.Time) {
	cdrs, err := c.g.cfg.Charging.CloseZombieSessions(ctx, c.cpid, connectorID, reason, at)
	if err != nil {
		c.g.log.Error("gateway: close zombie sessions", "cpid", c.cpid, "connectorId", connectorID, "err", err)
		return
	}
	for _, cdr := range cdrs {
		c.g.log.Info("gateway: zombie session closed", "cpid", c.cpid, "connectorId", cdr.ConnectorID, "transactionId", cdr.TransactionID, "reason", reason)
	}
	publishClosed(ctx, c, cdrs, at)
}

// publishClosed announces sessions closed without a StopTransaction: the
// session's stop, then its CDR (settlement starts from cdr.created).
func publishClosed(ctx context.Context, c *conn, cdrs []*volt.CDR, at time.Time) {
	for _, cdr := range cdrs {
		if s, err := c.g.cfg.Charging.FindSessionByID(ctx, cdr.SessionID); err == nil {
			c.g.publish(volt.Event{Type: volt.EventSessionStopped, CPID: c.cpid, CPOID: s.CPOID, At: at, Data: s})
		}
		c.g.publish(volt.Event{Type: volt.EventCDRCreated, CPID: c.cpid, CPOID: cdr.CPOID, At: at, Data: cdr})
	}
}
