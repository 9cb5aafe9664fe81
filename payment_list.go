package volt

import "context"

// PaymentFilter narrows a list of payments. Empty fields are not set.
type PaymentFilter struct {
	ID        string
	UserID    string
	CPOID     string
	CPID      string
	SessionID string
	Kind      PaymentKind
	State     PaymentState
	Page
}

// PaymentFinder lists the payments an actor may read, newest first: those
// of the CPOs in its read scope and its own. A PaymentService that can list
// implements it; the API serves GET /api/v1/payments through it.
type PaymentFinder interface {
	FindPayments(ctx context.Context, f PaymentFilter) ([]*Payment, int, error)
}
