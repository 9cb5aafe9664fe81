package gateway

import (
	"context"
	"encoding/json"
	"runtime/debug"

	volt "github.com/volt-ev/volt"
	"github.com/volt-ev/volt/ocpp"
	"github.com/volt-ev/volt/ocpp/v21"
)

// OCPP 2.1's periodic event streams (issue #13; OCPP 2.1 N: a station
// streams a monitored variable's values): OpenPeriodicEventStream and
// ClosePeriodicEventStream are CALLs, kept as reports and answered; the
// values come in SEND frames (message type 6, NotifyPeriodicEventStream),
// which are never answered, not even with a CALLERROR: a valid one is kept
// as a report (its stream id as RequestID), an invalid one is logged and
// dropped. SENDs go through the inbox with the CALLs, in arrival order.

// handlers21 are the handlers only a 2.1 connection has.
func handlers21() map[string]handler {
	return map[string]handler{
		v21.ActionOpenPeriodicEventStream: reportHandler(volt.ReportEventStreamOpened, func() any {
			return &v21.OpenPeriodicEventStreamResponse{Status: v21.GenericStatusEnumAccepted}
		}),
		v21.ActionClosePeriodicEventStream: reportHandler(volt.ReportEventStreamClosed, func() any {
			return &v21.ClosePeriodicEventStreamResponse{}
		}),
		// What 2.1 stations report of DER control, priority charging,
		// payment settlement and battery swaps is kept as sent for load
		// management and the operator; the answers carry nothing.
		// TODO(issue 13): nothing acts on them yet (settlements are not
		// reconciled with Volt's payments).
		v21.ActionNotifyDERAlarm: reportHandler(volt.ReportDERAlarm, func() any { return &v21.NotifyDERAlarmResponse{} }),
		v21.ActionNotifyDERStartStop: reportHandler(volt.ReportDERStartStop, func() any {
			return &v21.NotifyDERStartStopResponse{}
		}),
		v21.ActionReportDERControl: reportHandler(volt.ReportDERControl, func() any { return &v21.ReportDERControlResponse{} }),
		v21.ActionNotifyPriorityCharging: reportHandler(volt.ReportPriorityCharging, func() any {
			return &v21.NotifyPriorityChargingResponse{}
		}),
		v21.ActionNotifySettlement:          reportHandler(volt.ReportSettlement, func() any { return &v21.NotifySettlementResponse{} }),
		v21.ActionBatterySwap:               reportHandler(volt.ReportBatterySwap, func() any { return &v21.BatterySwapResponse{} }),
		v21.ActionPullDynamicScheduleUpdate: typed2x(pullDynamicScheduleUpdate21), // v21_dynamic.go
		v21.ActionGetCertificateChainStatus: typed2x(getCertificateChainStatus21), // security_chain21.go, issue 18
	}
}

// dispatchSend reads and keeps one SEND; nothing is sent back.
func (c *conn) dispatchSend(s ocpp.Call) {
	defer func() {
		if r := recover(); r != nil {
			c.g.log.Error("gateway: SEND handler panic", "cpid", c.cpid, "action", s.Action, "panic", r, "stack", string(debug.Stack()))
		}
	}()
	v, err := v21.DecodeSend(s.Action, s.Payload, c.relaxations())
	if err != nil {
		c.g.log.Warn("gateway: SEND dropped", "cpid", c.cpid, "action", s.Action, "uniqueId", s.UniqueID, "err", err)
		return
	}
	m, ok := v.(*v21.NotifyPeriodicEventStream)
	if !ok {
		return
	}
	ctx, cancel := context.WithTimeout(context.WithoutCancel(c.ctx), handlerTimeout)
	defer cancel()
	payload, err := json.Marshal(m)
	if err != nil {
		c.g.log.Error("gateway: encode SEND", "cpid", c.cpid, "err", err)
		return
	}
	f, ok := c.g.cfg.Charging.(chargingReportStore)
	if !ok {
		return
	}
	id := m.ID
	r := &volt.ChargingReport{CPID: c.cpid, Kind: volt.ReportEventStream, RequestID: &id, Payload: payload, ReceivedAt: c.g.cfg.Now()}
	if err := f.RecordChargingReport(ctx, r); err != nil {
		c.g.log.Error("gateway: record periodic event stream", "cpid", c.cpid, "stream", m.ID, "err", err)
	}
}
