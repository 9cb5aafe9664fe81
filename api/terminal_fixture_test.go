package api

import (
	"testing"
	"time"

	"github.com/volt-ev/volt"
	"github.com/volt-ev/volt/payment/sandbox"
)

// buildTerminalAndReimbursement gives the tenant a contactless terminal on
// connector 2 of its charger with a tap held on it (through the service,
// so no command is sent), and a home reimbursement agreement for its
// driver with the statement of a month without sessions (nothing credited,
// so wallet balances elsewhere stay as they are).
func buildTerminalAndReimbursement(t *testing.T, cfg Config, tn *tenant) {
	t.Helper()
	tm := &volt.Terminal{CPID: tn.CPID, ConnectorID: 2, Provider: "sandbox", Serial: "SN-" + tn.Name}
	key, err := cfg.Terminals.CreateTerminal(sys(), tm)
	must(t, err)
	tn.Terminal = tm.ID
	actor, err := cfg.Terminals.AuthenticateTerminal(sys(), key)
	must(t, err)
	auth, err := cfg.Terminals.Tap(volt.NewContextWithActor(sys(), actor), volt.TerminalTap{TerminalID: tm.ID, Card: sandbox.CardOK, IdempotencyKey: "fixture"})
	must(t, err)
	tn.TerminalPayment = auth.Payment.ID
	ag := &volt.ReimbursementAgreement{OwnerID: tn.Owner, UserID: tn.Driver, CPID: tn.CPID, Rate: volt.MustDecimal("0.0745")}
	must(t, cfg.Reimbursements.CreateReimbursementAgreement(sys(), ag))
	tn.Agreement = ag.ID
	_, err = cfg.Reimbursements.RunReimbursements(sys(), time.Date(2020, 1, 15, 0, 0, 0, 0, time.UTC))
	must(t, err)
	sts, _, err := cfg.Reimbursements.FindReimbursementStatements(sys(), volt.ReimbursementFilter{UserID: tn.Driver, Month: "2020-01"})
	must(t, err)
	if len(sts) != 1 {
		t.Fatalf("%d statements for %s, want 1", len(sts), tn.Name)
	}
	tn.Statement = sts[0].ID
}
