package gateway

import (
	"context"
	"encoding/json"
	"fmt"
	"strconv"
	"strings"
	"time"

	volt "github.com/volt-ev/volt"
	"github.com/volt-ev/volt/ocpp"
	"github.com/volt-ev/volt/ocpp/v201"
	"github.com/volt-ev/volt/ocpp/v21"
)

// OCPP 2.0.1 and 2.1 write the same domain calls as 1.6 (RecordBoot,
// StartTransaction, RecordMeterValues, StopTransaction, ...), so money, the
// guard, the portal and the app see no difference.
//
// Connector ids: Volt's connectorId of a 2.x charger is the EVSE id (OCPP
// 2.0.1 Part 1 §3: an EVSE is the unit that charges one vehicle at a time,
// what 1.6 calls a connector); the connectorId inside an EVSE only selects
// the plug and is sent where an action needs it (UnlockConnector). EVSE 0 is
// the whole station, as connector 0 is in 1.6.
//
// 2.1 handlers are the 2.0.1 ones: a 2.1 request type that is an alias of the
// 2.0.1 type is handed over as is; one that 2.1 extended is re-read into the
// 2.0.1 type (its 2.1 additions are then ignored, except TransactionEvent's
// costDetails, kept by v21_cost.go).

// newV201 returns the OCPP 2.0.1 protocol.
func newV201() *protocol { return newV2x(ocpp.V201, v201.Registry()) }

// newV21 returns the OCPP 2.1 protocol.
func newV21() *protocol {
	p := newV2x(ocpp.V21, v21.Registry())
	for action, h := range handlers21() { // v21_send.go
		p.handlers[action] = h
	}
	p.handlers[v201.ActionTransactionEvent] = withCostDetails21(p.handlers[v201.ActionTransactionEvent]) // v21_cost.go
	return p
}

func newV2x(v ocpp.Version, reg *ocpp.Registry) *protocol {
	p := &protocol{
		version:    v,
		registry:   reg,
		bootAction: v201.ActionBootNotification,
		handlers: map[string]handler{
			v201.ActionBootNotification:           typed2x(bootNotification201),
			v201.ActionHeartbeat:                  typed2x(heartbeat201),
			v201.ActionStatusNotification:         typed2x(statusNotification201),
			v201.ActionAuthorize:                  typed2x(authorize201),
			v201.ActionTransactionEvent:           typed2x(transactionEvent201),
			v201.ActionMeterValues:                typed2x(meterValues201),
			v201.ActionNotifyReport:               typed2x(notifyReport201),
			v201.ActionNotifyEvent:                typed2x(notifyEvent201),
			v201.ActionSecurityEventNotification:  typed2x(securityEvent201),
			v201.ActionFirmwareStatusNotification: typed2x(firmwareStatus201),
			v201.ActionLogStatusNotification:      typed2x(logStatus201),
			v201.ActionDataTransfer:               typed2x(dataTransfer201),
			v201.ActionSignCertificate:            typed2x(signCertificate201), // issue 18
			v201.ActionGet15118EVCertificate:      typed2x(get15118EVCertificate201),
			v201.ActionGetCertificateStatus:       typed2x(getCertificateStatus201),
			// Smart charging: v201_smart.go; reservations, monitoring,
			// customer information, display messages, firmware
			// publication: v201_notify.go.
			// 2.1's own: v21_send.go. TODO(issue 13): VatNumberValidation
			// needs a VAT registry lookup (VIES, HMRC) Volt does not have:
			// it is answered NotSupported.
		},
		after: map[string]afterFunc{
			v201.ActionSetVariables: afterSetVariables201,
			v201.ActionGetVariables: afterGetVariables201,
		},
	}
	for action, h := range smartHandlers2x() { // v201_smart.go
		p.handlers[action] = h
	}
	for action, h := range notifyHandlers2x() { // v201_notify.go
		p.handlers[action] = h
	}
	for action, f := range keepAfter2x() {
		p.after[action] = f
	}
	return p
}

// typed2x adapts a 2.0.1 handler to the handler table of 2.0.1 and 2.1. A
// 2.1 request of a type 2.1 changed is re-read into the 2.0.1 type.
func typed2x[Req any, Resp any](f func(context.Context, *conn, *Req) (Resp, error)) handler {
	return func(ctx context.Context, c *conn, req any) (any, error) {
		if r, ok := req.(*Req); ok {
			return f(ctx, c, r)
		}
		b, err := json.Marshal(req)
		if err != nil {
			return nil, fmt.Errorf("re-encode %T: %w", req, err)
		}
		r := new(Req)
		if err := json.Unmarshal(b, r); err != nil {
			return nil, fmt.Errorf("read %T as %T: %w", req, r, err)
		}
		return f(ctx, c, r)
	}
}

func bootNotification201(ctx context.Context, c *conn, req *v201.BootNotificationRequest) (*v201.BootNotificationResponse, error) {
	g := c.g
	now := g.cfg.Now()
	cs := req.ChargingStation
	info := volt.BootInfo{Vendor: cs.VendorName, Model: cs.Model, SerialNumber: cs.SerialNumber,
		Firmware: cs.FirmwareVersion, OCPPVersion: string(c.proto.version), At: now}
	if cs.Modem != nil {
		info.ICCID, info.IMSI = cs.Modem.Iccid, cs.Modem.Imsi
	}
	if err := g.cfg.Charging.RecordBoot(ctx, c.cpid, info); err != nil {
		logPendingBoot(c, err) // certification.go
		c.setBoot(bootRefused)
		return &v201.BootNotificationResponse{Status: v201.RegistrationStatusEnumPending, CurrentTime: ocpp.NewDateTime(now),
			Interval: int(bootRetry / time.Second)}, nil
	}
	c.setBoot(bootAccepted)
	g.publish(volt.Event{Type: volt.EventChargerBooted, CPID: c.cpid, CPOID: c.cpoID, At: now, Data: info})
	c.bootedModel(info.Vendor, info.Model)
	// As on 1.6, a boot closes no session (see bootNotification16).
	c.then(func() { c.g.bootQ.push(c, (*conn).fetchDeviceModel) }) // asked by a config caller (bootconfig.go)
	return &v201.BootNotificationResponse{Status: v201.RegistrationStatusEnumAccepted, CurrentTime: ocpp.NewDateTime(now),
		Interval: int(g.cfg.HeartbeatInterval / time.Second)}, nil
}

// fetchDeviceModel asks for the full device model after a boot (B07); the
// charger sends it in NotifyReport messages, which notifyReport201 stores.
func (c *conn) fetchDeviceModel() {
	req := json.RawMessage(`{"requestId":` + strconv.FormatInt(time.Now().UnixMilli()%1_000_000_000, 10) + `,"reportBase":"FullInventory"}`)
	if _, err := c.call(c.ctx, v201.ActionGetBaseReport, req); err != nil {
		c.g.log.Warn("gateway: GetBaseReport after boot", "cpid", c.cpid, "err", err)
	}
}

func heartbeat201(ctx context.Context, c *conn, _ *v201.HeartbeatRequest) (*v201.HeartbeatResponse, error) {
	now := c.g.cfg.Now()
	if err := c.g.cfg.Charging.RecordHeartbeat(ctx, c.cpid, now); err != nil {
		c.g.log.Warn("gateway: record heartbeat", "cpid", c.cpid, "err", err)
	}
	return &v201.HeartbeatResponse{CurrentTime: ocpp.NewDateTime(now)}, nil
}

// StatusOccupied is the status of a 2.x connector with a cable or vehicle
// on it (ConnectorStatusEnumType Occupied); the transaction's own state
// (Charging, SuspendedEV, ...) comes with TransactionEvent.
const StatusOccupied volt.ConnectorStatus = "Occupied"

func statusNotification201(ctx context.Context, c *conn, req *v201.StatusNotificationRequest) (*v201.StatusNotificationResponse, error) {
	at := req.Timestamp.Time
	if at.IsZero() {
		at = c.g.cfg.Now()
	}
	st := volt.ConnectorStatus(req.ConnectorStatus)
	if req.ConnectorStatus == v201.ConnectorStatusEnumOccupied {
		st = StatusOccupied
	}
	if err := recordStatus(ctx, c, req.EvseID, st, at); err != nil {
		return nil, internal(c, "record status", err)
	}
	// Unlike 1.6, Available closes no session: a 2.x station reports the
	// end of every transaction in TransactionEvent Ended, which it queues
	// while offline (E04) and sends after the StatusNotifications of its
	// boot. Closing on Available would bill a transaction that ended
	// offline only up to the last reading before the connection was lost.
	// A session whose Ended never comes is closed when the next transaction
	// starts on its EVSE (StartTransaction), or after EndedTimeout.
	if st == volt.StatusAvailable {
		c.armEndedTimeout(req.EvseID, at)
	} else {
		c.g.v2.bump(c.cpid, req.EvseID)
	}
	return &v201.StatusNotificationResponse{}, nil
}

func recordStatus(ctx context.Context, c *conn, connectorID int, st volt.ConnectorStatus, at time.Time) error {
	r := volt.StatusReport{CPID: c.cpid, ConnectorID: connectorID, Status: st, At: at}
	if err := c.g.cfg.Charging.RecordStatus(ctx, r); err != nil {
		return err
	}
	c.g.publish(volt.Event{Type: volt.EventConnectorStatus, CPID: c.cpid, CPOID: c.cpoID, At: at,
		Data: volt.Connector{CPID: c.cpid, ConnectorID: connectorID, Status: st, StatusAt: at}})
	return nil
}

func authorize201(ctx context.Context, c *conn, req *v201.AuthorizeRequest) (*v201.AuthorizeResponse, error) {
	if isPnC(req) { // issue 18: security_pnc.go
		return authorizePnC201(ctx, c, req)
	}
	info, err := authorizeToken(ctx, c, req.IDToken)
	if err != nil {
		return nil, err
	}
	return &v201.AuthorizeResponse{IDTokenInfo: info}, nil
}

// authorizeToken asks the domain about an IdToken and announces the
// decision (authorization.decided), as Authorize does on 1.6.
// NoAuthorization (the station lets anyone charge) is accepted without a
// look-up; every other type is looked up by its value, as a 1.6 idTag is.
func authorizeToken(ctx context.Context, c *conn, tok v201.IDToken) (v201.IDTokenInfo, error) {
	if tok.Type == v201.IDTokenEnumNoAuthorization {
		return v201.IDTokenInfo{Status: v201.AuthorizationStatusEnumAccepted}, nil
	}
	res, err := c.g.cfg.Charging.AuthorizeIDTag(ctx, c.cpid, tok.IDToken)
	if err != nil {
		return v201.IDTokenInfo{}, internal(c, "authorize", err)
	}
	logRefusal(c, "Authorize", tok.IDToken, res)
	publishDecision(c, 0, tok.IDToken, "Authorize", res)
	return idTokenInfo(res), nil
}

// idTokenInfo spells a domain authorisation as OCPP 2.0.1's IdTokenInfo: the
// parent idTag is the groupIdToken.
func idTokenInfo(a volt.AuthResult) v201.IDTokenInfo {
	info := v201.IDTokenInfo{Status: v201.AuthorizationStatusEnum(a.Status)}
	if info.Status == "" {
		info.Status = v201.AuthorizationStatusEnumInvalid
	}
	if a.ParentIDTag != "" {
		info.GroupIDToken = &v201.IDToken{IDToken: a.ParentIDTag, Type: v201.IDTokenEnumCentral}
	}
	if a.ExpiresAt != nil {
		t := ocpp.NewDateTime(*a.ExpiresAt)
		info.CacheExpiryDateTime = &t
	}
	return info
}

func meterValues201(ctx context.Context, c *conn, req *v201.MeterValuesRequest) (*v201.MeterValuesResponse, error) {
	r := volt.MeterReport{CPID: c.cpid, ConnectorID: req.EvseID, Samples: samples201(req.MeterValue)}
	if _, err := recordMeter(ctx, c, r); err != nil {
		return nil, internal(c, "record meter values", err)
	}
	return &v201.MeterValuesResponse{}, nil
}

// recordMeter records meter values, publishes the session they updated and
// hands it to the guard, as meterValues16 does.
func recordMeter(ctx context.Context, c *conn, r volt.MeterReport) (*volt.Session, error) {
	s, err := c.g.cfg.Charging.RecordMeterValues(ctx, r)
	if err != nil {
		return nil, err
	}
	if s != nil {
		c.g.publish(volt.Event{Type: volt.EventSessionUpdated, CPID: c.cpid, CPOID: s.CPOID, At: c.g.cfg.Now(), Data: s})
		if c.g.cfg.AfterMeterValues != nil {
			c.g.cfg.AfterMeterValues(ctx, s)
		}
	}
	return s, nil
}

// samples201 flattens 2.x meter values into the domain's samples. A missing
// measurand is Energy.Active.Import.Register and a missing unit Wh (OCPP
// 2.0.1 Part 2 §2, SampledValueType); the multiplier is applied to the
// value's decimal digits, so 20345.5 kWh×10⁻³ is stored as 20.3455 kWh.
func samples201(mvs []v201.MeterValue) []volt.MeterSample {
	n := 0
	for _, mv := range mvs {
		n += len(mv.SampledValue)
	}
	out := make([]volt.MeterSample, 0, n)
	for _, mv := range mvs {
		for _, sv := range mv.SampledValue {
			m := string(sv.Measurand)
			if m == "" {
				m = string(v201.MeasurandEnumEnergyActiveImportRegister)
			}
			unit, mult := "", 0
			if u := sv.UnitOfMeasure; u != nil {
				unit = u.Unit
				if u.Multiplier != nil {
					mult = *u.Multiplier
				}
			}
			if unit == "" && strings.HasPrefix(m, "Energy.") {
				unit = "Wh"
			}
			out = append(out, volt.MeterSample{Timestamp: mv.Timestamp.Time, Measurand: m, Phase: string(sv.Phase),
				Location: string(sv.Location), Context: string(sv.Context), Unit: unit,
				Value: shiftDecimal(strconv.FormatFloat(sv.Value, 'f', -1, 64), mult)})
		}
	}
	return out
}

// shiftDecimal multiplies the decimal string s (no exponent) by 10^exp.
func shiftDecimal(s string, exp int) string {
	if exp == 0 {
		return s
	}
	neg := strings.HasPrefix(s, "-")
	s = strings.TrimPrefix(s, "-")
	intPart, frac, _ := strings.Cut(s, ".")
	digits := intPart + frac
	point := len(intPart) + exp
	for point <= 0 {
		digits, point = "0"+digits, point+1
	}
	for point > len(digits) {
		digits += "0"
	}
	whole, rest := strings.TrimLeft(digits[:point], "0"), strings.TrimRight(digits[point:], "0")
	if whole == "" {
		whole = "0"
	}
	out := whole
	if rest != "" {
		out += "." + rest
	}
	if neg && out != "0" {
		out = "-" + out
	}
	return out
}
