// Package report renders income reports (CSV and PDF with a bar chart) and
// drivers' receipts (PDF). Amounts are rendered from integer minor units
// with the currency's exponent; no float ever holds money (floats here are
// page coordinates only).
package report

import (
	"encoding/csv"
	"fmt"
	"io"
	"strconv"

	"github.com/volt-ev/volt"
)

// Amount formats minor units of a currency as a decimal string ("4.50").
func Amount(minor int64, currency string) string {
	exp := volt.CurrencyExponent(currency)
	if exp < 0 {
		exp = 2
	}
	return volt.DecimalFromMinor(minor, exp).StringFixed(exp)
}

// kWh formats watt-hours as kWh with three decimals.
func kWh(wh int64) string { return volt.NewDecimalMicro(wh * 1000).StringFixed(3) }

// incomeRows are the labelled totals of a report, in report order.
func incomeRows(r *volt.IncomeReport) [][2]any {
	return [][2]any{
		{"App income", r.AppIncome}, {"Credit income", r.CreditIncome}, {"Contactless income", r.ContactlessIncome},
		{"Direct income", r.DirectIncome}, {"Third-party income", r.ThirdPartyIncome},
		{"Transaction fees", r.TransactionFees}, {"Socket fees", r.SocketFees}, {"VAT", r.VAT},
		{"Net payment to you", r.NetPayment},
	}
}

// WriteIncomeCSV writes the report as CSV: a totals section (item, amount)
// then one line per site.
func WriteIncomeCSV(w io.Writer, r *volt.IncomeReport) error {
	cw := csv.NewWriter(w)
	write := func(rec ...string) { _ = cw.Write(rec) }
	write("item", "amount", "currency")
	write("Sessions", strconv.FormatInt(r.Sessions, 10), "")
	write("Energy (kWh)", kWh(r.EnergyWh), "")
	for _, row := range incomeRows(r) {
		write(row[0].(string), Amount(row[1].(int64), r.Currency), r.Currency)
	}
	write()
	write("site", "sessions", "energy_kwh", "direct_income", "vat", "transaction_fees")
	for _, s := range r.Sites {
		write(s.SiteID, strconv.FormatInt(s.Sessions, 10), kWh(s.EnergyWh), Amount(s.DirectIncome, r.Currency),
			Amount(s.VAT, r.Currency), Amount(s.TransactionFees, r.Currency))
	}
	if len(r.ThirdPartyByPartner) > 0 { // issue 14: roaming income per partner
		write()
		write("roaming_partner", "sessions", "energy_kwh", "third_party_income", "vat", "partner_id")
		for _, p := range r.ThirdPartyByPartner {
			write(p.PartnerName, strconv.FormatInt(p.Sessions, 10), kWh(p.EnergyWh), Amount(p.Income, r.Currency),
				Amount(p.VAT, r.Currency), p.PartnerID)
		}
	}
	cw.Flush()
	if err := cw.Error(); err != nil {
		return fmt.Errorf("write income csv: %w", err)
	}
	return nil
}
