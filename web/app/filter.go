package app

import (
	"fmt"
	"net/http"
	"strconv"
	"time"

	volt "github.com/volt-ev/volt"
)

// findFilter narrows the charger list and map: only chargers with a
// connector free now, of a type, of at least a power.
type findFilter struct {
	Available bool
	Type      string // a connector family ("type2", "ccs2", ...), "" any
	MinKW     int
}

// typeChoice is one option of the connector type filter.
type typeChoice struct{ Value, Label string }

// TypeChoices are the plug types a driver can filter by.
func (findFilter) TypeChoices() []typeChoice {
	return []typeChoice{{"type2", "Type 2"}, {"ccs2", "CCS"}, {"chademo", "CHAdeMO"}, {"threePin", "3-pin"}}
}

// PowerChoices are the minimum powers a driver can filter by, in kW.
func (findFilter) PowerChoices() []int { return []int{7, 22, 50, 150} }

// Active reports whether any filter is set.
func (f findFilter) Active() bool { return f.Available || f.Type != "" || f.MinKW > 0 }

func readFindFilter(r *http.Request) findFilter {
	q := r.URL.Query()
	f := findFilter{Available: q.Get("available") == "1"}
	for _, c := range f.TypeChoices() {
		if q.Get("type") == c.Value {
			f.Type = c.Value
		}
	}
	if kw, err := strconv.Atoi(q.Get("minKw")); err == nil && kw > 0 && kw <= volt.MaxConnectorPowerW/1000 {
		f.MinKW = kw
	}
	return f
}

// matches reports whether one connector passes every filter.
func (f findFilter) matches(c connView) bool {
	return (!f.Available || c.Free) && (f.Type == "" || c.Family == f.Type) && c.MaxPowerW >= f.MinKW*1000
}

// apply keeps the chargers with at least one connector that passes.
func (f findFilter) apply(cards []chargerCard) []chargerCard {
	if !f.Active() {
		return cards
	}
	out := cards[:0:0]
	for _, c := range cards {
		for _, k := range c.Connectors {
			if f.matches(k) {
				out = append(out, c)
				break
			}
		}
	}
	return out
}

// Avail is the charger's availability as the map pin shows it:
// "available" (a connector is free), "busy" or "offline".
func (c chargerCard) Avail() string {
	switch {
	case !c.Online:
		return "offline"
	case c.Free > 0:
		return "available"
	}
	return "busy"
}

// AvailLabel says Avail in words, for the pin's title.
func (c chargerCard) AvailLabel() string {
	switch c.Avail() {
	case "offline":
		return "offline"
	case "available":
		return fmt.Sprintf("%d free", c.Free)
	}
	return "in use"
}

// updatedAgo says how fresh the charger's availability is: from the newest
// of its last message and its connectors' last status.
func (a *App) updatedAgo(ch *volt.Charger) string {
	var at time.Time
	if ch.LastSeenAt != nil {
		at = *ch.LastSeenAt
	}
	for _, k := range ch.Connectors {
		if k.StatusAt.After(at) {
			at = k.StatusAt
		}
	}
	if at.IsZero() {
		return "not updated yet"
	}
	switch m := int(a.now().Sub(at) / time.Minute); {
	case m < 1:
		return "updated just now"
	case m == 1:
		return "updated 1 min ago"
	case m < 120:
		return fmt.Sprintf("updated %d min ago", m)
	case m < 48*60:
		return fmt.Sprintf("updated %d h ago", m/60)
	default:
		return fmt.Sprintf("updated %d days ago", m/(24*60))
	}
}
