package web

import (
	"encoding/base64"
	"net/http"
	"strings"

	"crypto/hmac"

	volt "github.com/volt-ev/volt"
)

// navSection is a group of links in the side navigation.
type navSection struct {
	Title string
	Links []navLink
}

// navLink is one navigation entry.
type navLink struct {
	Label   string
	Href    string
	Current bool
	TODO    bool
}

// navFor returns the navigation the actor's grants allow. Hidden links are a
// courtesy: every handler and service checks again.
func navFor(a *volt.Actor, current string) (out []navSection) {
	read := a.ScopeFor(volt.PermRead)
	write := a.ScopeFor(volt.PermWrite)
	tenantLevel := read.All || len(read.CPOIDs) > 0 || len(read.OwnerIDs) > 0
	link := func(label, href string) navLink {
		cur := current == href || (href != AdminPrefix+"/" && strings.HasPrefix(current, href+"/"))
		return navLink{Label: label, Href: href, Current: cur}
	}
	defer func() { out = onlySeen(a, out) }()
	p := AdminPrefix
	if a.OnboardingID != "" { // issue 16: held accounts see the holding area only
		return []navSection{{Title: "Onboarding", Links: []navLink{link("Holding area", p+"/holding")}}}
	}
	ops := navSection{Title: "Operations", Links: []navLink{
		link("Dashboard", p+"/"), link("Network", p+"/network"), link("Chargers", p+"/chargers"),
	}}
	if !write.Empty() {
		ops.Links = append(ops.Links, link("Onboard a charger", p+"/chargers/new"))
	}
	ops.Links = append(ops.Links, link("Charger models", p+"/charger-models")) // issue 16: certification
	ops.Links = append(ops.Links, link("Sessions", p+"/sessions"), link("CDRs", p+"/cdrs"), link("Alerts", p+"/alerts"))
	if read.All || len(read.CPOIDs) > 0 { // issue 17: a CPO's network
		ops.Links = append(ops.Links, link("Reliability", p+"/reliability"))
	}
	out = []navSection{ops}
	estate := navSection{Title: "Estate"}
	if read.All || len(read.CPOIDs) > 0 {
		estate.Links = append(estate.Links, link("CPOs", p+"/cpos"))
	}
	if tenantLevel {
		estate.Links = append(estate.Links, link("Owners", p+"/owners"), link("Hosts", p+"/hosts"), link("Sites", p+"/sites"))
	}
	estate.Links = append(estate.Links, link("Charger groups", p+"/charger-groups"))
	if read.All || len(read.CPOIDs) > 0 {
		estate.Links = append(estate.Links, link("Webhooks", p+"/webhooks")) // issue #17: a CPO's
		// Issue 14: a CPO's OCPI roaming partners.
		estate.Links = append(estate.Links, link("OCPI partners", p+"/ocpi-partners"))
	}
	if tenantLevel {
		estate.Links = append(estate.Links, link("Installers", p+"/installers"))
	}
	estate.Links = append(estate.Links, link("Install jobs", p+"/install-jobs"))
	out = append(out, estate)
	if tenantLevel {
		out = append(out, navSection{Title: "People", Links: []navLink{
			link("Users", p+"/users"), link("Usergroups", p+"/usergroups"),
			link("RFID cards", p+"/rfid-cards"), link("Affiliate codes", p+"/affiliate-codes"),
			link("Invitations", p+"/invitations"),
		}})
		out = append(out, navSection{Title: "Money", Links: []navLink{
			link("Tariffs", p+"/tariffs"), link("Tariff assignment", p+"/tariff-assignments"), link("Income", p+"/income"),
			link("Fees and money settings", p+"/money-settings"), link("Wallets", p+"/wallets"),
			link("Contactless terminals", p+"/terminals"), link("Home reimbursement", p+"/reimbursements"),
			link("Socket fees", p+"/socket-fees"),
		}})
		if read.All { // issue 17: the platform's own income
			out[len(out)-1].Links = append(out[len(out)-1].Links, link("Platform income", p+"/platform-income"))
		}
	}
	if seesFleets(a) { // issue 19: owners' fleets, and all a fleet manager sees
		out = append(out, navSection{Title: "Fleets", Links: []navLink{link("Fleets", p+"/fleets")}})
	}
	support := navSection{Title: "Support"}
	if !a.ScopeFor(volt.PermSupport).Empty() || tenantLevel {
		support.Links = append(support.Links, link("Helpline", p+"/helpline"), link("Tickets", p+"/tickets"),
			link("Service levels", p+"/service-levels"))
	}
	if tenantLevel {
		support.Links = append(support.Links, link("Audit log", p+"/audit"))
	}
	if !a.ScopeFor(volt.PermCommand).Empty() {
		support.Links = append(support.Links, link("Command a group", p+"/bulk-commands"))
	}
	support.Links = append(support.Links, link("Background jobs", p+"/jobs"))
	out = append(out, support)
	return out
}

// onlySeen drops the links to pages whose area the actor's roles do not see
// (volt.AreaAccess), and sections left empty.
func onlySeen(a *volt.Actor, in []navSection) []navSection {
	var out []navSection
	for _, sec := range in {
		links := sec.Links[:0:0]
		for _, l := range sec.Links {
			if area, ok := areaOf(l.Href); !ok || a.MaySee(area) {
				links = append(links, l)
			}
		}
		if len(links) > 0 {
			sec.Links = links
			out = append(out, sec)
		}
	}
	return out
}

// flash is a one-time message shown on the next page.
type flash struct {
	Kind    string // "ok" or "error"
	Message string
}

const flashCookie = "volt_flash"

// setFlash remembers a message for the next page, signed so no one else can
// put words in the portal's mouth.
func (a *Admin) setFlash(w http.ResponseWriter, r *http.Request, kind, msg string) {
	if len(msg) > 1500 {
		msg = msg[:1500] + "…"
	}
	v := base64.RawURLEncoding.EncodeToString([]byte(kind + "\x00" + msg))
	sig := base64.RawURLEncoding.EncodeToString(a.mac("flash", v)[:16])
	http.SetCookie(w, &http.Cookie{Name: flashCookie, Value: v + "." + sig, Path: AdminPrefix + "/",
		HttpOnly: true, Secure: isTLS(r), SameSite: http.SameSiteLaxMode})
}

// takeFlash returns and clears the pending message.
func (a *Admin) takeFlash(w http.ResponseWriter, r *http.Request) []flash {
	c, err := r.Cookie(flashCookie)
	if err != nil {
		return nil
	}
	http.SetCookie(w, &http.Cookie{Name: flashCookie, Path: AdminPrefix + "/", MaxAge: -1,
		HttpOnly: true, Secure: isTLS(r), SameSite: http.SameSiteLaxMode})
	v, sig, ok := strings.Cut(c.Value, ".")
	want := base64.RawURLEncoding.EncodeToString(a.mac("flash", v)[:16])
	if !ok || !hmac.Equal([]byte(sig), []byte(want)) {
		return nil
	}
	raw, err := base64.RawURLEncoding.DecodeString(v)
	if err != nil {
		return nil
	}
	kind, msg, _ := strings.Cut(string(raw), "\x00")
	return []flash{{Kind: kind, Message: msg}}
}

// done redirects after a successful change, with a confirmation (PRG).
func (a *Admin) done(w http.ResponseWriter, r *http.Request, to, msg string) {
	a.setFlash(w, r, "ok", msg)
	http.Redirect(w, r, to, http.StatusSeeOther)
}

// refused redirects back with an error message, for actions whose form lives
// on another page (delete buttons, member removal).
func (a *Admin) refused(w http.ResponseWriter, r *http.Request, to string, err error) {
	if httpStatus(err) >= 500 {
		a.log.Error("portal action failed", "path", r.URL.Path, "err", err)
	}
	a.setFlash(w, r, "error", errText(err))
	http.Redirect(w, r, to, http.StatusSeeOther)
}
