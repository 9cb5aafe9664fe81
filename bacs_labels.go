package volt

import (
	"fmt"
	"io"
	"regexp"
	"strings"
	"time"
)

// Issue 19: the labels of a Bacs Standard 18 file for direct submission:
// VOL1, HDR1, HDR2 and UHL1 before the data records, EOF1, EOF2 and UTL1
// after them. Labels are 80 characters, data records 100, each line ends
// with CRLF.

// Bacs18Submission names a payment file: the originator's service user
// number (SUN, 6 digits, issued by the sponsoring bank), the file's serial
// number (unique per SUN and day), when it was created and the Bacs
// processing day (day 2 of the 3-day cycle: the credits reach the
// beneficiaries on the next working day).
type Bacs18Submission struct {
	ServiceUserNumber string
	Serial            int
	Created           time.Time
	ProcessingDay     time.Time
}

var sunRe = regexp.MustCompile(`^[0-9]{6}$`)

// ValidateSUN checks a service user number.
func ValidateSUN(field, sun string) error {
	if !sunRe.MatchString(sun) {
		return FieldError(field, "A Bacs service user number is 6 digits, got %q.", sun)
	}
	return nil
}

// BacsProcessingDay is the processing day of a file made at created on
// the built-in calendar (BacsCalendar.ProcessingDay): the working day after
// its input day, skipping weekends and the bank holidays of England and
// Wales.
func BacsProcessingDay(created time.Time) time.Time {
	return BacsCalendar{}.ProcessingDay(created)
}

// bacsDate is a label date: a space, the year's last two digits and the
// day of the year (" yyddd").
func bacsDate(t time.Time) string {
	t = t.UTC()
	return fmt.Sprintf(" %02d%03d", t.Year()%100, t.YearDay())
}

// label pads or cuts s to an 80-character label line with CRLF.
func label(s string) string {
	if len(s) > 80 {
		s = s[:80]
	}
	return s + strings.Repeat(" ", 80-len(s)) + "\r\n"
}

// WriteBacs18File writes a complete Standard 18 file of credits from the
// originator's account: the VOL1 volume label (serial, the SUN as owner),
// HDR1 (file identifier A·SUN·S, creation and expiry dates), HDR2 (fixed
// records of 100 characters), UHL1 (the processing day, single-day
// "1 DAILY" work code), the data records and contra of WriteBacs18, then
// EOF1, EOF2 and UTL1 (debit and credit value totals and counts).
func WriteBacs18File(w io.Writer, sub Bacs18Submission, from BankAccount, credits []Bacs18Credit) error {
	if err := ValidateSUN("serviceUserNumber", sub.ServiceUserNumber); err != nil {
		return err
	}
	if sub.Serial <= 0 || sub.Serial > 999_999 {
		return FieldError("serial", "A file serial number is 1 to 999999, got %d.", sub.Serial)
	}
	if sub.Created.IsZero() || sub.ProcessingDay.IsZero() {
		return Errorf(EUNPROCESSABLE, "A payment file has a creation date and a processing day.")
	}
	var data strings.Builder
	if err := WriteBacs18(&data, from, credits); err != nil {
		return err
	}
	var total int64
	for _, c := range credits {
		total += c.Amount
	}
	sun, serial := sub.ServiceUserNumber, fmt.Sprintf("%06d", sub.Serial)
	// The file identifier and set identification shared by HDR1 and EOF1.
	fileID := "A" + sun + "S  1" + sun
	hdr := func(id string) string {
		return label(id + fileID + serial + "0001" + "0001" + "      " + bacsDate(sub.Created) + bacsDate(sub.Created.AddDate(0, 0, 14)) +
			" " + "000000")
	}
	hdr2 := func(id string) string {
		return label(id + "F" + "02000" + "00100" + strings.Repeat(" ", 35) + "00")
	}
	var b strings.Builder
	b.WriteString(label("VOL1" + serial + " " + strings.Repeat(" ", 26) + "    " + sun + "    " + strings.Repeat(" ", 28) + "1"))
	b.WriteString(hdr("HDR1"))
	b.WriteString(hdr2("HDR2"))
	b.WriteString(label("UHL1" + bacsDate(sub.ProcessingDay) + "999999    " + "00" + "000000" + "1 DAILY  " + "001"))
	b.WriteString(data.String())
	b.WriteString(hdr("EOF1"))
	b.WriteString(hdr2("EOF2"))
	// One contra debit balances the credits.
	b.WriteString(label(fmt.Sprintf("UTL1%013d%013d%07d%07d", total, total, 1, len(credits))))
	_, err := io.WriteString(w, b.String())
	return err
}
