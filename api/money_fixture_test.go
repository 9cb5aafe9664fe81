package api

import (
	"testing"

	"github.com/volt-ev/volt"
	"github.com/volt-ev/volt/payment/sandbox"
)

// webhookSecret signs the sandbox provider's webhooks in the tests.
const webhookSecret = "whsec_api_test"

// buildMoney gives the tenant a public tariff on its charger group and a
// cheaper one for its driver usergroup, before the session is recorded so
// that its CDR is priced.
func buildMoney(t *testing.T, cfg Config, tn *tenant) {
	t.Helper()
	ctx := sys()
	pub := &volt.Tariff{CPOID: tn.CPO, Name: "Public " + tn.Name, Currency: "GBP", VATRate: volt.MustDecimal("0.20"),
		EnergyPricePerKWh: volt.MustDecimal("0.45"), SessionFee: volt.MustDecimal("0.50")}
	must(t, cfg.Tariffs.CreateTariff(ctx, pub))
	tn.Tariff = pub.ID
	as := &volt.TariffAssignment{TariffID: pub.ID, UsergroupID: volt.PublicUsergroupID, ChargerGroupID: tn.Group}
	must(t, cfg.Tariffs.CreateTariffAssignment(ctx, as))
	tn.Assignment = as.ID
	fleet := &volt.Tariff{CPOID: tn.CPO, Name: "Drivers " + tn.Name, Currency: "GBP", VATRate: volt.MustDecimal("0.20"),
		EnergyPricePerKWh: volt.MustDecimal("0.30")}
	must(t, cfg.Tariffs.CreateTariff(ctx, fleet))
	must(t, cfg.Tariffs.CreateTariffAssignment(ctx, &volt.TariffAssignment{TariffID: fleet.ID,
		UsergroupID: tn.DriverGroup, ChargerGroupID: tn.Group}))
}

// preAuthorize holds a PAYG payment for the driver on connector 1, to be
// bound to the tenant's session and captured at its CDR.
func preAuthorize(t *testing.T, cfg Config, tn *tenant) *volt.Payment {
	t.Helper()
	p, err := cfg.Payments.PreAuthorize(sys(), volt.PreAuthRequest{Kind: volt.PaymentPAYG, UserID: tn.Driver,
		CPID: tn.CPID, ConnectorID: 1, Card: sandbox.CardOK, IdempotencyKey: "preauth-" + tn.Name})
	must(t, err)
	return p
}

// settle binds the payment to the session, captures the CDR cost, tops up
// the driver's wallet, and opens a support ticket with a helpline contact.
func settle(t *testing.T, cfg Config, tn *tenant, p *volt.Payment, cdr *volt.CDR) {
	t.Helper()
	ctx := sys()
	must(t, cfg.Payments.BindSession(ctx, p.ID, tn.Session))
	must(t, cfg.Payments.OnCDR(ctx, cdr))
	tn.Payment = p.ID
	top, err := cfg.Wallets.TopUp(ctx, tn.Driver, volt.Money{Amount: 2000, Currency: "GBP"}, sandbox.CardOK, "topup-"+tn.Name)
	must(t, err)
	tn.TopUp = top.ID
	tk := &volt.Ticket{Subject: "Cable stuck " + tn.Name, Body: "The cable will not release.", DriverUserID: tn.Driver,
		CPID: tn.CPID, SessionID: tn.Session}
	must(t, cfg.Tickets.CreateTicket(ctx, tk))
	tn.Ticket = tk.ID
	must(t, cfg.Tickets.AddTicketMessage(ctx, tk.ID, &volt.TicketMessage{Body: "SECRET note " + tn.Name, Internal: true}))
	hc := &volt.HelplineContact{Channel: volt.ChannelPhone, DriverContact: "+44 7700 900" + tn.Name, CPID: tn.CPID,
		TicketID: tk.ID, Summary: "Driver called about a stuck cable", Actions: []string{"unlock"}}
	must(t, cfg.Helpline.RecordContact(ctx, hc))
	tn.Contact = hc.ID
}
