package volt_test

import (
	"strings"
	"testing"
	"time"

	"github.com/volt-ev/volt"
)

// TestWriteBacs18File (issue 19): a complete Standard 18 file has the
// VOL1, HDR1, HDR2 and UHL1 labels (80 characters) with the service user
// number and the processing day, the credit and its contra (100), then
// EOF1, EOF2 and UTL1 with the value totals and counts; each line CRLF.
func TestWriteBacs18File(t *testing.T) {
	from := volt.BankAccount{SortCode: "401162", AccountNumber: "12345678", Name: "Acme Fleet Ltd"}
	credits := []volt.Bacs18Credit{
		{To: volt.BankAccount{SortCode: "200000", AccountNumber: "87654321", Name: "J Driver"}, Amount: 250, Reference: "EV202603ABC"},
		{To: volt.BankAccount{SortCode: "309634", AccountNumber: "11223344", Name: "K Smith"}, Amount: 1_001, Reference: "EV202603DEF"},
	}
	created := time.Date(2026, 3, 6, 17, 30, 0, 0, time.UTC) // a Friday, day 65
	sub := volt.Bacs18Submission{ServiceUserNumber: "123456", Serial: 42, Created: created, ProcessingDay: volt.BacsProcessingDay(created)}
	if d := sub.ProcessingDay; !d.Equal(time.Date(2026, 3, 9, 0, 0, 0, 0, time.UTC)) {
		t.Errorf("processing day of a Friday's file: %s, want Monday 9 March", d)
	}
	var b strings.Builder
	if err := volt.WriteBacs18File(&b, sub, from, credits); err != nil {
		t.Fatal(err)
	}
	if !strings.HasSuffix(b.String(), "\r\n") {
		t.Fatalf("file does not end with CRLF: %q", b.String())
	}
	lines := strings.Split(strings.TrimSuffix(b.String(), "\r\n"), "\r\n")
	if len(lines) != 10 {
		t.Fatalf("%d lines, want 4 labels, 2 credits, a contra and 3 labels:\n%s", len(lines), b.String())
	}
	sp := func(n int) string { return strings.Repeat(" ", n) }
	want := map[int]string{
		0: "VOL1000042" + sp(27) + sp(4) + "123456" + sp(4) + sp(28) + "1",
		1: "HDR1A123456S  1123456" + "000042" + "0001" + "0001" + sp(6) + " 26065" + " 26079" + " " + "000000" + sp(20),
		2: "HDR2F0200000100" + sp(35) + "00" + sp(28),
		3: "UHL1 26068999999    00000000" + "1 DAILY  001" + sp(40),
		7: "EOF1A123456S  1123456" + "000042" + "0001" + "0001" + sp(6) + " 26065" + " 26079" + " " + "000000" + sp(20),
		8: "EOF2F0200000100" + sp(35) + "00" + sp(28),
		9: "UTL1" + "0000000001251" + "0000000001251" + "0000001" + "0000002" + sp(36),
	}
	for i, w := range want {
		if lines[i] != w {
			t.Errorf("line %d:\n%q\nwant\n%q", i, lines[i], w)
		}
		if len(lines[i]) != 80 {
			t.Errorf("label %d is %d characters, want 80", i, len(lines[i]))
		}
	}
	for i := 4; i <= 6; i++ {
		if len(lines[i]) != 100 {
			t.Errorf("data record %d is %d characters, want 100", i, len(lines[i]))
		}
	}
	if lines[4][:17] != "20000087654321099" || lines[4][35:46] != "00000000250" || lines[6][15:17] != "17" || lines[6][35:46] != "00000001251" {
		t.Errorf("data records:\n%s", strings.Join(lines[4:7], "\n"))
	}

	for name, c := range map[string]struct {
		sub   volt.Bacs18Submission
		field string
	}{
		"short SUN":   {volt.Bacs18Submission{ServiceUserNumber: "12345", Serial: 1, Created: created, ProcessingDay: created}, "serviceUserNumber"},
		"letters SUN": {volt.Bacs18Submission{ServiceUserNumber: "12345A", Serial: 1, Created: created, ProcessingDay: created}, "serviceUserNumber"},
		"no serial":   {volt.Bacs18Submission{ServiceUserNumber: "123456", Created: created, ProcessingDay: created}, "serial"},
	} {
		err := volt.WriteBacs18File(&b, c.sub, from, credits)
		if e, ok := err.(*volt.Error); !ok || e.Field != c.field {
			t.Errorf("%s: %v, want a %s error", name, err, c.field)
		}
	}
	if err := volt.WriteBacs18File(&b, sub, from, nil); volt.ErrorCode(err) != volt.EUNPROCESSABLE {
		t.Errorf("no credits: %v", err)
	}
}

// TestBacsProcessingDay: the working day after the file's input day (the
// day it is made, or the next working day when made on a weekend).
func TestBacsProcessingDay(t *testing.T) {
	for created, want := range map[string]string{
		"2026-03-02T09:00:00Z": "2026-03-03", // Monday → Tuesday
		"2026-03-06T23:59:00Z": "2026-03-09", // Friday → Monday
		"2026-03-07T10:00:00Z": "2026-03-10", // Saturday: input Monday → Tuesday
		"2026-03-08T10:00:00Z": "2026-03-10", // Sunday: input Monday → Tuesday
	} {
		at, _ := time.Parse(time.RFC3339, created)
		if got := volt.BacsProcessingDay(at).Format("2006-01-02"); got != want {
			t.Errorf("file of %s: processing day %s, want %s", created, got, want)
		}
	}
}

// TestWritePayrollCSV: a payroll export line per claim, exact amounts, and
// text a spreadsheet would run defused.
func TestWritePayrollCSV(t *testing.T) {
	var b strings.Builder
	err := volt.WritePayrollCSV(&b, []volt.PayrollLine{{DriverEmail: "j@example.com", DriverName: "=HYPERLINK(\"x\")", ClaimID: "rcl_1",
		Month: "2026-03", CPID: "HOME-1", PaidWh: 10_005, Rate: volt.MustDecimal("0.245"), Amount: 245, Currency: "GBP", Reference: "EV202603X"}})
	if err != nil {
		t.Fatal(err)
	}
	want := "employee_email,employee_name,claim_id,month,home_charger,energy_kwh,rate_per_kwh,amount,currency,reference\r\n" +
		"j@example.com,\"'=HYPERLINK(\"\"x\"\")\",rcl_1,2026-03,HOME-1,10.005,0.245,2.45,GBP,EV202603X\r\n"
	if b.String() != want {
		t.Errorf("payroll CSV:\n%q\nwant\n%q", b.String(), want)
	}
	if err := volt.WritePayrollCSV(&b, nil); volt.ErrorCode(err) != volt.EUNPROCESSABLE {
		t.Errorf("empty export: %v", err)
	}
}

// TestPayoutSettingsValidate: Bacs needs the account and the service user
// number; the wallet needs nothing; an unknown method names its field.
func TestPayoutSettingsValidate(t *testing.T) {
	acct := volt.BankAccount{SortCode: "40-11-62", AccountNumber: "1234 5678", Name: "Acme"}
	for name, c := range map[string]struct {
		p     volt.PayoutSettings
		field string
	}{
		"wallet":           {volt.PayoutSettings{Method: volt.PayoutWallet}, ""},
		"payroll":          {volt.PayoutSettings{Method: volt.PayoutPayrollCSV}, ""},
		"bacs":             {volt.PayoutSettings{Method: volt.PayoutBacs18, Originator: acct, ServiceUserNumber: " 123456 "}, ""},
		"bacs without SUN": {volt.PayoutSettings{Method: volt.PayoutBacs18, Originator: acct}, "serviceUserNumber"},
		"bacs without account": {volt.PayoutSettings{Method: volt.PayoutBacs18, ServiceUserNumber: "123456"},
			"originator.sortCode"},
		"cheque": {volt.PayoutSettings{Method: "cheque"}, "method"},
	} {
		err := c.p.Validate()
		if c.field == "" && err != nil {
			t.Errorf("%s: %v", name, err)
		}
		if e, ok := err.(*volt.Error); c.field != "" && (!ok || e.Field != c.field) {
			t.Errorf("%s: %v, want a %s error", name, err, c.field)
		}
	}
}
