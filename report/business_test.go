package report

import (
	"bytes"
	"strings"
	"testing"
	"time"

	"github.com/volt-ev/volt"
	"github.com/volt-ev/volt/internal/pdfqr"
)

func TestSocketFeeStatementFiles(t *testing.T) {
	st := &volt.SocketFeeStatement{ID: "sfs_1", CPOID: "cpo_1", Period: "2026-03", FeePeriod: volt.FeeMonthly,
		From: time.Date(2026, 3, 1, 0, 0, 0, 0, time.UTC), To: time.Date(2026, 4, 1, 0, 0, 0, 0, time.UTC), Currency: "GBP",
		Sockets: 4, Income: 450, Flat: volt.MustDecimal("1.00"), Percent: volt.MustDecimal("10"), Amount: 445, VAT: 74, Revision: 2,
		Lines: []volt.SocketFeeLine{{OwnerID: "own_1", Sockets: 4, Income: 450, Amount: 445}}}
	var b bytes.Buffer
	if err := WriteSocketFeeCSV(&b, st); err != nil {
		t.Fatal(err)
	}
	for _, want := range []string{"Amount incl. VAT (GBP),4.45", "of which VAT (GBP),0.74", "Revision,2", "own_1,4,4.50,4.45,GBP"} {
		if !strings.Contains(b.String(), want) {
			t.Errorf("CSV lacks %q:\n%s", want, b.String())
		}
	}
	b.Reset()
	if err := WriteSocketFeePDF(&b, st, "Spark Networks", map[string]string{"own_1": "Harbour Car Parks"}); err != nil {
		t.Fatal(err)
	}
	text := pdfqr.Text(t, b.Bytes())
	for _, want := range []string{"Socket fee statement - 2026-03", "Spark Networks", "Harbour Car Parks", "4.45 GBP", "VAT of 0.74"} {
		if !strings.Contains(text, want) {
			t.Errorf("PDF lacks %q:\n%s", want, text)
		}
	}
}

func TestPlatformIncomeAndReliabilityFiles(t *testing.T) {
	pi := &volt.PlatformIncomeReport{Filter: volt.PlatformIncomeFilter{From: time.Date(2026, 3, 1, 0, 0, 0, 0, time.UTC), To: time.Date(2026, 5, 1, 0, 0, 0, 0, time.UTC)},
		Lines: []volt.PlatformIncomeLine{
			{CPOID: "cpo_1", CPOName: "Spark", Month: "2026-03", Currency: "GBP", Sessions: 1, TransactionFees: 20, SocketFees: 845, Fees: 865, VAT: 144, FeesExclVAT: 721},
			{CPOID: "cpo_1", CPOName: "Spark", Month: "2026-04", Currency: "GBP", SocketFees: 800, Fees: 800, VAT: 133, FeesExclVAT: 667}},
		Totals: []volt.PlatformIncomeLine{{Currency: "GBP", Sessions: 1, TransactionFees: 20, SocketFees: 1645, Fees: 1665, VAT: 277, FeesExclVAT: 1388}}}
	var b bytes.Buffer
	if err := WritePlatformIncomeCSV(&b, pi); err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(b.String(), "2026-03,cpo_1,Spark,GBP,1,0.20,8.45,8.65,1.44,7.21") || !strings.Contains(b.String(), "total,,,GBP,1,0.20,16.45,16.65,2.77,13.88") {
		t.Errorf("platform income CSV:\n%s", b.String())
	}
	b.Reset()
	if err := WritePlatformIncomePDF(&b, pi, "Volt"); err != nil {
		t.Fatal(err)
	}
	if text := pdfqr.Text(t, b.Bytes()); !strings.Contains(text, "16.65") || !strings.Contains(text, "Socket fees (GBP)") {
		t.Errorf("platform income PDF:\n%s", text)
	}
	rep := &volt.ReliabilityReport{CPOID: "cpo_1", Month: "2026-04", From: time.Date(2026, 4, 1, 0, 0, 0, 0, time.UTC), To: time.Date(2026, 5, 1, 0, 0, 0, 0, time.UTC)}
	a := volt.Availability{TotalMS: 720 * 3_600_000, DownMS: 11 * 3_600_000, ExcludedMS: 4 * 3_600_000}
	volt.BuildReliabilityReport(rep, []volt.EVSEReliability{{CPID: "000001", ConnectorID: 1, SiteID: "sit_1", Availability: a,
		AFIRPercent: a.AFIR(), UKPercent: a.UK()}}, map[string]string{"sit_1": "Quay Street"})
	b.Reset()
	if err := WriteReliabilityCSV(&b, rep); err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(b.String(), "site,sit_1,Quay Street,,1,720.00,11.00,4.00,98.47,99.03") {
		t.Errorf("reliability CSV:\n%s", b.String())
	}
	b.Reset()
	if err := WriteReliabilityPDF(&b, rep, "Spark"); err != nil {
		t.Fatal(err)
	}
	if text := pdfqr.Text(t, b.Bytes()); !strings.Contains(text, "AFIR 98.47 %") || !strings.Contains(text, "UK reg. 7 99.03 %") {
		t.Errorf("reliability PDF:\n%s", text)
	}
}
