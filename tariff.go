package volt

import (
	"context"
	"fmt"
	"slices"
	"strings"
	"time"
)

// PrefixTariffAssignment is the ID prefix of a TariffAssignment.
const PrefixTariffAssignment = "tas"

// maxUnitPrice bounds every unit price and fee (1,000,000 currency units) so
// that no cost computation can overflow.
var maxUnitPrice = NewDecimalInt(1_000_000)

// Tariff is the price of charging when a user in a usergroup charges in a
// charger group (see TariffAssignment). Every amount includes VAT at VATRate
// ("0.20" for 20 %), in Currency, which must be the CPO's currency.
//
// Components: energy per kWh, charging time per hour, an idle (overstay) fee
// per minute once the idle time exceeds IdleGraceMinutes, a flat session fee,
// and a minimum and optional maximum for the session total. Bands override the
// energy and time prices in their window of the site's local time. FreeVend
// makes every session free whatever the prices say. See PriceSession.
type Tariff struct {
	ID                string       `json:"id"`
	CPOID             string       `json:"cpoId"`
	Name              string       `json:"name"`
	Currency          string       `json:"currency"`
	VATRate           Decimal      `json:"vatRate"`
	EnergyPricePerKWh Decimal      `json:"energyPricePerKwh"`
	TimePricePerHour  Decimal      `json:"timePricePerHour"`
	IdleFeePerMinute  Decimal      `json:"idleFeePerMinute"`
	IdleGraceMinutes  int          `json:"idleGraceMinutes"`
	SessionFee        Decimal      `json:"sessionFee"`
	MinPrice          Decimal      `json:"minPrice"`
	MaxPrice          *Decimal     `json:"maxPrice,omitempty"`
	Bands             []TariffBand `json:"bands"`
	FreeVend          bool         `json:"freeVend"`
	// ExportPricePerKWh is what a driver is credited per kWh their car
	// gives back (V2X, OCPP 2.1; issue 15), VAT included like the other
	// prices; nil takes the site's load management default
	// (LoadManagement.ExportPricePerKWh) when the session starts.
	ExportPricePerKWh *Decimal  `json:"exportPricePerKwh,omitempty"`
	CreatedAt         time.Time `json:"createdAt"`
	UpdatedAt         time.Time `json:"updatedAt"`
}

// TariffBand overrides the energy and/or time price of its tariff from
// StartMinute (inclusive) to EndMinute (exclusive), counted in minutes from
// local midnight at the site (0..1440), on DaysOfWeek (empty: every day). A
// band never wraps midnight: 22:00–06:00 is two bands, 1320–1440 and 0–360.
// Bands of one tariff must not overlap. A nil price keeps the tariff's own.
type TariffBand struct {
	Name              string         `json:"name"`
	DaysOfWeek        []time.Weekday `json:"daysOfWeek"` // 0 Sunday .. 6 Saturday
	StartMinute       int            `json:"startMinute"`
	EndMinute         int            `json:"endMinute"`
	EnergyPricePerKWh *Decimal       `json:"energyPricePerKwh,omitempty"`
	TimePricePerHour  *Decimal       `json:"timePricePerHour,omitempty"`
}

// appliesOn reports whether the band applies on weekday w.
func (b *TariffBand) appliesOn(w time.Weekday) bool {
	return len(b.DaysOfWeek) == 0 || slices.Contains(b.DaysOfWeek, w)
}

// Validate checks the tariff's own fields: a name, a known currency, amounts
// that are non-negative and not absurd, fees and limits expressible in minor
// units, a VAT rate in [0, 1), min ≤ max, and bands that are well formed and
// do not overlap. Each problem is a FieldError naming the field.
func (t *Tariff) Validate() error {
	t.Name = strings.TrimSpace(t.Name)
	if t.Name == "" {
		return FieldError("name", "Tariff name required.")
	}
	t.Currency = strings.ToUpper(strings.TrimSpace(t.Currency))
	if !ValidCurrency(t.Currency) {
		return FieldError("currency", "Unknown currency %q.", t.Currency)
	}
	if t.VATRate.Sign() < 0 || t.VATRate.Cmp(NewDecimalInt(1)) >= 0 {
		return FieldError("vatRate", "VAT rate must be a fraction from 0 to below 1, like \"0.20\"; got %s.", t.VATRate)
	}
	for _, p := range []struct {
		field string
		v     Decimal
	}{
		{"energyPricePerKwh", t.EnergyPricePerKWh}, {"timePricePerHour", t.TimePricePerHour},
		{"idleFeePerMinute", t.IdleFeePerMinute},
	} {
		if err := checkPrice(p.field, p.v); err != nil {
			return err
		}
	}
	if t.ExportPricePerKWh != nil {
		if err := checkPrice("exportPricePerKwh", *t.ExportPricePerKWh); err != nil {
			return err
		}
	}
	exp := CurrencyExponent(t.Currency)
	for _, p := range []struct {
		field string
		v     *Decimal
	}{{"sessionFee", &t.SessionFee}, {"minPrice", &t.MinPrice}, {"maxPrice", t.MaxPrice}} {
		if p.v == nil {
			continue
		}
		if err := checkPrice(p.field, *p.v); err != nil {
			return err
		}
		if _, ok := p.v.ExactMinor(exp); !ok {
			return FieldError(p.field, "%s must be a whole number of minor units of %s (%d decimal places), got %s.",
				p.field, t.Currency, exp, *p.v)
		}
	}
	if t.MaxPrice != nil && t.MaxPrice.Cmp(t.MinPrice) < 0 {
		return FieldError("maxPrice", "Maximum price %s is below the minimum price %s.", *t.MaxPrice, t.MinPrice)
	}
	if t.IdleGraceMinutes < 0 || t.IdleGraceMinutes > 7*1440 {
		return FieldError("idleGraceMinutes", "Idle grace must be 0 to 10080 minutes, got %d.", t.IdleGraceMinutes)
	}
	return validateBands(t.Bands)
}

// ValidateForCPO checks that the tariff is priced in the CPO's currency.
func (t *Tariff) ValidateForCPO(c *CPO) error {
	if t.Currency != c.Currency {
		return FieldError("currency", "Tariff currency %s differs from the CPO's currency %s.", t.Currency, c.Currency)
	}
	return nil
}

func checkPrice(field string, v Decimal) error {
	if v.Sign() < 0 {
		return FieldError(field, "%s must not be negative, got %s.", field, v)
	}
	if v.Cmp(maxUnitPrice) > 0 {
		return FieldError(field, "%s must be at most %s, got %s.", field, maxUnitPrice, v)
	}
	return nil
}

func validateBands(bands []TariffBand) error {
	for i := range bands {
		b := &bands[i]
		field := fmt.Sprintf("bands[%d]", i)
		if b.StartMinute < 0 || b.EndMinute > 1440 || b.StartMinute >= b.EndMinute {
			return FieldError(field, "Band minutes must satisfy 0 ≤ start < end ≤ 1440 (split bands over midnight in two); got %d–%d.",
				b.StartMinute, b.EndMinute)
		}
		seen := map[time.Weekday]bool{}
		for _, d := range b.DaysOfWeek {
			if d < time.Sunday || d > time.Saturday || seen[d] {
				return FieldError(field, "Band days must be distinct weekdays 0 (Sunday) to 6 (Saturday).")
			}
			seen[d] = true
		}
		for _, p := range []*Decimal{b.EnergyPricePerKWh, b.TimePricePerHour} {
			if p != nil {
				if err := checkPrice(field, *p); err != nil {
					return err
				}
			}
		}
		for j := range i {
			if bandsOverlap(&bands[j], b) {
				return FieldError(field, "Band %d (%s) overlaps band %d (%s).", i, b.window(), j, bands[j].window())
			}
		}
	}
	return nil
}

func bandsOverlap(a, b *TariffBand) bool {
	if a.StartMinute >= b.EndMinute || b.StartMinute >= a.EndMinute {
		return false
	}
	for d := time.Sunday; d <= time.Saturday; d++ {
		if a.appliesOn(d) && b.appliesOn(d) {
			return true
		}
	}
	return false
}

func (b *TariffBand) window() string {
	return fmt.Sprintf("%02d:%02d–%02d:%02d", b.StartMinute/60, b.StartMinute%60, b.EndMinute/60, b.EndMinute%60)
}

// FreeVendTariff returns the zero tariff used for free vend (engineers
// charging for testing): every component costs nothing.
func FreeVendTariff(currency string) *Tariff {
	return &Tariff{ID: "free-vend", Name: "Free vend", Currency: currency, FreeVend: true}
}

// TariffAssignment applies a tariff to the users of a usergroup (or
// PublicUsergroupID for everyone) charging in a charger group. On a private
// charger group, the usergroups with an assignment are the ones admitted.
type TariffAssignment struct {
	ID             string    `json:"id"`
	TariffID       string    `json:"tariffId"`
	UsergroupID    string    `json:"usergroupId"`
	ChargerGroupID string    `json:"chargerGroupId"`
	CreatedAt      time.Time `json:"createdAt"`
}

// Validate checks the assignment's own fields.
func (a *TariffAssignment) Validate() error {
	switch {
	case a.TariffID == "":
		return FieldError("tariffId", "Tariff assignment requires a tariff.")
	case a.UsergroupID == "":
		return FieldError("usergroupId", "Tariff assignment requires a usergroup (%q for Public).", PublicUsergroupID)
	case a.ChargerGroupID == "":
		return FieldError("chargerGroupId", "Tariff assignment requires a charger group.")
	}
	return nil
}

// PriceQuote answers which tariff applies to a user on a charger and why.
type PriceQuote struct {
	CPID           string  `json:"cpid,omitempty"`
	ChargerGroupID string  `json:"chargerGroupId"`
	UserID         string  `json:"userId,omitempty"`
	Tariff         *Tariff `json:"tariff"`
	UsergroupID    string  `json:"usergroupId"` // the assignment that won; "" for free vend
	FreeVend       bool    `json:"freeVend"`
	Reason         string  `json:"reason"`
}

// TariffFilter narrows a list of tariffs.
type TariffFilter struct {
	ID       string
	CPOID    string
	Currency string
	Page
}

// TariffAssignmentFilter narrows a list of tariff assignments.
type TariffAssignmentFilter struct {
	TariffID       string
	UsergroupID    string
	ChargerGroupID string
	Page
}

// TariffService manages tariffs and their assignments and answers which
// tariff applies (using SelectTariff). Every method authorises the actor in
// ctx like HierarchyService does.
type TariffService interface {
	FindTariffByID(ctx context.Context, id string) (*Tariff, error)
	FindTariffs(ctx context.Context, f TariffFilter) ([]*Tariff, int, error)
	// CreateTariff validates the tariff, including ValidateForCPO.
	CreateTariff(ctx context.Context, t *Tariff) error
	// UpdateTariff changes a tariff; sessions in progress keep their snapshot.
	UpdateTariff(ctx context.Context, t *Tariff) error
	DeleteTariff(ctx context.Context, id string) error

	FindTariffAssignments(ctx context.Context, f TariffAssignmentFilter) ([]*TariffAssignment, int, error)
	// CreateTariffAssignment is ECONFLICT if the usergroup already has a
	// tariff on the charger group.
	CreateTariffAssignment(ctx context.Context, a *TariffAssignment) error
	DeleteTariffAssignment(ctx context.Context, id string) error

	// PriceFor answers which tariff applies to userID ("" for a guest) on the
	// charger cpid now, and why; EFORBIDDEN with the reason when none does.
	PriceFor(ctx context.Context, cpid, userID string) (*PriceQuote, error)
}

// TariffChoice is what SelectTariff needs to pick the tariff for a user on a
// charger group: the group, the user's usergroups (without Public), the
// group's assignments with their tariffs, and when and where (for the
// reference session that compares prices).
type TariffChoice struct {
	ChargerGroup *ChargerGroup
	UserID       string       // "" for a guest
	Usergroups   []*Usergroup // the user's, without Public
	Assignments  []*TariffAssignment
	Tariffs      map[string]*Tariff // by ID, for the assignments
	At           time.Time
	TimeZone     string // the site's
	Currency     string // the CPO's, for the free vend tariff
}

// ReferenceUsage is the session SelectTariff prices to compare tariffs:
// 20 kWh delivered evenly over two hours from start.
func ReferenceUsage(start time.Time) Usage {
	return Usage{Start: start, Readings: []MeterReading{{At: start.Add(2 * time.Hour), Wh: 20_000}}}
}

// SelectTariff picks the tariff that applies, with the reason, by this rule:
//
//  1. A user whose engineer usergroup reaches the charger group charges free
//     (free vend, for testing), on public and private groups alike.
//  2. Otherwise the tariffs assigned on the group to the user's own
//     usergroups (private ones joined by affiliate code, or any other) are the
//     candidates; if there are several, the cheapest for the reference session
//     (ReferenceUsage at At, in the site's time zone) wins, ties going to the
//     lowest tariff ID, so the answer is stable and the driver is never
//     charged more than a tariff they are entitled to.
//  3. With no candidate, a public group applies its Public tariff.
//  4. A private group admits only usergroups with an assignment on it: a user
//     with none is EFORBIDDEN. A public group with no Public tariff is
//     EFORBIDDEN too (nothing to price the session with).
func SelectTariff(in TariffChoice) (*PriceQuote, error) {
	g := in.ChargerGroup
	q := &PriceQuote{ChargerGroupID: g.ID, UserID: in.UserID}
	for _, ug := range in.Usergroups {
		if ug.Role == RoleEngineer && ug.Grant().covers(g.Ref()) {
			q.Tariff, q.FreeVend = FreeVendTariff(currencyOfAssignments(in)), true
			q.Reason = "Free vend: engineer of usergroup " + ug.Name + " testing on this charger group."
			return q, nil
		}
	}
	mine := map[string]*Usergroup{}
	for _, ug := range in.Usergroups {
		mine[ug.ID] = ug
	}
	var best *TariffAssignment
	var bestCost int64
	var public *TariffAssignment
	for _, a := range in.Assignments {
		t := in.Tariffs[a.TariffID]
		if t == nil || a.ChargerGroupID != g.ID {
			continue
		}
		if a.UsergroupID == PublicUsergroupID {
			public = a
			continue
		}
		if mine[a.UsergroupID] == nil {
			continue
		}
		cost := referenceCost(t, in)
		if best == nil || cost < bestCost || (cost == bestCost && a.TariffID < best.TariffID) {
			best, bestCost = a, cost
		}
	}
	switch {
	case best != nil:
		q.Tariff, q.UsergroupID = in.Tariffs[best.TariffID], best.UsergroupID
		q.Reason = fmt.Sprintf("Tariff %q of your usergroup %s, the cheapest of your usergroups' tariffs on this charger group.",
			q.Tariff.Name, mine[best.UsergroupID].Name)
	case g.Private:
		return nil, Errorf(EFORBIDDEN, "Charger group %q is private and none of your usergroups has access to it.", g.Name)
	case public != nil:
		q.Tariff, q.UsergroupID = in.Tariffs[public.TariffID], PublicUsergroupID
		q.Reason = fmt.Sprintf("Public tariff %q of this charger group.", q.Tariff.Name)
	default:
		return nil, Errorf(EFORBIDDEN, "Charger group %q has no Public tariff.", g.Name)
	}
	return q, nil
}

func referenceCost(t *Tariff, in TariffChoice) int64 {
	snap := &TariffSnapshot{Tariff: *t, TimeZone: in.TimeZone}
	return PriceSession(snap, ReferenceUsage(in.At)).InclVAT
}

func currencyOfAssignments(in TariffChoice) string {
	if in.Currency != "" {
		return in.Currency
	}
	for _, a := range in.Assignments {
		if t := in.Tariffs[a.TariffID]; t != nil {
			return t.Currency
		}
	}
	return "GBP"
}
