package web

import (
	"net/http"
	"strings"

	volt "github.com/volt-ev/volt"
)

// walletRow is one driver in the wallet list: the balance, or why it is not
// shown (the store lets admins and support users of the driver's CPO read
// it, no one else).
type walletRow struct {
	User    *volt.User
	Balance string
	Hidden  bool
}

// walletsView is the data of the wallet list.
type walletsView struct {
	CPOs     []*volt.CPO
	CPOID    string
	Currency string
	Query    string
	Rows     []walletRow
	Pager    pager
}

// walletList lists the users of a CPO with their wallet balance in the
// CPO's currency. Balances come from WalletService.FindWallet, which
// applies the store's rule on who may read a driver's wallet.
func (a *Admin) walletList(w http.ResponseWriter, r *http.Request, s *sess) {
	if a.cfg.Wallets == nil {
		a.notWired(w, r, s, "Wallets")
		return
	}
	c, cpos, err := a.settingsCPO(s, r.URL.Query().Get("cpo"))
	if err != nil {
		a.fail(w, r, s, err)
		return
	}
	q := strings.TrimSpace(r.URL.Query().Get("q"))
	page := pageOf(r, 50)
	users, total, err := a.cfg.Users.FindUsers(s.ctx, volt.UserFilter{CPOID: c.ID, Query: q, Page: page})
	if err != nil {
		a.fail(w, r, s, err)
		return
	}
	v := walletsView{CPOs: cpos, CPOID: c.ID, Currency: c.Currency, Query: q, Pager: newPager(r, page, total)}
	// TODO(web): one FindWallet per row (50 a page); a WalletService list
	// with balances would make this one query.
	for _, u := range users {
		row := walletRow{User: u}
		wl, err := a.cfg.Wallets.FindWallet(s.ctx, u.ID, c.Currency)
		switch {
		case err == nil:
			row.Balance = fmtMinor(wl.Balance, wl.Currency)
		case volt.IsCode(err, volt.ENOTFOUND):
			row.Hidden = true
		default:
			a.fail(w, r, s, err)
			return
		}
		v.Rows = append(v.Rows, row)
	}
	a.render(w, r, s, "wallets", "Wallets", v)
}

// walletView is the data of one wallet's page.
type walletView struct {
	User   *volt.User
	Wallet *volt.Wallet
	Lines  []*volt.WalletLine
	Pager  pager
	// Sessions are the sessions the lines refer to, by id, to name them.
	Sessions map[string]*volt.Session
}

// Money formats an amount of the wallet's currency.
func (v walletView) Money(amount int64) string { return fmtMinor(amount, v.Wallet.Currency) }

// walletKinds names ledger movements for people.
var walletKinds = map[volt.PostingKind]string{
	volt.PostTopUp: "Top-up", volt.PostCreditCharge: "Charging session", volt.PostRefund: "Refund",
	volt.PostReimbursement: "Home reimbursement", volt.PostCapture: "Card payment", volt.PostHold: "Card hold",
	volt.PostRelease: "Hold released", volt.PostPayout: "Payout", volt.PostSocketFee: "Socket fee",
	volt.PostExportCredit: "Energy given back",
}

// Kind names a movement for people.
func (walletView) Kind(k volt.PostingKind) string {
	if n, ok := walletKinds[k]; ok {
		return n
	}
	return string(k)
}

// walletShow shows a driver's balance and ledger lines, newest first, in
// the currency asked for (default: the driver's CPO's).
func (a *Admin) walletShow(w http.ResponseWriter, r *http.Request, s *sess) {
	if a.cfg.Wallets == nil {
		a.notWired(w, r, s, "Wallets")
		return
	}
	u, err := a.cfg.Users.FindUserByID(s.ctx, r.PathValue("user"))
	if err != nil {
		a.fail(w, r, s, err)
		return
	}
	currency := strings.ToUpper(r.URL.Query().Get("currency"))
	if currency == "" && u.CPOID != "" {
		if c, err := a.cfg.Hierarchy.FindCPOByID(s.ctx, u.CPOID); err == nil {
			currency = c.Currency
		}
	}
	if currency == "" {
		currency = "GBP"
	}
	v := walletView{User: u}
	if v.Wallet, err = a.cfg.Wallets.FindWallet(s.ctx, u.ID, currency); err != nil {
		a.fail(w, r, s, err)
		return
	}
	page := pageOf(r, 50)
	lines, total, err := a.cfg.Wallets.WalletHistory(s.ctx, u.ID, page)
	if err != nil {
		a.fail(w, r, s, err)
		return
	}
	v.Lines, v.Pager = lines, newPager(r, page, total)
	v.Sessions = a.walletSessions(s, lines)
	a.render(w, r, s, "wallet", "Wallet of "+u.Email, v)
}
