package volt

import (
	"context"
	"time"
)

// Income channels of a charged session.
const (
	ChannelApp         = "app"         // PAYG, guest and card on file
	ChannelCredit      = "credit"      // wallet
	ChannelContactless = "contactless" // terminal on the charger
	ChannelRoaming     = "roaming"     // third party (OCPI), none until OCPI lands
)

// IncomeFilter selects the income a report covers: one CPO, owner or site
// (the narrowest set wins) and CDRs stopped in [From, To).
type IncomeFilter struct {
	CPOID   string    `json:"cpoId,omitempty"`
	OwnerID string    `json:"ownerId,omitempty"`
	SiteID  string    `json:"siteId,omitempty"`
	From    time.Time `json:"from"`
	To      time.Time `json:"to"`
}

// Validate checks the filter: one scope and a non-empty period.
func (f *IncomeFilter) Validate() error {
	if f.CPOID == "" && f.OwnerID == "" && f.SiteID == "" {
		return FieldError("cpoId", "An income report needs a CPO, an owner or a site.")
	}
	if !f.From.Before(f.To) {
		return FieldError("to", "The report period must end after it starts.")
	}
	return nil
}

// IncomeLine is the income of one site (or channel) in a report. Amounts are
// minor units of the report's currency, VAT included unless named VAT.
type IncomeLine struct {
	SiteID          string `json:"siteId"`
	Sessions        int64  `json:"sessions"`
	EnergyWh        int64  `json:"energyWh"`
	DirectIncome    int64  `json:"directIncome"`
	VAT             int64  `json:"vat"`
	TransactionFees int64  `json:"transactionFees"`
}

// IncomeReport is an owner's (or CPO's, or site's) income for a period, the
// glossary's Direct Income, Third Party Income, fees, VAT and Net Payment to
// You.
type IncomeReport struct {
	Filter            IncomeFilter `json:"filter"`
	Currency          string       `json:"currency"`
	Sessions          int64        `json:"sessions"`
	EnergyWh          int64        `json:"energyWh"`
	AppIncome         int64        `json:"appIncome"`
	CreditIncome      int64        `json:"creditIncome"`
	ContactlessIncome int64        `json:"contactlessIncome"`
	DirectIncome      int64        `json:"directIncome"`
	ThirdPartyIncome  int64        `json:"thirdPartyIncome"`
	TransactionFees   int64        `json:"transactionFees"`
	SocketFees        int64        `json:"socketFees"`
	VAT               int64        `json:"vat"`
	NetPayment        int64        `json:"netPaymentToYou"`
	Sites             []IncomeLine `json:"sites"`
	// ThirdPartyByPartner splits ThirdPartyIncome per roaming partner
	// (issue 14).
	ThirdPartyByPartner []ThirdPartyIncome `json:"thirdPartyByPartner"`
}

// Finish computes the totals from the parts: direct income is app, credit
// and contactless; net payment to you is all income less fees and VAT.
func (r *IncomeReport) Finish() {
	r.DirectIncome = r.AppIncome + r.CreditIncome + r.ContactlessIncome
	r.NetPayment = r.DirectIncome + r.ThirdPartyIncome - r.TransactionFees - r.SocketFees - r.VAT
}

// ReportService answers income reports.
type ReportService interface {
	IncomeReport(ctx context.Context, f IncomeFilter) (*IncomeReport, error)
}
