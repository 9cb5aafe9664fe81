package api

import (
	"context"
	"strings"

	"github.com/volt-ev/volt"
)

// minorUnits converts a decimal amount in currency units ("12.50") to minor
// units of currency, refusing what is not positive or finer than the
// currency's minor unit, with field named.
func minorUnits(field string, d volt.Decimal, currency string) (int64, error) {
	exp := volt.CurrencyExponent(currency)
	if exp < 0 {
		return 0, volt.FieldError("currency", "Unknown currency %q.", currency)
	}
	if d.Sign() <= 0 {
		return 0, volt.FieldError(field, "The amount must be positive, got %s.", d)
	}
	m, ok := d.ExactMinor(exp)
	if !ok {
		return 0, volt.FieldError(field, "%s has more than %d decimal places for %s.", d, exp, currency)
	}
	return m, nil
}

// WalletView is a driver's wallet in one currency with a page of its
// movements, newest first. Amounts are minor units (pence).
type WalletView struct {
	ID       string                     `json:"id" doc:"The wallet's id: its user's id."`
	UserID   string                     `json:"userId"`
	Currency string                     `json:"currency"`
	Balance  int64                      `json:"balance" doc:"Minor units; the sum of the wallet's ledger entries."`
	MaxTopUp int64                      `json:"maxTopUp,omitempty" doc:"Minor units; the largest top-up the driver may make (shown to the driver and super admins)."`
	History  ListBody[*volt.WalletLine] `json:"history"`
}

type walletListInput struct {
	UserID   string `query:"userId" maxLength:"64" doc:"Whose wallet (default: the caller's)."`
	Currency string `query:"currency" maxLength:"3" doc:"ISO 4217 (default GBP)."`
	PageParams
}

type walletInput struct {
	IDInput
	Currency string `query:"currency" maxLength:"3" doc:"ISO 4217 (default GBP)."`
	PageParams
}

func walletCurrency(c string) string {
	if c == "" {
		return "GBP"
	}
	return strings.ToUpper(c)
}

// listWallets answers the wallet of a user (default the caller) in a
// currency. Wallets are read by their driver and super admins only.
// TODO(api): all currencies of a user, once WalletService lists them.
func (s *server) listWallets(ctx context.Context, in *walletListInput) (*ListOutput[*volt.Wallet], error) {
	if s.Wallets == nil {
		return nil, notWired("wallet")
	}
	user := in.UserID
	if user == "" {
		if a := volt.ActorFromContext(ctx); a != nil {
			user = a.UserID
		}
	}
	p := in.page()
	if user == "" || p.Offset > 0 {
		return listOf([]*volt.Wallet{}, 0, p), nil
	}
	w, err := s.Wallets.FindWallet(ctx, user, walletCurrency(in.Currency))
	if volt.IsCode(err, volt.ENOTFOUND) && in.UserID != "" {
		// Filtering on a user one may not read lists nothing.
		return listOf([]*volt.Wallet{}, 0, p), nil
	} else if err != nil {
		return nil, s.err(ctx, err)
	}
	return listOf([]*volt.Wallet{w}, 1, p), nil
}

// getWallet answers a wallet (addressed by its user's id) with its balance
// and a page of its history.
func (s *server) getWallet(ctx context.Context, in *walletInput) (*Out[*WalletView], error) {
	if s.Wallets == nil {
		return nil, notWired("wallet")
	}
	w, err := s.Wallets.FindWallet(ctx, in.ID, walletCurrency(in.Currency))
	if err != nil {
		return nil, s.err(ctx, err)
	}
	p := in.page()
	lines, total, err := s.Wallets.WalletHistory(ctx, in.ID, p)
	if err != nil {
		return nil, s.err(ctx, err)
	}
	if lines == nil {
		lines = []*volt.WalletLine{}
	}
	var maxTopUp int64
	if m, err := s.Wallets.MaxTopUp(ctx, in.ID, w.Currency); err == nil {
		maxTopUp = m.Amount
	}
	return out(&WalletView{ID: w.UserID, UserID: w.UserID, Currency: w.Currency, Balance: w.Balance, MaxTopUp: maxTopUp,
		History: ListBody[*volt.WalletLine]{Items: lines, Total: total, Offset: p.Offset, Limit: p.Limit}}), nil
}

// TopUpCreate is the body of POST /api/v1/wallets/{id}/top-ups.
type TopUpCreate struct {
	Amount   volt.Decimal `json:"amount" pattern:"^-?[0-9]{1,12}(\\.[0-9]{1,6})?$" patternDescription:"a decimal amount like \"10.00\"" doc:"In currency units: \"10.00\" is £10."`
	Currency string       `json:"currency" minLength:"3" maxLength:"3" doc:"ISO 4217."`
	Card     string       `json:"card" minLength:"1" maxLength:"200" doc:"A card or payment-method token from the provider's client."`
}

type topUpInput struct {
	IDInput
	IdempotencyKey string `header:"Idempotency-Key" maxLength:"200" doc:"Required: a retried request with the same key charges once."`
	Body           TopUpCreate
}

// topUpWallet charges the card at once and credits the wallet; a declined
// card is 422, a provider outage 503 (nothing credited either way).
func (s *server) topUpWallet(ctx context.Context, in *topUpInput) (*Out[*volt.Payment], error) {
	if s.Wallets == nil {
		return nil, notWired("wallet")
	}
	if in.IdempotencyKey == "" {
		return nil, newError(volt.EINVALID, "The Idempotency-Key header is required.", "Idempotency-Key")
	}
	cur := strings.ToUpper(in.Body.Currency)
	amount, err := minorUnits("amount", in.Body.Amount, cur)
	if err != nil {
		return nil, s.err(ctx, err)
	}
	p, err := s.Wallets.TopUp(ctx, in.ID, volt.Money{Amount: amount, Currency: cur}, in.Body.Card, in.IdempotencyKey)
	if err != nil {
		return nil, s.err(ctx, err)
	}
	return out(p), nil
}
