package main

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/volt-ev/volt"
	"github.com/volt-ev/volt/ocpp"
	"github.com/volt-ev/volt/pki/pkitest"
	"github.com/volt-ev/volt/sim"
	"github.com/volt-ev/volt/store"
	"github.com/volt-ev/volt/store/storetest"
)

// seccCharger is what the SECC test needs of a 1.6 or a 2.0.1 simulator.
type seccCharger interface {
	Run(ctx context.Context) error
	Online() bool
	SECCSerial() string
}

// TestSECCCertificatesEndToEnd (issue 18) on both engines, 1.6 and 2.0.1:
// Volt asks a charger on profile 2 for an ISO 15118 SECC CSR (API renew
// with certificateType V2GCertificate: 2.0.1 TriggerMessage
// SignV2GCertificate, 1.6 the Plug & Charge DataTransfer TriggerMessage),
// signs it with the V2G CPO sub-CA and records it (kind, subject, CA); the
// security loop asks again for one about to expire; revoking it is audited
// and tells the charger to delete it (DeleteCertificate by its hash data),
// which the simulator does only when the hash data names its certificate.
func TestSECCCertificatesEndToEnd(t *testing.T) {
	root := pkitest.NewRoot(t, "V2G Root (e2e)")
	sub := root.SubCA(t, "CPO Sub-CA (e2e)")
	dir := t.TempDir()
	certFile, keyFile := filepath.Join(dir, "v2g.pem"), filepath.Join(dir, "v2g.key")
	if err := os.WriteFile(certFile, append(pkitest.PEM(sub.Cert), pkitest.PEM(root.Cert)...), 0o600); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(keyFile, pkitest.KeyPEM(t, sub.Key), 0o600); err != nil {
		t.Fatal(err)
	}
	for _, e := range storetest.Engines(t) {
		t.Run(e.Name, func(t *testing.T) {
			m, tc := tlsMain(t, e.DSN(t), func(c *Config) { c.V2GCACertFile, c.V2GCAKeyFile = certFile, keyFile })
			c := rootClient(t, m)
			est := newEstate(t, c, "0.45", "0.30")
			for _, v := range []ocpp.Version{ocpp.V16, ocpp.V201} {
				t.Run(string(v), func(t *testing.T) {
					creds := est.creds
					if v != ocpp.V16 {
						c.must("POST", "/api/v1/chargers", map[string]any{"chargerGroupId": est.group.ID}, 201, &creds)
					}
					cfg := sim.Config{URL: "ws://" + m.Addr() + "/ocpp", TLSURL: "wss://" + m.TLSAddr() + "/ocpp", TLS: tc,
						SecurityProfile: 2, Identity: creds.OCPPIdentity, Password: creds.OCPPPassword,
						MinBackoff: 50 * time.Millisecond, MaxBackoff: 200 * time.Millisecond}
					var ch seccCharger = sim.New(cfg)
					if v != ocpp.V16 {
						ch = sim.New2x(cfg, v)
					}
					// 1.6 carries DeleteCertificate in a Plug & Charge DataTransfer.
					deleteAction := "command.data-transfer"
					if v != ocpp.V16 {
						deleteAction = "command.delete-certificate"
					}
					seccEndToEnd(t, m, c, ch, creds.CPID, sub.Cert.Subject.String(), deleteAction)
				})
			}
		})
	}
}

func seccEndToEnd(t *testing.T, m *Main, c *client, ch seccCharger, cpid, subCA, deleteAction string) {
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan struct{})
	go func() { defer close(done); _ = ch.Run(ctx) }()
	defer func() { cancel(); <-done }()
	checkFor(t, 15*time.Second, func() error {
		if !ch.Online() || !m.gateway.Connected(cpid) {
			return fmt.Errorf("charger %s not online", cpid)
		}
		return nil
	})
	var ans map[string]any
	c.must("POST", "/api/v1/chargers/"+cpid+"/certificates/renew", map[string]any{"certificateType": "V2GCertificate"}, 200, &ans)
	if ans["status"] != "Accepted" {
		t.Fatalf("SECC renew answer %v", ans)
	}
	first := waitSECC(t, c, ch, cpid, "")
	if first.Issuer != subCA || !strings.Contains(first.Subject, "CN="+first.Identity) || first.RevokedAt != nil {
		t.Fatalf("SECC certificate %+v, want one issued by %q", first, subCA)
	}

	// About to expire: the security loop asks for a new SECC CSR.
	sec := store.NewSecurityService(m.DB)
	sys := volt.NewContextWithActor(context.Background(), volt.SystemActor)
	soon := first
	soon.Serial, soon.NotAfter, soon.IssuedAt = "0e02"+first.Serial[4:], time.Now().Add(24*time.Hour), first.IssuedAt.Add(time.Millisecond)
	if err := sec.RecordCertificate(sys, soon); err != nil {
		t.Fatal(err)
	}
	m.securityPass(context.Background(), sec, m.gateway)
	second := waitSECC(t, c, ch, cpid, first.Serial)

	// Revoked: audited, and the charger deletes it.
	c.must("POST", "/api/v1/chargers/"+cpid+"/certificates/"+second.Serial+"/revoke", map[string]any{"reason": "keyCompromise"}, 204, nil)
	checkFor(t, 10*time.Second, func() error {
		if s := ch.SECCSerial(); s != "" {
			return fmt.Errorf("the charger still holds SECC certificate %s", s)
		}
		return nil
	})
	for _, action := range []string{"charger.certificate-revoke", deleteAction} {
		var page struct{ Items []volt.AuditEntry }
		c.must("GET", "/api/v1/audit-log?resourceId="+cpid+"&action="+action, nil, 200, &page)
		n := 0
		for _, e := range page.Items {
			if strings.Contains(string(e.Details), second.Serial) || strings.Contains(string(e.Details), second.HashData.SerialNumber) ||
				strings.Contains(string(e.Before), second.Serial) {
				n++
			}
		}
		if n != 1 {
			t.Fatalf("%d audit entries %s about %s: %+v", n, action, second.Serial, page.Items)
		}
	}
	var certs struct{ Items []volt.ChargerCertificate }
	c.must("GET", "/api/v1/chargers/"+cpid+"/certificates", nil, 200, &certs)
	for _, x := range certs.Items {
		if x.Serial == second.Serial && (x.RevokedAt == nil || x.Reason != "keyCompromise") {
			t.Fatalf("revoked SECC certificate listed as %+v", x)
		}
	}
	// A revoked SECC certificate is never a refused client certificate.
	if revoked, err := sec.IsRevoked(sys, second.Serial); err != nil || revoked {
		t.Fatalf("IsRevoked(SECC serial) = %v, %v", revoked, err)
	}
}

// waitSECC waits for the charger to hold a new SECC certificate (not
// after) and returns its record, listed by the API as a V2GCertificate.
func waitSECC(t *testing.T, c *client, ch seccCharger, cpid, after string) volt.ChargerCertificate {
	t.Helper()
	var got volt.ChargerCertificate
	checkFor(t, 10*time.Second, func() error {
		serial := ch.SECCSerial()
		if serial == "" || serial == strings.TrimLeft(after, "0") {
			return fmt.Errorf("no new SECC certificate on the charger (after %q)", after)
		}
		var certs struct{ Items []volt.ChargerCertificate }
		c.must("GET", "/api/v1/chargers/"+cpid+"/certificates", nil, 200, &certs)
		for _, x := range certs.Items {
			if strings.TrimLeft(x.Serial, "0") == serial {
				if x.Kind != volt.CertificateKindV2G || x.HashData == nil || x.HashData.SerialNumber != serial {
					return fmt.Errorf("certificate %s recorded as %+v", serial, x)
				}
				got = x
				return nil
			}
		}
		return fmt.Errorf("SECC certificate %s not listed in %+v", serial, certs.Items)
	})
	return got
}
