package web

import (
	"context"
	"strconv"

	volt "github.com/volt-ev/volt"
)

// chargerCount says how many chargers the actor sees in a site or charger
// group, for the "Chargers" column of their lists ("3 chargers").
func (a *Admin) chargerCount(ctx context.Context, f volt.ChargerFilter) string {
	f.Page = volt.Page{Limit: 1}
	_, n, err := a.cfg.Chargers.FindChargers(ctx, f)
	switch {
	case err != nil:
		return "?"
	case n == 1:
		return "1 charger"
	}
	return strconv.Itoa(n) + " chargers"
}

// userNames names the users of a list page once each ("Dana Driver
// <dana@example.com>"); a user the actor may not read shows as its id.
type userNames struct {
	a    *Admin
	ctx  context.Context
	seen map[string]string
}

func (a *Admin) userNames(ctx context.Context) *userNames {
	return &userNames{a: a, ctx: ctx, seen: map[string]string{}}
}

func (u *userNames) name(id string) string {
	if id == "" {
		return "—"
	}
	if n, ok := u.seen[id]; ok {
		return n
	}
	n := id
	if usr, err := u.a.cfg.Users.FindUserByID(u.ctx, id); err == nil {
		n = usr.Name
		if usr.Email != "" {
			n += " <" + usr.Email + ">"
		}
	}
	u.seen[id] = n
	return n
}

// walletSessions reads the sessions wallet lines refer to (a credit charge
// names its session), once each.
func (a *Admin) walletSessions(s *sess, lines []*volt.WalletLine) map[string]*volt.Session {
	out := map[string]*volt.Session{}
	if a.cfg.Charging == nil {
		return out
	}
	for _, l := range lines {
		if l.Ref == "" || out[l.Ref] != nil || (l.Kind != volt.PostCreditCharge && l.Kind != volt.PostRefund) {
			continue
		}
		if se, err := a.cfg.Charging.FindSessionByID(s.ctx, l.Ref); err == nil {
			out[l.Ref] = se
		}
	}
	return out
}

// Describe says what a wallet line was, in words, with a link to what it
// is about when there is one: "Top-up", "Charging session 000123 #4711".
func (v walletView) Describe(l *volt.WalletLine) cell {
	kind := v.Kind(l.Kind)
	if se := v.Sessions[l.Ref]; se != nil {
		return cell{Text: kind + " at " + se.CPID + " #" + strconv.FormatInt(se.TransactionID, 10) + ", " + fmtKWh(se.EnergyWh),
			Href: AdminPrefix + "/sessions/" + se.ID}
	}
	return cell{Text: kind}
}
