package store_test

import (
	"context"
	"testing"
	"time"

	volt "github.com/volt-ev/volt"
	"github.com/volt-ev/volt/store"
	"github.com/volt-ev/volt/store/storetest"
)

// TestSECCCertificatesRecorded (issue 18, every engine): an SECC
// certificate is kept with its kind, subject, CA and hash data beside the
// client certificate (a certificate recorded without a kind is a client
// one); renewal picks the latest live certificate of each kind, so an
// expiring SECC certificate is asked again even when the client one is
// fresh; a revoked SECC serial is not a revoked client certificate in a
// handshake; another CPO's admin sees none of it.
func TestSECCCertificatesRecorded(t *testing.T) {
	storetest.ForEachEngine(t, func(t *testing.T, db *store.DB) {
		f := newChargingFixture(t, db)
		s := store.NewSecurityService(db)
		ctx := sys()
		now := time.Now().Truncate(time.Millisecond)
		hash := &volt.CertificateHashData{HashAlgorithm: "SHA256", IssuerNameHash: "aa", IssuerKeyHash: "bb", SerialNumber: "5ecc"}
		for _, c := range []volt.ChargerCertificate{
			{Serial: "0c11", NotAfter: now.AddDate(1, 0, 0), IssuedAt: now.Add(time.Millisecond)}, // the newest
			{Serial: "05ecc", Kind: volt.CertificateKindV2G, Subject: "CN=CP-A,O=Volt", Issuer: "CN=CPO Sub-CA", HashData: hash,
				NotAfter: now.Add(24 * time.Hour), IssuedAt: now},
		} {
			c.CPID, c.Identity, c.NotBefore, c.ChainPEM = f.cpidA, "CP-A", now, "pem"
			if err := s.RecordCertificate(ctx, c); err != nil {
				t.Fatal(err)
			}
		}
		certs, err := s.FindCertificates(ctx, f.cpidA)
		if err != nil || len(certs) != 2 {
			t.Fatalf("certificates %+v %v", certs, err)
		}
		client, secc := certs[0], certs[1]
		if secc.Kind != volt.CertificateKindV2G || secc.Subject != "CN=CP-A,O=Volt" || secc.Issuer != "CN=CPO Sub-CA" ||
			secc.HashData == nil || *secc.HashData != *hash || client.Kind != volt.CertificateKindChargingStation || client.HashData != nil {
			t.Fatalf("recorded %+v and %+v", secc, client)
		}
		exp, err := s.CertificatesExpiring(ctx, now.Add(48*time.Hour))
		if err != nil || len(exp) != 1 || exp[0].Serial != "05ecc" {
			t.Fatalf("expiring %+v %v: want the SECC certificate alone", exp, err)
		}
		if err := s.RevokeCertificate(ctx, f.cpidA, "05ecc", "keyCompromise"); err != nil {
			t.Fatal(err)
		}
		if r, err := s.IsRevoked(ctx, "05ecc"); err != nil || r {
			t.Fatalf("a revoked SECC serial counted as a revoked client certificate: %v %v", r, err)
		}
		if exp, _ := s.CertificatesExpiring(ctx, now.Add(48*time.Hour)); len(exp) != 0 {
			t.Fatalf("a revoked SECC certificate is still renewed: %+v", exp)
		}
		adminB := volt.NewContextWithActor(context.Background(), &volt.Actor{UserID: "b", Grants: []volt.Grant{{Role: volt.RoleAdmin, CPOID: f.cpoB}}})
		if _, err := s.FindCertificates(adminB, f.cpidA); !volt.IsCode(err, volt.ENOTFOUND) {
			t.Fatalf("another CPO's admin: %v", err)
		}
	})
}
