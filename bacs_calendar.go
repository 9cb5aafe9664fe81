package volt

import (
	"slices"
	"strings"
	"time"
)

// Issue 19: Bacs works on the English and Welsh banking days: Monday to
// Friday except the bank holidays of England and Wales. The regular ones
// are computed here; one-off closures announced by proclamation (a royal
// wedding, a jubilee, a coronation) are known for the past and set by the
// operator for the future (BacsCalendar).

// BankHoliday is one bank holiday of England and Wales.
type BankHoliday struct {
	// Date is the day at midnight UTC.
	Date time.Time
	// Name is its name as gov.uk writes it, with "(substitute day)" when
	// it is taken on the next weekday.
	Name string
}

// bankHolidayChange is a published change to the regular holidays: a
// holiday moved (From set, To set) or an extra one (From zero).
type bankHolidayChange struct {
	from, to string
	name     string
}

// bankHolidayChanges are the one-off changes proclaimed since 1995, from
// the gov.uk list of bank holidays and the proclamations before it.
var bankHolidayChanges = map[int][]bankHolidayChange{
	1995: {{from: "1995-05-01", to: "1995-05-08", name: "Early May bank holiday (VE day)"}},
	1999: {{to: "1999-12-31", name: "Millennium celebrations"}},
	2002: {{from: "2002-05-27", to: "2002-06-04", name: "Spring bank holiday"}, {to: "2002-06-03", name: "Golden Jubilee bank holiday"}},
	2011: {{to: "2011-04-29", name: "Royal wedding"}},
	2012: {{from: "2012-05-28", to: "2012-06-04", name: "Spring bank holiday"}, {to: "2012-06-05", name: "Queen’s Diamond Jubilee"}},
	2020: {{from: "2020-05-04", to: "2020-05-08", name: "Early May bank holiday (VE day)"}},
	2022: {{from: "2022-05-30", to: "2022-06-02", name: "Spring bank holiday"}, {to: "2022-06-03", name: "Platinum Jubilee bank holiday"},
		{to: "2022-09-19", name: "Bank Holiday for the State Funeral of Queen Elizabeth II"}},
	2023: {{to: "2023-05-08", name: "Bank holiday for the coronation of King Charles III"}},
}

// EasterSunday is Easter Sunday of the Gregorian year (the anonymous
// Gregorian computus), at midnight UTC.
func EasterSunday(year int) time.Time {
	a := year % 19
	b, c := year/100, year%100
	d, e := b/4, b%4
	f := (b + 8) / 25
	g := (b - f + 1) / 3
	h := (19*a + b - d - g + 15) % 30
	i, k := c/4, c%4
	l := (32 + 2*e + 2*i - h - k) % 7
	m := (a + 11*h + 22*l) / 451
	month := (h + l - 7*m + 114) / 31
	day := (h+l-7*m+114)%31 + 1
	return time.Date(year, time.Month(month), day, 0, 0, 0, 0, time.UTC)
}

// nthMonday is the n-th Monday of the month (n = -1: the last one).
func nthMonday(year int, month time.Month, n int) time.Time {
	if n < 0 {
		d := time.Date(year, month+1, 0, 0, 0, 0, 0, time.UTC) // the month's last day
		return d.AddDate(0, 0, -((int(d.Weekday()) + 6) % 7))
	}
	d := time.Date(year, month, 1, 0, 0, 0, 0, time.UTC)
	return d.AddDate(0, 0, (8-int(d.Weekday()))%7+7*(n-1))
}

func isWeekend(d time.Time) bool {
	return d.Weekday() == time.Saturday || d.Weekday() == time.Sunday
}

// EnglandWalesBankHolidays lists the bank holidays of England and Wales in
// year, in date order: New Year's Day, Good Friday, Easter Monday, the
// early May (first Monday), spring (last Monday of May) and summer (last
// Monday of August) bank holidays, Christmas Day and Boxing Day. A New
// Year's, Christmas or Boxing Day on a weekend is taken on the next
// weekday not already a holiday (Banking and Financial Dealings Act 1971,
// schedule 1). The one-off changes proclaimed since 1995 are applied.
func EnglandWalesBankHolidays(year int) []BankHoliday {
	var out []BankHoliday
	taken := map[time.Time]bool{}
	add := func(d time.Time, name string) {
		out = append(out, BankHoliday{Date: d, Name: name})
		taken[d] = true
	}
	// substitute adds a fixed-date holiday, or the next free weekday when
	// it falls on a weekend.
	substitute := func(d time.Time, name string) {
		if !isWeekend(d) {
			add(d, name)
			return
		}
		for isWeekend(d) || taken[d] {
			d = d.AddDate(0, 0, 1)
		}
		add(d, name+" (substitute day)")
	}
	substitute(time.Date(year, 1, 1, 0, 0, 0, 0, time.UTC), "New Year’s Day")
	easter := EasterSunday(year)
	add(easter.AddDate(0, 0, -2), "Good Friday")
	add(easter.AddDate(0, 0, 1), "Easter Monday")
	add(nthMonday(year, time.May, 1), "Early May bank holiday")
	add(nthMonday(year, time.May, -1), "Spring bank holiday")
	add(nthMonday(year, time.August, -1), "Summer bank holiday")
	// Christmas first: on a Saturday both it and Boxing Day move (27th
	// and 28th); on a Sunday Christmas takes the 27th, Boxing Day keeps
	// the 26th.
	christmas := time.Date(year, 12, 25, 0, 0, 0, 0, time.UTC)
	boxing := christmas.AddDate(0, 0, 1)
	if christmas.Weekday() == time.Sunday {
		add(boxing, "Boxing Day")
		substitute(christmas, "Christmas Day")
	} else {
		substitute(christmas, "Christmas Day")
		substitute(boxing, "Boxing Day")
	}
	for _, c := range bankHolidayChanges[year] {
		if c.from != "" {
			from, _ := time.Parse(time.DateOnly, c.from)
			out = slices.DeleteFunc(out, func(h BankHoliday) bool { return h.Date.Equal(from) })
		}
		to, _ := time.Parse(time.DateOnly, c.to)
		out = append(out, BankHoliday{Date: to, Name: c.name})
	}
	slices.SortFunc(out, func(a, b BankHoliday) int { return a.Date.Compare(b.Date) })
	return out
}

// BacsCalendar is when Bacs works: weekdays that are not bank holidays of
// England and Wales, with the operator's corrections for holidays the
// built-in rules cannot know (a proclaimed one-off closure, or a regular
// holiday moved away from its day). The zero value holds no corrections.
type BacsCalendar struct {
	// Closed are extra non-working days (e.g. a coronation), midnight UTC.
	Closed []time.Time
	// Open are days the rules make holidays that are working days (the day
	// a holiday was moved from), midnight UTC.
	Open []time.Time
}

// ParseBacsDays reads a comma-separated list of dates (2006-01-02), as the
// VOLT_BACS_CLOSED_DAYS and VOLT_BACS_OPEN_DAYS settings hold them.
func ParseBacsDays(field, s string) ([]time.Time, error) {
	var out []time.Time
	for _, f := range strings.Split(s, ",") {
		if f = strings.TrimSpace(f); f == "" {
			continue
		}
		d, err := time.Parse(time.DateOnly, f)
		if err != nil {
			return nil, FieldError(field, "%q is not a date (YYYY-MM-DD).", f)
		}
		out = append(out, d)
	}
	return out, nil
}

func containsDay(days []time.Time, d time.Time) bool {
	return slices.ContainsFunc(days, func(x time.Time) bool { return x.UTC().Truncate(24 * time.Hour).Equal(d) })
}

// IsWorkingDay tells whether Bacs works on the day of t (UTC).
func (c BacsCalendar) IsWorkingDay(t time.Time) bool {
	d := t.UTC().Truncate(24 * time.Hour)
	if isWeekend(d) || containsDay(c.Closed, d) {
		return false
	}
	if containsDay(c.Open, d) {
		return true
	}
	for _, h := range EnglandWalesBankHolidays(d.Year()) {
		if h.Date.Equal(d) {
			return false
		}
	}
	return true
}

// NextWorkingDay is the first working day after the day of t.
func (c BacsCalendar) NextWorkingDay(t time.Time) time.Time {
	d := t.UTC().Truncate(24*time.Hour).AddDate(0, 0, 1)
	for !c.IsWorkingDay(d) {
		d = d.AddDate(0, 0, 1)
	}
	return d
}

// ProcessingDay is the Bacs processing day of a file made at created:
// the input day is the day it is made in the UK (ukDate), or the next
// working day when made on a weekend or holiday, and the file is processed
// on the working day after its input day (day 2 of the 3-day cycle).
func (c BacsCalendar) ProcessingDay(created time.Time) time.Time {
	input := ukDate(created)
	if !c.IsWorkingDay(input) {
		input = c.NextWorkingDay(input)
	}
	return c.NextWorkingDay(input)
}

// ukDate is the calendar day of t in the UK, as midnight UTC of that day:
// British Summer Time (UTC+1) runs from 01:00 UTC on the last Sunday of
// March to 01:00 UTC on the last Sunday of October (the rule since 1998),
// so a file made at 23:30 UTC in July is made the next day in London. The
// rule is built in rather than read from the system's time zone database,
// which a minimal container may not have.
func ukDate(t time.Time) time.Time {
	u := t.UTC()
	if y := u.Year(); !u.Before(lastSunday(y, time.March).Add(time.Hour)) && u.Before(lastSunday(y, time.October).Add(time.Hour)) {
		u = u.Add(time.Hour)
	}
	return u.Truncate(24 * time.Hour)
}

// lastSunday is midnight UTC of the last Sunday of month in year.
func lastSunday(year int, month time.Month) time.Time {
	d := time.Date(year, month+1, 0, 0, 0, 0, 0, time.UTC) // the month's last day
	return d.AddDate(0, 0, -int(d.Weekday()))
}
