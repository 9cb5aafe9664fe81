package volt

import (
	"testing"
	"time"
)

func TestComputeReliability(t *testing.T) {
	from := time.Date(2026, 2, 1, 0, 0, 0, 0, time.UTC) // 28 days: 672 h
	to := from.AddDate(0, 1, 0)
	h := func(n int) time.Time { return from.Add(time.Duration(n) * time.Hour) }
	const hour = int64(time.Hour / time.Millisecond)
	tests := []struct {
		name           string
		hist           ChargerHistory
		down, excluded int64 // hours, connector 1
		afir, uk       string
	}{
		{"no history: up", ChargerHistory{}, 0, 0, "100", "100"},
		{"faulted before the month, back after 6 h", ChargerHistory{Statuses: []StatusChange{
			{1, StatusFaulted, from.Add(-48 * time.Hour)}, {1, StatusAvailable, h(6)}}}, 6, 0, "99.11", "99.11"},
		{"offline 12 h, half excluded twice over", ChargerHistory{
			Connections: []ConnectionChange{{false, h(100)}, {true, h(112)}},
			Exclusions: []ReliabilityExclusion{{ConnectorID: 0, From: h(100), To: h(106)}, {ConnectorID: 1, From: h(103), To: h(106)},
				{ConnectorID: 2, From: h(106), To: h(112)}}}, 12, 6, "98.21", "99.11"},
		{"exclusion without downtime counts nothing", ChargerHistory{
			Exclusions: []ReliabilityExclusion{{From: h(10), To: h(20)}}}, 0, 0, "100", "100"},
		{"charger Unavailable, still down into next month", ChargerHistory{Statuses: []StatusChange{
			{0, StatusUnavailable, h(672 - 24)}}}, 24, 0, "96.43", "96.43"},
		{"created mid-month: only its own time", ChargerHistory{Since: h(336), Statuses: []StatusChange{
			{1, StatusFaulted, h(300)}, {1, StatusAvailable, h(348)}}}, 12, 0, "96.43", "96.43"},
		{"charging is up, another connector's fault is not ours", ChargerHistory{Statuses: []StatusChange{
			{1, StatusCharging, h(1)}, {2, StatusFaulted, h(2)}}}, 0, 0, "100", "100"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			tt.hist.CPID, tt.hist.Connectors = "000001", []EVSEFacts{{ConnectorID: 1}, {ConnectorID: 2, MaxPowerW: 50_000}}
			got := ComputeReliability(tt.hist, from, to)
			e := got[0]
			if e.DownMS != tt.down*hour || e.ExcludedMS != tt.excluded*hour || e.AFIRPercent.String() != tt.afir || e.UKPercent.String() != tt.uk {
				t.Errorf("got down %d h excluded %d h AFIR %s UK %s, want %d, %d, %s, %s",
					e.DownMS/hour, e.ExcludedMS/hour, e.AFIRPercent, e.UKPercent, tt.down, tt.excluded, tt.afir, tt.uk)
			}
			if e.Rapid || !got[1].Rapid {
				t.Errorf("rapid flags %v %v", e.Rapid, got[1].Rapid)
			}
		})
	}
}

func TestReliabilityExclusionNeedsEvidence(t *testing.T) {
	at := time.Date(2026, 2, 1, 0, 0, 0, 0, time.UTC)
	e := ReliabilityExclusion{CPID: "000001", Reason: DowntimeGridOutage, From: at, To: at.Add(time.Hour), Evidence: "  \t "}
	if err := e.Validate(); ErrorCode(err) != EINVALID || err.(*Error).Field != "evidence" {
		t.Errorf("blank evidence: %v", err)
	}
	e.Evidence, e.Reason = "DNO ref 1", "weather"
	if err := e.Validate(); err == nil {
		t.Error("unknown reason accepted")
	}
	e.Reason, e.To = DowntimeVandalism, at
	if err := e.Validate(); err == nil {
		t.Error("empty period accepted")
	}
}

func TestBillingPeriods(t *testing.T) {
	for _, c := range []struct {
		in, key string
		kind    FeePeriod
		ok      bool
	}{{"2026-03", "2026-03", FeeMonthly, true}, {"2026", "2026", FeeAnnual, true}, {"2026-3", "", "", false}, {"26-03", "", "", false}, {"2026-13", "", "", false}} {
		key, kind, start, end, err := ParseBillingPeriod(c.in)
		if (err == nil) != c.ok || key != c.key || kind != c.kind || (c.ok && !start.Before(end)) {
			t.Errorf("%q: %q %q %v %v %v", c.in, key, kind, start, end, err)
		}
	}
	at := time.Date(2026, 1, 15, 0, 0, 0, 0, time.UTC)
	if got := BillingPeriodBefore(FeeMonthly, at); got != "2025-12" {
		t.Errorf("month before: %s", got)
	}
	if got := BillingPeriodBefore(FeeAnnual, at); got != "2025" {
		t.Errorf("year before: %s", got)
	}
}

func TestEvaluateSLA(t *testing.T) {
	at := time.Date(2026, 2, 1, 9, 0, 0, 0, time.UTC)
	lv := TicketServiceLevel{Priority: PriorityHigh, ResponseMinutes: 60, ResolutionMinutes: 240}
	tk := &Ticket{ID: "t", Priority: PriorityHigh, CreatedAt: at}
	answered := at.Add(30 * time.Minute)
	closed := at.Add(5 * time.Hour)
	for _, c := range []struct {
		name           string
		resp, closedAt *time.Time
		now            time.Time
		respB, resB    bool
	}{
		{"fresh", nil, nil, at.Add(59 * time.Minute), false, false},
		{"no answer in time", nil, nil, at.Add(61 * time.Minute), true, false},
		{"answered in time, open too long", &answered, nil, at.Add(241 * time.Minute), false, true},
		{"closed late", &answered, &closed, at.Add(48 * time.Hour), false, true},
	} {
		tk.ClosedAt = c.closedAt
		s := EvaluateSLA(tk, lv, c.resp, c.now)
		if s.ResponseBreached != c.respB || s.ResolutionBreached != c.resB {
			t.Errorf("%s: %+v", c.name, s)
		}
	}
	l := TicketServiceLevels{Levels: []TicketServiceLevel{{Priority: PriorityUrgent, ResponseMinutes: 10, ResolutionMinutes: 5}}}
	if err := l.Validate(); ErrorCode(err) != EINVALID {
		t.Errorf("resolution before response: %v", err)
	}
	if l.For(PriorityLow).ResponseMinutes != 24*60 {
		t.Errorf("default for low: %+v", l.For(PriorityLow))
	}
}
