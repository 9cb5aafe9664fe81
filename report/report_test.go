package report

import (
	"bytes"
	"encoding/csv"
	"testing"
	"time"

	"github.com/volt-ev/volt"
)

func TestAmount(t *testing.T) {
	for _, c := range []struct {
		minor int64
		cur   string
		want  string
	}{{450, "GBP", "4.50"}, {-5, "GBP", "-0.05"}, {0, "EUR", "0.00"}, {1234, "JPY", "1234"}, {123456789, "GBP", "1234567.89"}} {
		if got := Amount(c.minor, c.cur); got != c.want {
			t.Errorf("Amount(%d, %s) = %q, want %q", c.minor, c.cur, got, c.want)
		}
	}
}

func sample() *volt.IncomeReport {
	r := &volt.IncomeReport{Currency: "GBP", Sessions: 3, EnergyWh: 30_500, AppIncome: 900, CreditIncome: 450,
		TransactionFees: 60, SocketFees: 400, VAT: 225,
		Filter: volt.IncomeFilter{OwnerID: "own_1", From: time.Date(2026, 3, 1, 0, 0, 0, 0, time.UTC), To: time.Date(2026, 4, 1, 0, 0, 0, 0, time.UTC)},
		Sites:  []volt.IncomeLine{{SiteID: "sit_1", Sessions: 3, EnergyWh: 30_500, DirectIncome: 1350, VAT: 225, TransactionFees: 60}}}
	r.Finish()
	return r
}

func TestIncomeCSV(t *testing.T) {
	var b bytes.Buffer
	if err := WriteIncomeCSV(&b, sample()); err != nil {
		t.Fatal(err)
	}
	cr := csv.NewReader(&b)
	cr.FieldsPerRecord = -1
	recs, err := cr.ReadAll()
	if err != nil {
		t.Fatal(err)
	}
	got := map[string]string{}
	for _, r := range recs {
		if len(r) >= 2 {
			got[r[0]] = r[1]
		}
	}
	for k, want := range map[string]string{"Direct income": "13.50", "Net payment to you": "6.65", "Energy (kWh)": "30.500", "sit_1": "3"} {
		if got[k] != want {
			t.Errorf("%s = %q, want %q", k, got[k], want)
		}
	}
}

// TestIncomeThirdPartyByPartner: the roaming income per partner is in
// the CSV and the PDF (issue 14), and neither has the section without it.
func TestIncomeThirdPartyByPartner(t *testing.T) {
	r := sample()
	r.ThirdPartyIncome = 880
	r.ThirdPartyByPartner = []volt.ThirdPartyIncome{{PartnerID: "opp_b", PartnerName: "B Drive", Sessions: 2, EnergyWh: 12_000, Income: 800, VAT: 160},
		{PartnerID: "opp_c", PartnerName: "C Roam", Sessions: 1, EnergyWh: 500, Income: 80, VAT: 16}}
	r.Finish()
	var b bytes.Buffer
	if err := WriteIncomeCSV(&b, r); err != nil {
		t.Fatal(err)
	}
	cr := csv.NewReader(&b)
	cr.FieldsPerRecord = -1
	recs, err := cr.ReadAll()
	if err != nil {
		t.Fatal(err)
	}
	rows := map[string][]string{}
	for _, rec := range recs {
		rows[rec[0]] = rec
	}
	if got := rows["B Drive"]; len(got) != 6 || got[1] != "2" || got[2] != "12.000" || got[3] != "8.00" || got[4] != "1.60" || got[5] != "opp_b" {
		t.Errorf("B Drive's row %v", got)
	}
	if got := rows["C Roam"]; len(got) != 6 || got[3] != "0.80" {
		t.Errorf("C Roam's row %v", got)
	}
	if got := rows["Third-party income"]; got[1] != "8.80" {
		t.Errorf("total third-party income %v", got)
	}
	compressPDF = false
	defer func() { compressPDF = true }()
	b.Reset()
	if err := WriteIncomePDF(&b, r, "Income"); err != nil {
		t.Fatal(err)
	}
	for _, want := range []string{"Third-party income by roaming partner", "(B Drive)", "(C Roam)", "(8.00)", "(0.80)"} {
		if !bytes.Contains(b.Bytes(), []byte(want)) {
			t.Errorf("the income PDF lacks %q", want)
		}
	}
	b.Reset()
	if err := WriteIncomePDF(&b, sample(), "Income"); err != nil {
		t.Fatal(err)
	}
	if bytes.Contains(b.Bytes(), []byte("roaming partner")) {
		t.Error("a report without roaming income has the partner table")
	}
	b.Reset()
	_ = WriteIncomeCSV(&b, sample())
	if bytes.Contains(b.Bytes(), []byte("roaming_partner")) {
		t.Error("a CSV without roaming income has the partner section")
	}
}

func TestPDFs(t *testing.T) {
	var b bytes.Buffer
	if err := WriteIncomePDF(&b, sample(), "Income March 2026"); err != nil {
		t.Fatal(err)
	}
	if !bytes.HasPrefix(b.Bytes(), []byte("%PDF-")) || b.Len() < 1000 {
		t.Errorf("income PDF is %d bytes, starts %q", b.Len(), b.Bytes()[:min(8, b.Len())])
	}
	cdr := &volt.CDR{ID: "cdr_1", CPID: "000001", ConnectorID: 1, EnergyWh: 10_000, PaymentMethod: "credit",
		TotalCost: &volt.Cost{Currency: "GBP", InclVAT: 450, ExclVAT: 375, VATRate: "0.2",
			Components: []volt.CostLine{{Component: "energy", Quantity: "10", Unit: "kWh", InclVAT: 450, ExclVAT: 375}}}}
	b.Reset()
	if err := WriteReceiptPDF(&b, Receipt{Operator: "Volt", CDR: cdr}); err != nil || !bytes.HasPrefix(b.Bytes(), []byte("%PDF-")) {
		t.Errorf("receipt: %v", err)
	}
	if err := WriteReceiptPDF(&b, Receipt{CDR: &volt.CDR{ID: "x"}}); volt.ErrorCode(err) != volt.EUNPROCESSABLE {
		t.Errorf("unpriced receipt: %v", err)
	}
}

func TestStatementPDF(t *testing.T) {
	var b bytes.Buffer
	st := &volt.ReimbursementStatement{ID: "rst_1", Month: "2026-03", Sessions: 3, EnergyWh: 12_345, Rate: volt.MustDecimal("0.0745"),
		VATRate: volt.DomesticVATRate, Currency: "GBP", Amount: 92, VAT: 4, CPID: "000123"}
	if err := WriteStatementPDF(&b, Statement{Company: "Acme Fleet", Driver: "Dana", St: st}); err != nil {
		t.Fatal(err)
	}
	if !bytes.HasPrefix(b.Bytes(), []byte("%PDF-")) || b.Len() < 500 {
		t.Fatalf("not a PDF: %d bytes", b.Len())
	}
	if err := WriteStatementPDF(&b, Statement{}); volt.ErrorCode(err) != volt.EUNPROCESSABLE {
		t.Errorf("no statement: %v", err)
	}
}
