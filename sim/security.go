package sim

import (
	"context"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/tls"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/pem"
	"errors"
	"fmt"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/gorilla/websocket"
	"github.com/volt-ev/volt/ocpp"
	"github.com/volt-ev/volt/ocpp/v16"
	"github.com/volt-ev/volt/ocpp/v201"
)

// secState is a simulated charger's security profile and certificate
// store (OCPP 1.6 security extension, OCPP 2.0.1 A): the profile of the next
// connection, the key of a CSR waiting for its certificate, and the client
// certificate the central system signed. It has its own lock, taken
// without Charger.mu held.
type secState struct {
	mu      sync.Mutex
	profile int // of the next connection: 1, 2 or 3
	// fallback is the profile to return to when the first connection with
	// a changed profile fails (1.6 security extension §2.3; 2.0.1 A05.FR.07).
	fallback int
	trying   bool
	pending  *ecdsa.PrivateKey
	cert     *tls.Certificate
	// seccPending and secc are the ISO 15118 SECC key waiting for its
	// certificate and the SECC certificate with its issuer (security_secc.go).
	seccPending *ecdsa.PrivateKey
	secc        []*x509.Certificate
	// url is the URL of the next connection when a 2.x network profile
	// set it ("": cfg.URL or cfg.TLSURL by profile); fallbackURL goes with
	// fallback.
	url, fallbackURL string
	// slots are a 2.x station's network connection profiles by
	// configuration slot (B09); slot 0 is the configured connection.
	slots map[int]netSlot
}

// netSlot is a network connection profile of a 2.x station.
type netSlot struct {
	profile int
	url     string
}

func (s *secState) init(cfg *Config) {
	s.profile = max(cfg.SecurityProfile, 1)
	s.cert = cfg.ClientCert
	s.slots = map[int]netSlot{0: {profile: s.profile}}
}

// SecurityProfile returns the profile the charger connects with.
func (s *secState) SecurityProfile() int {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.profile
}

// HasCertificate reports whether the charger holds a client certificate.
func (s *secState) HasCertificate() bool {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.cert != nil
}

// dialSec opens the connection for the current profile: profile 1 on
// cfg.URL with Basic auth, 2 on cfg.TLSURL with Basic auth, 3 on cfg.TLSURL
// with the client certificate and no password. A first connection after a
// profile change that fails falls back to the previous profile.
func (s *secState) dialSec(ctx context.Context, cfg *Config, v ocpp.Version, password string) (*link, error) {
	s.mu.Lock()
	profile, cert, slotURL := s.profile, s.cert, s.url
	s.mu.Unlock()
	url, tc := cfg.URL, (*tls.Config)(nil)
	if profile >= 2 {
		url = cfg.TLSURL
		tc = &tls.Config{}
		if cfg.TLS != nil {
			tc = cfg.TLS.Clone()
		}
		if profile == 3 {
			password = ""
			if cert != nil {
				tc.Certificates = []tls.Certificate{*cert}
			}
		}
	}
	if slotURL != "" {
		url = slotURL
	}
	l, err := dialWith(ctx, dialURL(url, cfg.Identity), cfg.Identity, password, cfg.DialTimeout, v, tc)
	s.mu.Lock()
	defer s.mu.Unlock()
	if err != nil && s.trying {
		s.profile, s.url, s.trying = s.fallback, s.fallbackURL, false
		return nil, fmt.Errorf("profile %d refused, back to %d: %w", profile, s.fallback, err)
	}
	if err == nil {
		s.trying = false
	}
	return l, err
}

// changeProfile answers a request to move to profile p: never down, to 3
// only with a client certificate, to 2 or 3 only with a TLS URL.
func (s *secState) changeProfile(cfg *Config, value string) bool {
	p, err := strconv.Atoi(value)
	s.mu.Lock()
	defer s.mu.Unlock()
	if err != nil || p < s.profile || p > 3 || (p >= 2 && cfg.TLSURL == "") || (p == 3 && s.cert == nil) {
		return false
	}
	s.fallback, s.fallbackURL, s.profile, s.trying = s.profile, s.url, p, true
	return true
}

// newCSR makes a key and a CSR naming identity, keeping the key until its
// certificate arrives.
func (s *secState) newCSR(identity string) (string, error) {
	key, csr, err := p256CSR(identity)
	if err != nil {
		return "", err
	}
	s.mu.Lock()
	s.pending = key
	s.mu.Unlock()
	return csr, nil
}

// p256CSR makes a P-256 key and a PEM CSR naming identity.
func p256CSR(identity string) (*ecdsa.PrivateKey, string, error) {
	key, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		return nil, "", err
	}
	der, err := x509.CreateCertificateRequest(rand.Reader, &x509.CertificateRequest{
		Subject: pkix.Name{CommonName: identity, Organization: []string{"Volt simulator"}}}, key)
	if err != nil {
		return nil, "", err
	}
	return key, string(pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE REQUEST", Bytes: der})), nil
}

// installSigned takes a CertificateSigned chain: accepted when its leaf is
// for the pending key.
func (s *secState) installSigned(chainPEM string) error {
	var chain [][]byte
	rest := []byte(chainPEM)
	for {
		var b *pem.Block
		if b, rest = pem.Decode(rest); b == nil {
			break
		}
		chain = append(chain, b.Bytes)
	}
	if len(chain) == 0 {
		return errors.New("no certificate")
	}
	leaf, err := x509.ParseCertificate(chain[0])
	if err != nil {
		return err
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	pub, ok := leaf.PublicKey.(*ecdsa.PublicKey)
	if s.pending == nil || !ok || !pub.Equal(&s.pending.PublicKey) {
		return errors.New("certificate is not for the pending key")
	}
	s.cert = &tls.Certificate{Certificate: chain, PrivateKey: s.pending, Leaf: leaf}
	s.pending = nil
	return nil
}

// dialWith is dialVersion over TLS when tc is set.
func dialWith(ctx context.Context, rawURL, identity, password string, timeout time.Duration, v ocpp.Version, tc *tls.Config) (*link, error) {
	return dialConfig(ctx, rawURL, identity, password, timeout, v, func(d *websocket.Dialer) { d.TLSClientConfig = tc })
}

// --- OCPP 1.6 security extension ---

// SecurityProfile returns the profile the charger connects with.
func (c *Charger) SecurityProfile() int { return c.sec.SecurityProfile() }

// HasCertificate reports whether the charger holds a client certificate.
func (c *Charger) HasCertificate() bool { return c.sec.HasCertificate() }

func (c *Charger) onSecurityProfile(value string) (any, func(context.Context)) {
	if !c.sec.changeProfile(&c.cfg, value) {
		return &v16.ChangeConfigurationResponse{Status: v16.ConfigurationStatusRejected}, nil
	}
	c.mu.Lock()
	if k := c.keys["SecurityProfile"]; k != nil {
		k.value = value
	}
	c.mu.Unlock()
	return &v16.ChangeConfigurationResponse{Status: v16.ConfigurationStatusAccepted}, func(context.Context) { c.Disconnect() }
}

// triggerSignCertificate sends SignCertificate with a fresh CSR
// (ExtendedTriggerMessage SignChargePointCertificate).
func (c *Charger) triggerSignCertificate(context.Context) {
	csr, err := c.sec.newCSR(c.cfg.Identity)
	if err != nil {
		c.cfg.Logger.Error("sim: csr", "err", err)
		return
	}
	c.send(v16.ActionSignCertificate, &v16.SignCertificateRequest{CSR: csr})
}

func (c *Charger) onCertificateSigned(r any) (any, func(context.Context)) {
	req := r.(*v16.CertificateSignedRequest)
	if err := c.sec.installSigned(req.CertificateChain); err != nil {
		c.emit(Event{Kind: EventReceived, Action: v16.ActionCertificateSigned, Detail: "rejected: " + err.Error()})
		return &v16.CertificateSignedResponse{Status: v16.CertificateSignedStatusRejected}, nil
	}
	return &v16.CertificateSignedResponse{Status: v16.CertificateSignedStatusAccepted}, nil
}

// --- OCPP 2.0.1 A02/A03 ---

// SecurityProfile returns the profile the station connects with.
func (c *Charger2) SecurityProfile() int { return c.sec.SecurityProfile() }

// HasCertificate reports whether the station holds a client certificate.
func (c *Charger2) HasCertificate() bool { return c.sec.HasCertificate() }

// UseSecurityProfile moves the station to profile p from its next
// connection and reconnects, as SetNetworkProfile, NetworkConfigurationPriority
// and Reset do (A05) when a test wants the station to move on its own.
func (c *Charger2) UseSecurityProfile(p int) bool {
	if !c.sec.changeProfile(&c.cfg, strconv.Itoa(p)) {
		return false
	}
	c.Disconnect()
	return true
}

// keyNetworkPriority is the order in which the station tries its network
// connection profile slots.
const keyNetworkPriority = "OCPPCommCtrlr/NetworkConfigurationPriority"

// onSetNetworkProfile stores a connection profile in a slot (B09, A05):
// refused for the slot in use, for another OCPP version or transport, for a
// lower profile than the current one (no downgrade), for profile 2 or 3
// without a wss URL, and for profile 3 without a client certificate.
func (c *Charger2) onSetNetworkProfile(r *v201.SetNetworkProfileRequest) (any, func(context.Context)) {
	c.mu.Lock()
	active := -1
	if slots := parseSlotList(c.vars[keyNetworkPriority]); len(slots) > 0 {
		active = slots[0]
	}
	c.mu.Unlock()
	d := r.ConnectionData
	s := &c.sec
	s.mu.Lock()
	defer s.mu.Unlock()
	wss := strings.HasPrefix(d.OcppCsmsURL, "wss://")
	if r.ConfigurationSlot == active || r.ConfigurationSlot < 0 || d.OcppVersion != v201.OCPPVersionEnumOCPP20 ||
		d.OcppTransport != v201.OCPPTransportEnumJSON || d.SecurityProfile < s.profile || d.SecurityProfile > 3 ||
		(d.SecurityProfile >= 2) != wss || (d.SecurityProfile == 3 && s.cert == nil) {
		return &v201.SetNetworkProfileResponse{Status: v201.SetNetworkProfileStatusEnumRejected}, nil
	}
	s.slots[r.ConfigurationSlot] = netSlot{profile: d.SecurityProfile, url: d.OcppCsmsURL}
	return &v201.SetNetworkProfileResponse{Status: v201.SetNetworkProfileStatusEnumAccepted}, nil
}

// validPriority reports whether a NetworkConfigurationPriority value lists
// only slots holding a profile, each once.
func (s *secState) validPriority(v string) bool {
	slots := parseSlotList(v)
	if len(slots) == 0 || len(slots) != len(strings.Split(v, ",")) {
		return false
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	seen := map[int]bool{}
	for _, n := range slots {
		if _, ok := s.slots[n]; !ok || seen[n] {
			return false
		}
		seen[n] = true
	}
	return true
}

// applyPriority is what a reboot does with NetworkConfigurationPriority:
// the station connects with the first slot's profile, falling back to the
// one it had when that first connection fails (A05.FR.07).
func (s *secState) applyPriority(v string) {
	slots := parseSlotList(v)
	if len(slots) == 0 {
		return
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	n, ok := s.slots[slots[0]]
	if !ok || (n.profile == s.profile && n.url == s.url) {
		return
	}
	s.fallback, s.fallbackURL, s.trying = s.profile, s.url, true
	s.profile, s.url = n.profile, n.url
}

// parseSlotList reads "1,0" as slot numbers, stopping at the first that
// is not one.
func parseSlotList(v string) []int {
	var out []int
	for _, f := range strings.Split(v, ",") {
		n, err := strconv.Atoi(strings.TrimSpace(f))
		if err != nil || n < 0 {
			break
		}
		out = append(out, n)
	}
	return out
}

func (c *Charger2) triggerSignCertificate() {
	csr, err := c.sec.newCSR(c.cfg.Identity)
	if err != nil {
		return
	}
	c.mu.Lock()
	defer c.mu.Unlock()
	c.enqueueLocked(&item2{action: v201.ActionSignCertificate, payload: &v201.SignCertificateRequest{Csr: csr,
		CertificateType: v201.CertificateSigningUseEnumChargingStationCertificate}})
}

func (c *Charger2) onCertificateSigned(r *v201.CertificateSignedRequest) (any, func(context.Context)) {
	install := c.sec.installSigned
	if r.CertificateType == v201.CertificateSigningUseEnumV2GCertificate {
		install = c.sec.installSECC
	}
	if err := install(r.CertificateChain); err != nil {
		return &v201.CertificateSignedResponse{Status: v201.CertificateSignedStatusEnumRejected}, nil
	}
	return &v201.CertificateSignedResponse{Status: v201.CertificateSignedStatusEnumAccepted}, nil
}

// --- Plug & Charge (OCPP 2.0.1 C07) ---

// ErrContractRefused is returned by PlugAndCharge when the central system
// does not accept the contract certificate or the eMAID.
var ErrContractRefused = errors.New("sim: contract refused")

// PlugAndCharge plugs in a vehicle that presents a contract certificate
// for emaid at EVSE n: Authorize with the chain (certificatePEM) or its OCSP
// hash data, then, when accepted, the transaction starts with the eMAID
// token.
func (c *Charger2) PlugAndCharge(ctx context.Context, n int, emaid, certificatePEM string, hashData []v201.OCSPRequestData) error {
	tok := v201.IDToken{IDToken: emaid, Type: v201.IDTokenEnumEMAID}
	req := &v201.AuthorizeRequest{IDToken: tok, Certificate: certificatePEM, Iso15118CertificateHashData: hashData}
	var ar v201.AuthorizeResponse
	if err := c.callAndWait(ctx, v201.ActionAuthorize, req, &ar); err != nil {
		return err
	}
	if ar.CertificateStatus != v201.AuthorizeCertificateStatusEnumAccepted || ar.IDTokenInfo.Status != v201.AuthorizationStatusEnumAccepted {
		return fmt.Errorf("%s: %s/%s: %w", emaid, ar.CertificateStatus, ar.IDTokenInfo.Status, ErrContractRefused)
	}
	return c.start(n, tok, v201.TriggerReasonEnumAuthorized, nil)
}

// Get15118EVCertificate relays a vehicle's contract certificate
// installation or update request (EXI, base64) as the station does (OCPP
// 2.0.1 M01/M02) and returns the central system's status and EXI answer.
func (c *Charger2) Get15118EVCertificate(ctx context.Context, schemaVersion, action, exiRequest string) (status, exiResponse string, err error) {
	req := &v201.Get15118EVCertificateRequest{Iso15118SchemaVersion: schemaVersion,
		Action: v201.CertificateActionEnum(action), ExiRequest: exiRequest}
	var res v201.Get15118EVCertificateResponse
	if err := c.callAndWait(ctx, v201.ActionGet15118EVCertificate, req, &res); err != nil {
		return "", "", err
	}
	return string(res.Status), res.ExiResponse, nil
}
