package api

import (
	"context"

	"github.com/volt-ev/volt"
)

// MoneySettingsBody is a CPO's money settings: its own (the minimum wallet
// balance to start on credit, the card pre-authorisation hold) in its
// currency's units as decimal strings ("5.00"), and the platform's fees,
// which only super admins change (feesEditable tells the caller).
type MoneySettingsBody struct {
	CPOID        string       `json:"cpoId"`
	Currency     string       `json:"currency"`
	MinBalance   volt.Decimal `json:"minBalance" doc:"Least wallet balance to start on credit, e.g. \"5.00\"."`
	HoldAmount   volt.Decimal `json:"holdAmount" doc:"Card pre-authorisation amount, e.g. \"30.00\"."`
	Fees         *volt.Fees   `json:"fees" doc:"The platform's transaction and socket fees; null when none. Read-only for CPO admins."`
	FeesEditable bool         `json:"feesEditable" doc:"Whether the caller may set or clear the fees (super admins)."`
}

// MoneySettingsPut is the body of PUT /api/v1/cpos/{id}/money-settings.
type MoneySettingsPut struct {
	MinBalance volt.Decimal `json:"minBalance" pattern:"^-?[0-9]{1,12}(\\.[0-9]{1,6})?$" patternDescription:"a decimal amount like \"5.00\"" doc:"In the CPO's currency units."`
	HoldAmount volt.Decimal `json:"holdAmount" pattern:"^-?[0-9]{1,12}(\\.[0-9]{1,6})?$" patternDescription:"a decimal amount like \"30.00\"" doc:"In the CPO's currency units."`
	Fees       *volt.Fees   `json:"fees,omitempty" doc:"Set the platform fees (super admins only); absent: unchanged."`
	ClearFees  bool         `json:"clearFees,omitempty" doc:"Remove the platform fees (super admins only)."`
}

type moneySettingsPutInput struct {
	IDInput
	Body MoneySettingsPut
}

// moneySettingsOf reads a CPO's settings after checking the caller reads
// the CPO (the settings service itself does not check scope).
func (s *server) moneySettingsOf(ctx context.Context, cpoID string) (*volt.MoneySettings, error) {
	if s.MoneySettings == nil {
		return nil, notWired("money settings")
	}
	if _, err := s.Hierarchy.FindCPOByID(ctx, cpoID); err != nil {
		return nil, err
	}
	return s.MoneySettings.MoneySettings(ctx, cpoID)
}

func (s *server) settingsBody(ctx context.Context, ms *volt.MoneySettings) *Out[MoneySettingsBody] {
	exp := volt.CurrencyExponent(ms.Currency)
	a := volt.ActorFromContext(ctx)
	return out(MoneySettingsBody{CPOID: ms.CPOID, Currency: ms.Currency, Fees: ms.Fees, FeesEditable: a != nil && a.SuperAdmin,
		MinBalance: volt.DecimalFromMinor(ms.MinBalance, exp), HoldAmount: volt.DecimalFromMinor(ms.HoldAmount, exp)})
}

func (s *server) getMoneySettings(ctx context.Context, in *IDInput) (*Out[MoneySettingsBody], error) {
	ms, err := s.moneySettingsOf(ctx, in.ID)
	if err != nil {
		return nil, s.err(ctx, err)
	}
	return s.settingsBody(ctx, ms), nil
}

func (s *server) putMoneySettings(ctx context.Context, in *moneySettingsPutInput) (*Out[MoneySettingsBody], error) {
	ms, err := s.moneySettingsOf(ctx, in.ID)
	if err != nil {
		return nil, s.err(ctx, err)
	}
	b := in.Body
	exp := volt.CurrencyExponent(ms.Currency)
	var ok bool
	if ms.MinBalance, ok = b.MinBalance.ExactMinor(exp); !ok {
		return nil, s.err(ctx, volt.FieldError("minBalance", "Minimum balance must be a whole number of minor units of %s.", ms.Currency))
	}
	if ms.HoldAmount, ok = b.HoldAmount.ExactMinor(exp); !ok {
		return nil, s.err(ctx, volt.FieldError("holdAmount", "Hold amount must be a whole number of minor units of %s.", ms.Currency))
	}
	switch {
	case b.ClearFees && b.Fees != nil:
		return nil, s.err(ctx, volt.FieldError("clearFees", "Give fees or clearFees, not both."))
	case b.ClearFees:
		ms.Fees = nil
	case b.Fees != nil:
		ms.Fees = b.Fees
	}
	if err := s.MoneySettings.SetMoneySettings(ctx, ms); err != nil {
		return nil, s.err(ctx, err)
	}
	return s.settingsBody(ctx, ms), nil
}
