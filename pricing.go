package volt

import (
	"encoding/json"
	"math"
	"math/bits"
	"sync"
	"time"
)

// Pricing rules, in one place (PriceSession and LivePricer share them):
//
// Usage. A session is its start (time and register in Wh) and the register
// readings that follow, in order; the stop reading is the last one. Energy is
// measured against the highest register seen, so a meter that goes backwards
// bills nothing for the drop and nothing twice. A reading earlier than the
// previous one counts as taken at the previous one's time.
//
// Bands. Time-of-day bands are read in the site's time zone (the snapshot's
// TimeZone). The time between two readings is split at every band boundary;
// the energy between them is split in proportion to time, exactly: with E mWh
// over duration D, the first k segments (cumulative duration c) receive
// floor(E·c/D) mWh, so the parts always add up to E.
//
// Charging and idle. An interval in which the register rose is charging time;
// a trailing run of intervals in which it did not is idle (the car is full or
// gone to sleep and occupies the bay). If the register rises again, the run
// was only a pause and becomes charging time. Idle time beyond
// IdleGraceMinutes is billed per minute, pro rata to the nanosecond. This
// needs nothing but the readings, so a CDR can always be re-priced from the
// stored meter values.
//
// Rounding (per component). Each component (energy, time, idle, session fee)
// is computed exactly from its quantities and the VAT-inclusive prices, then
// rounded half away from zero to minor units. The total including VAT is the
// sum of the rounded components, then brought up to MinPrice or down to
// MaxPrice by an adjustment line ("minimum", "maximum"). Each line's amount
// excluding VAT is its inclusive amount / (1+VATRate), rounded half away from
// zero, and the totals are the sums of the lines, so a receipt always adds
// up. Rounding the total instead can differ by a penny or more; see the test
// TestRoundingPerComponentNotTotal for figures.
//
// FreeVend prices every component at zero and applies no minimum.
//
// Export credit (V2X, issue 15). Energy the car gave back (Usage.ExportedWh)
// is credited at the snapshot's ExportPricePerKWh, VAT included, rounded
// half away from zero to minor units, as a negative "export_credit" line
// after the minimum and maximum adjustments. A session's charge is never
// negative (a CDR is a debit of the driver's wallet or card), so the credit
// is at most the total before it: the total then lies in [0, total]. What
// the credit has beyond that is Cost.ExportPayout, paid into the driver's
// wallet when the CDR settles (not part of the total, so a receipt still
// adds up).

// MeterReading is one reading of the energy import register.
type MeterReading struct {
	At time.Time `json:"at"`
	Wh int64     `json:"wh"`
}

// Usage is what a session consumed: its start and the register readings
// after it, in time order, the last being the reading priced up to (the
// stop reading for a CDR).
type Usage struct {
	Start        time.Time      `json:"start"`
	MeterStartWh int64          `json:"meterStartWh"`
	Readings     []MeterReading `json:"readings"`
	// ExportedWh is the energy given back (V2X), credited.
	ExportedWh int64 `json:"exportedWh,omitempty"`
}

// TariffSnapshot is the tariff in force when a session started, frozen with
// the site's time zone and the reason it was chosen. It is stored on the
// session as JSON (Session.TariffSnapshot) and prices both the live cost and
// the CDR, so a tariff edited mid-session changes nothing for that session.
type TariffSnapshot struct {
	Tariff      Tariff    `json:"tariff"`
	TimeZone    string    `json:"timeZone"`
	UsergroupID string    `json:"usergroupId"`
	Reason      string    `json:"reason"`
	TakenAt     time.Time `json:"takenAt"`
}

// NewTariffSnapshot freezes the quoted tariff for a session starting at at, in
// the site's time zone (IANA name; "" is UTC).
func NewTariffSnapshot(q *PriceQuote, timeZone string, at time.Time) (*TariffSnapshot, error) {
	if q == nil || q.Tariff == nil {
		return nil, Errorf(EINVALID, "No tariff to snapshot.")
	}
	if _, err := loadZone(timeZone); err != nil {
		return nil, FieldError("timeZone", "Unknown time zone %q.", timeZone)
	}
	t := *q.Tariff
	t.Bands = append([]TariffBand(nil), t.Bands...)
	if q.FreeVend {
		t.FreeVend = true
	}
	return &TariffSnapshot{Tariff: t, TimeZone: timeZone, UsergroupID: q.UsergroupID, Reason: q.Reason, TakenAt: at}, nil
}

// Marshal returns the snapshot as JSON for Session.TariffSnapshot.
func (s *TariffSnapshot) Marshal() (json.RawMessage, error) { return json.Marshal(s) }

// ParseTariffSnapshot reads a snapshot stored on a session.
func ParseTariffSnapshot(raw json.RawMessage) (*TariffSnapshot, error) {
	var s TariffSnapshot
	if err := json.Unmarshal(raw, &s); err != nil {
		return nil, Errorf(EINTERNAL, "tariff snapshot: %v", err)
	}
	if _, err := loadZone(s.TimeZone); err != nil {
		return nil, Errorf(EINTERNAL, "tariff snapshot: unknown time zone %q", s.TimeZone)
	}
	return &s, nil
}

var zoneCache sync.Map // name → *time.Location

func loadZone(name string) (*time.Location, error) {
	if l, ok := zoneCache.Load(name); ok {
		return l.(*time.Location), nil
	}
	l, err := time.LoadLocation(name)
	if err != nil {
		return nil, err
	}
	zoneCache.Store(name, l)
	return l, nil
}

// PriceSession is THE pricing function: the cost of usage under the snapshot,
// by the rules above. Live cost and CDR cost both come from it (the live path
// through LivePricer, which it uses), so the live cost at the last reading
// always equals the CDR cost.
func PriceSession(snap *TariffSnapshot, u Usage) Cost {
	p := NewLivePricer(snap, u.Start, u.MeterStartWh)
	for _, r := range u.Readings {
		p.Add(r)
	}
	p.SetExported(u.ExportedWh)
	return p.Cost()
}

// maxIntervalWh caps the energy of one interval (1 GWh) so that a corrupt
// register cannot overflow the accumulators.
const maxIntervalWh = 1_000_000_000

// LivePricer prices a session incrementally, one meter reading at a time, in
// O(bands) per reading; Cost at any point equals PriceSession over the
// readings added so far. Not safe for concurrent use.
type LivePricer struct {
	snap     *TariffSnapshot
	loc      *time.Location
	energyP  []uint64 // per slot (0 base, i+1 band i), millionths per kWh
	timeP    []uint64 // per slot, millionths per hour
	lastAt   time.Time
	highWh   int64
	energy   []int64 // mWh per slot
	charging []int64 // ns per slot
	pending  []int64 // ns per slot of the trailing idle run
	idleNs   int64   // total of pending
	segStart time.Time
	segEnd   time.Time
	segSlot  int
	exported int64 // Wh given back (V2X)
}

// NewLivePricer starts pricing a session that began at start with the
// register at meterStartWh. An unknown snapshot time zone prices in UTC
// (snapshots are validated when taken).
func NewLivePricer(snap *TariffSnapshot, start time.Time, meterStartWh int64) *LivePricer {
	loc, err := loadZone(snap.TimeZone)
	if err != nil {
		loc = time.UTC
	}
	t := &snap.Tariff
	n := len(t.Bands) + 1
	p := &LivePricer{snap: snap, loc: loc, lastAt: start, highWh: meterStartWh,
		energyP: make([]uint64, n), timeP: make([]uint64, n),
		energy: make([]int64, n), charging: make([]int64, n), pending: make([]int64, n)}
	p.energyP[0], p.timeP[0] = uint64(t.EnergyPricePerKWh.micro), uint64(t.TimePricePerHour.micro)
	for i, b := range t.Bands {
		p.energyP[i+1], p.timeP[i+1] = p.energyP[0], p.timeP[0]
		if b.EnergyPricePerKWh != nil {
			p.energyP[i+1] = uint64(b.EnergyPricePerKWh.micro)
		}
		if b.TimePricePerHour != nil {
			p.timeP[i+1] = uint64(b.TimePricePerHour.micro)
		}
	}
	return p
}

// Add accounts for the next register reading.
func (p *LivePricer) Add(r MeterReading) {
	at := r.At
	if at.Before(p.lastAt) {
		at = p.lastAt
	}
	var mwh int64
	if r.Wh > p.highWh {
		mwh = min(r.Wh-p.highWh, maxIntervalWh) * 1000
		p.highWh = r.Wh
	}
	dur := int64(at.Sub(p.lastAt))
	if dur <= 0 {
		slot, _ := p.segment(p.lastAt)
		p.energy[slot] += mwh
	}
	t, cum, assigned := p.lastAt, int64(0), int64(0)
	for t.Before(at) {
		slot, end := p.segment(t)
		if end.After(at) {
			end = at
		}
		d := int64(end.Sub(t))
		cum += d
		share := mulDivFloor(uint64(mwh), uint64(cum), uint64(dur)) - assigned
		assigned += share
		p.energy[slot] += share
		if mwh > 0 {
			p.charging[slot] += d
		} else {
			p.pending[slot] += d
			p.idleNs += d
		}
		t = end
	}
	if mwh > 0 && p.idleNs > 0 { // the flat run was a pause, not idle
		for i, d := range p.pending {
			p.charging[i] += d
			p.pending[i] = 0
		}
		p.idleNs = 0
	}
	p.lastAt = at
}

// SetExported sets the energy the car has given back so far, in Wh
// (negative counts as none); Cost credits it.
func (p *LivePricer) SetExported(wh int64) { p.exported = min(max(wh, 0), maxIntervalWh) }

// segment returns the price slot in force at t and when it ends: the next
// band boundary or local midnight, whichever comes first.
func (p *LivePricer) segment(t time.Time) (int, time.Time) {
	if !t.Before(p.segStart) && t.Before(p.segEnd) {
		return p.segSlot, p.segEnd
	}
	lt := t.In(p.loc)
	y, m, d := lt.Date()
	sec := lt.Hour()*3600 + lt.Minute()*60 + lt.Second()
	wd := lt.Weekday()
	slot, next := 0, 1440
	for i := range p.snap.Tariff.Bands {
		b := &p.snap.Tariff.Bands[i]
		if !b.appliesOn(wd) {
			continue
		}
		if b.StartMinute*60 <= sec && sec < b.EndMinute*60 {
			slot, next = i+1, min(next, b.EndMinute)
		} else if b.StartMinute*60 > sec {
			next = min(next, b.StartMinute)
		}
	}
	end := time.Date(y, m, d, next/60, next%60, 0, 0, p.loc)
	if !end.After(t) { // a wall-clock time skipped by a DST change
		end = t.Add(time.Second)
	}
	p.segStart, p.segEnd, p.segSlot = t, end, slot
	return slot, end
}

// Cost returns the cost so far, by the rounding rule above.
func (p *LivePricer) Cost() Cost {
	t := &p.snap.Tariff
	exp := CurrencyExponent(t.Currency)
	if exp < 0 {
		exp = 2
	}
	free := t.FreeVend
	c := Cost{Currency: t.Currency, VATRate: t.VATRate.String(), Components: make([]CostLine, 0, 5)}
	add := func(component, unit string, qty Decimal, incl int64) {
		if free {
			incl = 0
		}
		c.Components = append(c.Components, CostLine{Component: component, Quantity: qty.String(), Unit: unit,
			InclVAT: incl, ExclVAT: exclVAT(incl, t.VATRate)})
		c.InclVAT += incl
	}
	var kwh, hours int64
	var eSum, tSum u128
	for i := range p.energy {
		kwh += p.energy[i]
		hours += p.charging[i]
		eSum = eSum.add(mul128(uint64(p.energy[i]), p.energyP[i]))
		tSum = tSum.add(mul128(uint64(p.charging[i]), p.timeP[i]))
	}
	add("energy", "kWh", Decimal{kwh}, eSum.divRound(uint64(pow10(12-exp))))
	if p.hasTimePrice() {
		add("time", "h", Decimal{roundDivHalfUp(hours, 3_600_000)},
			tSum.divRound(uint64(3_600_000_000_000_000_000/pow10(exp))))
	}
	if !t.IdleFeePerMinute.IsZero() {
		idle := max(0, p.idleNs-int64(t.IdleGraceMinutes)*int64(time.Minute))
		amt := mul128(uint64(idle), uint64(t.IdleFeePerMinute.micro)).divRound(uint64(60_000_000_000_000_000 / pow10(exp)))
		add("idle", "min", Decimal{roundDivHalfUp(idle, 60_000)}, amt)
	}
	if !t.SessionFee.IsZero() {
		add("session_fee", "session", NewDecimalInt(1), t.SessionFee.RoundMinor(exp))
	}
	if !free {
		if lo := t.MinPrice.RoundMinor(exp); c.InclVAT < lo {
			add("minimum", "session", NewDecimalInt(1), lo-c.InclVAT)
		} else if t.MaxPrice != nil {
			if hi := t.MaxPrice.RoundMinor(exp); c.InclVAT > hi {
				add("maximum", "session", NewDecimalInt(1), hi-c.InclVAT)
			}
		}
	}
	if t.ExportPricePerKWh != nil && p.exported > 0 { // free vend: a zero line
		credit := mul128(uint64(p.exported), uint64(t.ExportPricePerKWh.micro)).divRound(uint64(pow10(9 - exp)))
		capped := min(credit, max(c.InclVAT, 0))
		add("export_credit", "kWh", Decimal{p.exported * 1000}, -capped)
		if !free {
			c.ExportPayout = credit - capped
		}
	}
	for _, l := range c.Components {
		c.ExclVAT += l.ExclVAT
	}
	return c
}

func (p *LivePricer) hasTimePrice() bool {
	for _, v := range p.timeP {
		if v != 0 {
			return true
		}
	}
	return false
}

// exclVAT returns the amount excluding VAT of incl (minor units, VAT
// included at rate), rounded half away from zero.
func exclVAT(incl int64, rate Decimal) int64 {
	if incl == 0 {
		return 0
	}
	q := mul128(absU(incl), decimalScale).divRound(uint64(decimalScale + rate.micro))
	if incl < 0 {
		return -q
	}
	return q
}

// VATOf splits an amount including VAT at rate into the amount excluding VAT
// and the VAT, by the same rounding as cost lines.
func VATOf(incl int64, rate Decimal) (excl, vat int64) {
	excl = exclVAT(incl, rate)
	return excl, incl - excl
}

// u128 is an unsigned 128-bit integer for exact quantity × price sums.
type u128 struct{ hi, lo uint64 }

func mul128(a, b uint64) u128 { hi, lo := bits.Mul64(a, b); return u128{hi, lo} }

func (x u128) add(y u128) u128 {
	lo, carry := bits.Add64(x.lo, y.lo, 0)
	hi, _ := bits.Add64(x.hi, y.hi, carry)
	return u128{hi, lo}
}

// divRound returns x/d rounded half up, saturated at MaxInt64.
func (x u128) divRound(d uint64) int64 {
	if x.hi >= d {
		return math.MaxInt64
	}
	q, r := bits.Div64(x.hi, x.lo, d)
	if r >= d-r {
		q++
	}
	if q > math.MaxInt64 {
		return math.MaxInt64
	}
	return int64(q)
}

// mulDivFloor returns floor(a·b/c) for b ≤ c, c > 0.
func mulDivFloor(a, b, c uint64) int64 {
	hi, lo := bits.Mul64(a, b)
	q, _ := bits.Div64(hi, lo, c)
	return int64(q)
}
