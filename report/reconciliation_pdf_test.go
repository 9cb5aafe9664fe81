package report

import (
	"bytes"
	"strings"
	"testing"

	"github.com/volt-ev/volt"
	"github.com/volt-ev/volt/internal/pdfqr"
)

// TestReconciliationPDF (issue 14 item 2): the PDF's text has the totals
// (their CDRs and cost, our payable, the difference, counts per state) and
// each state's lines with a subtotal: matched, missing on their side (a
// session without a CDR), missing on ours (a CDR we owe nothing for), and
// amounts that differ.
func TestReconciliationPDF(t *testing.T) {
	r := &volt.RoamingReconciliation{PartnerID: "ocp_a", PartnerName: "A Power", Month: "2026-03", Currency: "GBP",
		TheirCDRs: 4, TheirTotal: 480 + 300 + 999 + 1000, Payable: 480 + 300 + 0 + 950, Mismatches: 3, Lines: []volt.RoamingReconLine{
			{CDRID: "cdr_1", SessionID: "ses_1", TokenUID: "04B0B0B0", EndedAt: "2026-03-02T10:15:00Z", TheirCost: 480, OurPayable: 480, Status: volt.ReconMatched},
			{CDRID: "cdr_2", SessionID: "ses_2", TokenUID: "04B0B0B0", EndedAt: "2026-03-03T11:00:00Z", TheirCost: 300, OurPayable: 300, Status: volt.ReconMatched},
			{CDRID: "cdr_3", SessionID: "ses_3", TokenUID: "04FFFFFF", EndedAt: "2026-03-04T12:00:00Z", TheirCost: 999, Status: volt.ReconNotBilled},
			{CDRID: "cdr_4", SessionID: "ses_4", TokenUID: "04B0B0B0", EndedAt: "2026-03-05T13:00:00Z", TheirCost: 1000, OurPayable: 950, Status: volt.ReconAmountDiffers},
			{SessionID: "ses_5", TokenUID: "04B0B0B0", EndedAt: "2026-03-06T14:00:00Z", Status: volt.ReconNoCDR},
		}}
	var b bytes.Buffer
	if err := WriteReconciliationPDF(&b, r, "B Drive"); err != nil {
		t.Fatal(err)
	}
	if !bytes.HasPrefix(b.Bytes(), []byte("%PDF-")) {
		t.Fatalf("not a PDF: %q", b.Bytes()[:min(20, b.Len())])
	}
	text := pdfqr.Text(t, b.Bytes())
	flat := strings.Join(strings.Fields(text), " ")
	for _, want := range []string{
		"Roaming reconciliation - 2026-03", "Prepared by B Drive", "Partner CPO A Power (ocp_a)",
		"Their CDRs 4", "Their total (incl. VAT) 27.79", "Our payable 17.30", "Difference (theirs - ours) 10.49",
		"Lines to settle 3", "Matched 2", "Missing on their side 1", "Missing on our side 1", "Amount differs 1",
		"cdr_1 ses_1 04B0B0B0 2026-03-02 10:15 4.80 4.80", "Subtotal of 2 CDRs 7.80 7.80",
		"ses_5 04B0B0B0 2026-03-06 14:00 - -", "Sessions without a CDR: 1",
		"cdr_3 ses_3 04FFFFFF 2026-03-04 12:00 9.99 0.00", "Subtotal of 1 CDRs 9.99 0.00",
		"cdr_4 ses_4 04B0B0B0 2026-03-05 13:00 10.00 9.50", "Subtotal of 1 CDRs 10.00 9.50",
	} {
		if !strings.Contains(flat, want) {
			t.Errorf("PDF lacks %q:\n%s", want, text)
		}
	}
	// A month with nothing: every section says so.
	b.Reset()
	if err := WriteReconciliationPDF(&b, &volt.RoamingReconciliation{PartnerID: "ocp_a", PartnerName: "A Power", Month: "2026-04"}, "B Drive"); err != nil {
		t.Fatal(err)
	}
	if text := pdfqr.Text(t, b.Bytes()); strings.Count(text, "None.") != 4 {
		t.Errorf("an empty month's PDF:\n%s", text)
	}
}
