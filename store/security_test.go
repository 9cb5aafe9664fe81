package store_test

import (
	"context"
	"slices"
	"testing"
	"time"

	"github.com/volt-ev/volt"
	"github.com/volt-ev/volt/store"
	"github.com/volt-ev/volt/store/storetest"
)

// TestSecurityProfileUpgradeAndCertificates: an upgrade raises the minimum
// profile only when the charger connects with it, a lapsed one is rolled
// back, a revoked serial is seen by IsRevoked, security events are kept
// newest first, and another CPO's admin sees none of it.
func TestSecurityProfileUpgradeAndCertificates(t *testing.T) {
	storetest.ForEachEngine(t, func(t *testing.T, db *store.DB) {
		f := newChargingFixture(t, db)
		s := store.NewSecurityService(db)
		ctx := sys()
		sec, err := s.FindChargerSecurity(ctx, f.cpidA)
		if err != nil || sec.SecurityProfile != 1 {
			t.Fatalf("default %+v %v", sec, err)
		}
		now := db.Now()
		if err := s.StartUpgrade(ctx, f.cpidA, 2, now.Add(time.Hour)); err != nil {
			t.Fatal(err)
		}
		if err := s.RecordConnectedProfile(ctx, f.cpidA, 1); err != nil {
			t.Fatal(err)
		}
		if sec, _ = s.FindChargerSecurity(ctx, f.cpidA); sec.SecurityProfile != 1 || sec.PendingProfile != 2 {
			t.Fatalf("raised before a profile 2 connection: %+v", sec)
		}
		if err := s.RecordConnectedProfile(ctx, f.cpidA, 2); err != nil {
			t.Fatal(err)
		}
		if sec, _ = s.FindChargerSecurity(ctx, f.cpidA); sec.SecurityProfile != 2 || sec.UpgradeStatus != "Done" {
			t.Fatalf("after upgrade %+v", sec)
		}
		// The handshake reads the same state with the password, in one read.
		ch, err := f.svc.AuthenticateCharger(ctx, "id-"+f.cpidA, "secret-"+f.cpidA)
		if err != nil || ch.Handshake == nil || ch.Handshake.Security != *sec {
			t.Fatalf("security read with the password %+v, want %+v (%v)", ch.Handshake, sec, err)
		}
		if ch, err = f.svc.AuthenticateCharger(ctx, "id-"+f.cpidB, "secret-"+f.cpidB); err != nil || ch.Handshake == nil ||
			ch.Handshake.Security != (volt.ChargerSecurity{CPID: f.cpidB, SecurityProfile: 1}) {
			t.Fatalf("defaults of a charger without a security row: %+v %v", ch.Handshake, err)
		}
		if err := s.StartUpgrade(ctx, f.cpidA, 3, now.Add(-time.Minute)); err != nil {
			t.Fatal(err)
		}
		if got, err := s.RollBackUpgrades(ctx, now); err != nil || len(got) != 1 {
			t.Fatalf("rolled back %v %v", got, err)
		}
		if sec, _ = s.FindChargerSecurity(ctx, f.cpidA); sec.SecurityProfile != 2 || sec.UpgradeStatus != "RolledBack" {
			t.Fatalf("after rollback %+v", sec)
		}
		if _, err := s.SetSecurityProfile(ctx, f.cpidA, 4); !volt.IsCode(err, volt.EINVALID) {
			t.Fatalf("profile 4: %v", err)
		}
		c := volt.ChargerCertificate{Serial: "0a1b", CPID: f.cpidA, Identity: "X", NotBefore: now, NotAfter: now.Add(24 * time.Hour), ChainPEM: "pem", IssuedAt: now}
		if err := s.RecordCertificate(ctx, c); err != nil {
			t.Fatal(err)
		}
		if exp, _ := s.CertificatesExpiring(ctx, now.Add(48*time.Hour)); len(exp) != 1 {
			t.Fatalf("expiring %+v", exp)
		}
		if r, _ := s.IsRevoked(ctx, "0a1b"); r {
			t.Fatal("revoked before revocation")
		}
		if err := s.RevokeCertificate(ctx, f.cpidA, "0a1b", "key compromise"); err != nil {
			t.Fatal(err)
		}
		if r, _ := s.IsRevoked(ctx, "0a1b"); !r {
			t.Fatal("not revoked")
		}
		for _, typ := range []string{"StartupOfTheDevice", "InvalidMessages"} {
			if _, err := s.RecordSecurityEvent(ctx, volt.SecurityEvent{CPID: f.cpidA, Type: typ, Critical: volt.IsCriticalSecurityEvent(typ), At: now, ReceivedAt: now}); err != nil {
				t.Fatal(err)
			}
		}
		audits, _, err := store.NewAuditService(db).FindAuditEntries(ctx, volt.AuditFilter{ResourceID: f.cpidA})
		if err != nil || !slices.ContainsFunc(audits, func(a *volt.AuditEntry) bool { return a.Action == "security_event.StartupOfTheDevice" }) ||
			slices.ContainsFunc(audits, func(a *volt.AuditEntry) bool { return a.Action == "security_event.InvalidMessages" }) {
			t.Fatalf("audit of critical events only: %v %v", audits, err)
		}
		ev, err := s.FindSecurityEvents(ctx, f.cpidA, 10)
		if err != nil || len(ev) != 2 || ev[0].Type != "InvalidMessages" || !ev[1].Critical {
			t.Fatalf("events %+v %v", ev, err)
		}
		adminB := volt.NewContextWithActor(context.Background(), &volt.Actor{UserID: "usr_x", Grants: []volt.Grant{{Role: volt.RoleAdmin, CPOID: "cpo_other"}}})
		if _, err := s.FindSecurityEvents(adminB, f.cpidA, 10); !volt.IsCode(err, volt.ENOTFOUND) {
			t.Fatalf("other CPO events: %v", err)
		}
		if _, err := s.FindCertificates(adminB, f.cpidA); !volt.IsCode(err, volt.ENOTFOUND) {
			t.Fatalf("other CPO certificates: %v", err)
		}
		if err := s.RevokeCertificate(adminB, f.cpidA, "0a1b", "x"); !volt.IsCode(err, volt.ENOTFOUND) {
			t.Fatalf("other CPO revoke: %v", err)
		}
		if err := s.SaveAuthority(ctx, "platform", "cert", "key"); err != nil {
			t.Fatal(err)
		}
		if err := s.SaveAuthority(ctx, "platform", "cert2", "key2"); err != nil {
			t.Fatal(err)
		}
		if c, k, err := s.FindAuthority(ctx, "platform"); err != nil || c != "cert" || k != "key" {
			t.Fatalf("authority %q %q %v", c, k, err)
		}
	})
}
