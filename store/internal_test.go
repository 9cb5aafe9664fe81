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

func TestPrefixEnd(t *testing.T) {
	tests := []struct {
		in, want string
		ok       bool
	}{
		{"abc", "abd", true},
		{"a9", "a:", true},
		{"é", "ê", true},
		{"a\U0010FFFF", "b", true},
		{"a\uD7FF", "a\uE000", true},
		{"", "", false},
		{"\U0010FFFF", "", false},
	}
	for _, tt := range tests {
		got, ok := prefixEnd(tt.in)
		if got != tt.want || ok != tt.ok {
			t.Errorf("prefixEnd(%q) = %q, %v; want %q, %v", tt.in, got, ok, tt.want, tt.ok)
		}
		// Every string starting with in sorts below the end, bytewise.
		if ok && !(tt.in+"\U0010FFFF\U0010FFFF" < got) {
			t.Errorf("prefixEnd(%q) = %q is not above its longest extension", tt.in, got)
		}
	}
}

func TestSplitStatementsOnly(t *testing.T) {
	got := splitStatements("CREATE TABLE a (x INT);\n-- a comment\n-- only: postgres\nCREATE INDEX p ON a (x);\n-- only: sqlite\nCREATE INDEX s\n  ON a (x);\nCREATE INDEX both ON a (x);\n")
	want := []statement{{"CREATE TABLE a (x INT)", ""}, {"CREATE INDEX p ON a (x)", Postgres},
		{"CREATE INDEX s\n  ON a (x)", SQLite}, {"CREATE INDEX both ON a (x)", ""}}
	if len(got) != len(want) {
		t.Fatalf("got %d statements %q, want %d", len(got), got, len(want))
	}
	for i := range want {
		if got[i] != want[i] {
			t.Errorf("statement %d = %+v, want %+v", i, got[i], want[i])
		}
	}
}
