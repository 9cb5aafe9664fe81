package volt_test

import (
	"strings"
	"testing"
	"time"

	volt "github.com/volt-ev/volt"
)

// TestEnglandWalesBankHolidays: the computed holidays of several years are
// the dates gov.uk publishes for England and Wales, with substitute days
// (New Year on a weekend, Christmas on a Saturday or Sunday, Boxing Day on
// a Saturday) and the proclaimed changes (2012 and 2022 jubilees, 2020's
// early May moved to VE day, 2022's state funeral, 2023's coronation).
func TestEnglandWalesBankHolidays(t *testing.T) {
	want := map[int]string{
		2012: "01-02 04-06 04-09 05-07 06-04 06-05 08-27 12-25 12-26",
		2019: "01-01 04-19 04-22 05-06 05-27 08-26 12-25 12-26",
		2020: "01-01 04-10 04-13 05-08 05-25 08-31 12-25 12-28",
		2021: "01-01 04-02 04-05 05-03 05-31 08-30 12-27 12-28",
		2022: "01-03 04-15 04-18 05-02 06-02 06-03 08-29 09-19 12-26 12-27",
		2023: "01-02 04-07 04-10 05-01 05-08 05-29 08-28 12-25 12-26",
		2024: "01-01 03-29 04-01 05-06 05-27 08-26 12-25 12-26",
		2025: "01-01 04-18 04-21 05-05 05-26 08-25 12-25 12-26",
		2026: "01-01 04-03 04-06 05-04 05-25 08-31 12-25 12-28",
		2027: "01-01 03-26 03-29 05-03 05-31 08-30 12-27 12-28",
	}
	for year, w := range want {
		var got []string
		for _, h := range volt.EnglandWalesBankHolidays(year) {
			if h.Date.Year() != year || h.Name == "" {
				t.Errorf("%d: holiday %v %q", year, h.Date, h.Name)
			}
			got = append(got, h.Date.Format("01-02"))
		}
		if g := strings.Join(got, " "); g != w {
			t.Errorf("%d bank holidays:\n got %s\nwant %s", year, g, w)
		}
	}
	// The substitute days say so, as gov.uk does.
	names := map[string]string{}
	for _, y := range []int{2021, 2022} {
		for _, h := range volt.EnglandWalesBankHolidays(y) {
			names[h.Date.Format(time.DateOnly)] = h.Name
		}
	}
	for d, n := range map[string]string{
		"2021-12-27": "Christmas Day (substitute day)", "2021-12-28": "Boxing Day (substitute day)",
		"2022-01-03": "New Year’s Day (substitute day)", "2022-12-26": "Boxing Day", "2022-12-27": "Christmas Day (substitute day)",
	} {
		if names[d] != n {
			t.Errorf("%s: %q, want %q", d, names[d], n)
		}
	}
}

// TestEasterSunday: the computus against known Easter dates.
func TestEasterSunday(t *testing.T) {
	for year, want := range map[int]string{1818: "1818-03-22", 1943: "1943-04-25", 2000: "2000-04-23", 2008: "2008-03-23",
		2019: "2019-04-21", 2024: "2024-03-31", 2038: "2038-04-25", 2285: "2285-03-22"} {
		if got := volt.EasterSunday(year).Format(time.DateOnly); got != want {
			t.Errorf("Easter %d: %s, want %s", year, got, want)
		}
	}
}

// TestBacsCalendar: the processing day skips weekends, bank holidays and
// the operator's closures, honours the operator's openings, and a file
// made on a non-working day is input on the next working day.
func TestBacsCalendar(t *testing.T) {
	day := func(s string) time.Time { d, _ := time.Parse(time.DateOnly, s); return d }
	op := volt.BacsCalendar{Closed: []time.Time{day("2030-06-07")}, Open: []time.Time{day("2030-05-27")}}
	for _, c := range []struct {
		cal           volt.BacsCalendar
		created, want string
	}{
		{volt.BacsCalendar{}, "2026-04-02T16:00:00Z", "2026-04-07"}, // Thursday before Easter → Tuesday after
		{volt.BacsCalendar{}, "2026-12-24T12:00:00Z", "2026-12-29"}, // Christmas Eve → after Boxing Day's substitute
		{volt.BacsCalendar{}, "2026-12-31T12:00:00Z", "2027-01-04"}, // New Year's Eve (Thursday) → Monday
		{volt.BacsCalendar{}, "2020-05-07T12:00:00Z", "2020-05-11"}, // VE day Friday 2020
		{volt.BacsCalendar{}, "2020-05-01T12:00:00Z", "2020-05-04"}, // 4 May 2020 was a working day
		{volt.BacsCalendar{}, "2023-05-05T12:00:00Z", "2023-05-09"}, // the coronation Monday
		{volt.BacsCalendar{}, "2026-08-29T12:00:00Z", "2026-09-02"}, // Saturday: input Tuesday (summer holiday), processed Wednesday
		{volt.BacsCalendar{}, "2026-05-25T12:00:00Z", "2026-05-27"}, // made on a holiday: input Tuesday
		{op, "2030-06-06T12:00:00Z", "2030-06-10"},                  // the operator's closure
		{op, "2030-05-24T12:00:00Z", "2030-05-27"},                  // the operator's opening of a moved holiday
		{volt.BacsCalendar{}, "2026-07-01T23:30:00Z", "2026-07-03"}, // 00:30 BST on Thursday 2 July: input Thursday
		{volt.BacsCalendar{}, "2026-01-07T23:30:00Z", "2026-01-08"}, // 23:30 GMT on Wednesday 7 January: input Wednesday
		{volt.BacsCalendar{}, "2026-03-29T00:30:00Z", "2026-03-31"}, // Sunday 29 March, 00:30 GMT, before BST begins
		{volt.BacsCalendar{}, "2026-10-23T23:30:00Z", "2026-10-27"}, // 00:30 BST on Saturday 24 October: input Monday
		{volt.BacsCalendar{}, "2026-10-25T00:59:00Z", "2026-10-27"}, // 01:59 BST on Sunday 25 October, the last minute of BST
	} {
		at, _ := time.Parse(time.RFC3339, c.created)
		if got := c.cal.ProcessingDay(at).Format(time.DateOnly); got != c.want {
			t.Errorf("file of %s: processing day %s, want %s", c.created, got, c.want)
		}
	}
	if _, err := volt.ParseBacsDays("VOLT_BACS_CLOSED_DAYS", "2030-06-07, 8 June"); volt.ErrorCode(err) != volt.EINVALID {
		t.Errorf("a bad date: %v", err)
	}
	days, err := volt.ParseBacsDays("VOLT_BACS_CLOSED_DAYS", " 2030-06-07,,2031-01-02 ")
	if err != nil || len(days) != 2 || !days[1].Equal(day("2031-01-02")) {
		t.Errorf("two dates: %v %v", days, err)
	}
}
