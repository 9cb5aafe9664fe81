package main

import (
	"context"
	"testing"
	"time"

	"github.com/volt-ev/volt"
	"github.com/volt-ev/volt/pki"
	"github.com/volt-ev/volt/pki/pkitest"
	"github.com/volt-ev/volt/store"
	"github.com/volt-ev/volt/store/storetest"
)

// TestCPOCAs (issue 18): a generated CPO CA signs that CPO's chargers and
// is among the handshake roots; an imported one is used as given (its key
// sealed, opened only with VOLT_SECRET_KEY); a CPO without one has none;
// a bad import is a field error.
func TestCPOCAs(t *testing.T) {
	storetest.ForEachEngine(t, func(t *testing.T, db *store.DB) {
		ctx := volt.NewContextWithActor(context.Background(), volt.SystemActor)
		hier := store.NewHierarchyService(db)
		var cpos []*volt.CPO
		for _, n := range []string{"Gen", "Imp", "None"} {
			c := &volt.CPO{Name: "CA " + n + " " + time.Now().Format("150405.000000"), Currency: "GBP"}
			if err := hier.CreateCPO(ctx, c); err != nil {
				t.Fatal(err)
			}
			cpos = append(cpos, c)
		}
		sec := store.NewSecurityService(db)
		cas := newCPOCAs(db, sec, "s3cret")
		gen, err := cas.CreateCPOAuthority(ctx, cpos[0].ID, "", "")
		if err != nil || gen.CertificatePEM == "" {
			t.Fatalf("generate: %+v %v", gen, err)
		}
		imported := pkitest.NewRoot(t, "Imported CPO CA")
		if _, err := cas.CreateCPOAuthority(ctx, cpos[1].ID, string(pkitest.PEM(imported.Cert)), ""); !volt.IsCode(err, volt.EINVALID) {
			t.Fatalf("certificate without key: %v", err)
		}
		if _, err := cas.CreateCPOAuthority(ctx, cpos[1].ID, "junk", "junk"); !volt.IsCode(err, volt.EINVALID) {
			t.Fatalf("junk import: %v", err)
		}
		if _, err := cas.CreateCPOAuthority(ctx, cpos[1].ID, string(pkitest.PEM(imported.Cert)), string(pkitest.KeyPEM(t, imported.Key))); err != nil {
			t.Fatal(err)
		}
		if _, err := cas.CreateCPOAuthority(ctx, cpos[0].ID, "", ""); !volt.IsCode(err, volt.ECONFLICT) {
			t.Fatalf("second CA: %v", err)
		}

		fresh := newCPOCAs(db, sec, "s3cret") // another node
		for i, want := range []string{"Volt CPO CA " + cpos[0].ID, "Imported CPO CA"} {
			a, err := fresh.AuthorityFor(ctx, cpos[i].ID)
			if err != nil || a == nil {
				t.Fatalf("%s: %v", want, err)
			}
			iss, err := a.SignCharger(ctx, "CP-X", pkitest.CSR(t, pkitest.ECKey(t), "CP-X"))
			if err != nil {
				t.Fatal(err)
			}
			chain, _ := pki.ParseCertificates([]byte(iss.ChainPEM))
			if chain[0].Issuer.CommonName != want {
				t.Fatalf("signed by %q, want %q", chain[0].Issuer.CommonName, want)
			}
		}
		if a, err := fresh.AuthorityFor(ctx, cpos[2].ID); a != nil || err != nil {
			t.Fatalf("a CPO without a CA: %v %v", a, err)
		}
		roots, err := fresh.CPORoots(ctx)
		if err != nil || len(roots) < 2 {
			t.Fatalf("roots: %d %v", len(roots), err)
		}
		if _, err := newCPOCAs(db, sec, "another secret").AuthorityFor(ctx, cpos[0].ID); err == nil {
			t.Fatal("the key opened with another secret")
		}
	})
}
