package volt

import (
	"context"
	"sort"
	"strings"
	"time"
)

// DowntimeReason is why downtime may be excluded from the UK reliability
// figure (The Public Charge Point Regulations 2023, reg. 7 and its
// schedule): causes outside the operator's control or hours it is closed.
type DowntimeReason string

// Reasons an operator may annotate downtime with.
const (
	DowntimePlannedMaintenance DowntimeReason = "planned_maintenance"
	DowntimeGridOutage         DowntimeReason = "grid_outage"
	DowntimeVandalism          DowntimeReason = "vandalism"
	DowntimeOutsideHours       DowntimeReason = "outside_operating_hours"
)

// Valid reports whether r is a known reason.
func (r DowntimeReason) Valid() bool {
	switch r {
	case DowntimePlannedMaintenance, DowntimeGridOutage, DowntimeVandalism, DowntimeOutsideHours:
		return true
	}
	return false
}

// MaxEvidence bounds an exclusion's evidence text.
const MaxEvidence = 2000

// ReliabilityExclusion is downtime of a charger (ConnectorID 0) or one of
// its EVSEs the operator excludes from the UK figure, with its evidence
// (a DNO incident number, a police reference, the maintenance work order,
// the published opening hours). The AFIR figure never excludes it.
type ReliabilityExclusion struct {
	ID          string         `json:"id"`
	CPOID       string         `json:"cpoId"`
	CPID        string         `json:"cpid"`
	ConnectorID int            `json:"connectorId"`
	Reason      DowntimeReason `json:"reason"`
	From        time.Time      `json:"from"`
	To          time.Time      `json:"to"`
	Evidence    string         `json:"evidence"`
	Note        string         `json:"note,omitempty"`
	CreatedBy   string         `json:"createdBy,omitempty"`
	CreatedAt   time.Time      `json:"createdAt"`
}

// Validate checks the exclusion: a known reason, a period, and evidence
// (an exclusion without evidence is refused).
func (e *ReliabilityExclusion) Validate() error {
	e.Evidence, e.Note = strings.TrimSpace(e.Evidence), strings.TrimSpace(e.Note)
	switch {
	case e.CPID == "":
		return FieldError("cpid", "An exclusion names its charger.")
	case e.ConnectorID < 0:
		return FieldError("connectorId", "Connector id must be 0 (the whole charger) or more.")
	case !e.Reason.Valid():
		return FieldError("reason", "Reason must be planned_maintenance, grid_outage, vandalism or outside_operating_hours, got %q.", e.Reason)
	case !e.From.Before(e.To):
		return FieldError("to", "An exclusion must end after it starts.")
	case e.Evidence == "":
		return FieldError("evidence", "Excluded downtime needs evidence (an incident number, a work order, a police reference).")
	case len(e.Evidence) > MaxEvidence || len(e.Note) > MaxEvidence:
		return FieldError("evidence", "Evidence and note must be at most %d characters.", MaxEvidence)
	}
	return nil
}

// StatusChange is one entry of a connector's status history.
type StatusChange struct {
	ConnectorID int
	Status      ConnectorStatus
	At          time.Time
}

// ConnectionChange is a charger's websocket connecting or going away.
type ConnectionChange struct {
	Online bool
	At     time.Time
}

// ChargerHistory is what reliability is computed from for one charger:
// its status and connection history in the period, each led by the last
// entry before it (the state at the start), and its exclusions.
type ChargerHistory struct {
	CPID        string
	SiteID      string
	Since       time.Time // created: time before is not counted
	Connectors  []EVSEFacts
	Statuses    []StatusChange     // every connector, 0 included, by time
	Connections []ConnectionChange // by time
	Exclusions  []ReliabilityExclusion
}

// EVSEFacts are the facts of a connector reliability needs.
type EVSEFacts struct {
	ConnectorID int
	MaxPowerW   int64
}

// RapidPowerW is the power from which a charge point is rapid (UK
// regulations: 50 kW), the charge points reg. 7's 99 % applies to.
const RapidPowerW = 50_000

// Availability is time in a period: counted (total), down, and of the down
// time what the operator excluded with evidence. Milliseconds.
type Availability struct {
	TotalMS    int64 `json:"totalMs"`
	DownMS     int64 `json:"downMs"`
	ExcludedMS int64 `json:"excludedMs"`
}

// Add adds o to a.
func (a *Availability) Add(o Availability) {
	a.TotalMS += o.TotalMS
	a.DownMS += o.DownMS
	a.ExcludedMS += o.ExcludedMS
}

// AFIR is the availability by the AFIR method: time operational over time
// counted, every downtime counted (percent, two decimals; 100 when nothing
// was counted).
func (a Availability) AFIR() Decimal { return percent(a.TotalMS-a.DownMS, a.TotalMS) }

// UK is the availability by the UK reg. 7 method: the downtime excluded
// with evidence counts as operational.
func (a Availability) UK() Decimal { return percent(a.TotalMS-a.DownMS+a.ExcludedMS, a.TotalMS) }

func percent(num, den int64) Decimal {
	if den <= 0 {
		return NewDecimalInt(100)
	}
	// num ≤ den ≤ a year of ms (3.2e10), × 1e4 stays well inside int64.
	return NewDecimalMicro(roundDivHalfUp(num*10_000, den) * 10_000)
}

// EVSEReliability is one EVSE's availability in a period.
type EVSEReliability struct {
	CPID        string `json:"cpid"`
	ConnectorID int    `json:"connectorId"`
	SiteID      string `json:"siteId"`
	Rapid       bool   `json:"rapid"`
	Availability
	AFIRPercent Decimal `json:"afirPercent"`
	UKPercent   Decimal `json:"ukPercent"`
}

// down reports whether an EVSE is out of use: its charger offline, the
// charger (connector 0) or the connector Faulted or Unavailable.
func down(online bool, charger, connector ConnectorStatus) bool {
	bad := func(s ConnectorStatus) bool { return s == StatusFaulted || s == StatusUnavailable }
	return !online || bad(charger) || bad(connector)
}

// ComputeReliability returns the availability of each EVSE of h in
// [from, to) (pure). A state before the first history entry is taken as
// online and Available: history starts when it was first recorded.
func ComputeReliability(h ChargerHistory, from, to time.Time) []EVSEReliability {
	if h.Since.After(from) {
		from = h.Since
	}
	out := make([]EVSEReliability, 0, len(h.Connectors))
	for _, c := range h.Connectors {
		r := EVSEReliability{CPID: h.CPID, ConnectorID: c.ConnectorID, SiteID: h.SiteID, Rapid: c.MaxPowerW >= RapidPowerW}
		if from.Before(to) {
			r.Availability = evseAvailability(h, c.ConnectorID, from, to)
		}
		r.AFIRPercent, r.UKPercent = r.AFIR(), r.UK()
		out = append(out, r)
	}
	return out
}

func evseAvailability(h ChargerHistory, connector int, from, to time.Time) Availability {
	online, charger, own := true, StatusAvailable, StatusAvailable
	type change struct {
		at    time.Time
		apply func()
	}
	var changes []change
	for _, c := range h.Connections {
		c := c
		changes = append(changes, change{c.At, func() { online = c.Online }})
	}
	for _, s := range h.Statuses {
		s := s
		switch s.ConnectorID {
		case 0:
			changes = append(changes, change{s.At, func() { charger = s.Status }})
		case connector:
			changes = append(changes, change{s.At, func() { own = s.Status }})
		}
	}
	sort.SliceStable(changes, func(i, j int) bool { return changes[i].at.Before(changes[j].at) })
	excl := mergedExclusions(h.Exclusions, connector)
	a := Availability{TotalMS: to.Sub(from).Milliseconds()}
	t := from
	for i := 0; ; i++ {
		next := to
		if i < len(changes) && changes[i].at.Before(to) {
			next = changes[i].at
		}
		if next.After(t) {
			if down(online, charger, own) {
				a.DownMS += next.Sub(t).Milliseconds()
				a.ExcludedMS += overlapMS(excl, t, next)
			}
			t = next
		}
		if i >= len(changes) || !changes[i].at.Before(to) {
			return a
		}
		changes[i].apply()
	}
}

// mergedExclusions returns the exclusions of a connector (and of its whole
// charger) as sorted, non-overlapping intervals.
func mergedExclusions(ex []ReliabilityExclusion, connector int) [][2]time.Time {
	var iv [][2]time.Time
	for _, e := range ex {
		if e.ConnectorID == 0 || e.ConnectorID == connector {
			iv = append(iv, [2]time.Time{e.From, e.To})
		}
	}
	sort.Slice(iv, func(i, j int) bool { return iv[i][0].Before(iv[j][0]) })
	var out [][2]time.Time
	for _, v := range iv {
		if n := len(out); n > 0 && !v[0].After(out[n-1][1]) {
			if v[1].After(out[n-1][1]) {
				out[n-1][1] = v[1]
			}
			continue
		}
		out = append(out, v)
	}
	return out
}

func overlapMS(iv [][2]time.Time, from, to time.Time) int64 {
	var ms int64
	for _, v := range iv {
		s, e := v[0], v[1]
		if s.Before(from) {
			s = from
		}
		if e.After(to) {
			e = to
		}
		if e.After(s) {
			ms += e.Sub(s).Milliseconds()
		}
	}
	return ms
}

// SiteReliabilityFigure is a site's (or the network's) availability in a
// period, summed over its EVSEs (time-weighted).
type SiteReliabilityFigure struct {
	SiteID   string `json:"siteId,omitempty"`
	SiteName string `json:"siteName,omitempty"`
	EVSEs    int    `json:"evses"`
	Availability
	AFIRPercent Decimal `json:"afirPercent"`
	UKPercent   Decimal `json:"ukPercent"`
}

// Finish computes the percentages from the sums.
func (f *SiteReliabilityFigure) Finish() { f.AFIRPercent, f.UKPercent = f.AFIR(), f.UK() }

// ReliabilityReport is the availability of a CPO's network (or one site)
// in a calendar month: per EVSE, per site and for the network. The UK
// figure of the network is over its rapid EVSEs (reg. 7) when it has any
// (UKScope "rapid"), else over all (UKScope "all").
type ReliabilityReport struct {
	CPOID   string                  `json:"cpoId"`
	SiteID  string                  `json:"siteId,omitempty"`
	Month   string                  `json:"month"`
	From    time.Time               `json:"from"`
	To      time.Time               `json:"to"` // the month's end, or now for the month in progress
	Network SiteReliabilityFigure   `json:"network"`
	UKScope string                  `json:"ukScope"`
	UK      SiteReliabilityFigure   `json:"uk"`
	Sites   []SiteReliabilityFigure `json:"sites"`
	EVSEs   []EVSEReliability       `json:"evses"`
}

// BuildReliabilityReport sums EVSEs into sites and the network (pure).
// names maps site ids to names.
func BuildReliabilityReport(r *ReliabilityReport, evses []EVSEReliability, names map[string]string) {
	r.EVSEs, r.Sites = evses, []SiteReliabilityFigure{}
	r.Network, r.UK = SiteReliabilityFigure{}, SiteReliabilityFigure{}
	bySite := map[string]int{}
	var rapid SiteReliabilityFigure
	for _, e := range evses {
		i, ok := bySite[e.SiteID]
		if !ok {
			i = len(r.Sites)
			bySite[e.SiteID] = i
			r.Sites = append(r.Sites, SiteReliabilityFigure{SiteID: e.SiteID, SiteName: names[e.SiteID]})
		}
		r.Sites[i].EVSEs++
		r.Sites[i].Add(e.Availability)
		r.Network.EVSEs++
		r.Network.Add(e.Availability)
		if e.Rapid {
			rapid.EVSEs++
			rapid.Add(e.Availability)
		}
	}
	for i := range r.Sites {
		r.Sites[i].Finish()
	}
	sort.Slice(r.Sites, func(i, j int) bool { return r.Sites[i].SiteName < r.Sites[j].SiteName })
	r.Network.Finish()
	r.UKScope, r.UK = "all", r.Network
	if rapid.EVSEs > 0 {
		rapid.Finish()
		r.UKScope, r.UK = "rapid", rapid
	}
}

// ReliabilityFilter selects a reliability report: a CPO's network or one
// site, and a month "YYYY-MM".
type ReliabilityFilter struct {
	CPOID  string
	SiteID string
	Month  string
}

// ExclusionFilter narrows a list of exclusions; empty fields are not set.
type ExclusionFilter struct {
	CPOID string
	CPID  string
	Month string
	Page
}

// ReliabilityService computes availability from the status and connection
// history and keeps the operator's exclusions. Reading needs read access
// to the CPO (or site); exclusions need write access to the charger.
type ReliabilityService interface {
	Reliability(ctx context.Context, f ReliabilityFilter) (*ReliabilityReport, error)
	// PublicSiteReliability is a site's UK figure for the last whole month
	// before at, for the driver app; it checks no scope (the app shows it
	// only beside chargers it shows). Nil when the site has no EVSE.
	PublicSiteReliability(ctx context.Context, siteID string, at time.Time) (*SiteReliabilityFigure, string, error)
	CreateReliabilityExclusion(ctx context.Context, e *ReliabilityExclusion) error
	FindReliabilityExclusions(ctx context.Context, f ExclusionFilter) ([]*ReliabilityExclusion, int, error)
	DeleteReliabilityExclusion(ctx context.Context, id string) error
}

// Resource types of issue 17 named in audit entries.
const (
	ResourceSocketFeeStatement   = "socket-fee-statement"
	ResourceReliabilityExclusion = "reliability-exclusion"
	ResourceTicketServiceLevels  = "ticket-service-levels"
)
