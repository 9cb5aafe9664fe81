package gateway

import (
	"context"

	volt "github.com/volt-ev/volt"
	"github.com/volt-ev/volt/ocpp"
	"github.com/volt-ev/volt/ocpp/v201"
)

// chargerTxStore is implemented by a ChargingService that keeps OCPP 2.x
// transaction ids (store.ChargingService does). Without it every
// TransactionEvent goes through StartTransaction, whose replay answer names
// the session (correct, slower), and 1.6 remote-stop bodies cannot be
// translated for a 2.x charger.
type chargerTxStore interface {
	FindSessionByChargerTransaction(ctx context.Context, cpid, chargerTxID string) (*volt.Session, error)
	FindChargerTransactionID(ctx context.Context, cpid string, transactionID int64) (string, error)
}

// transactionEvent201 maps a TransactionEvent (OCPP 2.0.1 E01–E15) to the
// calls a 1.6 transaction makes:
//
//   - the first event Volt sees of a transaction (Started, or a later one
//     whose Started was lost) is a StartTransaction keyed by the charger's
//     transactionId: replayed, late or concurrent, it opens one session;
//   - meter values of Started and Updated events are a MeterValues of that
//     session (resent ones are stored once, as on 1.6);
//   - Ended is a StopTransaction with the Transaction.End register (or the
//     last one known), its meter values as transactionData, and
//     stoppedReason as the reason: recorded once, a replay answers the same.
//
// Like 1.6 transaction messages these are retried by the charger, so they
// are answered normally unless the store failed.
func transactionEvent201(ctx context.Context, c *conn, req *v201.TransactionEventRequest) (*v201.TransactionEventResponse, error) {
	txID := req.TransactionInfo.TransactionID
	samples := samples201(req.MeterValue)
	sess, err := findChargerTx(ctx, c, txID)
	if err != nil {
		return nil, internal(c, "find transaction", err)
	}
	resp := &v201.TransactionEventResponse{}
	if sess == nil {
		start, err := startTx201(ctx, c, req, samples)
		if err != nil {
			return nil, err
		}
		sess = start.Session
		if req.IDToken != nil {
			info := idTokenInfo(start.Auth)
			if req.IDToken.Type == v201.IDTokenEnumNoAuthorization {
				info = v201.IDTokenInfo{Status: v201.AuthorizationStatusEnumAccepted}
			}
			resp.IDTokenInfo = &info
		}
	} else if req.IDToken != nil && req.EventType != v201.TransactionEventEnumEnded {
		// An idToken presented during the transaction: the first one of
		// a transaction started without (E03, authorised after plug-in)
		// becomes its token; another (E07 a stop token) is answered as
		// Authorize.
		info, err := tokenDuringTx(ctx, c, sess, *req.IDToken)
		if err != nil {
			return nil, err
		}
		resp.IDTokenInfo = &info
	}
	if sess == nil {
		return nil, internal(c, "start transaction", errNoSession)
	}
	c.g.v2.noteSeqNo(c, txID, req.SeqNo, req.EventType, req.Offline != nil && *req.Offline)
	c.g.v2.bump(c.cpid, sess.ConnectorID)
	if req.TransactionInfo.ChargingState != "" && (req.EventType == v201.TransactionEventEnumStarted ||
		req.TriggerReason == v201.TriggerReasonEnumChargingStateChanged) {
		if st := chargingStatus(req.TransactionInfo.ChargingState); st != "" {
			if err := recordStatus(ctx, c, sess.ConnectorID, st, req.Timestamp.Time); err != nil {
				c.g.log.Warn("gateway: record charging state", "cpid", c.cpid, "err", err)
			}
		}
	}
	if req.EventType == v201.TransactionEventEnumEnded {
		info, cdr, err := stopTx201(ctx, c, req, sess, samples)
		if err != nil {
			return nil, err
		}
		resp.TotalCost = finalCost(cdr)
		if info != nil && resp.IDTokenInfo == nil {
			resp.IDTokenInfo = info
		}
		return resp, nil
	}
	if len(samples) > 0 {
		id := sess.TransactionID
		updated, err := recordMeter(ctx, c, volt.MeterReport{CPID: c.cpid, ConnectorID: sess.ConnectorID, TransactionID: &id, Samples: samples})
		if err != nil {
			return nil, internal(c, "record transaction meter values", err)
		}
		if updated != nil && req.EventType == v201.TransactionEventEnumUpdated {
			sendRunningCost(c, updated)
		}
	}
	return resp, nil
}

var errNoSession = volt.Errorf(volt.EINTERNAL, "no session for the transaction")

func findChargerTx(ctx context.Context, c *conn, txID string) (*volt.Session, error) {
	f, ok := c.g.cfg.Charging.(chargerTxStore)
	if !ok {
		return nil, nil
	}
	s, err := f.FindSessionByChargerTransaction(ctx, c.cpid, txID)
	if volt.IsCode(err, volt.ENOTFOUND) {
		return nil, nil
	}
	return s, err
}

// startTx201 records the start of a transaction from its first event.
func startTx201(ctx context.Context, c *conn, req *v201.TransactionEventRequest, samples []volt.MeterSample) (*volt.StartResult, error) {
	r := volt.StartRequest{CPID: c.cpid, MeterStart: registerWh(samples, "Transaction.Begin"),
		At: req.Timestamp.Time, ReceivedAt: c.g.cfg.Now(), ChargerTransactionID: req.TransactionInfo.TransactionID}
	if req.Evse != nil {
		r.ConnectorID = req.Evse.ID
	}
	// A NoAuthorization token is a free vend station's start (C02.FR.02);
	// a start without a token waits for one in a later event (E03,
	// tokenDuringTx) and is flagged idtag_rejected until then.
	if req.IDToken != nil {
		if req.IDToken.Type == v201.IDTokenEnumNoAuthorization {
			r.NoAuthorization = true
		} else {
			r.IDTag = req.IDToken.IDToken
		}
	}
	if req.ReservationID != nil {
		id := int64(*req.ReservationID)
		r.ReservationID = &id
	}
	res, err := c.g.cfg.Charging.StartTransaction(ctx, r)
	if err != nil {
		c.g.log.Error("gateway: START TRANSACTION NOT RECORDED; charger will retry or lose it", "cpid", c.cpid,
			"evseId", r.ConnectorID, "transactionId", r.ChargerTransactionID, "idToken", r.IDTag, "meterStart", r.MeterStart,
			"timestamp", r.At, "err", err)
		return nil, &ocpp.Error{Code: ocpp.InternalError, Reason: "start transaction could not be recorded"}
	}
	if !res.Replayed {
		publishClosed(ctx, c, res.Superseded, r.ReceivedAt) // before the new one: they ended first
		if r.IDTag != "" {
			logRefusal(c, "TransactionEvent", r.IDTag, res.Auth)
			if res.Auth.Status != volt.AuthAccepted {
				publishDecision(c, r.ConnectorID, r.IDTag, "StartTransaction", res.Auth)
			}
		}
	}
	if res.Session != nil && !res.Replayed {
		c.g.publish(volt.Event{Type: volt.EventSessionStarted, CPID: c.cpid, CPOID: res.Session.CPOID, At: r.ReceivedAt, Data: res.Session})
		showPrice(c, res.Session)
	}
	return res, nil
}

// stopTx201 records the end of a transaction; it returns the idTokenInfo of
// the stop token, if one was sent, and the CDR.
func stopTx201(ctx context.Context, c *conn, req *v201.TransactionEventRequest, sess *volt.Session, samples []volt.MeterSample) (*v201.IDTokenInfo, *volt.CDR, error) {
	meterStop := registerWh(samples, "Transaction.End")
	if meterStop < 0 {
		meterStop = sess.LastMeterWh
	}
	r := volt.StopRequest{CPID: c.cpid, TransactionID: sess.TransactionID, MeterStop: meterStop, At: req.Timestamp.Time,
		Reason: string(req.TransactionInfo.StoppedReason), Samples: samples}
	if r.Reason == "" {
		r.Reason = string(v201.ReasonEnumLocal) // no stoppedReason: a local stop, as in 1.6
	}
	if req.IDToken != nil && req.IDToken.Type != v201.IDTokenEnumNoAuthorization {
		r.IDTag = req.IDToken.IDToken
	}
	res, err := c.g.cfg.Charging.StopTransaction(ctx, r)
	if err != nil {
		c.g.log.Error("gateway: STOP TRANSACTION NOT RECORDED; charger will retry or lose it", "cpid", c.cpid,
			"transactionId", req.TransactionInfo.TransactionID, "meterStop", r.MeterStop, "timestamp", r.At, "reason", r.Reason, "err", err)
		return nil, nil, &ocpp.Error{Code: ocpp.InternalError, Reason: "stop transaction could not be recorded"}
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
	if res.Auth == nil {
		return nil, res.CDR, nil
	}
	info := idTokenInfo(*res.Auth)
	return &info, res.CDR, nil
}

// registerWh returns the whole-meter active import register among samples,
// in Wh: the one in context ctx if there is one, else the first; -1 when
// there is none (0 for a start, whose meterStart must be a number).
func registerWh(samples []volt.MeterSample, ctx string) int64 {
	best, found := int64(-1), false
	for _, s := range samples {
		if s.Measurand != "Energy.Active.Import.Register" || s.Phase != "" || (s.Location != "" && s.Location != "Outlet") {
			continue
		}
		wh, ok := parseWh(s.Value, s.Unit)
		if !ok {
			continue
		}
		if s.Context == ctx {
			return wh
		}
		if !found {
			best, found = wh, true
		}
	}
	if !found && ctx == "Transaction.Begin" {
		return 0
	}
	return best
}

// parseWh reads an energy value in Wh or kWh, rounded half up to whole Wh,
// exactly (decimal digits, no float).
func parseWh(v, unit string) (int64, bool) {
	scale := 0
	switch unit {
	case "", "Wh":
	case "kWh":
		scale = 3
	default:
		return 0, false
	}
	s := shiftDecimal(v, scale)
	neg := len(s) > 0 && s[0] == '-'
	if neg {
		return 0, false
	}
	whole, frac, _ := cutPoint(s)
	var n int64
	for _, d := range whole {
		if d < '0' || d > '9' || n > (1<<62)/10 {
			return 0, false
		}
		n = n*10 + int64(d-'0')
	}
	if len(frac) > 0 && frac[0] >= '5' {
		n++
	}
	return n, true
}

func cutPoint(s string) (string, string, bool) {
	for i := range len(s) {
		if s[i] == '.' {
			return s[:i], s[i+1:], true
		}
	}
	return s, "", false
}

// chargingStatus maps a 2.x chargingState to the connector status 1.6 would
// report; "" for Idle (the connector's own StatusNotification tells).
func chargingStatus(s v201.ChargingStateEnum) volt.ConnectorStatus {
	switch s {
	case v201.ChargingStateEnumCharging:
		return volt.StatusCharging
	case v201.ChargingStateEnumSuspendedEV:
		return volt.StatusSuspendedEV
	case v201.ChargingStateEnumSuspendedEVSE:
		return volt.StatusSuspendedEVSE
	case v201.ChargingStateEnumEVConnected:
		return StatusOccupied
	}
	return ""
}
