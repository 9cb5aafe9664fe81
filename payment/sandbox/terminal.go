package sandbox

import (
	"context"
	"fmt"

	"github.com/volt-ev/volt"
)

// Terminal is a simulated contactless payment terminal (Payter-style)
// mounted on a charger: a tap pre-authorises the card for a connector through
// the payment service, which captures the CDR cost when the session ends.
type Terminal struct {
	ID       string
	Payments volt.PaymentService
	seq      int
}

// NewTerminal returns a terminal with the given id talking to svc.
func NewTerminal(id string, svc volt.PaymentService) *Terminal {
	return &Terminal{ID: id, Payments: svc}
}

// Tap presents a card for charger cpid, connector: the pre-authorisation is
// bound to that connector and the session that starts on it.
func (t *Terminal) Tap(ctx context.Context, card, cpid string, connector int) (*volt.Payment, error) {
	t.seq++
	p, err := t.Payments.PreAuthorize(ctx, volt.PreAuthRequest{
		Kind: volt.PaymentContactless, CPID: cpid, ConnectorID: connector, TerminalID: t.ID, Card: card,
		IdempotencyKey: fmt.Sprintf("terminal:%s:%d", t.ID, t.seq),
	})
	if err != nil {
		return nil, fmt.Errorf("terminal %s tap: %w", t.ID, err)
	}
	return p, nil
}
