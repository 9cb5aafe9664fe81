package store

import (
	"context"

	"github.com/volt-ev/volt"
)

// The payment.* and ticket.* events (issue #17 item 6), written by the
// transaction that captures, refunds, opens or changes. Their data is a
// summary for webhooks: no card, e-mail or phone number leaves this way.

// paymentEventData is what a payment event carries.
type paymentEventData struct {
	ID        string `json:"id"`
	Kind      string `json:"kind"`
	State     string `json:"state"`
	SessionID string `json:"sessionId,omitempty"`
	CPID      string `json:"cpid,omitempty"`
	Currency  string `json:"currency"`
	Amount    int64  `json:"amount"`   // minor units
	Captured  int64  `json:"captured"` // minor units
	Refunded  int64  `json:"refunded"` // minor units, in total so far
	RefundNow int64  `json:"refundAmount,omitempty"`
}

func emitPayment(ctx context.Context, tx *Tx, typ string, p *volt.Payment, state volt.PaymentState, captured, refunded, refundNow int64) error {
	return tx.emit(ctx, volt.Event{Type: typ, CPID: p.CPID, CPOID: p.CPOID, Data: paymentEventData{
		ID: p.ID, Kind: string(p.Kind), State: string(state), SessionID: p.SessionID, CPID: p.CPID, Currency: p.Currency,
		Amount: p.Amount, Captured: captured, Refunded: refunded, RefundNow: refundNow}})
}

// ticketEventData is what a ticket event carries.
type ticketEventData struct {
	ID        string `json:"id"`
	Subject   string `json:"subject"`
	Status    string `json:"status"`
	Priority  string `json:"priority"`
	Source    string `json:"source,omitempty"`
	CPID      string `json:"cpid,omitempty"`
	SessionID string `json:"sessionId,omitempty"`
	Assignee  string `json:"assigneeId,omitempty"`
}

func emitTicket(ctx context.Context, tx *Tx, typ string, t *volt.Ticket) error {
	return tx.emit(ctx, volt.Event{Type: typ, CPID: t.CPID, CPOID: t.CPOID, Data: ticketEventData{
		ID: t.ID, Subject: t.Subject, Status: string(t.Status), Priority: string(t.Priority), Source: t.Source,
		CPID: t.CPID, SessionID: t.SessionID, Assignee: t.AssigneeID}})
}
