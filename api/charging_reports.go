package api

import (
	"context"

	"github.com/volt-ev/volt"
)

// chargingReportsInput pages a charger's reports, of one kind or all.
type chargingReportsInput struct {
	CPIDInput
	PageParams
	Kind string `query:"kind" enum:"NotifyChargingLimit,ClearedChargingLimit,ReportChargingProfiles,NotifyEVChargingNeeds,NotifyEVChargingSchedule,NotifyMonitoringReport,NotifyCustomerInformation,NotifyDisplayMessages,PublishFirmwareStatusNotification,OpenPeriodicEventStream,NotifyPeriodicEventStream,ClosePeriodicEventStream,CostDetails,NotifyDERAlarm,NotifyDERStartStop,ReportDERControl,NotifyPriorityCharging,NotifySettlement,BatterySwap" doc:"Only reports of this kind (the OCPP action that sent them)."`
}

// chargingReports answers GET /chargers/{cpid}/charging-reports (issue
// #13): the reports an OCPP 2.x charger sent (smart charging, EV charging
// needs and schedules, monitoring, customer information, display messages,
// firmware publication), as sent, newest first; empty for a 1.6 charger.
func (s *server) chargingReports(ctx context.Context, in *chargingReportsInput) (*ListOutput[*volt.ChargingReport], error) {
	l, ok := s.Charging.(volt.ChargingReportLister)
	if !ok {
		return nil, notWired("charging reports")
	}
	c, err := s.visibleCharger(ctx, in.CPID)
	if err != nil {
		return nil, err
	}
	p := in.page()
	items, total, err := l.ListChargingReports(ctx, c.CPID, in.Kind, p)
	if err != nil {
		return nil, s.err(ctx, err)
	}
	return listOf(items, total, p), nil
}
