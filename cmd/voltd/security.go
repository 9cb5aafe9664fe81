package main

import (
	"context"
	"crypto"
	"crypto/tls"
	"crypto/x509"
	"encoding/pem"
	"errors"
	"fmt"
	"net"
	"net/http"
	"net/url"
	"os"
	"strings"
	"time"

	volt "github.com/volt-ev/volt"
	"github.com/volt-ev/volt/gateway"
	"github.com/volt-ev/volt/internal/seal"
	"github.com/volt-ev/volt/pki"
	"github.com/volt-ev/volt/pnc"
	"github.com/volt-ev/volt/store"
)

// RenewBefore is how long before its certificate expires a charger is asked
// for a new CSR.
const RenewBefore = 30 * 24 * time.Hour

// authority loads the platform's CSMS CA from the database, creating it on
// first start (one node wins the insert; the others read its CA). Its key
// is sealed with VOLT_SECRET_KEY. A CA that cannot be unsealed (the secret
// changed) is logged and left out: CSRs are then rejected.
func (m *Main) authority(ctx context.Context, sec *store.SecurityService) pki.Authority {
	if m.Config.SecretKey == "" {
		m.Logger.Warn("VOLT_SECRET_KEY not set: the CSMS CA's key is stored sealed with an empty secret")
	}
	sctx := volt.NewContextWithActor(ctx, volt.SystemActor)
	certPEM, sealed, err := sec.FindAuthority(sctx, "platform")
	if volt.IsCode(err, volt.ENOTFOUND) {
		ca, cerr := pki.NewCA("Volt CSMS CA", time.Now())
		if cerr != nil {
			m.Logger.Error("csms ca: create", "err", cerr)
			return nil
		}
		c, k, _ := ca.PEM()
		s, serr := sealKey(m.Config.SecretKey, k)
		if serr != nil {
			m.Logger.Error("csms ca: seal", "err", serr)
			return nil
		}
		if err := sec.SaveAuthority(sctx, "platform", string(c), s); err != nil {
			m.Logger.Error("csms ca: save", "err", err)
			return nil
		}
		certPEM, sealed, err = sec.FindAuthority(sctx, "platform")
	}
	if err != nil {
		m.Logger.Error("csms ca: load", "err", err)
		return nil
	}
	key, err := unsealKey(m.Config.SecretKey, sealed)
	if err != nil {
		m.Logger.Error("csms ca: the key does not open with VOLT_SECRET_KEY; certificate signing is off", "err", err)
		return nil
	}
	ca, err := pki.LoadCA([]byte(certPEM), key)
	if err != nil {
		m.Logger.Error("csms ca: load", "err", err)
		return nil
	}
	return ca
}

// caKeyPurpose is the seal purpose of CA keys; with no aad, as sealed
// since issue 18.
const caKeyPurpose = "volt csms ca key"

// sealKey seals a CA's private key with VOLT_SECRET_KEY (internal/seal).
func sealKey(secret string, key []byte) (string, error) {
	return seal.New(secret, caKeyPurpose).Seal(key, nil), nil
}

// unsealKey opens what sealKey sealed.
func unsealKey(secret, sealed string) ([]byte, error) {
	return seal.New(secret, caKeyPurpose).Open(sealed, nil)
}

// securityLoop rolls back upgrades whose charger never came back with the
// new profile and asks chargers connected here whose certificate (client
// or SECC) expires within RenewBefore for a new CSR, every interval.
func (m *Main) securityLoop(ctx context.Context, sec volt.ChargerSecurityService, gw *gateway.Gateway, interval time.Duration) {
	t := time.NewTicker(interval)
	defer t.Stop()
	for {
		m.securityPass(ctx, sec, gw)
		select {
		case <-ctx.Done():
			return
		case <-t.C:
		}
	}
}

// securityPass is one round of securityLoop.
func (m *Main) securityPass(ctx context.Context, sec volt.ChargerSecurityService, gw *gateway.Gateway) {
	ctx = volt.NewContextWithActor(ctx, volt.SystemActor)
	if back, err := sec.RollBackUpgrades(ctx, time.Now()); err != nil {
		m.Logger.Warn("security: roll back upgrades", "err", err)
	} else if len(back) > 0 {
		m.Logger.Warn("security: upgrades rolled back, chargers did not reconnect with the new profile", "cpids", back)
	}
	expiring, err := sec.CertificatesExpiring(ctx, time.Now().Add(RenewBefore))
	if err != nil {
		m.Logger.Warn("security: expiring certificates", "err", err)
	}
	for _, c := range expiring {
		if !gw.Connected(c.CPID) {
			continue
		}
		renew := gw.RenewCertificate
		if c.Kind == volt.CertificateKindV2G {
			renew = gw.RenewV2GCertificate
		}
		st, err := renew(ctx, c.CPID)
		m.Logger.Info("security: certificate renewal asked", "cpid", c.CPID, "serial", c.Serial, "kind", c.Kind, "status", st, "err", err)
	}
}

// serveTLS starts the --https listener: the same handler (OCPP profiles 2
// and 3, the API and the portal) with the gateway's TLS configuration.
func (m *Main) serveTLS(handler http.Handler) error {
	if m.Config.HTTPSAddr == "" {
		return nil
	}
	certs, err := serverCertificates(m.Config)
	if err != nil {
		return err
	}
	var roots []*x509.Certificate
	if f := m.Config.TLSClientCAFile; f != "" {
		b, err := os.ReadFile(f)
		if err != nil {
			return fmt.Errorf("VOLT_TLS_CLIENT_CA_FILE: %w", err)
		}
		if roots, err = pki.ParseCertificates(b); err != nil {
			return fmt.Errorf("VOLT_TLS_CLIENT_CA_FILE: %w", err)
		}
	}
	cfg, err := m.gateway.TLSConfig(certs, roots)
	if err != nil {
		return err
	}
	ln, err := net.Listen("tcp", m.Config.HTTPSAddr)
	if err != nil {
		return fmt.Errorf("listen %s: %w", m.Config.HTTPSAddr, err)
	}
	m.tlsListener = ln
	srv := &http.Server{Handler: handler, TLSConfig: cfg, ReadHeaderTimeout: 10 * time.Second, IdleTimeout: 120 * time.Second,
		ErrorLog: m.server.ErrorLog}
	go func() {
		if err := srv.ServeTLS(ln, "", ""); err != nil && !errors.Is(err, http.ErrServerClosed) {
			m.Logger.Error("https server stopped", "err", err)
		}
	}()
	m.onClose(srv.Shutdown)
	m.Logger.Info("https listener", "https", "https://"+ln.Addr().String(), "ocpp", "wss://"+ln.Addr().String()+"/ocpp/{identity}")
	return nil
}

// TLSAddr returns the address of the --https listener ("" without one).
func (m *Main) TLSAddr() string {
	if m.tlsListener == nil {
		return ""
	}
	return m.tlsListener.Addr().String()
}

// serverCertificates reads the server certificates: VOLT_TLS_CERT_FILE and
// VOLT_TLS_KEY_FILE as comma-separated paths taken in pairs (an RSA and an
// ECDSA certificate at once), or one PEM of each (VOLT_TLS_CERT /
// VOLT_TLS_KEY) holding several: each key goes with the certificate whose
// public key it matches, and the CA certificates after that one.
func serverCertificates(c Config) ([]tls.Certificate, error) {
	var certPEM, keyPEM []byte
	certFiles, keyFiles := splitList(c.TLSCertFile), splitList(c.TLSKeyFile)
	if len(certFiles) != len(keyFiles) {
		return nil, fmt.Errorf("VOLT_TLS_CERT_FILE names %d files and VOLT_TLS_KEY_FILE %d: give them in pairs", len(certFiles), len(keyFiles))
	}
	for i := range certFiles {
		cb, err := os.ReadFile(certFiles[i])
		if err != nil {
			return nil, fmt.Errorf("VOLT_TLS_CERT_FILE: %w", err)
		}
		kb, err := os.ReadFile(keyFiles[i])
		if err != nil {
			return nil, fmt.Errorf("VOLT_TLS_KEY_FILE: %w", err)
		}
		certPEM, keyPEM = append(append(certPEM, cb...), '\n'), append(append(keyPEM, kb...), '\n')
	}
	certPEM = append(certPEM, c.TLSCert...)
	keyPEM = append(keyPEM, c.TLSKey...)
	return pairCertificates(certPEM, keyPEM)
}

func pairCertificates(certPEM, keyPEM []byte) ([]tls.Certificate, error) {
	var chains [][]*x509.Certificate
	for rest := certPEM; ; {
		var b *pem.Block
		if b, rest = pem.Decode(rest); b == nil {
			break
		}
		if b.Type != "CERTIFICATE" {
			continue
		}
		cert, err := x509.ParseCertificate(b.Bytes)
		if err != nil {
			return nil, fmt.Errorf("TLS certificate: %w", err)
		}
		if !cert.IsCA || len(chains) == 0 {
			chains = append(chains, nil)
		}
		chains[len(chains)-1] = append(chains[len(chains)-1], cert)
	}
	var out []tls.Certificate
	for rest := keyPEM; ; {
		var b *pem.Block
		if b, rest = pem.Decode(rest); b == nil {
			break
		}
		key, err := parseKey(b)
		if err != nil {
			return nil, fmt.Errorf("TLS key: %w", err)
		}
		found := false
		for _, ch := range chains {
			if pub, ok := ch[0].PublicKey.(interface{ Equal(crypto.PublicKey) bool }); ok && pub.Equal(key.Public()) {
				tc := tls.Certificate{PrivateKey: key, Leaf: ch[0]}
				for _, c := range ch {
					tc.Certificate = append(tc.Certificate, c.Raw)
				}
				out = append(out, tc)
				found = true
			}
		}
		if !found {
			return nil, errors.New("TLS key matches no certificate")
		}
	}
	if len(out) == 0 {
		return nil, errors.New("--https needs a certificate and its key (VOLT_TLS_CERT_FILE, VOLT_TLS_KEY_FILE)")
	}
	return out, nil
}

func parseKey(b *pem.Block) (crypto.Signer, error) {
	var (
		k   any
		err error
	)
	switch strings.ToUpper(b.Type) {
	case "RSA PRIVATE KEY":
		k, err = x509.ParsePKCS1PrivateKey(b.Bytes)
	case "EC PRIVATE KEY":
		k, err = x509.ParseECPrivateKey(b.Bytes)
	default:
		k, err = x509.ParsePKCS8PrivateKey(b.Bytes)
	}
	if err != nil {
		return nil, err
	}
	s, ok := k.(crypto.Signer)
	if !ok {
		return nil, errors.New("not a signing key")
	}
	return s, nil
}

// startSecurityLoop runs securityLoop hourly until Close.
func (m *Main) startSecurityLoop(sec volt.ChargerSecurityService, gw *gateway.Gateway) {
	ctx, stop := context.WithCancel(context.Background())
	done := make(chan struct{})
	go func() { defer close(done); m.securityLoop(ctx, sec, gw, time.Hour) }()
	m.onClose(func(context.Context) error { stop(); <-done; return nil })
}

// PnCOCSPCacheFor is how long a verified OCSP answer about a contract
// certificate is reused (never past its nextUpdate).
const PnCOCSPCacheFor = 5 * time.Minute

// contractProvider returns the Plug & Charge contract provider: Config's,
// or a pnc.OCSP over the V2G roots and sub-CAs of VOLT_PNC_V2G_ROOTS_FILE
// (chains verified and checked at the responders their AIA names; hash
// data checked at its responder when it names one of those CAs, only at
// the VOLT_PNC_OCSP_HOSTS when set), or none.
func (m *Main) contractProvider() (volt.ContractProvider, error) {
	if m.Config.Contracts != nil {
		return m.Config.Contracts, nil
	}
	if m.Config.PnCRootsFile == "" {
		return nil, nil
	}
	b, err := os.ReadFile(m.Config.PnCRootsFile)
	if err != nil {
		return nil, fmt.Errorf("VOLT_PNC_V2G_ROOTS_FILE: %w", err)
	}
	cas, err := pki.ParseCertificates(b)
	if err != nil {
		return nil, fmt.Errorf("VOLT_PNC_V2G_ROOTS_FILE: %w", err)
	}
	p, err := pnc.NewOCSP(cas...)
	if err != nil {
		return nil, fmt.Errorf("VOLT_PNC_V2G_ROOTS_FILE: %w", err)
	}
	p.CacheFor = PnCOCSPCacheFor
	for _, h := range strings.Split(m.Config.PnCOCSPHosts, ",") {
		if h = strings.TrimSpace(h); h != "" {
			p.ResponderHosts = append(p.ResponderHosts, h)
		}
	}
	return p, nil
}

// v2gAuthority loads the V2G CPO sub-CA that signs chargers' ISO 15118
// SECC certificates from VOLT_V2G_CA_CERT_FILE (the sub-CA, then its
// issuers) and VOLT_V2G_CA_KEY_FILE; none when unset.
func (m *Main) v2gAuthority() (pki.V2GAuthority, error) {
	if m.Config.V2GCACertFile == "" && m.Config.V2GCAKeyFile == "" {
		return nil, nil
	}
	c, err := os.ReadFile(m.Config.V2GCACertFile)
	if err != nil {
		return nil, fmt.Errorf("VOLT_V2G_CA_CERT_FILE: %w", err)
	}
	k, err := os.ReadFile(m.Config.V2GCAKeyFile)
	if err != nil {
		return nil, fmt.Errorf("VOLT_V2G_CA_KEY_FILE: %w", err)
	}
	ca, err := pki.LoadV2GCA(c, k)
	if err != nil {
		return nil, fmt.Errorf("VOLT_V2G_CA_CERT_FILE: %w", err)
	}
	return ca, nil
}

// securityEndpoint is the security service with the wss URL an OCPP 2.x
// security profile upgrade gives the station (volt.SecureOCPPEndpoint).
type securityEndpoint struct {
	*store.SecurityService
	url func() string
}

// SecureOCPPURL implements volt.SecureOCPPEndpoint.
func (s *securityEndpoint) SecureOCPPURL() string { return s.url() }

// secureOCPPURL is VOLT_OCPP_TLS_URL, else wss:// with the --https
// listener's port and the host of VOLT_PUBLIC_URL (else the listener's
// address), then /ocpp; "" without a TLS listener or any host a station
// could reach (a wildcard listen address and no public URL).
func (m *Main) secureOCPPURL() string {
	if u := strings.TrimRight(m.Config.OCPPTLSURL, "/"); u != "" {
		return u
	}
	addr := m.TLSAddr()
	if addr == "" {
		return ""
	}
	host, port, err := net.SplitHostPort(addr)
	if err != nil {
		return ""
	}
	if pub, err := url.Parse(m.Config.PublicURL); err == nil && pub.Hostname() != "" {
		host = pub.Hostname()
	} else if ip := net.ParseIP(host); host == "" || (ip != nil && ip.IsUnspecified()) {
		return ""
	}
	return "wss://" + net.JoinHostPort(host, port) + "/ocpp"
}
