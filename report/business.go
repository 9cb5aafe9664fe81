package report

import (
	"encoding/csv"
	"fmt"
	"io"
	"strconv"

	"codeberg.org/go-pdf/fpdf"

	"github.com/volt-ev/volt"
)

// This file renders the platform's business documents (issue 17): socket
// fee statements, the platform's own income, reliability reports.

func csvDone(cw *csv.Writer, what string) error {
	cw.Flush()
	if err := cw.Error(); err != nil {
		return fmt.Errorf("write %s csv: %w", what, err)
	}
	return nil
}

// WriteSocketFeeCSV writes a socket fee statement: its totals, then a line
// per owner.
func WriteSocketFeeCSV(w io.Writer, st *volt.SocketFeeStatement) error {
	cw := csv.NewWriter(w)
	write := func(rec ...string) { _ = cw.Write(rec) }
	cur := st.Currency
	write("item", "value")
	for _, r := range [][2]string{
		{"Statement", st.ID}, {"CPO", st.CPOID}, {"Period", st.Period}, {"Fee period", string(st.FeePeriod)},
		{"Revision", strconv.Itoa(st.Revision)}, {"Sockets", strconv.Itoa(st.Sockets)},
		{"Flat per socket (" + cur + ")", st.Flat.String()}, {"Percentage of income", st.Percent.String()},
		{"Income (" + cur + ")", Amount(st.Income, cur)}, {"Amount incl. VAT (" + cur + ")", Amount(st.Amount, cur)},
		{"of which VAT (" + cur + ")", Amount(st.VAT, cur)},
	} {
		write(r[0], r[1])
	}
	write()
	write("owner", "sockets", "income", "amount", "currency")
	for _, l := range st.Lines {
		write(l.OwnerID, strconv.Itoa(l.Sockets), Amount(l.Income, cur), Amount(l.Amount, cur), cur)
	}
	return csvDone(cw, "socket fee")
}

// WriteSocketFeePDF writes a socket fee statement on one A4 page; names
// maps owner ids to names (missing: the id).
func WriteSocketFeePDF(w io.Writer, st *volt.SocketFeeStatement, cpoName string, names map[string]string) error {
	cur := st.Currency
	pdf := fpdf.New("P", "mm", "A4", "")
	pdf.SetTitle("Socket fee statement "+st.Period, true)
	pdf.AddPage()
	pdf.SetFont("Helvetica", "B", 16)
	pdf.CellFormat(0, 10, "Socket fee statement - "+st.Period, "", 1, "L", false, 0, "")
	pdf.SetFont("Helvetica", "", 10)
	for _, r := range [][2]string{
		{"CPO", cpoName}, {"Statement", fmt.Sprintf("%s (revision %d)", st.ID, st.Revision)},
		{"Period", fmt.Sprintf("%s to %s (UTC), %s", st.From.Format("2006-01-02"), st.To.AddDate(0, 0, -1).Format("2006-01-02"), st.FeePeriod)},
		{"Rate", fmt.Sprintf("%s %s per socket + %s %% of income", st.Flat, cur, st.Percent)},
	} {
		pdf.CellFormat(40, 6, r[0], "", 0, "L", false, 0, "")
		pdf.CellFormat(0, 6, r[1], "", 1, "L", false, 0, "")
	}
	pdf.Ln(4)
	pdf.SetFont("Helvetica", "B", 10)
	for i, h := range []string{"Owner", "Sockets", "Income", "Fee"} {
		pdf.CellFormat([]float64{80, 30, 35, 35}[i], 7, h, "B", 0, map[bool]string{true: "L", false: "R"}[i == 0], false, 0, "")
	}
	pdf.Ln(-1)
	pdf.SetFont("Helvetica", "", 10)
	for _, l := range st.Lines {
		name := names[l.OwnerID]
		if name == "" {
			name = l.OwnerID
		}
		pdf.CellFormat(80, 6, name, "", 0, "L", false, 0, "")
		pdf.CellFormat(30, 6, strconv.Itoa(l.Sockets), "", 0, "R", false, 0, "")
		pdf.CellFormat(35, 6, Amount(l.Income, cur), "", 0, "R", false, 0, "")
		pdf.CellFormat(35, 6, Amount(l.Amount, cur), "", 1, "R", false, 0, "")
	}
	pdf.SetFont("Helvetica", "B", 10)
	pdf.CellFormat(80, 7, "Total", "T", 0, "L", false, 0, "")
	pdf.CellFormat(30, 7, strconv.Itoa(st.Sockets), "T", 0, "R", false, 0, "")
	pdf.CellFormat(35, 7, Amount(st.Income, cur), "T", 0, "R", false, 0, "")
	pdf.CellFormat(35, 7, Amount(st.Amount, cur)+" "+cur, "T", 1, "R", false, 0, "")
	pdf.SetFont("Helvetica", "", 9)
	pdf.CellFormat(0, 6, fmt.Sprintf("Amounts include VAT of %s %s. Deducted from the owners' income of the period.", Amount(st.VAT, cur), cur), "", 1, "L", false, 0, "")
	if err := pdf.Output(w); err != nil {
		return fmt.Errorf("write socket fee pdf: %w", err)
	}
	return nil
}

// WritePlatformIncomeCSV writes the platform's income: a line per CPO and
// month, then the totals per currency.
func WritePlatformIncomeCSV(w io.Writer, r *volt.PlatformIncomeReport) error {
	cw := csv.NewWriter(w)
	write := func(rec ...string) { _ = cw.Write(rec) }
	write("month", "cpo_id", "cpo", "currency", "sessions", "transaction_fees", "socket_fees", "fees_incl_vat", "vat", "fees_excl_vat")
	line := func(month, id, name string, l volt.PlatformIncomeLine) {
		c := l.Currency
		write(month, id, name, c, strconv.FormatInt(l.Sessions, 10), Amount(l.TransactionFees, c), Amount(l.SocketFees, c),
			Amount(l.Fees, c), Amount(l.VAT, c), Amount(l.FeesExclVAT, c))
	}
	for _, l := range r.Lines {
		line(l.Month, l.CPOID, l.CPOName, l)
	}
	for _, t := range r.Totals {
		line("total", "", "", t)
	}
	return csvDone(cw, "platform income")
}

// WritePlatformIncomePDF writes the platform's income: the lines, the
// totals and a chart of each month's fees (transaction and socket fees
// stacked) in the first currency.
func WritePlatformIncomePDF(w io.Writer, r *volt.PlatformIncomeReport, brand string) error {
	pdf := fpdf.New("L", "mm", "A4", "")
	pdf.SetTitle(brand+" - platform income", true)
	pdf.AddPage()
	pdf.SetFont("Helvetica", "B", 16)
	pdf.CellFormat(0, 10, brand+" - platform income", "", 1, "L", false, 0, "")
	pdf.SetFont("Helvetica", "", 10)
	pdf.CellFormat(0, 6, fmt.Sprintf("%s to %s (UTC). Fees include VAT, stated separately.", r.Filter.From.UTC().Format("2006-01-02"),
		r.Filter.To.UTC().Format("2006-01-02")), "", 1, "L", false, 0, "")
	pdf.Ln(2)
	widths := []float64{22, 70, 18, 22, 32, 32, 32, 26, 30}
	pdf.SetFont("Helvetica", "B", 9)
	for i, h := range []string{"Month", "CPO", "Cur.", "Sessions", "Transaction fees", "Socket fees", "Fees", "VAT", "Fees excl. VAT"} {
		pdf.CellFormat(widths[i], 6, h, "B", 0, map[bool]string{true: "L", false: "R"}[i < 3], false, 0, "")
	}
	pdf.Ln(-1)
	row := func(month, name string, l volt.PlatformIncomeLine, style string) {
		pdf.SetFont("Helvetica", style, 9)
		c := l.Currency
		for i, v := range []string{month, name, c, strconv.FormatInt(l.Sessions, 10), Amount(l.TransactionFees, c), Amount(l.SocketFees, c),
			Amount(l.Fees, c), Amount(l.VAT, c), Amount(l.FeesExclVAT, c)} {
			pdf.CellFormat(widths[i], 5, v, "", 0, map[bool]string{true: "L", false: "R"}[i < 3], false, 0, "")
		}
		pdf.Ln(-1)
	}
	lines := r.Lines
	if len(lines) > 18 {
		lines = lines[:18] // one page; the CSV has every line
	}
	for _, l := range lines {
		row(l.Month, l.CPOName, l, "")
	}
	if len(lines) < len(r.Lines) {
		pdf.CellFormat(0, 5, fmt.Sprintf("... %d more lines in the CSV export", len(r.Lines)-len(lines)), "", 1, "L", false, 0, "")
	}
	for _, t := range r.Totals {
		row("Total", "", t, "B")
	}
	if len(r.Totals) > 0 {
		feeChart(pdf, r, r.Totals[0].Currency)
	}
	if err := pdf.Output(w); err != nil {
		return fmt.Errorf("write platform income pdf: %w", err)
	}
	return nil
}

// feeChart draws one stacked bar per month: transaction fees under socket
// fees, scaled to the largest month.
func feeChart(pdf *fpdf.Fpdf, r *volt.PlatformIncomeReport, cur string) {
	var months []string
	tx, sock := map[string]int64{}, map[string]int64{}
	for _, l := range r.Lines {
		if l.Currency != cur {
			continue
		}
		if _, ok := tx[l.Month]; !ok {
			months = append(months, l.Month)
		}
		tx[l.Month] += l.TransactionFees
		sock[l.Month] += l.SocketFees
	}
	var top int64 = 1
	for _, m := range months {
		top = max(top, tx[m]+sock[m])
	}
	const x0, base, height, gap = 20.0, 195.0, 45.0, 4.0
	width := min(20.0, (250.0-gap*float64(len(months)))/float64(max(len(months), 1)))
	pdf.SetDrawColor(0, 0, 0)
	pdf.Line(x0-2, base, x0+float64(len(months))*(width+gap), base)
	pdf.SetFont("Helvetica", "", 7)
	for i, m := range months {
		x := x0 + float64(i)*(width+gap)
		ht := height * float64(max(tx[m], 0)) / float64(top) // page geometry, not money
		hs := height * float64(max(sock[m], 0)) / float64(top)
		pdf.SetFillColor(239, 108, 0)
		pdf.Rect(x, base-ht, width, ht, "F")
		pdf.SetFillColor(21, 101, 192)
		pdf.Rect(x, base-ht-hs, width, hs, "F")
		pdf.Text(x, base+4, m)
		pdf.Text(x, base-ht-hs-1.5, Amount(tx[m]+sock[m], cur))
	}
	pdf.SetFont("Helvetica", "", 8)
	pdf.SetFillColor(239, 108, 0)
	pdf.Rect(x0, base+7, 3, 3, "F")
	pdf.Text(x0+4, base+9.5, "Transaction fees")
	pdf.SetFillColor(21, 101, 192)
	pdf.Rect(x0+35, base+7, 3, 3, "F")
	pdf.Text(x0+39, base+9.5, "Socket fees ("+cur+")")
}

// WriteReliabilityCSV writes a reliability report: the network and UK
// figures, each site, then each EVSE, with the hours counted, down and
// excluded.
func WriteReliabilityCSV(w io.Writer, r *volt.ReliabilityReport) error {
	cw := csv.NewWriter(w)
	write := func(rec ...string) { _ = cw.Write(rec) }
	hours := func(ms int64) string { return volt.NewDecimalMicro(ms * 1000 / 3600).StringFixed(2) }
	write("scope", "id", "name", "connector", "evses", "hours", "down_hours", "excluded_hours", "afir_percent", "uk_percent")
	fig := func(scope, id, name, conn string, f volt.SiteReliabilityFigure) {
		write(scope, id, name, conn, strconv.Itoa(f.EVSEs), hours(f.TotalMS), hours(f.DownMS), hours(f.ExcludedMS),
			f.AFIRPercent.StringFixed(2), f.UKPercent.StringFixed(2))
	}
	fig("network", r.CPOID, "", "", r.Network)
	fig("uk-"+r.UKScope, r.CPOID, "", "", r.UK)
	for _, s := range r.Sites {
		fig("site", s.SiteID, s.SiteName, "", s)
	}
	for _, e := range r.EVSEs {
		fig("evse", e.CPID, "", strconv.Itoa(e.ConnectorID), volt.SiteReliabilityFigure{EVSEs: 1, Availability: e.Availability,
			AFIRPercent: e.AFIRPercent, UKPercent: e.UKPercent})
	}
	return csvDone(cw, "reliability")
}

// WriteReliabilityPDF writes a reliability report on A4: the month, the
// network's figures by both methods, and a table of sites and EVSEs.
func WriteReliabilityPDF(w io.Writer, r *volt.ReliabilityReport, subject string) error {
	pdf := fpdf.New("P", "mm", "A4", "")
	pdf.SetTitle("Reliability "+r.Month+" - "+subject, true)
	pdf.AddPage()
	pdf.SetFont("Helvetica", "B", 16)
	pdf.CellFormat(0, 10, "Reliability "+r.Month+" - "+subject, "", 1, "L", false, 0, "")
	pdf.SetFont("Helvetica", "", 10)
	pdf.MultiCell(0, 5, fmt.Sprintf("From %s to %s (UTC). AFIR: time operational over time counted. UK (The Public Charge Point "+
		"Regulations 2023, reg. 7): downtime the operator excluded with evidence (planned maintenance, grid outage, vandalism, "+
		"outside operating hours) counts as operational; the network figure is over %s EVSEs.",
		r.From.Format("2006-01-02 15:04"), r.To.Format("2006-01-02 15:04"), map[string]string{"rapid": "rapid (50 kW and more)", "all": "all"}[r.UKScope]), "", "L", false)
	pdf.Ln(2)
	pdf.SetFont("Helvetica", "B", 12)
	pdf.CellFormat(0, 7, fmt.Sprintf("Network: AFIR %s %%   UK reg. 7 %s %%", r.Network.AFIRPercent.StringFixed(2), r.UK.UKPercent.StringFixed(2)), "", 1, "L", false, 0, "")
	pdf.Ln(2)
	widths := []float64{70, 25, 20, 25, 25, 25}
	head := func(first string) {
		pdf.SetFont("Helvetica", "B", 9)
		for i, h := range []string{first, "Connector", "EVSEs", "Down (h)", "AFIR %", "UK %"} {
			pdf.CellFormat(widths[i], 6, h, "B", 0, map[bool]string{true: "L", false: "R"}[i == 0], false, 0, "")
		}
		pdf.Ln(-1)
		pdf.SetFont("Helvetica", "", 9)
	}
	row := func(name, conn string, f volt.SiteReliabilityFigure) {
		for i, v := range []string{name, conn, strconv.Itoa(f.EVSEs), volt.NewDecimalMicro(f.DownMS * 1000 / 3600).StringFixed(2),
			f.AFIRPercent.StringFixed(2), f.UKPercent.StringFixed(2)} {
			pdf.CellFormat(widths[i], 5, v, "", 0, map[bool]string{true: "L", false: "R"}[i == 0], false, 0, "")
		}
		pdf.Ln(-1)
	}
	head("Site")
	for _, s := range r.Sites {
		row(s.SiteName, "", s)
	}
	pdf.Ln(3)
	head("Charger")
	for _, e := range r.EVSEs {
		row(e.CPID, strconv.Itoa(e.ConnectorID), volt.SiteReliabilityFigure{EVSEs: 1, Availability: e.Availability, AFIRPercent: e.AFIRPercent, UKPercent: e.UKPercent})
	}
	if err := pdf.Output(w); err != nil {
		return fmt.Errorf("write reliability pdf: %w", err)
	}
	return nil
}
