// Package ops computes the operations home of the Admin Portal: the figures
// of the network right now and today, and the list of what needs an
// operator's attention. It reads only through the domain services, as the
// actor in the context, so every figure is scoped to what that actor may
// read. The portal's dashboard and the demo's start-up check share it.
package ops

import (
	"context"
	"fmt"
	"slices"
	"sort"
	"time"

	volt "github.com/volt-ev/volt"
)

// Thresholds of the attention feed.
const (
	// OfflineAfter is how long a charger may be off line before it needs
	// attention (a reboot or a brief network drop is shorter).
	OfflineAfter = 15 * time.Minute
	// StuckAfter is how long a running session may go without a meter
	// reading before it looks stuck.
	StuckAfter = 30 * time.Minute
	// RepeatedFailures is how many failed starts on one charger in a day
	// make a pattern worth a look.
	RepeatedFailures = 3
)

// maxPages bounds how many pages of 500 are read for today's figures; past
// it Home.Partial is set.
const maxPages = 20

// Sources are the services the home reads.
type Sources struct {
	Chargers volt.ChargerService
	Charging volt.ChargingService // nil: no session figures
}

// Revenue is one currency's income of the day, VAT split. Amounts are
// minor units.
type Revenue struct {
	Currency string
	ExclVAT  int64
	VAT      int64
	InclVAT  int64
}

// Attention kinds.
const (
	AttentionOffline       = "offline"
	AttentionFaulted       = "faulted"
	AttentionFailedStarts  = "failed-starts"
	AttentionStuckSession  = "stuck-session"
	maxAttentionPerKind    = 20
	attentionChargersLimit = 50
)

// Attention is one thing an operator should look at.
type Attention struct {
	Kind      string
	CPID      string
	SessionID string // stuck sessions
	Title     string
	Detail    string
	Since     time.Time
}

// Home is the operations home: chargers now, sessions and money today (UTC
// day), and the attention feed, most urgent first.
type Home struct {
	Online, Offline, Faulted, InUse int
	ActiveSessions                  int
	SessionsToday                   int
	EnergyTodayWh                   int64
	PaidSessionsToday               int
	FailedStartsToday               int
	Revenue                         []Revenue // one per currency, by currency code
	Attention                       []Attention
	Partial                         bool // more sessions today than were read
	NoCharging                      bool
	At                              time.Time
}

// chargerCounter is the store's one-query aggregate of the charger tiles.
type chargerCounter interface {
	ChargerCounts(ctx context.Context) (total, online, faulted, inUse int, err error)
}

// Compute builds the home as the actor of ctx sees it, at now.
func Compute(ctx context.Context, src Sources, now time.Time) (*Home, error) {
	h := &Home{At: now}
	if err := chargerTiles(ctx, src, h); err != nil {
		return nil, err
	}
	if err := chargerAttention(ctx, src, now, h); err != nil {
		return nil, err
	}
	if src.Charging == nil {
		h.NoCharging = true
		return h, nil
	}
	if err := sessionsToday(ctx, src, now, h); err != nil {
		return nil, err
	}
	if err := cdrsToday(ctx, src, now, h); err != nil {
		return nil, err
	}
	if err := stuckSessions(ctx, src, now, h); err != nil {
		return nil, err
	}
	sort.SliceStable(h.Attention, func(i, j int) bool {
		return rank(h.Attention[i].Kind) < rank(h.Attention[j].Kind)
	})
	return h, nil
}

func rank(kind string) int {
	return slices.Index([]string{AttentionFaulted, AttentionOffline, AttentionStuckSession, AttentionFailedStarts}, kind)
}

// Midnight is the start of now's UTC day: "today" on the home.
func Midnight(now time.Time) time.Time {
	now = now.UTC()
	return time.Date(now.Year(), now.Month(), now.Day(), 0, 0, 0, 0, time.UTC)
}

func chargerTiles(ctx context.Context, src Sources, h *Home) error {
	if agg, ok := src.Charging.(chargerCounter); ok {
		total, online, faulted, inUse, err := agg.ChargerCounts(ctx)
		if err != nil {
			return fmt.Errorf("count chargers: %w", err)
		}
		h.Online, h.Offline, h.Faulted, h.InUse = online, total-online, faulted, inUse
		return nil
	}
	count := func(f volt.ChargerFilter) (int, error) {
		f.Limit = 1
		_, n, err := src.Chargers.FindChargers(ctx, f)
		return n, err
	}
	yes, no := true, false
	var err error
	if h.Online, err = count(volt.ChargerFilter{Online: &yes}); err != nil {
		return err
	}
	if h.Offline, err = count(volt.ChargerFilter{Online: &no}); err != nil {
		return err
	}
	if h.Faulted, err = count(volt.ChargerFilter{Status: volt.StatusFaulted}); err != nil {
		return err
	}
	for _, st := range []volt.ConnectorStatus{volt.StatusCharging, volt.StatusSuspendedEV, volt.StatusSuspendedEVSE} {
		n, err := count(volt.ChargerFilter{Status: st})
		if err != nil {
			return err
		}
		h.InUse += n
	}
	return nil
}

// chargerAttention lists chargers off line for longer than OfflineAfter and
// chargers with a faulted connector.
func chargerAttention(ctx context.Context, src Sources, now time.Time, h *Home) error {
	no := false
	off, _, err := src.Chargers.FindChargers(ctx, volt.ChargerFilter{Online: &no, Page: volt.Page{Limit: attentionChargersLimit}})
	if err != nil {
		return fmt.Errorf("offline chargers: %w", err)
	}
	n := 0
	for _, c := range off {
		if c.LastSeenAt == nil || now.Sub(*c.LastSeenAt) < OfflineAfter || n >= maxAttentionPerKind {
			continue // never connected: not yet installed, nothing went wrong
		}
		n++
		h.Attention = append(h.Attention, Attention{Kind: AttentionOffline, CPID: c.CPID, Since: *c.LastSeenAt,
			Title: "Charger " + c.CPID + " is off line", Detail: c.Name + ": last seen " + ago(now.Sub(*c.LastSeenAt)) + " ago"})
	}
	faulted, _, err := src.Chargers.FindChargers(ctx, volt.ChargerFilter{Status: volt.StatusFaulted, Page: volt.Page{Limit: maxAttentionPerKind}})
	if err != nil {
		return fmt.Errorf("faulted chargers: %w", err)
	}
	for _, c := range faulted {
		for _, k := range c.Connectors {
			if k.Status != volt.StatusFaulted {
				continue
			}
			d := fmt.Sprintf("%s: connector %d", c.Name, k.ConnectorID)
			if k.ErrorCode != "" && k.ErrorCode != "NoError" {
				d += " reports " + k.ErrorCode
			}
			h.Attention = append(h.Attention, Attention{Kind: AttentionFaulted, CPID: c.CPID, Since: k.StatusAt,
				Title: "Charger " + c.CPID + " is faulted", Detail: d})
		}
	}
	return nil
}

// sessionEnergy is the store's one-query sum of sessions and energy.
type sessionEnergy interface {
	SessionEnergy(ctx context.Context, f volt.SessionFilter) (sessions int, energyWh int64, err error)
}

// sessionsToday counts today's sessions, their energy and failed starts
// (an idTag the charger started with but Volt did not accept), and flags
// chargers with repeated failures.
func sessionsToday(ctx context.Context, src Sources, now time.Time, h *Home) error {
	from := Midnight(now)
	_, n, err := src.Charging.FindSessions(ctx, volt.SessionFilter{Status: volt.SessionActive, Page: volt.Page{Limit: 1}})
	if err != nil {
		return fmt.Errorf("active sessions: %w", err)
	}
	h.ActiveSessions = n
	summed := false
	if agg, ok := src.Charging.(sessionEnergy); ok {
		if h.SessionsToday, h.EnergyTodayWh, err = agg.SessionEnergy(ctx, volt.SessionFilter{From: &from}); err != nil {
			return fmt.Errorf("energy today: %w", err)
		}
		summed = true
	}
	failed := map[string]int{}
	last := map[string]time.Time{}
	f := volt.SessionFilter{From: &from, Page: volt.Page{Limit: 500}}
	for page := 0; ; page++ {
		if page == maxPages {
			h.Partial = true
			break
		}
		list, total, err := src.Charging.FindSessions(ctx, f)
		if err != nil {
			return fmt.Errorf("sessions today: %w", err)
		}
		if !summed {
			h.SessionsToday = total
		}
		for _, s := range list {
			if !summed {
				h.EnergyTodayWh += s.EnergyWh
			}
			if slices.Contains(s.Flags, volt.FlagIDTagRejected) {
				h.FailedStartsToday++
				failed[s.CPID]++
				if s.StartedAt.After(last[s.CPID]) {
					last[s.CPID] = s.StartedAt
				}
			}
		}
		f.Offset += len(list)
		if len(list) == 0 || f.Offset >= total {
			break
		}
	}
	cpids := make([]string, 0, len(failed))
	for cpid, n := range failed {
		if n >= RepeatedFailures {
			cpids = append(cpids, cpid)
		}
	}
	sort.Slice(cpids, func(i, j int) bool { return failed[cpids[i]] > failed[cpids[j]] })
	for _, cpid := range cpids {
		h.Attention = append(h.Attention, Attention{Kind: AttentionFailedStarts, CPID: cpid, Since: last[cpid],
			Title: "Repeated failed starts on " + cpid, Detail: fmt.Sprintf("%d starts refused today", failed[cpid])})
	}
	return nil
}

// cdrsToday sums the revenue of today's completed sessions per currency,
// VAT split, and counts the paid ones.
func cdrsToday(ctx context.Context, src Sources, now time.Time, h *Home) error {
	from := Midnight(now)
	by := map[string]*Revenue{}
	f := volt.SessionFilter{From: &from, Page: volt.Page{Limit: 500}}
	for page := 0; ; page++ {
		if page == maxPages {
			h.Partial = true
			break
		}
		list, total, err := src.Charging.FindCDRs(ctx, f)
		if err != nil {
			return fmt.Errorf("cdrs today: %w", err)
		}
		for _, c := range list {
			if c.TotalCost == nil || c.TotalCost.InclVAT <= 0 {
				continue
			}
			r := by[c.TotalCost.Currency]
			if r == nil {
				r = &Revenue{Currency: c.TotalCost.Currency}
				by[r.Currency] = r
			}
			r.ExclVAT += c.TotalCost.ExclVAT
			r.InclVAT += c.TotalCost.InclVAT
			r.VAT += c.TotalCost.InclVAT - c.TotalCost.ExclVAT
			h.PaidSessionsToday++
		}
		f.Offset += len(list)
		if len(list) == 0 || f.Offset >= total {
			break
		}
	}
	for _, r := range by {
		h.Revenue = append(h.Revenue, *r)
	}
	sort.Slice(h.Revenue, func(i, j int) bool { return h.Revenue[i].Currency < h.Revenue[j].Currency })
	return nil
}

// stuckSessions lists running sessions with no meter reading for longer
// than StuckAfter.
func stuckSessions(ctx context.Context, src Sources, now time.Time, h *Home) error {
	f := volt.SessionFilter{Status: volt.SessionActive, Page: volt.Page{Limit: 500}}
	n := 0
	for page := 0; page < maxPages && n < maxAttentionPerKind; page++ {
		list, total, err := src.Charging.FindSessions(ctx, f)
		if err != nil {
			return fmt.Errorf("running sessions: %w", err)
		}
		for _, s := range list {
			last := s.StartedAt
			if s.LastMeterAt != nil && s.LastMeterAt.After(last) {
				last = *s.LastMeterAt
			}
			if now.Sub(last) < StuckAfter || n >= maxAttentionPerKind {
				continue
			}
			n++
			h.Attention = append(h.Attention, Attention{Kind: AttentionStuckSession, CPID: s.CPID, SessionID: s.ID, Since: last,
				Title:  fmt.Sprintf("Session #%d on %s looks stuck", s.TransactionID, s.CPID),
				Detail: fmt.Sprintf("connector %d: no meter reading for %s", s.ConnectorID, ago(now.Sub(last)))})
		}
		f.Offset += len(list)
		if len(list) == 0 || f.Offset >= total {
			break
		}
	}
	return nil
}

// ago writes a duration the way a person says it: "3 h 12 min", "40 min".
func ago(d time.Duration) string {
	d = d.Round(time.Minute)
	switch {
	case d >= 48*time.Hour:
		return fmt.Sprintf("%d days", int(d.Hours()/24))
	case d >= time.Hour:
		return fmt.Sprintf("%d h %d min", int(d.Hours()), int(d.Minutes())%60)
	}
	return fmt.Sprintf("%d min", int(d.Minutes()))
}
