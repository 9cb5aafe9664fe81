package store_test

import (
	"context"
	"errors"
	"testing"

	"github.com/volt-ev/volt"
	"github.com/volt-ev/volt/store"
	"github.com/volt-ev/volt/store/storetest"
)

// TestCPOAuthorityStore: a CPO admin creates its CPO's CA once (a second
// is a conflict), another CPO's admin sees none of it, an engineer may
// read but not create, and the gateway's list holds the CPO CAs only.
func TestCPOAuthorityStore(t *testing.T) {
	storetest.ForEachEngine(t, func(t *testing.T, db *store.DB) {
		f := newChargingFixture(t, db)
		s := store.NewCPOAuthorityStore(db)
		as := func(cpo string, role volt.Role) context.Context {
			return volt.NewContextWithActor(context.Background(), &volt.Actor{UserID: "usr_t", Grants: []volt.Grant{{Role: role, CPOID: cpo}}})
		}
		adminA, adminB, engA := as(f.cpoA, volt.RoleAdmin), as(f.cpoB, volt.RoleAdmin), as(f.cpoA, volt.RoleEngineer)
		calls := 0
		issue := func() (string, string, error) { calls++; return "cert-A", "sealed-A", nil }
		if _, err := s.FindCPOAuthority(adminA, f.cpoA); !volt.IsCode(err, volt.ENOTFOUND) {
			t.Fatalf("none yet: %v", err)
		}
		for name, ctx := range map[string]context.Context{"other CPO's admin": adminB} {
			if _, err := s.CreateCPOAuthority(ctx, f.cpoA, issue); !volt.IsCode(err, volt.ENOTFOUND) {
				t.Fatalf("%s create: %v", name, err)
			}
		}
		if _, err := s.CreateCPOAuthority(engA, f.cpoA, issue); !volt.IsCode(err, volt.EFORBIDDEN) {
			t.Fatalf("engineer create: %v", err)
		}
		if _, err := s.CreateCPOAuthority(adminA, "cpo_missing", issue); !volt.IsCode(err, volt.ENOTFOUND) {
			t.Fatalf("missing CPO: %v", err)
		}
		if calls != 0 {
			t.Fatalf("a CA was made for a refused request (%d)", calls)
		}
		if _, err := s.CreateCPOAuthority(adminA, f.cpoA, func() (string, string, error) { return "", "", errors.New("bad import") }); err == nil {
			t.Fatal("a failed import was stored")
		}
		got, err := s.CreateCPOAuthority(adminA, f.cpoA, issue)
		if err != nil || got.CPOID != f.cpoA || got.CertificatePEM != "cert-A" {
			t.Fatalf("create: %+v %v", got, err)
		}
		if _, err := s.CreateCPOAuthority(adminA, f.cpoA, issue); !volt.IsCode(err, volt.ECONFLICT) {
			t.Fatalf("second CA: %v", err)
		}
		if got, err := s.FindCPOAuthority(engA, f.cpoA); err != nil || got.CertificatePEM != "cert-A" {
			t.Fatalf("engineer read: %+v %v", got, err)
		}
		if _, err := s.FindCPOAuthority(adminB, f.cpoA); !volt.IsCode(err, volt.ENOTFOUND) {
			t.Fatalf("other CPO's admin read: %v", err)
		}
		sec := store.NewSecurityService(db)
		if err := sec.SaveAuthority(sys(), "platform", "cert-P", "key-P"); err != nil {
			t.Fatal(err)
		}
		all, err := s.CPOAuthorityCertificates(sys())
		if err != nil || len(all) != 1 || all[f.cpoA] != "cert-A" {
			t.Fatalf("gateway list: %v %v", all, err)
		}
		if c, k, err := sec.FindAuthority(sys(), f.cpoA); err != nil || c != "cert-A" || k != "sealed-A" {
			t.Fatalf("the gateway's look-up: %q %q %v", c, k, err)
		}
	})
}
