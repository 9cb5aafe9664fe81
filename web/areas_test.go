package web

import (
	"net/http"
	"regexp"
	"strings"
	"testing"

	volt "github.com/volt-ev/volt"
	"github.com/volt-ev/volt/store/storetest"
)

// areaPages is every portal page with a place in the navigation, and a few
// of their sub-pages.
var areaPages = []string{"/admin/", "/admin/network", "/admin/chargers", "/admin/chargers/new", "/admin/charger-groups",
	"/admin/sessions", "/admin/cdrs", "/admin/cpos", "/admin/owners", "/admin/hosts", "/admin/sites", "/admin/users",
	"/admin/usergroups", "/admin/rfid-cards", "/admin/affiliate-codes", "/admin/tariffs", "/admin/tariff-assignments",
	"/admin/wallets", "/admin/income", "/admin/money-settings", "/admin/terminals", "/admin/reimbursements",
	"/admin/helpline", "/admin/tickets", "/admin/audit", "/admin/jobs", "/admin/bulk-commands",
	"/admin/reliability", "/admin/socket-fees", "/admin/service-levels"} // the last three: issue 17

var mainNav = regexp.MustCompile(`(?s)<nav aria-label="Main".*?</nav>`)

// TestRoleAreaMatrixPortal opens every page as every operator role: a page
// whose area the role sees (volt.AreaAccess through portalAreas) opens and
// is in the navigation; any other is refused with 403 and not offered.
// Literal cells pin the policy itself.
func TestRoleAreaMatrixPortal(t *testing.T) {
	db := storetest.SQLite(t)
	f := newFixture(t, db, withSupport(db), withBusiness(db))
	h := &volt.Host{OwnerID: f.owner.ID, Name: "Quay host", ChargerGroupIDs: []string{f.group.ID}}
	must(t, f.hier.CreateHost(sysCtx(), h))
	hostUser := &volt.User{Email: "host@spark.test", Name: "host", CPOID: f.cpo.ID}
	must(t, f.users.CreateUser(sysCtx(), hostUser, testPassword))
	hg := &volt.Usergroup{Name: "hosts", Role: volt.RoleHost, CPOID: f.cpo.ID, OwnerID: f.owner.ID, HostID: h.ID}
	must(t, f.users.CreateUsergroup(sysCtx(), hg))
	must(t, f.users.AddMember(sysCtx(), hg.ID, hostUser.ID))
	f.user("engineer@spark.test", volt.RoleEngineer)
	f.user("support@spark.test", volt.RoleSupport)
	logins := map[volt.Role]string{volt.RoleAdmin: "admin@spark.test", volt.RoleStaff: "staff@spark.test",
		volt.RoleEngineer: "engineer@spark.test", volt.RoleSupport: "support@spark.test", volt.RoleHost: "host@spark.test"}
	status := map[volt.Role]map[string]int{}
	for role, email := range logins {
		c := f.client()
		c.login(email)
		status[role] = map[string]int{}
		nav := mainNav.FindString(c.get("/admin/chargers").body)
		for _, p := range areaPages {
			area, ok := areaOf(p)
			if !ok {
				t.Errorf("page %s is in no area", p)
				continue
			}
			res := c.get(p)
			status[role][p] = res.status
			sees := role.Sees(area)
			if sees && res.status == http.StatusForbidden && !strings.Contains(res.body, "not allowed") {
				t.Errorf("%s: %s refused (%d) though the role sees %s", role, p, res.status, area)
			}
			if !sees && res.status != http.StatusForbidden {
				t.Errorf("%s: %s answered %d, want 403 (the role does not see %s)", role, p, res.status, area)
			}
			if !sees && strings.Contains(nav, `href="`+p+`"`) {
				t.Errorf("%s: the navigation offers %s", role, p)
			}
		}
	}
	cells := []struct {
		role volt.Role
		page string
		want int
	}{
		{volt.RoleEngineer, "/admin/users", 403}, {volt.RoleEngineer, "/admin/wallets", 403}, {volt.RoleEngineer, "/admin/income", 403},
		{volt.RoleEngineer, "/admin/audit", 403}, {volt.RoleEngineer, "/admin/sessions", 403}, {volt.RoleEngineer, "/admin/chargers", 200},
		{volt.RoleEngineer, "/admin/jobs", 200}, {volt.RoleEngineer, "/admin/sites", 200},
		{volt.RoleSupport, "/admin/helpline", 200}, {volt.RoleSupport, "/admin/users", 200}, {volt.RoleSupport, "/admin/income", 403},
		{volt.RoleSupport, "/admin/audit", 403}, {volt.RoleStaff, "/admin/audit", 200}, {volt.RoleStaff, "/admin/income", 200},
		{volt.RoleHost, "/admin/chargers", 200}, {volt.RoleHost, "/admin/users", 403},
	}
	for _, c := range cells {
		if got := status[c.role][c.page]; got != c.want {
			t.Errorf("%s on %s: %d, want %d", c.role, c.page, got, c.want)
		}
	}
}
