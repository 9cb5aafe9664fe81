package sim

import (
	"context"
	"encoding/json"
	"errors"
	"sort"
	"strconv"
	"strings"
	"time"

	"github.com/volt-ev/volt/ocpp"
	"github.com/volt-ev/volt/ocpp/v201"
)

// handler2 answers one CSMS command to a 2.x station; req is the request
// read into the 2.0.1 type. follow runs after the answer was sent.
type handler2 func(c *Charger2, raw json.RawMessage) (resp any, follow func(ctx context.Context), err error)

// on2 adapts a handler of one 2.0.1 request type.
func on2[Req any](f func(c *Charger2, r *Req) (any, func(context.Context))) handler2 {
	return func(c *Charger2, raw json.RawMessage) (any, func(context.Context), error) {
		r := new(Req)
		if err := json.Unmarshal(raw, r); err != nil {
			return nil, nil, err
		}
		resp, follow := f(c, r)
		return resp, follow, nil
	}
}

// handlers2 are the commands the station answers; others are NotSupported.
var handlers2 map[string]handler2

func init() {
	handlers2 = map[string]handler2{
		v201.ActionRequestStartTransaction: on2((*Charger2).onRequestStart),
		v201.ActionRequestStopTransaction:  on2((*Charger2).onRequestStop),
		v201.ActionGetVariables:            on2((*Charger2).onGetVariables),
		v201.ActionSetVariables:            on2((*Charger2).onSetVariables),
		v201.ActionGetBaseReport:           on2((*Charger2).onGetBaseReport),
		v201.ActionReset:                   on2((*Charger2).onReset),
		v201.ActionUnlockConnector:         on2((*Charger2).onUnlock),
		v201.ActionChangeAvailability:      on2((*Charger2).onChangeAvailability),
		v201.ActionTriggerMessage:          on2((*Charger2).onTrigger),
		v201.ActionClearCache:              on2((*Charger2).onClearCache),
		v201.ActionDataTransfer:            on2((*Charger2).onDataTransfer),
		v201.ActionCostUpdated:             on2((*Charger2).onCostUpdated),
		v201.ActionSetDisplayMessage:       on2((*Charger2).onSetDisplayMessage),
		v201.ActionSetChargingProfile:      on2((*Charger2).onSetChargingProfile),
		v201.ActionClearChargingProfile:    on2((*Charger2).onClearChargingProfile),
		v201.ActionGetCompositeSchedule:    on2((*Charger2).onGetCompositeSchedule),
		v201.ActionGetChargingProfiles:     on2((*Charger2).onGetChargingProfiles),
		v201.ActionCertificateSigned:       on2((*Charger2).onCertificateSigned),
		v201.ActionSetNetworkProfile:       on2((*Charger2).onSetNetworkProfile),
		v201.ActionDeleteCertificate:       on2((*Charger2).onDeleteCertificate),
	}
}

// onCall answers a CALL from the CSMS, on the reader goroutine: the request
// is validated with the station's registry, then handled.
func (c *Charger2) onCall(l *link, call ocpp.Call) {
	if c.cfg.OnEvent != nil {
		b, _ := call.MarshalJSON()
		c.emit(Event{Kind: EventReceived, Action: call.Action, Frame: b})
	}
	var out ocpp.Frame
	var follow func(context.Context)
	_, err := ocpp.DecodeRequest(c.reg, ocpp.CSMSToCharger, call.Action, call.Payload, ocpp.Strict)
	var oe *ocpp.Error
	switch {
	case errors.As(err, &oe):
		out = oe.CallError(call.UniqueID)
	case err != nil:
		out = ocpp.NewCallError(call.UniqueID, ocpp.InternalError, "cannot decode request")
	case handlers2[call.Action] == nil:
		out = ocpp.NewCallError(call.UniqueID, ocpp.NotSupported, call.Action+" is not supported")
	default:
		resp, f, err := handlers2[call.Action](c, call.Payload)
		res, merr := ocpp.NewCallResult(call.UniqueID, resp)
		if err != nil || merr != nil {
			out = ocpp.NewCallError(call.UniqueID, ocpp.InternalError, "cannot answer")
		} else {
			out, follow = res, f
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
		c.wg.Add(1)
		go func() {
			defer c.wg.Done()
			ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
			defer cancel()
			follow(ctx)
		}()
	}
}

// onRequestStart starts a transaction on the EVSE asked for, or the first
// free one (F01); AuthorizeRemoteStart is off, so no Authorize.
func (c *Charger2) onRequestStart(r *v201.RequestStartTransactionRequest) (any, func(context.Context)) {
	c.mu.Lock()
	n := 0
	for _, e := range c.evses[1:] {
		if e.tx == nil && e.operative && (r.EvseID == nil || *r.EvseID == e.id) {
			n = e.id
			break
		}
	}
	c.mu.Unlock()
	if n == 0 {
		return &v201.RequestStartTransactionResponse{Status: v201.RequestStartStopStatusEnumRejected}, nil
	}
	id := r.RemoteStartID
	return &v201.RequestStartTransactionResponse{Status: v201.RequestStartStopStatusEnumAccepted}, func(context.Context) {
		_ = c.start(n, r.IDToken, v201.TriggerReasonEnumRemoteStart, &id)
	}
}

func (c *Charger2) onRequestStop(r *v201.RequestStopTransactionRequest) (any, func(context.Context)) {
	c.mu.Lock()
	defer c.mu.Unlock()
	for _, e := range c.evses[1:] {
		if e.tx != nil && e.tx.id == r.TransactionID {
			c.endLocked(e, v201.ReasonEnumRemote, v201.TriggerReasonEnumRemoteStop, "")
			return &v201.RequestStopTransactionResponse{Status: v201.RequestStartStopStatusEnumAccepted}, nil
		}
	}
	return &v201.RequestStopTransactionResponse{Status: v201.RequestStartStopStatusEnumRejected}, nil
}

func varKey(comp v201.Component, v v201.Variable) string { return comp.Name + "/" + v.Name }

func (c *Charger2) onGetVariables(r *v201.GetVariablesRequest) (any, func(context.Context)) {
	c.mu.Lock()
	defer c.mu.Unlock()
	out := &v201.GetVariablesResponse{}
	for _, d := range r.GetVariableData {
		res := v201.GetVariableResult{Component: d.Component, Variable: d.Variable, AttributeType: d.AttributeType}
		if k := varKey(d.Component, d.Variable); writeOnly[k] {
			res.AttributeStatus = v201.GetVariableStatusEnumRejected
		} else if val, ok := c.vars[k]; ok {
			res.AttributeStatus, res.AttributeValue = v201.GetVariableStatusEnumAccepted, val
		} else {
			res.AttributeStatus = v201.GetVariableStatusEnumUnknownVariable
		}
		out.GetVariableResult = append(out.GetVariableResult, res)
	}
	return out, nil
}

// readOnly are the variables SetVariables is refused for; writeOnly those
// GetVariables and reports never show (the Basic auth password, A01).
var (
	readOnly  = map[string]bool{"SecurityCtrlr/Identity": true}
	writeOnly = map[string]bool{keyBasicAuthPassword: true}
)

const keyBasicAuthPassword = "SecurityCtrlr/BasicAuthPassword"

func (c *Charger2) onSetVariables(r *v201.SetVariablesRequest) (any, func(context.Context)) {
	c.mu.Lock()
	defer c.mu.Unlock()
	out := &v201.SetVariablesResponse{}
	var then func(context.Context)
	for _, d := range r.SetVariableData {
		k := varKey(d.Component, d.Variable)
		if k == keyBasicAuthPassword && len(d.AttributeValue) >= 16 {
			// A01: the new password is used from the next connection,
			// which the station opens at once.
			then = func(context.Context) { c.Disconnect() }
		}
		res := v201.SetVariableResult{Component: d.Component, Variable: d.Variable, AttributeType: d.AttributeType}
		_, known := c.vars[k]
		switch {
		case !known:
			res.AttributeStatus = v201.SetVariableStatusEnumUnknownVariable
		case readOnly[k]:
			res.AttributeStatus = v201.SetVariableStatusEnumRejected
		case k == keyNetworkPriority:
			// Used from the next reboot (A05).
			res.AttributeStatus = v201.SetVariableStatusEnumRejected
			if c.sec.validPriority(d.AttributeValue) {
				c.vars[k] = d.AttributeValue
				res.AttributeStatus = v201.SetVariableStatusEnumRebootRequired
			}
		default:
			if _, err := strconv.Atoi(d.AttributeValue); err != nil && strings.HasSuffix(k, "Interval") {
				res.AttributeStatus = v201.SetVariableStatusEnumRejected
				break
			}
			c.vars[k] = d.AttributeValue
			res.AttributeStatus = v201.SetVariableStatusEnumAccepted
		}
		out.SetVariableResult = append(out.SetVariableResult, res)
	}
	return out, then
}

// onGetBaseReport accepts and then sends the device model in NotifyReport
// messages of DeviceDataCtrlr.ItemsPerMessage variables (B07).
func (c *Charger2) onGetBaseReport(r *v201.GetBaseReportRequest) (any, func(context.Context)) {
	return &v201.GetBaseReportResponse{Status: v201.GenericDeviceModelStatusEnumAccepted}, func(ctx context.Context) {
		// A CSMS may ask right after accepting the boot, before the
		// station has read that answer: report once on line.
		if c.WaitFor(ctx, c.Online) != nil {
			return
		}
		c.mu.Lock()
		defer c.mu.Unlock()
		keys := make([]string, 0, len(c.vars))
		for k := range c.vars {
			if !writeOnly[k] {
				keys = append(keys, k)
			}
		}
		sort.Strings(keys)
		now := ocpp.NewDateTime(c.cfg.Clock())
		var data []v201.ReportData
		for _, k := range keys {
			comp, name, _ := strings.Cut(k, "/")
			mut := v201.MutabilityEnumReadWrite
			if readOnly[k] {
				mut = v201.MutabilityEnumReadOnly
			}
			data = append(data, v201.ReportData{Component: v201.Component{Name: comp}, Variable: v201.Variable{Name: name},
				VariableAttribute: []v201.VariableAttribute{{Type: v201.AttributeEnumActual, Value: c.vars[k], Mutability: mut}}})
		}
		for i := 1; i < len(c.evses); i++ {
			data = append(data, v201.ReportData{Component: v201.Component{Name: "EVSE", Evse: &v201.EVSE{ID: i}},
				Variable: v201.Variable{Name: "Power"}, VariableAttribute: []v201.VariableAttribute{{Type: v201.AttributeEnumMaxSet,
					Value: strconv.Itoa(c.cfg.MaxPowerW), Mutability: v201.MutabilityEnumReadOnly}}})
		}
		per := 20
		for seq := 0; len(data) > 0; seq++ {
			n := min(per, len(data))
			rep := &v201.NotifyReportRequest{RequestID: r.RequestID, GeneratedAt: now, SeqNo: seq, ReportData: data[:n]}
			data = data[n:]
			if len(data) > 0 {
				rep.Tbc = ptr(true)
			}
			c.enqueueLocked(&item2{action: v201.ActionNotifyReport, payload: rep})
		}
	}
}

// onReset ends transactions (ImmediateReset) and reboots (B11, B12).
func (c *Charger2) onReset(r *v201.ResetRequest) (any, func(context.Context)) {
	c.mu.Lock()
	defer c.mu.Unlock()
	busy := false
	for _, e := range c.evses[1:] {
		busy = busy || e.tx != nil
	}
	if busy && r.Type == v201.ResetEnumOnIdle {
		return &v201.ResetResponse{Status: v201.ResetStatusEnumScheduled}, nil
	}
	return &v201.ResetResponse{Status: v201.ResetStatusEnumAccepted}, func(context.Context) {
		c.mu.Lock()
		for _, e := range c.evses[1:] {
			if e.tx != nil {
				c.endLocked(e, v201.ReasonEnumImmediateReset, v201.TriggerReasonEnumResetCommand, "")
			}
		}
		c.reboot = true
		l := c.link
		prio := c.vars[keyNetworkPriority]
		c.mu.Unlock()
		c.sec.applyPriority(prio)
		time.Sleep(c.cfg.StepDelay) // the Ended events go out before the reboot
		if l != nil {
			l.close()
		}
	}
}

func (c *Charger2) onUnlock(r *v201.UnlockConnectorRequest) (any, func(context.Context)) {
	c.mu.Lock()
	defer c.mu.Unlock()
	e, err := c.evseLocked(r.EvseID)
	switch {
	case err != nil || r.ConnectorID != 1:
		return &v201.UnlockConnectorResponse{Status: v201.UnlockStatusEnumUnknownConnector}, nil
	case e.tx != nil:
		return &v201.UnlockConnectorResponse{Status: v201.UnlockStatusEnumOngoingAuthorizedTransaction}, nil
	}
	e.plugged = false
	c.setStatusLocked(e)
	return &v201.UnlockConnectorResponse{Status: v201.UnlockStatusEnumUnlocked}, nil
}

func (c *Charger2) onChangeAvailability(r *v201.ChangeAvailabilityRequest) (any, func(context.Context)) {
	c.mu.Lock()
	defer c.mu.Unlock()
	op := r.OperationalStatus == v201.OperationalStatusEnumOperative
	targets := c.evses[1:]
	if r.Evse != nil && r.Evse.ID > 0 {
		e, err := c.evseLocked(r.Evse.ID)
		if err != nil {
			return &v201.ChangeAvailabilityResponse{Status: v201.ChangeAvailabilityStatusEnumRejected}, nil
		}
		targets = []*evse2{e}
	}
	status := v201.ChangeAvailabilityStatusEnumAccepted
	for _, e := range targets {
		if e.tx != nil && !op {
			status = v201.ChangeAvailabilityStatusEnumScheduled
			continue
		}
		e.operative = op
		c.setStatusLocked(e)
	}
	return &v201.ChangeAvailabilityResponse{Status: status}, nil
}

func (c *Charger2) onTrigger(r *v201.TriggerMessageRequest) (any, func(context.Context)) {
	c.mu.Lock()
	defer c.mu.Unlock()
	switch r.RequestedMessage {
	case v201.MessageTriggerEnumHeartbeat:
		c.enqueueLocked(&item2{action: v201.ActionHeartbeat, payload: &v201.HeartbeatRequest{}})
	case v201.MessageTriggerEnumStatusNotification:
		for _, e := range c.evses[1:] {
			if r.Evse == nil || r.Evse.ID == e.id {
				c.enqueueLocked(&item2{action: v201.ActionStatusNotification, payload: c.statusLocked(e)})
			}
		}
	case v201.MessageTriggerEnumTransactionEvent, v201.MessageTriggerEnumMeterValues:
		for _, e := range c.evses[1:] {
			if e.tx != nil && (r.Evse == nil || r.Evse.ID == e.id) {
				c.advanceLocked(e, c.cfg.Clock())
				c.enqueueLocked(&item2{action: v201.ActionTransactionEvent, tx: true,
					payload: c.txEventLocked(e, v201.TransactionEventEnumUpdated, v201.TriggerReasonEnumTrigger, "Trigger")})
			}
		}
	case v201.MessageTriggerEnumSignChargingStationCertificate:
		c.mu.Unlock()
		c.triggerSignCertificate()
		c.mu.Lock()
	case v201.MessageTriggerEnumSignV2GCertificate:
		if !c.enqueueSECCCSRLocked() {
			return &v201.TriggerMessageResponse{Status: v201.TriggerMessageStatusEnumRejected}, nil
		}
	default:
		return &v201.TriggerMessageResponse{Status: v201.TriggerMessageStatusEnumNotImplemented}, nil
	}
	return &v201.TriggerMessageResponse{Status: v201.TriggerMessageStatusEnumAccepted}, nil
}

func (c *Charger2) onClearCache(*v201.ClearCacheRequest) (any, func(context.Context)) {
	return &v201.ClearCacheResponse{Status: v201.ClearCacheStatusEnumAccepted}, nil
}

func (c *Charger2) onDataTransfer(*v201.DataTransferRequest) (any, func(context.Context)) {
	return &v201.DataTransferResponse{Status: v201.DataTransferStatusEnumUnknownVendorId}, nil
}

// onCostUpdated shows the running cost (I03).
func (c *Charger2) onCostUpdated(r *v201.CostUpdatedRequest) (any, func(context.Context)) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.showLocked("cost " + r.TransactionID + ": " + strconv.FormatFloat(r.TotalCost, 'f', -1, 64))
	return &v201.CostUpdatedResponse{}, nil
}

func (c *Charger2) onSetDisplayMessage(r *v201.SetDisplayMessageRequest) (any, func(context.Context)) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.showLocked(r.Message.Message.Content)
	return &v201.SetDisplayMessageResponse{Status: v201.DisplayMessageStatusEnumAccepted}, nil
}

// showLocked puts a message on the display, which keeps the last ten.
func (c *Charger2) showLocked(msg string) {
	c.display = append(c.display, msg)
	if n := len(c.display); n > 10 {
		c.display = append(c.display[:0], c.display[n-10:]...)
	}
}
