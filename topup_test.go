package volt

import (
	"errors"
	"testing"
)

func TestTopUpMaximum(t *testing.T) {
	if got := DefaultMaxTopUp("GBP"); got != 25000 {
		t.Errorf("GBP default %d, want 25000", got)
	}
	if got := DefaultMaxTopUp("JPY"); got != 250 {
		t.Errorf("JPY default %d, want 250", got)
	}
	if err := CheckTopUp(Money{Amount: 25000, Currency: "GBP"}, 25000); err != nil {
		t.Errorf("the maximum itself refused: %v", err)
	}
	err := CheckTopUp(Money{Amount: 10_000_000_000, Currency: "GBP"}, 25000)
	var e *Error
	if !errors.As(err, &e) || e.Code != EINVALID || e.Field != "amount" || e.Message != "A top-up is at most 250.00 GBP, got 100000000.00 GBP." {
		t.Errorf("over the maximum: %#v", err)
	}
}
