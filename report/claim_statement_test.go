package report

import (
	"bytes"
	"strings"
	"testing"
	"time"

	"github.com/volt-ev/volt"
	"github.com/volt-ev/volt/internal/pdfqr"
)

// TestClaimStatementPDF (issue 19): the driver's claim statement lists the
// sessions with their verdicts and says what was paid, how and when; a
// claim not paid yet says so.
func TestClaimStatementPDF(t *testing.T) {
	at := time.Date(2026, 3, 1, 12, 0, 0, 0, time.UTC)
	c := &volt.ReimbursementClaim{ID: "rcl_42", Month: "2026-03", CPID: "HOME-7", State: volt.ClaimIsApproved, Rate: volt.MustDecimal("0.25"),
		Currency: "GBP", PaidWh: 10_000, Amount: 250, Sessions: []*volt.ClaimSession{
			{CDRID: "cdr_1", StartedAt: at, StoppedAt: at.Add(time.Hour), EnergyWh: 10_000, HomeMatch: volt.HomeMatch{State: volt.ClaimMatched}},
			{CDRID: "cdr_2", StartedAt: at.Add(3 * time.Hour), StoppedAt: at.Add(4 * time.Hour), EnergyWh: 8_000, HomeMatch: volt.HomeMatch{State: volt.ClaimRejected}},
		}}
	s := ClaimStatement{Company: "Acme Fleet", Driver: "Jo Driver", Vehicle: "Kia EV6 AB12 CDE", Claim: c}
	var b bytes.Buffer
	if err := WriteClaimStatementPDF(&b, s); err != nil {
		t.Fatal(err)
	}
	text := strings.Join(strings.Fields(pdfqr.Text(t, b.Bytes())), " ")
	for _, want := range []string{"Home charging reimbursement claim - 2026-03", "Jo Driver", "Kia EV6 AB12 CDE", "HOME-7",
		"10.000 matched by telematics", "8.000 rejected - not paid", "Reimbursed energy: 10.000 kWh - amount GBP 2.50", "Not paid yet (claim approved)"} {
		if !strings.Contains(text, want) {
			t.Errorf("unpaid statement lacks %q:\n%s", want, text)
		}
	}
	for _, c := range []struct {
		p    volt.ClaimPayout
		want string
	}{
		{volt.ClaimPayout{Method: volt.PayoutBacs18, Reference: "EV20260342", Amount: 250, Currency: "GBP", CreatedAt: at.Add(72 * time.Hour)},
			"Paid GBP 2.50 on 4 March 2026 by Bacs bank transfer, reference EV20260342"},
		{volt.ClaimPayout{Method: volt.PayoutPayrollCSV, Reference: "EV20260342", Amount: 250, Currency: "GBP", CreatedAt: at},
			"Paid GBP 2.50 on 1 March 2026 with your salary through payroll, reference EV20260342"},
		{volt.ClaimPayout{Method: volt.PayoutWallet, Reference: "claim:rcl_42", Amount: 250, Currency: "GBP", CreatedAt: at},
			"Paid GBP 2.50 on 1 March 2026 credited to your Volt wallet"},
	} {
		s.Payout = &c.p
		b.Reset()
		if err := WriteClaimStatementPDF(&b, s); err != nil {
			t.Fatal(err)
		}
		text := strings.Join(strings.Fields(pdfqr.Text(t, b.Bytes())), " ")
		if !strings.Contains(text, c.want) || strings.Contains(text, "Not paid yet") {
			t.Errorf("statement paid by %s lacks %q:\n%s", c.p.Method, c.want, text)
		}
	}
	if err := WriteClaimStatementPDF(&b, ClaimStatement{}); volt.ErrorCode(err) != volt.EUNPROCESSABLE {
		t.Errorf("no claim: %v", err)
	}
}
