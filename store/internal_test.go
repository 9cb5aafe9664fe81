package store

import (
	"testing"

	"github.com/volt-ev/volt"
)

func TestRebindDollar(t *testing.T) {
	tests := []struct{ in, want string }{
		{`SELECT 1`, `SELECT 1`},
		{`a = ? AND b = ?`, `a = $1 AND b = $2`},
		{`a = '?' AND b = ? AND "c?" = ?`, `a = '?' AND b = $1 AND "c?" = $2`},
		{`x IN (?, ?, ?)`, `x IN ($1, $2, $3)`},
	}
	for _, tt := range tests {
		if got := rebindDollar(tt.in); got != tt.want {
			t.Errorf("rebindDollar(%q) = %q, want %q", tt.in, got, tt.want)
		}
	}
}

func TestScopeWhere(t *testing.T) {
	cols := scopeCols{CPO: "cpo_id", Owner: "owner_id", Group: "charger_group_id"}
	if _, _, err := scopeWhere(nil, volt.PermRead, cols); volt.ErrorCode(err) != volt.EUNAUTHORIZED {
		t.Fatalf("nil actor: %v", err)
	}
	w, args, _ := scopeWhere(&volt.Actor{SuperAdmin: true}, volt.PermRead, cols)
	if w != "1=1" || len(args) != 0 {
		t.Fatalf("super admin: %q %v", w, args)
	}
	w, _, _ = scopeWhere(&volt.Actor{UserID: "u"}, volt.PermRead, cols)
	if w != "1=0" {
		t.Fatalf("no grants: %q", w)
	}
	staff := &volt.Actor{Grants: []volt.Grant{{Role: volt.RoleStaff, CPOID: "cpo_a"}}}
	if w, _, _ = scopeWhere(staff, volt.PermWrite, cols); w != "1=0" {
		t.Fatalf("staff write scope: %q", w)
	}
	a := &volt.Actor{Grants: []volt.Grant{
		{Role: volt.RoleAdmin, CPOID: "cpo_a"},
		{Role: volt.RoleStaff, OwnerID: "own_b"},
		{Role: volt.RoleHost, HostID: "hst_c", ChargerGroupIDs: []string{"cgr_1", "cgr_2"}},
	}}
	w, args, _ = scopeWhere(a, volt.PermRead, cols)
	want := "(cpo_id IN (?) OR owner_id IN (?) OR charger_group_id IN (?, ?))"
	if w != want || len(args) != 4 || args[3] != "cgr_2" {
		t.Fatalf("read scope %q %v, want %q", w, args, want)
	}
	w, args, _ = scopeWhere(a, volt.PermRead, scopeCols{CPO: "cpo_id", GroupVia: "id IN (SELECT site_id FROM charger_groups WHERE id IN (%s))"})
	if w != "(cpo_id IN (?) OR id IN (SELECT site_id FROM charger_groups WHERE id IN (?, ?)))" || len(args) != 3 {
		t.Fatalf("group-via scope %q %v", w, args)
	}
}

func TestPasswordHashVerify(t *testing.T) {
	h, err := HashPassword("correct horse battery")
	if err != nil {
		t.Fatal(err)
	}
	h2, _ := HashPassword("correct horse battery")
	if h == h2 {
		t.Fatal("two hashes of one password are equal: salt missing")
	}
	if ok, err := VerifyPassword(h, "correct horse battery"); !ok || err != nil {
		t.Fatalf("right password: %v %v", ok, err)
	}
	if ok, err := VerifyPassword(h, "correct horse batterY"); ok || err != nil {
		t.Fatalf("wrong password: %v %v", ok, err)
	}
	if _, err := VerifyPassword("$2a$10$abc", "x"); err == nil {
		t.Fatal("bcrypt hash accepted")
	}
}
