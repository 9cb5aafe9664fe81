package main

import (
	"context"
	"crypto/tls"
	"crypto/x509"
	"fmt"
	"net"
	"net/http"
	"os"
	"path/filepath"
	"slices"
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

// tlsMain starts voltd with --https serving an RSA and an ECDSA server
// certificate from files, and returns it with a client TLS configuration
// that trusts them.
func tlsMain(t *testing.T, dsn string, more ...func(*Config)) (*Main, *tls.Config) {
	t.Helper()
	root := pkitest.NewRoot(t, "e2e web root")
	dir := t.TempDir()
	rsaKey, ecKey := pkitest.RSAKey(t, 2048), pkitest.ECKey(t)
	var certs, keys []string
	for name, pair := range map[string][2][]byte{
		"rsa": {pkitest.PEM(root.Server(t, rsaKey).Leaf), pkitest.KeyPEM(t, rsaKey)},
		"ec":  {pkitest.PEM(root.Server(t, ecKey).Leaf), pkitest.KeyPEM(t, ecKey)},
	} {
		c, k := filepath.Join(dir, name+".crt"), filepath.Join(dir, name+".key")
		if err := os.WriteFile(c, pair[0], 0o600); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(k, pair[1], 0o600); err != nil {
			t.Fatal(err)
		}
		certs, keys = append(certs, c), append(keys, k)
	}
	m := testMainWith(t, dsn, func(c *Config) {
		c.HTTPSAddr = "127.0.0.1:0"
		c.TLSCertFile, c.TLSKeyFile = strings.Join(certs, ","), strings.Join(keys, ",")
		c.SecretKey = "e2e-secret-of-32-bytes-or-so-0123"
		for _, f := range more {
			f(c)
		}
	})
	pool := x509.NewCertPool()
	pool.AddCert(root.Cert)
	return m, &tls.Config{RootCAs: pool}
}

// TestSecurityProfilesEndToEnd (issue 18) on both engines, 1.6 and 2.0.1:
// a charger connects on profile 2 over --https, Volt has it make a CSR
// (renew), signs it, sends CertificateSigned, upgrades the 1.6 charger to
// profile 3 (ChangeConfiguration) and it reconnects with its client
// certificate; its password alone is then a refused downgrade, recorded
// as a security event; a revoked certificate no longer connects. The API
// answers on the same TLS listener.
func TestSecurityProfilesEndToEnd(t *testing.T) {
	for _, e := range storetest.Engines(t) {
		t.Run(e.Name, func(t *testing.T) { securityEndToEnd(t, e.DSN(t)) })
	}
}

func securityEndToEnd(t *testing.T, dsn string) {
	m, tc := tlsMain(t, dsn)
	c := rootClient(t, m)
	// The API and the portal answer on the TLS listener too.
	hc := &http.Client{Transport: &http.Transport{TLSClientConfig: tc}}
	res, err := hc.Get("https://" + m.TLSAddr() + "/healthz")
	if err != nil || res.StatusCode != 200 {
		t.Fatalf("healthz over https: %v %v", res, err)
	}
	res.Body.Close()
	tlsC := &client{t: t, base: "https://" + m.TLSAddr(), token: c.token, http: hc}

	est := newEstate(t, c, "0.45", "0.30")
	cpid, identity, password := est.creds.CPID, est.creds.OCPPIdentity, est.creds.OCPPPassword
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	ch := sim.New(sim.Config{URL: "ws://" + m.Addr() + "/ocpp", TLSURL: "wss://" + m.TLSAddr() + "/ocpp", TLS: tc,
		SecurityProfile: 2, Identity: identity, Password: password, MinBackoff: 50 * time.Millisecond, MaxBackoff: 200 * time.Millisecond})
	done := make(chan struct{})
	go func() { defer close(done); _ = ch.Run(ctx) }()
	defer func() { cancel(); <-done }()
	var sec volt.ChargerSecurity
	checkFor(t, 15*time.Second, func() error {
		c.must("GET", "/api/v1/chargers/"+cpid+"/security", nil, 200, &sec)
		if !ch.Online() || sec.ConnectedProfile != 2 {
			return fmt.Errorf("online %v, security %+v", ch.Online(), sec)
		}
		return nil
	})

	var ans map[string]any
	c.must("POST", "/api/v1/chargers/"+cpid+"/certificates/renew", nil, 200, &ans)
	if ans["status"] != "Accepted" {
		t.Fatalf("renew answer %v", ans)
	}
	checkFor(t, 10*time.Second, func() error {
		if !ch.HasCertificate() {
			return fmt.Errorf("no certificate installed yet")
		}
		return nil
	})
	var certs struct{ Items []volt.ChargerCertificate }
	c.must("GET", "/api/v1/chargers/"+cpid+"/certificates", nil, 200, &certs)
	if len(certs.Items) != 1 || certs.Items[0].Identity != identity {
		t.Fatalf("certificates %+v", certs.Items)
	}

	var up struct {
		Status   string
		Security volt.ChargerSecurity
	}
	tlsC.must("POST", "/api/v1/chargers/"+cpid+"/security/upgrade", map[string]any{"securityProfile": 3}, 200, &up)
	if up.Status != "Accepted" || up.Security.PendingProfile != 3 {
		t.Fatalf("upgrade answer %+v", up)
	}
	checkFor(t, 15*time.Second, func() error {
		c.must("GET", "/api/v1/chargers/"+cpid+"/security", nil, 200, &sec)
		if sec.SecurityProfile != 3 || sec.ConnectedProfile != 3 || !ch.Online() {
			return fmt.Errorf("security %+v, online %v", sec, ch.Online())
		}
		return nil
	})

	// The password alone, over TLS: a downgrade, refused and recorded.
	req, _ := http.NewRequest("GET", "https://"+m.TLSAddr()+"/ocpp/"+identity, nil)
	req.SetBasicAuth(identity, password)
	if res, err := hc.Do(req); err != nil || res.StatusCode != http.StatusUnauthorized {
		t.Fatalf("profile 2 after the upgrade: %v %v", res, err)
	} else {
		res.Body.Close()
	}
	checkFor(t, 5*time.Second, func() error {
		var ev struct{ Items []volt.SecurityEvent }
		c.must("GET", "/api/v1/chargers/"+cpid+"/security-events", nil, 200, &ev)
		if !slices.ContainsFunc(ev.Items, func(e volt.SecurityEvent) bool { return e.Type == volt.SecurityEventDowngradeRefused && e.Critical }) {
			return fmt.Errorf("events %+v", ev.Items)
		}
		return nil
	})

	// Revoked: the next connection with the certificate is refused.
	c.must("POST", "/api/v1/chargers/"+cpid+"/certificates/"+certs.Items[0].Serial+"/revoke", map[string]any{"reason": "keyCompromise"}, 204, nil)
	ch.Disconnect()
	checkFor(t, 10*time.Second, func() error {
		var ev struct{ Items []volt.SecurityEvent }
		c.must("GET", "/api/v1/chargers/"+cpid+"/security-events", nil, 200, &ev)
		if !slices.ContainsFunc(ev.Items, func(e volt.SecurityEvent) bool {
			return e.Type == volt.SecurityEventClientCertRefused && strings.Contains(e.TechInfo, "revoked")
		}) {
			return fmt.Errorf("events %+v", ev.Items)
		}
		return nil
	})
	if m.gateway.Connected(cpid) {
		t.Fatal("a revoked certificate stayed connected")
	}

	// OCPP 2.0.1: a CSR on TriggerMessage, the certificate, profile 3.
	var creds2 struct{ CPID, OCPPIdentity, OCPPPassword string }
	c.must("POST", "/api/v1/chargers", map[string]any{"chargerGroupId": est.group.ID}, 201, &creds2)
	st := sim.New2x(sim.Config{URL: "ws://" + m.Addr() + "/ocpp", TLSURL: "wss://" + m.TLSAddr() + "/ocpp", TLS: tc,
		SecurityProfile: 2, Identity: creds2.OCPPIdentity, Password: creds2.OCPPPassword,
		MinBackoff: 50 * time.Millisecond, MaxBackoff: 200 * time.Millisecond}, ocpp.V201)
	done2 := make(chan struct{})
	go func() { defer close(done2); _ = st.Run(ctx) }()
	defer func() { cancel(); <-done2 }()
	checkFor(t, 15*time.Second, func() error {
		if !st.Online() {
			return fmt.Errorf("2.0.1 station not online")
		}
		return nil
	})
	c.must("POST", "/api/v1/chargers/"+creds2.CPID+"/certificates/renew", nil, 200, &ans)
	if ans["status"] != "Accepted" {
		t.Fatalf("2.0.1 renew answer %v", ans)
	}
	checkFor(t, 10*time.Second, func() error {
		if !st.HasCertificate() {
			return fmt.Errorf("no certificate on the 2.0.1 station")
		}
		return nil
	})
	// Volt drives the upgrade (A05): SetNetworkProfile on a new slot,
	// NetworkConfigurationPriority with it first, Reset; the station
	// reboots onto the wss URL with its client certificate.
	tlsC.must("POST", "/api/v1/chargers/"+creds2.CPID+"/security/upgrade", map[string]any{"securityProfile": 3}, 200, &up)
	if up.Status != "Accepted" || up.Security.PendingProfile != 3 {
		t.Fatalf("2.0.1 upgrade answer %+v", up)
	}
	checkFor(t, 15*time.Second, func() error {
		sec = volt.ChargerSecurity{} // pendingProfile is omitted when 0
		c.must("GET", "/api/v1/chargers/"+creds2.CPID+"/security", nil, 200, &sec)
		if sec.SecurityProfile != 3 || sec.ConnectedProfile != 3 || sec.PendingProfile != 0 || !st.Online() || st.SecurityProfile() != 3 {
			return fmt.Errorf("2.0.1 security %+v online %v", sec, st.Online())
		}
		return nil
	})
	if v, _ := st.Variable("OCPPCommCtrlr/NetworkConfigurationPriority"); v != "1,0" {
		t.Fatalf("NetworkConfigurationPriority %q, want 1,0", v)
	}
	// A station asked to go below its profile refuses: nothing pending.
	var bad map[string]any
	c.must("POST", "/api/v1/chargers/"+creds2.CPID+"/security/upgrade", map[string]any{"securityProfile": 2}, 200, &bad)
	sec = volt.ChargerSecurity{}
	c.must("GET", "/api/v1/chargers/"+creds2.CPID+"/security", nil, 200, &sec)
	if bad["status"] != "Rejected" || sec.PendingProfile != 0 || sec.SecurityProfile != 3 {
		t.Fatalf("downgrade through SetNetworkProfile: %v, security %+v", bad, sec)
	}
}

// TestSecurityUpgrade201RollBack (issue 18, both engines): a 2.0.1
// station told by Volt to move to profile 2 at a wss URL that does not
// answer cannot reconnect with it, falls back to its old slot (profile 1)
// and is let in; the security loop then drops the pending upgrade, the
// minimum stays 1.
func TestSecurityUpgrade201RollBack(t *testing.T) {
	for _, e := range storetest.Engines(t) {
		t.Run(e.Name, func(t *testing.T) {
			dead, err := net.Listen("tcp", "127.0.0.1:0")
			if err != nil {
				t.Fatal(err)
			}
			deadURL := "wss://" + dead.Addr().String() + "/ocpp"
			dead.Close() // nothing listens there any more
			m := testMainWith(t, e.DSN(t), func(c *Config) { c.OCPPTLSURL = deadURL })
			c := rootClient(t, m)
			est := newEstate(t, c, "0.45", "0.30")
			ctx, cancel := context.WithCancel(context.Background())
			defer cancel()
			st := sim.New2x(sim.Config{URL: "ws://" + m.Addr() + "/ocpp", TLSURL: deadURL, Identity: est.creds.OCPPIdentity,
				Password: est.creds.OCPPPassword, MinBackoff: 50 * time.Millisecond, MaxBackoff: 200 * time.Millisecond}, ocpp.V201)
			done := make(chan struct{})
			go func() { defer close(done); _ = st.Run(ctx) }()
			defer func() { cancel(); <-done }()
			checkFor(t, 15*time.Second, func() error {
				if !st.Online() {
					return fmt.Errorf("station not online")
				}
				return nil
			})
			var up struct {
				Status   string
				Security volt.ChargerSecurity
			}
			c.must("POST", "/api/v1/chargers/"+est.creds.CPID+"/security/upgrade", map[string]any{"securityProfile": 2}, 200, &up)
			if up.Status != "Accepted" || up.Security.PendingProfile != 2 {
				t.Fatalf("upgrade answer %+v", up)
			}
			// It reboots, fails on the new slot, and comes back on profile 1.
			checkFor(t, 15*time.Second, func() error {
				if st.SecurityProfile() != 1 || !st.Online() {
					return fmt.Errorf("station profile %d online %v", st.SecurityProfile(), st.Online())
				}
				return nil
			})
			sys := volt.NewContextWithActor(ctx, volt.SystemActor)
			back, err := store.NewSecurityService(m.DB).RollBackUpgrades(sys, time.Now().Add(volt.SecurityUpgradeWindow+time.Minute))
			if err != nil || !slices.Contains(back, est.creds.CPID) {
				t.Fatalf("rolled back %v %v", back, err)
			}
			var got volt.ChargerSecurity
			c.must("GET", "/api/v1/chargers/"+est.creds.CPID+"/security", nil, 200, &got)
			if got.SecurityProfile != 1 || got.PendingProfile != 0 || got.ConnectedProfile != 1 || got.UpgradeStatus != "RolledBack" {
				t.Fatalf("after the rollback %+v", got)
			}
		})
	}
}

// TestSecurityLoop: one pass rolls back an upgrade whose charger never
// came back with the new profile, and asks a connected charger whose
// certificate expires within RenewBefore for a new CSR, which Volt signs.
func TestSecurityLoop(t *testing.T) {
	m, tc := tlsMain(t, storetest.Engines(t)[0].DSN(t))
	c := rootClient(t, m)
	est := newEstate(t, c, "0.45", "0.30")
	cpid := est.creds.CPID
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	ch := sim.New(sim.Config{URL: "ws://" + m.Addr() + "/ocpp", TLSURL: "wss://" + m.TLSAddr() + "/ocpp", TLS: tc,
		SecurityProfile: 2, Identity: est.creds.OCPPIdentity, Password: est.creds.OCPPPassword, MinBackoff: 50 * time.Millisecond})
	done := make(chan struct{})
	go func() { defer close(done); _ = ch.Run(ctx) }()
	defer func() { cancel(); <-done }()
	checkFor(t, 15*time.Second, func() error {
		if !m.gateway.Connected(cpid) {
			return fmt.Errorf("charger not connected")
		}
		return nil
	})
	sec := store.NewSecurityService(m.DB)
	sys := volt.NewContextWithActor(context.Background(), volt.SystemActor)
	now := time.Now()
	if err := sec.StartUpgrade(sys, cpid, 3, now.Add(-time.Minute)); err != nil {
		t.Fatal(err)
	}
	if err := sec.RecordCertificate(sys, volt.ChargerCertificate{Serial: "0e01", CPID: cpid, Identity: est.creds.OCPPIdentity,
		NotBefore: now.AddDate(-1, 0, 0), NotAfter: now.Add(24 * time.Hour), ChainPEM: "old", IssuedAt: now.AddDate(-1, 0, 0)}); err != nil {
		t.Fatal(err)
	}
	m.securityPass(context.Background(), sec, m.gateway)
	s, err := sec.FindChargerSecurity(sys, cpid)
	if err != nil || s.UpgradeStatus != "RolledBack" || s.PendingProfile != 0 || s.SecurityProfile != 1 {
		t.Fatalf("after the loop %+v %v", s, err)
	}
	checkFor(t, 10*time.Second, func() error {
		certs, err := sec.FindCertificates(sys, cpid)
		if err != nil || len(certs) != 2 || !ch.HasCertificate() {
			return fmt.Errorf("certificates %d (%v), charger has one: %v", len(certs), err, ch.HasCertificate())
		}
		return nil
	})
}
