package app

import (
	"errors"
	"net/http"
)

// errPrivate is chargerView's answer for a charger in a private group the
// driver has no access to: the page says so (not "not found", which is for
// numbers that are no charger) and shows nothing else of it.
var errPrivate = errors.New("app: private charger")

type privateView struct {
	CPID     string
	SignedIn bool
}

// privatePage tells the driver a charger is private and how access is
// given (an affiliate code on the account page), without its name,
// location, operator or price.
func (a *App) privatePage(w http.ResponseWriter, q *req, cpid string) {
	a.render(w, q, http.StatusForbidden, "private", view{Title: "Charger " + cpid, Nav: "find",
		Data: privateView{CPID: cpid, SignedIn: q.User != nil}})
}
