package gateway

import (
	"context"
	"crypto"
	"crypto/tls"
	"crypto/x509"
	"encoding/base64"
	"encoding/pem"
	"net/http"
	"net/http/httptest"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/gorilla/websocket"
	volt "github.com/volt-ev/volt"
	"github.com/volt-ev/volt/ocpp"
	"github.com/volt-ev/volt/pki"
	"github.com/volt-ev/volt/pki/pkitest"
	"github.com/volt-ev/volt/sim"
)

type tlsHarness struct {
	*harness
	sec     *fakeSecurity
	ca      *pki.CA
	web     *pkitest.Root // signs the server certificates
	tlsSrv  *httptest.Server
	wssURL  string
	clientT *tls.Config // trusts the server
}

// newTLSHarness starts a gateway with the CSMS CA on a plain listener and a
// TLS listener configured by Gateway.TLSConfig with an RSA and an ECDSA
// server certificate.
func newTLSHarness(t *testing.T, opts ...func(*Config)) *tlsHarness {
	t.Helper()
	ca, err := pki.NewCA("Volt test CSMS CA", time.Now())
	if err != nil {
		t.Fatal(err)
	}
	var sec *fakeSecurity
	h := newHarness(t, func(c *Config) {
		sec = newFakeSecurity(c.Charging.(*fakeCharging))
		c.Security, c.Authority = sec, ca
		for _, o := range opts {
			o(c)
		}
	})
	web := pkitest.NewRoot(t, "Volt test web root")
	cfg, err := h.g.TLSConfig([]tls.Certificate{web.Server(t, pkitest.RSAKey(t, 2048)), web.Server(t, pkitest.ECKey(t))}, nil)
	if err != nil {
		t.Fatal(err)
	}
	mux := http.NewServeMux()
	mux.Handle("GET /ocpp/{identity}", h.g)
	srv := httptest.NewUnstartedServer(mux)
	srv.TLS = cfg
	srv.StartTLS()
	t.Cleanup(srv.Close)
	roots := x509.NewCertPool()
	roots.AddCert(web.Cert)
	return &tlsHarness{harness: h, sec: sec, ca: ca, web: web, tlsSrv: srv,
		wssURL: "wss" + strings.TrimPrefix(srv.URL, "https") + "/ocpp/", clientT: &tls.Config{RootCAs: roots}}
}

// dialTLS opens an OCPP 1.6 websocket over TLS with tc (client
// certificate, suites) and Basic auth when password is set.
func (h *tlsHarness) dialTLS(tc *tls.Config, identity, password string) (*websocket.Conn, *http.Response, error) {
	d := websocket.Dialer{TLSClientConfig: tc, Subprotocols: []string{"ocpp1.6"}, HandshakeTimeout: 5 * time.Second}
	hdr := http.Header{}
	if password != "" {
		hdr.Set("Authorization", "Basic "+base64.StdEncoding.EncodeToString([]byte(identity+":"+password)))
	}
	return d.Dial(h.wssURL+identity, hdr)
}

// signedClient has the CSMS CA sign a client certificate for identity.
func (h *tlsHarness) signedClient(t *testing.T, identity string) tls.Certificate {
	t.Helper()
	key := pkitest.ECKey(t)
	iss, err := h.ca.SignCharger(context.Background(), identity, pkitest.CSR(t, key, identity))
	if err != nil {
		t.Fatal(err)
	}
	chain, _ := pki.ParseCertificates([]byte(iss.ChainPEM))
	return tls.Certificate{Certificate: [][]byte{chain[0].Raw}, PrivateKey: key, Leaf: chain[0]}
}

func (h *tlsHarness) simConfig(identity, password string, profile int) sim.Config {
	return sim.Config{URL: h.url, TLSURL: h.wssURL, TLS: h.clientT, Identity: identity, Password: password,
		SecurityProfile: profile, MinBackoff: 50 * time.Millisecond, MaxBackoff: 200 * time.Millisecond,
		RebootDelay: 50 * time.Millisecond, CallTimeout: 2 * time.Second}
}

func runSim(t *testing.T, run func(context.Context) error) {
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan struct{})
	go func() { _ = run(ctx); close(done) }()
	t.Cleanup(func() { cancel(); <-done })
}

// TestTLSCipherSuites connects a charger with a client certificate for
// every TLS 1.2 suite the OCPP listener lists (the RSA key exchange pair
// included) and over TLS 1.3 (LESSONS.md item 23).
func TestTLSCipherSuites(t *testing.T) {
	h := newTLSHarness(t)
	cert := h.signedClient(t, "CP-1")
	for _, suite := range OCPPCipherSuites {
		t.Run(tls.CipherSuiteName(suite), func(t *testing.T) {
			tc := h.clientT.Clone()
			tc.MaxVersion, tc.CipherSuites, tc.Certificates = tls.VersionTLS12, []uint16{suite}, []tls.Certificate{cert}
			ws, _, err := h.dialTLS(tc, "CP-1", "")
			if err != nil {
				t.Fatalf("handshake with %s: %v", tls.CipherSuiteName(suite), err)
			}
			defer ws.Close()
			st := ws.NetConn().(*tls.Conn).ConnectionState()
			if st.CipherSuite != suite || st.Version != tls.VersionTLS12 {
				t.Fatalf("negotiated %s version %x", tls.CipherSuiteName(st.CipherSuite), st.Version)
			}
		})
	}
	t.Run("TLS 1.3", func(t *testing.T) {
		tc := h.clientT.Clone()
		tc.MinVersion, tc.Certificates = tls.VersionTLS13, []tls.Certificate{cert}
		ws, _, err := h.dialTLS(tc, "CP-1", "")
		if err != nil {
			t.Fatal(err)
		}
		ws.Close()
	})
	t.Run("TLS 1.1 refused", func(t *testing.T) {
		tc := h.clientT.Clone()
		tc.MinVersion, tc.MaxVersion = tls.VersionTLS10, tls.VersionTLS11
		if ws, _, err := h.dialTLS(tc, "CP-1", "secret-1"); err == nil {
			ws.Close()
			t.Fatal("TLS 1.1 accepted")
		}
	})
}

// TestTLSBadClientCertificates: each bad certificate is refused (during the
// handshake, or before the upgrade for a CN that is not the identity) and
// recorded as a security event of the charger it names.
func TestTLSBadClientCertificates(t *testing.T) {
	h := newTLSHarness(t)
	other := pkitest.NewRoot(t, "someone else's CA")
	expiredKey := pkitest.ECKey(t)
	caCert, caKeyPEM, _ := h.ca.PEM()
	caRoot := rootFromPEM(t, caCert, caKeyPEM)
	expired := caRoot.Sign(t, expiredKey, "CP-1", false, time.Now().Add(-48*time.Hour), time.Now().Add(-24*time.Hour))
	revoked := h.signedClient(t, "CP-1")
	h.sec.revoked[pki.SerialHex(revoked.Leaf.SerialNumber)] = true
	cases := []struct {
		name string
		cert tls.Certificate
	}{
		{"unknown CA", other.Client(t, "CP-1")},
		{"expired", tls.Certificate{Certificate: [][]byte{expired.Raw}, PrivateKey: expiredKey, Leaf: expired}},
		{"revoked", revoked},
		{"CN is another charger", h.signedClient(t, "CP-2")},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			before := len(h.sec.eventTypes())
			cfg := h.clientT.Clone()
			cfg.Certificates = []tls.Certificate{tc.cert}
			ws, resp, err := h.dialTLS(cfg, "CP-1", "")
			if err == nil {
				ws.Close()
				t.Fatal("connected")
			}
			if resp != nil && resp.StatusCode == http.StatusSwitchingProtocols {
				t.Fatalf("upgraded: %v", resp.Status)
			}
			waitFor(t, "a security event", func() bool { return len(h.sec.eventTypes()) > before })
			if got := h.sec.eventTypes()[before]; got != volt.SecurityEventClientCertRefused {
				t.Fatalf("event %s", got)
			}
		})
	}
	if h.g.Stats().Connections != 0 {
		t.Fatal("a bad certificate connected")
	}
}

func rootFromPEM(t *testing.T, certPEM, keyPEM []byte) *pkitest.Root {
	t.Helper()
	certs, _ := pki.ParseCertificates(certPEM)
	b, _ := pem.Decode(keyPEM)
	k, err := x509.ParsePKCS8PrivateKey(b.Bytes)
	if err != nil {
		t.Fatal(err)
	}
	return &pkitest.Root{Cert: certs[0], Key: k.(crypto.Signer)}
}

// TestSecurityUpgrade16 is the 1.6 upgrade by Volt: connect on profile 2,
// SignCertificate on ExtendedTriggerMessage, CertificateSigned, then
// ChangeConfiguration SecurityProfile 3 and a reconnect with the client
// certificate; after it the password alone is a refused downgrade.
func TestSecurityUpgrade16(t *testing.T) {
	h := newTLSHarness(t)
	ch := sim.New(h.simConfig("CP-1", "secret-1", 2))
	runSim(t, ch.Run)
	waitFor(t, "profile 2 online", ch.Online)
	ctx := context.Background()
	res, err := h.g.Call(ctx, "000001", "ExtendedTriggerMessage", map[string]any{"requestedMessage": "SignChargePointCertificate"})
	if err != nil || !strings.Contains(string(res), "Accepted") {
		t.Fatalf("trigger: %s %v", res, err)
	}
	waitFor(t, "the signed certificate", ch.HasCertificate)
	certs, _ := h.sec.FindCertificates(ctx, "000001")
	if len(certs) != 1 || !strings.Contains(certs[0].ChainPEM, "BEGIN CERTIFICATE") {
		t.Fatalf("certificates recorded: %+v", certs)
	}
	st, err := h.g.UpgradeSecurityProfile(ctx, "000001", 3)
	if err != nil || st != "Accepted" {
		t.Fatalf("upgrade: %s %v", st, err)
	}
	waitFor(t, "the upgrade to complete", func() bool {
		s, _ := h.sec.FindChargerSecurity(ctx, "000001")
		return s.SecurityProfile == 3 && s.ConnectedProfile == 3 && s.UpgradeStatus == "Done"
	})
	waitFor(t, "profile 3 online", ch.Online)
	if ch.SecurityProfile() != 3 {
		t.Fatalf("sim profile %d", ch.SecurityProfile())
	}
	// A profile 3 charger offering only its password: refused.
	ws, resp, err := h.dialTLS(h.clientT, "CP-1", "secret-1")
	if err == nil {
		ws.Close()
		t.Fatal("downgrade to profile 2 accepted")
	}
	if resp == nil || resp.StatusCode != http.StatusUnauthorized {
		t.Fatalf("downgrade answer %v", resp)
	}
	if !slices.Contains(h.sec.eventTypes(), volt.SecurityEventDowngradeRefused) {
		t.Fatalf("no downgrade event: %v", h.sec.eventTypes())
	}
}

// TestSecurityUpgradeRollback: a charger asked to move to profile 3 whose
// certificate is then revoked cannot reconnect with it, falls back to
// profile 2, and Volt still lets it in (the minimum was not raised).
func TestSecurityUpgradeRollback(t *testing.T) {
	h := newTLSHarness(t)
	ch := sim.New(h.simConfig("CP-1", "secret-1", 2))
	runSim(t, ch.Run)
	waitFor(t, "profile 2 online", ch.Online)
	ctx := context.Background()
	if _, err := h.g.Call(ctx, "000001", "ExtendedTriggerMessage", map[string]any{"requestedMessage": "SignChargePointCertificate"}); err != nil {
		t.Fatal(err)
	}
	waitFor(t, "the signed certificate", ch.HasCertificate)
	certs, _ := h.sec.FindCertificates(ctx, "000001")
	_ = h.sec.RevokeCertificate(ctx, "000001", certs[0].Serial, "test")
	if st, err := h.g.UpgradeSecurityProfile(ctx, "000001", 3); err != nil || st != "Accepted" {
		t.Fatalf("upgrade: %s %v", st, err)
	}
	waitFor(t, "the fallback to profile 2", func() bool { return ch.SecurityProfile() == 2 && ch.Online() })
	s, _ := h.sec.FindChargerSecurity(ctx, "000001")
	if s.SecurityProfile != 1 || s.ConnectedProfile != 2 {
		t.Fatalf("security after rollback %+v", s)
	}
}

// TestSecurityUpgrade201: a 2.0.1 station on profile 2 asked by
// TriggerMessage SignChargingStationCertificate gets its certificate and
// connects with it on profile 3.
func TestSecurityUpgrade201(t *testing.T) {
	h := newTLSHarness(t)
	ch := sim.New2x(h.simConfig("CP-2", "secret-2", 2), ocpp.V201)
	runSim(t, ch.Run)
	waitFor(t, "profile 2 online", ch.Online)
	ctx := context.Background()
	res, err := h.g.Call(ctx, "000002", "TriggerMessage", map[string]any{"requestedMessage": "SignChargingStationCertificate"})
	if err != nil || !strings.Contains(string(res), "Accepted") {
		t.Fatalf("trigger: %s %v", res, err)
	}
	waitFor(t, "the signed certificate", ch.HasCertificate)
	if !ch.UseSecurityProfile(3) {
		t.Fatal("station refused profile 3")
	}
	waitFor(t, "profile 3 connection", func() bool {
		s, _ := h.sec.FindChargerSecurity(ctx, "000002")
		return s.ConnectedProfile == 3 && ch.Online()
	})
}

// TestSignCertificateRefusedOnProfile1: certificate management needs TLS
// (LESSONS.md item 25); a CSR for another identity is rejected.
func TestSignCertificateRefused(t *testing.T) {
	h := newTLSHarness(t)
	c := h.connect("CP-1", "secret-1")
	var ans struct{ Status string }
	c.callOK("SignCertificate", map[string]any{"csr": string(pkitest.CSR(t, pkitest.ECKey(t), "CP-1"))}, &ans)
	if ans.Status != "Rejected" {
		t.Fatalf("profile 1 CSR: %s", ans.Status)
	}
	ws, _, err := h.dialTLS(h.clientT, "CP-1", "secret-1")
	if err != nil {
		t.Fatal(err)
	}
	defer ws.Close()
	tc := &charger{t: t, ws: ws}
	tc.callOK("SignCertificate", map[string]any{"csr": string(pkitest.CSR(t, pkitest.ECKey(t), "CP-2"))}, &ans)
	if ans.Status != "Rejected" {
		t.Fatalf("CSR for another identity: %s", ans.Status)
	}
	if certs, _ := h.sec.FindCertificates(context.Background(), "000001"); len(certs) != 0 {
		t.Fatalf("signed %d", len(certs))
	}
}

// TestCertificateManagementNeedsTLS: Volt does not send certificate
// management on a profile 1 connection (LESSONS.md item 25), and does on
// profile 2.
func TestCertificateManagementNeedsTLS(t *testing.T) {
	h := newTLSHarness(t)
	plain := sim.New(h.simConfig("CP-1", "secret-1", 1))
	runSim(t, plain.Run)
	waitFor(t, "profile 1 online", plain.Online)
	ctx := context.Background()
	for action, body := range map[string]map[string]any{
		"InstallCertificate":         {"certificateType": "CentralSystemRootCertificate", "certificate": "x"},
		"GetInstalledCertificateIds": {"certificateType": "CentralSystemRootCertificate"},
		"ExtendedTriggerMessage":     {"requestedMessage": "SignChargePointCertificate"},
	} {
		if _, err := h.g.Call(ctx, "000001", action, body); !volt.IsCode(err, volt.EUNPROCESSABLE) {
			t.Errorf("%s on profile 1: %v, want EUNPROCESSABLE", action, err)
		}
	}
	if _, err := h.g.Call(ctx, "000001", "ExtendedTriggerMessage", map[string]any{"requestedMessage": "Heartbeat"}); err != nil {
		t.Errorf("other triggers on profile 1: %v", err)
	}
	tlsCh := sim.New(h.simConfig("CP-2", "secret-2", 2))
	runSim(t, tlsCh.Run)
	waitFor(t, "profile 2 online", tlsCh.Online)
	if res, err := h.g.Call(ctx, "000002", "GetInstalledCertificateIds", map[string]any{"certificateType": "CentralSystemRootCertificate"}); err != nil {
		t.Errorf("on profile 2: %s %v", res, err)
	}
}
