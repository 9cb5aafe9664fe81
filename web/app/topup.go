package app

import (
	"net/http"
	"strings"

	volt "github.com/volt-ev/volt"
)

// topUpConfirmView is the confirmation step of a top-up: the amount to be
// charged and the card, shown before anything is charged.
type topUpConfirmView struct {
	Amount   volt.Money
	Input    string // the amount as typed, posted again on confirmation
	Card     string
	CardTail string // the last four digits, for the page
	Key      string
	Max      volt.Money
}

// maxTopUp is the largest top-up the driver may make in the app's
// currency, or the zero Money when it cannot be read (the service still
// refuses more).
func (a *App) maxTopUp(q *req) volt.Money {
	if a.cfg.Wallets == nil {
		return volt.Money{}
	}
	m, err := a.cfg.Wallets.MaxTopUp(q.ctx, q.User.ID, q.Theme.Currency)
	if err != nil {
		a.log.Warn("app: maximum top-up", "user", q.User.ID, "err", err)
		return volt.Money{}
	}
	return m
}

// confirmTopUp shows the amount and the card before the card is charged
// (the form posts again with confirm=yes to charge). An amount over the
// maximum is refused here already, naming the maximum.
func (a *App) confirmTopUp(w http.ResponseWriter, r *http.Request, q *req, amount volt.Money, card, key string) {
	maxm := a.maxTopUp(q)
	if maxm.Amount > 0 {
		if err := volt.CheckTopUp(amount, maxm.Amount); err != nil {
			a.renderAccount(w, r, q, http.StatusBadRequest, "", volt.ErrorMessage(err))
			return
		}
	}
	tail := card
	if len(tail) > 4 {
		tail = tail[len(tail)-4:]
	}
	v := topUpConfirmView{Amount: amount, Input: volt.FormatMinor(amount.Amount, amount.Currency), Card: card,
		CardTail: tail, Key: strings.TrimPrefix(key, "app-topup-"), Max: maxm}
	a.render(w, q, http.StatusOK, "topup_confirm", view{Title: "Confirm top-up", Nav: "account", Data: v})
}
