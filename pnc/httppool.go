package pnc

import (
	"bytes"
	"context"
	"crypto/tls"
	"crypto/x509"
	"encoding/base64"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/url"
	"os"
	"strings"
	"sync"
	"time"

	"github.com/volt-ev/volt"
)

// A contract certificate pool over HTTPS (issue 18). Deployments do not
// decode the vehicle's EXI: the station's exiRequest (base64, untouched) is
// posted to the eMSP's or the PKI's contract certificate pool /
// provisioning service, which answers with the CertificateInstallationRes
// (or CertificateUpdateRes) EXI, base64, that goes back to the station as
// is. The JSON this client speaks follows the common shape of those
// services (Hubject's and the Open Plug&Charge Protocol's certificate
// installation APIs): the request carries the base64 EXI, the ISO 15118
// message-definition namespace of the EXI (xsdMsgDefNamespace) and the
// action; the answer a status and the base64 EXI response.
//
//	POST {URL}
//	Authorization: Bearer <token>
//	{"exiRequest": "<base64>", "xsdMsgDefNamespace": "urn:iso:15118:2:2013:MsgDef",
//	 "iso15118SchemaVersion": "<as the station sent it>", "action": "Install"}
//
//	200 {"status": "Accepted", "exiResponse": "<base64>"}
//
// "Failed" with an exiResponse is a 15118 failure the vehicle must read
// (relayed, status Failed); any other answer (a non-2xx status, a slow
// pool, JSON that is not this) is an error: the station gets Failed and the
// reason is logged by the gateway.

// Installer answers a vehicle's contract certificate installation or update
// (Get15118EVCertificate, OCPP 2.0.1 M01/M02 and the 1.6 extension): *Pool
// in process, *HTTPPool over HTTPS.
type Installer interface {
	Get15118EVCertificate(ctx context.Context, schemaVersion, action, exiRequest string) (status, exiResponse string, err error)
}

var (
	_ Installer = (*Pool)(nil)
	_ Installer = (*HTTPPool)(nil)
)

// Composite is a volt.ContractProvider that checks contracts (Authorize,
// GetCertificateStatus) with Contracts (OCSP, Local) and relays
// Get15118EVCertificate to Installer (a contract certificate pool). Without
// Contracts, no certificate is accepted (NoCertificateAvailable) and
// GetCertificateStatus Fails; without Installer, every installation Fails.
type Composite struct {
	Contracts volt.ContractProvider
	Installer Installer
}

var _ volt.ContractProvider = Composite{}

// CheckContract implements volt.ContractProvider through Contracts.
func (c Composite) CheckContract(ctx context.Context, check volt.ContractCheck) (volt.ContractCertificateStatus, error) {
	if c.Contracts == nil {
		return volt.ContractNoCertificate, nil
	}
	return c.Contracts.CheckContract(ctx, check)
}

// Get15118EVCertificate implements volt.ContractProvider through Installer.
func (c Composite) Get15118EVCertificate(ctx context.Context, schemaVersion, action, exiRequest string) (string, string, error) {
	if c.Installer == nil {
		return "Failed", "", nil
	}
	return c.Installer.Get15118EVCertificate(ctx, schemaVersion, action, exiRequest)
}

// CertificateStatus implements volt.ContractProvider through Contracts: an
// OCSP request goes to the certificate's responder, not to the pool.
func (c Composite) CertificateStatus(ctx context.Context, h volt.ContractHashData) (string, string, error) {
	if c.Contracts == nil {
		return "Failed", "", nil
	}
	return c.Contracts.CertificateStatus(ctx, h)
}

// ISO 15118 message-definition namespaces a pool is told the EXI is in.
const (
	Namespace15118_2  = "urn:iso:15118:2:2013:MsgDef"
	Namespace15118_20 = "urn:iso:15118:20:2020:MsgDef"
)

// MsgDefNamespace maps the station's iso15118SchemaVersion to the
// namespace pools expect: -2 (2013) or -20 (2020) when it names one of
// them, as sent otherwise.
func MsgDefNamespace(schemaVersion string) string {
	v := strings.ToLower(strings.TrimSpace(schemaVersion))
	switch {
	case strings.Contains(v, "15118:2:2013"):
		return Namespace15118_2
	case strings.Contains(v, "15118:-20") || strings.Contains(v, "15118:20"):
		return Namespace15118_20
	}
	return strings.TrimSpace(schemaVersion)
}

// Pool call limits.
const (
	// DefaultPoolTimeout bounds a whole relay (a retry included), well
	// under the 30 s or more stations wait for a CALL's answer.
	DefaultPoolTimeout = 10 * time.Second
	// MaxEXIResponse is the longest exiResponse OCPP 2.0.1 carries.
	MaxEXIResponse = 7500
	maxPoolAnswer  = 64 << 10
)

// ErrPool wraps every reason an HTTPPool call failed.
var ErrPool = errors.New("pnc: contract certificate pool")

// TokenSource gives the bearer token of a pool call. Invalidate drops a
// cached token the pool refused (401), so the next Token fetches a new one.
type TokenSource interface {
	Token(ctx context.Context) (string, error)
	Invalidate()
}

// StaticToken is a fixed bearer token; a refusal cannot be mended.
type StaticToken string

// Token implements TokenSource.
func (s StaticToken) Token(context.Context) (string, error) { return string(s), nil }

// Invalidate implements TokenSource: a fixed token stays.
func (StaticToken) Invalidate() {}

// HTTPPool relays Get15118EVCertificate to a contract certificate pool over
// HTTPS (see the shape above). Safe for concurrent use.
type HTTPPool struct {
	// URL is the pool's installation endpoint: https, or http to a
	// loopback address (a lab pool on the same machine).
	URL string
	// Client carries the TLS set-up (client certificate, roots); default
	// a plain client. Its own Timeout, if any, also applies; redirects are
	// never followed.
	Client *http.Client
	// Auth gives the bearer token; nil sends none (mutual TLS only).
	Auth TokenSource
	// Timeout bounds the whole call, a retry included; default
	// DefaultPoolTimeout.
	Timeout time.Duration
}

type poolRequest struct {
	EXIRequest         string `json:"exiRequest"`
	XSDMsgDefNamespace string `json:"xsdMsgDefNamespace"`
	SchemaVersion      string `json:"iso15118SchemaVersion"`
	Action             string `json:"action"`
}

type poolAnswerJSON struct {
	Status      string `json:"status"`
	EXIResponse string `json:"exiResponse"`
}

// Get15118EVCertificate implements Installer: Accepted or Failed with the
// pool's exiResponse as it sent it, or an error wrapping ErrPool (the
// station then gets Failed).
func (p *HTTPPool) Get15118EVCertificate(ctx context.Context, schemaVersion, action, exiRequest string) (string, string, error) {
	if action != "Install" && action != "Update" {
		return "", "", fmt.Errorf("%w: unknown action %q", ErrPool, action)
	}
	if _, err := base64.StdEncoding.DecodeString(exiRequest); err != nil || exiRequest == "" {
		return "", "", fmt.Errorf("%w: the station's exiRequest is not base64", ErrPool)
	}
	body, err := json.Marshal(poolRequest{EXIRequest: exiRequest, XSDMsgDefNamespace: MsgDefNamespace(schemaVersion),
		SchemaVersion: schemaVersion, Action: action})
	if err != nil {
		return "", "", fmt.Errorf("%w: %w", ErrPool, err)
	}
	timeout := p.Timeout
	if timeout <= 0 {
		timeout = DefaultPoolTimeout
	}
	ctx, cancel := context.WithTimeout(ctx, timeout)
	defer cancel()
	var ans poolAnswerJSON
	// Two tries at most, and a second only where it is safe: the first
	// never reached the pool (refused connection), or the pool refused our
	// token before doing anything (401) and a fresh one can be had.
	for try := 0; ; try++ {
		retry, err := p.post(ctx, body, &ans)
		if err == nil {
			break
		}
		if !retry || try > 0 || ctx.Err() != nil {
			return "", "", err
		}
	}
	switch {
	case strings.EqualFold(ans.Status, "Accepted"):
		ans.Status = "Accepted"
		if ans.EXIResponse == "" {
			return "", "", fmt.Errorf("%w: Accepted without an exiResponse", ErrPool)
		}
	case strings.EqualFold(ans.Status, "Failed"):
		ans.Status = "Failed"
	default:
		return "", "", fmt.Errorf("%w: unknown status %q", ErrPool, ans.Status)
	}
	if len(ans.EXIResponse) > MaxEXIResponse {
		return "", "", fmt.Errorf("%w: exiResponse of %d characters, OCPP carries %d", ErrPool, len(ans.EXIResponse), MaxEXIResponse)
	}
	if _, err := base64.StdEncoding.DecodeString(ans.EXIResponse); err != nil {
		return "", "", fmt.Errorf("%w: exiResponse is not base64", ErrPool)
	}
	return ans.Status, ans.EXIResponse, nil
}

// post makes one call; retry says a second try is safe.
func (p *HTTPPool) post(ctx context.Context, body []byte, out *poolAnswerJSON) (retry bool, err error) {
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, p.URL, bytes.NewReader(body))
	if err != nil {
		return false, fmt.Errorf("%w: %w", ErrPool, err)
	}
	req.Header.Set("Content-Type", "application/json")
	req.Header.Set("Accept", "application/json")
	if p.Auth != nil {
		tok, err := p.Auth.Token(ctx)
		if err != nil {
			return false, fmt.Errorf("%w: token: %w", ErrPool, err)
		}
		req.Header.Set("Authorization", "Bearer "+tok)
	}
	hc := http.Client{}
	if p.Client != nil {
		hc = *p.Client
	}
	// A pool's answer is its own or none: a redirect is not followed.
	hc.CheckRedirect = func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }
	res, err := hc.Do(req)
	if err != nil {
		return notSent(err), fmt.Errorf("%w: %w", ErrPool, err)
	}
	defer res.Body.Close()
	b, err := io.ReadAll(io.LimitReader(res.Body, maxPoolAnswer+1))
	if err != nil {
		return false, fmt.Errorf("%w: read answer: %w", ErrPool, err)
	}
	if res.StatusCode == http.StatusUnauthorized && p.Auth != nil {
		p.Auth.Invalidate()
		_, static := p.Auth.(StaticToken)
		return !static, fmt.Errorf("%w: token refused (401)", ErrPool)
	}
	if res.StatusCode < 200 || res.StatusCode > 299 {
		return false, fmt.Errorf("%w: answered %d: %s", ErrPool, res.StatusCode, snippet(b))
	}
	if len(b) > maxPoolAnswer {
		return false, fmt.Errorf("%w: answer over %d bytes", ErrPool, maxPoolAnswer)
	}
	if err := json.Unmarshal(b, out); err != nil {
		return false, fmt.Errorf("%w: answer is not the expected JSON: %w", ErrPool, err)
	}
	return false, nil
}

// notSent reports whether err happened before the request could reach the
// server (the connection was never made), so repeating it is safe.
func notSent(err error) bool {
	var op *net.OpError
	return errors.As(err, &op) && op.Op == "dial" && !errors.Is(err, context.DeadlineExceeded)
}

func snippet(b []byte) string {
	s := strings.TrimSpace(string(b))
	if len(s) > 200 {
		s = s[:200] + "…"
	}
	return strings.ToValidUTF8(strings.Map(func(r rune) rune {
		if r < 0x20 {
			return ' '
		}
		return r
	}, s), "?")
}

// ClientCredentials is an OAuth 2.0 client-credentials grant (RFC 6749
// §4.4): a token from TokenURL for ClientID and ClientSecret (HTTP Basic),
// cached until shortly before it expires.
type ClientCredentials struct {
	TokenURL     string
	ClientID     string
	ClientSecret string
	Scope        string // space-separated; empty: none asked
	// Client makes the token call (same TLS as the pool's, typically);
	// default http.DefaultClient.
	Client *http.Client
	// Now is the clock; default time.Now.
	Now func() time.Time

	mu      sync.Mutex
	token   string
	expires time.Time
}

// Token implements TokenSource.
func (c *ClientCredentials) Token(ctx context.Context) (string, error) {
	now := time.Now
	if c.Now != nil {
		now = c.Now
	}
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.token != "" && now().Before(c.expires) {
		return c.token, nil
	}
	form := url.Values{"grant_type": {"client_credentials"}}
	if c.Scope != "" {
		form.Set("scope", c.Scope)
	}
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, c.TokenURL, strings.NewReader(form.Encode()))
	if err != nil {
		return "", err
	}
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	req.Header.Set("Accept", "application/json")
	req.SetBasicAuth(url.QueryEscape(c.ClientID), url.QueryEscape(c.ClientSecret))
	hc := c.Client
	if hc == nil {
		hc = http.DefaultClient
	}
	res, err := hc.Do(req)
	if err != nil {
		return "", err
	}
	defer res.Body.Close()
	b, err := io.ReadAll(io.LimitReader(res.Body, maxPoolAnswer))
	if err != nil {
		return "", err
	}
	if res.StatusCode != http.StatusOK {
		return "", fmt.Errorf("token endpoint answered %d: %s", res.StatusCode, snippet(b))
	}
	var t struct {
		AccessToken string `json:"access_token"`
		TokenType   string `json:"token_type"`
		ExpiresIn   int64  `json:"expires_in"`
	}
	if err := json.Unmarshal(b, &t); err != nil || t.AccessToken == "" {
		return "", errors.New("token endpoint answered no access_token")
	}
	if t.TokenType != "" && !strings.EqualFold(t.TokenType, "bearer") {
		return "", fmt.Errorf("token endpoint gave a %q token, not bearer", t.TokenType)
	}
	life := time.Duration(t.ExpiresIn) * time.Second
	if t.ExpiresIn <= 0 {
		life = 5 * time.Minute
	}
	// Renew a little early so a token does not expire on its way.
	c.token, c.expires = t.AccessToken, now().Add(life-min(30*time.Second, life/10))
	return c.token, nil
}

// Invalidate implements TokenSource.
func (c *ClientCredentials) Invalidate() {
	c.mu.Lock()
	c.token = ""
	c.mu.Unlock()
}

// PoolTLS is the TLS a pool client uses: a client certificate (mutual TLS)
// and the roots the pool's server certificate must chain to (default: the
// system's).
type PoolTLS struct {
	CertFile, KeyFile string // PEM client certificate (then its issuers) and key; both or neither
	CAFile            string // PEM roots; empty: the system's
}

// Client returns an HTTP client with that TLS, no redirects followed (a
// pool's answer is its own or none) and timeout on the whole call.
func (t PoolTLS) Client(timeout time.Duration) (*http.Client, error) {
	cfg := &tls.Config{MinVersion: tls.VersionTLS12}
	if (t.CertFile == "") != (t.KeyFile == "") {
		return nil, errors.New("pnc: a pool client certificate needs both its certificate and key files")
	}
	if t.CertFile != "" {
		pair, err := tls.LoadX509KeyPair(t.CertFile, t.KeyFile)
		if err != nil {
			return nil, fmt.Errorf("pnc: pool client certificate: %w", err)
		}
		cfg.Certificates = []tls.Certificate{pair}
	}
	if t.CAFile != "" {
		b, err := os.ReadFile(t.CAFile)
		if err != nil {
			return nil, fmt.Errorf("pnc: pool CA file: %w", err)
		}
		roots := x509.NewCertPool()
		if !roots.AppendCertsFromPEM(b) {
			return nil, fmt.Errorf("pnc: pool CA file %s holds no PEM certificate", t.CAFile)
		}
		cfg.RootCAs = roots
	}
	tr := http.DefaultTransport.(*http.Transport).Clone()
	tr.TLSClientConfig = cfg
	tr.Proxy = http.ProxyFromEnvironment
	return &http.Client{Transport: tr, Timeout: timeout,
		CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}, nil
}

// CheckPoolURL accepts an https URL, or http to a loopback address.
func CheckPoolURL(raw string) error {
	u, err := url.Parse(raw)
	if err != nil {
		return fmt.Errorf("pnc: pool URL: %w", err)
	}
	switch u.Scheme {
	case "https":
	case "http":
		host := u.Hostname()
		ip := net.ParseIP(host)
		if host != "localhost" && (ip == nil || !ip.IsLoopback()) {
			return fmt.Errorf("pnc: pool URL %s: http only to a loopback address; use https", raw)
		}
	default:
		return fmt.Errorf("pnc: pool URL %q: want https://", raw)
	}
	if u.Host == "" {
		return fmt.Errorf("pnc: pool URL %q has no host", raw)
	}
	return nil
}
