package web

import (
	"net/http"

	volt "github.com/volt-ev/volt"
)

// Issue 14: what the CPO's drivers were billed for partner networks' CDRs,
// for support staff to follow up debts (a card refused, or none): the
// driver, the partner, the CDR, the amount and why it is unpaid. Linked
// from the partners page (debts) and a driver's page (their bills).

func (a *Admin) roamingBillRoutes() {
	a.mux.HandleFunc("GET "+AdminPrefix+"/roaming-bills", a.auth(a.roamingBillList))
}

// roamingBillRow is a bill with its driver and partner named.
type roamingBillRow struct {
	volt.RoamingBill
	Driver      string // name, or e-mail, or the id when unreadable
	PartnerName string
}

// roamingBillsView is the page's data.
type roamingBillsView struct {
	Rows   []roamingBillRow
	Pager  pager
	State  string
	UserID string
	States []string
}

func (a *Admin) roamingBillList(w http.ResponseWriter, r *http.Request, s *sess) {
	if a.cfg.RoamingBills == nil {
		a.notWired(w, r, s, "Roaming bills")
		return
	}
	state, user := r.URL.Query().Get("state"), r.URL.Query().Get("userId")
	switch state {
	case "", volt.RoamingBillPaid, volt.RoamingBillPending, volt.RoamingBillDebt:
	default:
		state = ""
	}
	page := pageOf(r, 50)
	bills, total, err := a.cfg.RoamingBills.FindRoamingBills(s.ctx, volt.RoamingBillFilter{State: state, UserID: user, Page: page})
	if err != nil {
		a.fail(w, r, s, err)
		return
	}
	v := &roamingBillsView{Pager: newPager(r, page, total), State: state, UserID: user,
		States: []string{volt.RoamingBillDebt, volt.RoamingBillPending, volt.RoamingBillPaid}}
	drivers, partners := map[string]string{}, map[string]string{}
	for _, b := range bills {
		if _, ok := drivers[b.UserID]; !ok {
			drivers[b.UserID] = b.UserID
			if u, err := a.cfg.Users.FindUserByID(s.ctx, b.UserID); err == nil {
				drivers[b.UserID] = u.Name
				if u.Name == "" {
					drivers[b.UserID] = u.Email
				}
			}
		}
		if _, ok := partners[b.PartnerID]; !ok {
			partners[b.PartnerID] = b.PartnerID
			if a.cfg.OCPIPartners != nil {
				if p, err := a.cfg.OCPIPartners.FindOCPIPartnerByID(s.ctx, b.PartnerID); err == nil {
					partners[b.PartnerID] = p.Name
				}
			}
		}
		v.Rows = append(v.Rows, roamingBillRow{RoamingBill: b, Driver: drivers[b.UserID], PartnerName: partners[b.PartnerID]})
	}
	title := "Roaming bills"
	if state == volt.RoamingBillDebt {
		title = "Roaming debts"
	}
	a.renderStatus(w, r, s, http.StatusOK, "roaming_bills", title, v)
}
