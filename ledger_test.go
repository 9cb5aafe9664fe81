package volt

import (
	"math/rand/v2"
	"testing"
)

func TestPostingValidate(t *testing.T) {
	ok := Posting{IdempotencyKey: "k", Kind: PostTopUp, Currency: "GBP", Entries: TopUpEntries("sandbox", "usr_1", 1000, "GBP")}
	if err := ok.Validate(); err != nil {
		t.Fatalf("valid top-up: %v", err)
	}
	bad := map[string]Posting{
		"no key":       {Kind: PostTopUp, Currency: "GBP", Entries: ok.Entries},
		"bad currency": {IdempotencyKey: "k", Kind: PostTopUp, Currency: "XYZ", Entries: ok.Entries},
		"one entry":    {IdempotencyKey: "k", Kind: PostTopUp, Currency: "GBP", Entries: ok.Entries[:1]},
		"unbalanced": {IdempotencyKey: "k", Kind: PostTopUp, Currency: "GBP", Entries: []Entry{
			{Account: "a:1", Amount: 5, Currency: "GBP"}, {Account: "b:1", Amount: -4, Currency: "GBP"}}},
		"mixed currency": {IdempotencyKey: "k", Kind: PostTopUp, Currency: "GBP", Entries: []Entry{
			{Account: "a:1", Amount: 5, Currency: "GBP"}, {Account: "b:1", Amount: -5, Currency: "EUR"}}},
		"zero entry": {IdempotencyKey: "k", Kind: PostTopUp, Currency: "GBP", Entries: []Entry{
			{Account: "a:1", Amount: 0, Currency: "GBP"}, {Account: "b:1", Amount: 0, Currency: "GBP"}}},
		"bad account": {IdempotencyKey: "k", Kind: PostTopUp, Currency: "GBP", Entries: []Entry{
			{Account: "nocolon", Amount: 5, Currency: "GBP"}, {Account: "b:1", Amount: -5, Currency: "GBP"}}},
	}
	for name, p := range bad {
		if err := p.Validate(); err == nil {
			t.Errorf("%s: accepted", name)
		}
	}
}

// TestMovementsBalance checks every movement's entries balance for random
// amounts and fees, and that a capture splits into VAT, fee and owner income
// that add up to the amount paid.
func TestMovementsBalance(t *testing.T) {
	rng := rand.New(rand.NewPCG(1, 2))
	fees := &Fees{Currency: "GBP", VATRate: MustDecimal("0.2"), Transaction: FeeRule{Flat: MustDecimal("0.20"), Percent: MustDecimal("2.5")}}
	for range 2000 {
		incl := rng.Int64N(1_000_000)
		excl := exclVAT(incl, MustDecimal("0.20"))
		sc := ChargeSplit(&Cost{Currency: "GBP", InclVAT: incl, ExclVAT: excl}, fees, "cpo_1", "own_1")
		if sc.TransactionFee < 0 || sc.TransactionFee > incl-sc.VAT {
			t.Fatalf("fee %d out of range for %d", sc.TransactionFee, incl)
		}
		hold := incl + rng.Int64N(5000)
		refund := rng.Int64N(incl + 1)
		for name, e := range map[string][]Entry{
			"capture": CaptureEntries("sandbox", "pay_1", hold, sc),
			"credit":  CreditChargeEntries("usr_1", sc),
			"refund":  RefundEntries("sandbox", refund, sc),
			"hold":    HoldEntries("pay_1", hold, "GBP"),
			"payout":  PayoutEntries("sandbox", "own_1", incl, "GBP"),
		} {
			if !Balanced(e) {
				t.Fatalf("%s of %d does not balance: %v", name, incl, e)
			}
		}
		var owner int64
		for _, e := range CaptureEntries("sandbox", "pay_1", hold, sc) {
			if e.Account == AccountOwner("own_1") {
				owner = -e.Amount
			}
		}
		if owner+sc.VAT+sc.TransactionFee != incl {
			t.Fatalf("capture of %d splits into owner %d + VAT %d + fee %d", incl, owner, sc.VAT, sc.TransactionFee)
		}
	}
}

// TestCreditGuardOverdrawsAtMostOneInterval simulates sessions with random
// interval costs under the guard: the wallet never goes below minus the
// largest single interval.
func TestCreditGuardOverdrawsAtMostOneInterval(t *testing.T) {
	rng := rand.New(rand.NewPCG(3, 4))
	for range 5000 {
		balance := rng.Int64N(5000) + 1
		var live, last, worst int64
		for step := 0; step < 1000; step++ {
			interval := rng.Int64N(200)
			worst = max(worst, interval)
			live += interval
			last = interval
			if CreditGuard(balance, live, last) {
				break
			}
		}
		if balance-live < -worst {
			t.Fatalf("balance %d, cost %d: overdrawn by more than one interval (%d)", balance, live, worst)
		}
	}
	if !CreditGuard(100, 100, 0) || CreditGuard(1000, 100, 50) || !CreditGuard(1000, 960, 50) {
		t.Error("guard decisions at the edges are wrong")
	}
}

func TestCanStartOnCredit(t *testing.T) {
	if ok, _ := CanStartOnCredit(499, DefaultMinBalance); ok {
		t.Error("4.99 admitted under a 5.00 minimum")
	}
	if ok, _ := CanStartOnCredit(500, DefaultMinBalance); !ok {
		t.Error("5.00 refused under a 5.00 minimum")
	}
}

func TestReimbursementAmount(t *testing.T) {
	for _, c := range []struct {
		wh   int64
		rate string
		want int64
	}{{10_000, "0.07", 70}, {12_345, "0.0745", 92}, {1, "0.5", 0}, {0, "0.07", 0}, {1_000, "0.005", 1}} {
		got, err := ReimbursementAmount(c.wh, MustDecimal(c.rate), 2)
		if err != nil || got != c.want {
			t.Errorf("%d Wh at %s = %d, %v; want %d", c.wh, c.rate, got, err, c.want)
		}
	}
	if _, err := ReimbursementAmount(-1, MustDecimal("0.07"), 2); err == nil {
		t.Error("negative energy accepted")
	}
	if _, err := ReimbursementAmount(1, MustDecimal("-0.07"), 2); err == nil {
		t.Error("negative rate accepted")
	}
}
