package pnc_test

import (
	"context"
	"crypto/tls"
	"crypto/x509"
	"encoding/base64"
	"encoding/json"
	"errors"
	"fmt"
	"net"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/volt-ev/volt"
	"github.com/volt-ev/volt/pki/pkitest"
	"github.com/volt-ev/volt/pnc"
	"github.com/volt-ev/volt/pnc/pnctest"
)

// fakePool plays a contract certificate pool's installation API: it wants
// the bearer token, reads the request and answers with answer (or what
// handle does instead).
type fakePool struct {
	t      *testing.T
	token  atomic.Value // string: the token it accepts
	calls  atomic.Int32
	mu     sync.Mutex
	got    []map[string]string
	answer func(w http.ResponseWriter, r *http.Request, req map[string]string)
}

func (f *fakePool) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	f.calls.Add(1)
	if r.Method != http.MethodPost || r.Header.Get("Content-Type") != "application/json" {
		http.Error(w, "want a JSON POST", http.StatusMethodNotAllowed)
		return
	}
	if tok, _ := f.token.Load().(string); tok != "" && r.Header.Get("Authorization") != "Bearer "+tok {
		http.Error(w, `{"error":"invalid_token"}`, http.StatusUnauthorized)
		return
	}
	var req map[string]string
	if err := json.NewDecoder(r.Body).Decode(&req); err != nil {
		http.Error(w, err.Error(), http.StatusBadRequest)
		return
	}
	f.mu.Lock()
	f.got = append(f.got, req)
	f.mu.Unlock()
	f.answer(w, r, req)
}

func (f *fakePool) last() map[string]string {
	f.mu.Lock()
	defer f.mu.Unlock()
	if len(f.got) == 0 {
		return nil
	}
	return f.got[len(f.got)-1]
}

func answerJSON(v any) func(http.ResponseWriter, *http.Request, map[string]string) {
	return func(w http.ResponseWriter, _ *http.Request, _ map[string]string) {
		w.Header().Set("Content-Type", "application/json")
		_ = json.NewEncoder(w).Encode(v)
	}
}

// startPool serves f over TLS and returns a client of it trusting the test
// server's certificate.
func startPool(t *testing.T, f *fakePool) (*httptest.Server, *pnc.HTTPPool) {
	t.Helper()
	f.t = t
	srv := httptest.NewTLSServer(f)
	t.Cleanup(srv.Close)
	return srv, &pnc.HTTPPool{URL: srv.URL + "/v1/ccp/installation", Client: srv.Client(), Auth: pnc.StaticToken("pool-secret"), Timeout: 5 * time.Second}
}

var (
	exiReq = base64.StdEncoding.EncodeToString([]byte("\x80\x98\x02 the vehicle's CertificateInstallationReq"))
	exiRes = base64.StdEncoding.EncodeToString([]byte("\x80\x98\x02 the pool's CertificateInstallationRes"))
)

// TestHTTPPoolRelays: the station's exiRequest reaches the pool untouched,
// with the namespace and action; the pool's exiResponse comes back as it
// sent it, Accepted or (a 15118 failure the vehicle must read) Failed.
func TestHTTPPoolRelays(t *testing.T) {
	f := &fakePool{answer: answerJSON(map[string]string{"status": "Accepted", "exiResponse": exiRes})}
	f.token.Store("pool-secret")
	_, p := startPool(t, f)
	ctx := context.Background()
	st, exi, err := p.Get15118EVCertificate(ctx, "urn:iso:15118:2:2013:MsgDef", "Install", exiReq)
	if err != nil || st != "Accepted" || exi != exiRes {
		t.Fatalf("got %q %q %v, want Accepted with the pool's exiResponse", st, exi, err)
	}
	got := f.last()
	if got["exiRequest"] != exiReq || got["xsdMsgDefNamespace"] != pnc.Namespace15118_2 || got["action"] != "Install" ||
		got["iso15118SchemaVersion"] != "urn:iso:15118:2:2013:MsgDef" {
		t.Fatalf("pool got %v", got)
	}
	// ISO 15118-20 as a station names it; an update.
	if _, _, err := p.Get15118EVCertificate(ctx, "urn:iso:std:iso:15118:-20:CommonMessages", "Update", exiReq); err != nil {
		t.Fatal(err)
	}
	if got := f.last(); got["xsdMsgDefNamespace"] != pnc.Namespace15118_20 || got["action"] != "Update" {
		t.Fatalf("pool got %v", got)
	}

	failed := base64.StdEncoding.EncodeToString([]byte("FAILED_NoCertificateAvailable"))
	f.answer = answerJSON(map[string]string{"status": "failed", "exiResponse": failed})
	st, exi, err = p.Get15118EVCertificate(ctx, "urn:iso:15118:2:2013:MsgDef", "Install", exiReq)
	if err != nil || st != "Failed" || exi != failed {
		t.Fatalf("got %q %q %v, want Failed with the pool's 15118 failure", st, exi, err)
	}

	// Nothing is sent for a request that is not one.
	n := f.calls.Load()
	for _, bad := range [][2]string{{"Install", ""}, {"Install", "not base64!"}, {"Remove", exiReq}} {
		if _, _, err := p.Get15118EVCertificate(ctx, "urn:iso:15118:2:2013:MsgDef", bad[0], bad[1]); !errors.Is(err, pnc.ErrPool) {
			t.Errorf("%v: err %v, want ErrPool", bad, err)
		}
	}
	if f.calls.Load() != n {
		t.Fatal("a malformed station request reached the pool")
	}
}

// TestHTTPPoolRefusals: a wrong token, a slow pool, a 5xx and answers that
// are not the API's are errors (the station gets Failed), none of them
// retried, the slow one bounded by Timeout.
func TestHTTPPoolRefusals(t *testing.T) {
	ctx := context.Background()
	t.Run("wrong token", func(t *testing.T) {
		f := &fakePool{answer: answerJSON(map[string]string{"status": "Accepted", "exiResponse": exiRes})}
		f.token.Store("the-real-one")
		_, p := startPool(t, f)
		_, _, err := p.Get15118EVCertificate(ctx, pnc.Namespace15118_2, "Install", exiReq)
		if !errors.Is(err, pnc.ErrPool) || !strings.Contains(err.Error(), "401") {
			t.Fatalf("err %v, want the refusal", err)
		}
		if f.calls.Load() != 1 {
			t.Fatalf("%d calls: a fixed token was retried", f.calls.Load())
		}
	})
	t.Run("slow pool", func(t *testing.T) {
		release := make(chan struct{})
		// The pool answers nothing until the test ends: only the caller's
		// deadline can end the call (a server that gave up on its own
		// would answer an empty 200, which is another test's failure).
		f := &fakePool{answer: func(http.ResponseWriter, *http.Request, map[string]string) { <-release }}
		srv, p := startPool(t, f)
		t.Cleanup(func() { close(release); srv.Close() })
		p.Timeout = 150 * time.Millisecond
		_, _, err := p.Get15118EVCertificate(ctx, pnc.Namespace15118_2, "Install", exiReq)
		if !errors.Is(err, pnc.ErrPool) || !errors.Is(err, context.DeadlineExceeded) {
			t.Fatalf("err %v, want the pool's deadline", err)
		}
	})
	for name, answer := range map[string]func(http.ResponseWriter, *http.Request, map[string]string){
		"5xx": func(w http.ResponseWriter, _ *http.Request, _ map[string]string) {
			http.Error(w, "upstream PKI down", http.StatusBadGateway)
		},
		"redirect": func(w http.ResponseWriter, r *http.Request, _ map[string]string) {
			http.Redirect(w, r, "/elsewhere", http.StatusTemporaryRedirect)
		},
		"not JSON":            func(w http.ResponseWriter, _ *http.Request, _ map[string]string) { fmt.Fprint(w, "<html>hi</html>") },
		"unknown status":      answerJSON(map[string]string{"status": "Pending", "exiResponse": exiRes}),
		"accepted without":    answerJSON(map[string]string{"status": "Accepted"}),
		"exiResponse garbled": answerJSON(map[string]string{"status": "Accepted", "exiResponse": "%%%"}),
		"exiResponse too long": answerJSON(map[string]string{"status": "Accepted",
			"exiResponse": base64.StdEncoding.EncodeToString(make([]byte, pnc.MaxEXIResponse))}),
	} {
		t.Run(name, func(t *testing.T) {
			f := &fakePool{answer: answer}
			_, p := startPool(t, f)
			st, exi, err := p.Get15118EVCertificate(ctx, pnc.Namespace15118_2, "Install", exiReq)
			if !errors.Is(err, pnc.ErrPool) {
				t.Fatalf("got %q %q %v, want an error", st, exi, err)
			}
			if f.calls.Load() != 1 {
				t.Fatalf("%d calls, want 1 (no retry once the pool had the request)", f.calls.Load())
			}
		})
	}
}

// TestHTTPPoolRetriesOnlyWhenSafe: a pool that cannot be reached is tried
// twice (the request never left); an OAuth token the pool refuses is
// replaced once and the call made again.
func TestHTTPPoolRetriesOnlyWhenSafe(t *testing.T) {
	ctx := context.Background()
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	addr := l.Addr().String()
	l.Close() // nothing listens there now
	var dials atomic.Int32
	tr := &http.Transport{DialContext: func(ctx context.Context, network, a string) (net.Conn, error) {
		dials.Add(1)
		return (&net.Dialer{}).DialContext(ctx, network, a)
	}}
	p := &pnc.HTTPPool{URL: "http://" + addr + "/pool", Client: &http.Client{Transport: tr}, Timeout: 5 * time.Second}
	if _, _, err := p.Get15118EVCertificate(ctx, pnc.Namespace15118_2, "Install", exiReq); !errors.Is(err, pnc.ErrPool) {
		t.Fatalf("err %v", err)
	}
	if dials.Load() != 2 {
		t.Fatalf("%d dials, want 2", dials.Load())
	}

	// OAuth 2.0 client credentials: the pool takes only the newest token.
	var issued atomic.Int32
	f := &fakePool{answer: answerJSON(map[string]string{"status": "Accepted", "exiResponse": exiRes})}
	tokens := http.NewServeMux()
	tokens.HandleFunc("POST /oauth/token", func(w http.ResponseWriter, r *http.Request) {
		id, secret, ok := r.BasicAuth()
		if !ok || id != "volt-cpo" || secret != "s3cret" || r.FormValue("grant_type") != "client_credentials" || r.FormValue("scope") != "pnc" {
			http.Error(w, `{"error":"invalid_client"}`, http.StatusUnauthorized)
			return
		}
		tok := fmt.Sprintf("token-%d", issued.Add(1))
		f.token.Store(tok)
		w.Header().Set("Content-Type", "application/json")
		fmt.Fprintf(w, `{"access_token":%q,"token_type":"Bearer","expires_in":3600}`, tok)
	})
	ts := httptest.NewTLSServer(tokens)
	defer ts.Close()
	srv, p := startPool(t, f)
	cc := &pnc.ClientCredentials{TokenURL: ts.URL + "/oauth/token", ClientID: "volt-cpo", ClientSecret: "s3cret", Scope: "pnc", Client: ts.Client()}
	p.Auth, p.Client = cc, srv.Client()
	for range 2 {
		if st, exi, err := p.Get15118EVCertificate(ctx, pnc.Namespace15118_2, "Install", exiReq); err != nil || st != "Accepted" || exi != exiRes {
			t.Fatalf("got %q %q %v", st, exi, err)
		}
	}
	if issued.Load() != 1 || f.calls.Load() != 2 {
		t.Fatalf("%d tokens for %d calls, want the one token cached", issued.Load(), f.calls.Load())
	}
	f.token.Store("rotated-by-the-pool")
	if st, _, err := p.Get15118EVCertificate(ctx, pnc.Namespace15118_2, "Install", exiReq); err != nil || st != "Accepted" {
		t.Fatalf("after the pool dropped our token: %q %v", st, err)
	}
	if issued.Load() != 2 || f.calls.Load() != 4 {
		t.Fatalf("%d tokens, %d calls: want one new token and one retry", issued.Load(), f.calls.Load())
	}
	bad := &pnc.ClientCredentials{TokenURL: ts.URL + "/oauth/token", ClientID: "volt-cpo", ClientSecret: "wrong", Client: ts.Client()}
	p.Auth = bad
	if _, _, err := p.Get15118EVCertificate(ctx, pnc.Namespace15118_2, "Install", exiReq); !errors.Is(err, pnc.ErrPool) || !strings.Contains(err.Error(), "token") {
		t.Fatalf("a refused client: %v", err)
	}
}

// TestHTTPPoolMutualTLS: PoolTLS presents the client certificate from
// files and trusts only the CA file's roots.
func TestHTTPPoolMutualTLS(t *testing.T) {
	root := pkitest.NewRoot(t, "pool test root")
	clientCA := pkitest.NewRoot(t, "pool client CA")
	dir := t.TempDir()
	write := func(name string, b []byte) string {
		p := filepath.Join(dir, name)
		if err := os.WriteFile(p, b, 0o600); err != nil {
			t.Fatal(err)
		}
		return p
	}
	clients := x509.NewCertPool()
	clients.AddCert(clientCA.Cert)
	var peer atomic.Value
	f := &fakePool{answer: func(w http.ResponseWriter, r *http.Request, req map[string]string) {
		peer.Store(r.TLS.PeerCertificates[0].Subject.CommonName)
		answerJSON(map[string]string{"status": "Accepted", "exiResponse": exiRes})(w, r, req)
	}}
	f.t = t
	srv := httptest.NewUnstartedServer(f)
	srv.TLS = &tls.Config{Certificates: []tls.Certificate{root.Server(t, pkitest.ECKey(t))}, ClientAuth: tls.RequireAndVerifyClientCert, ClientCAs: clients}
	srv.StartTLS()
	defer srv.Close()

	key := pkitest.ECKey(t)
	leaf := clientCA.Sign(t, key, "volt-csms", false, time.Now().Add(-time.Hour), time.Now().Add(time.Hour))
	certFile, keyFile := write("client.pem", pkitest.PEM(leaf)), write("client.key", pkitest.KeyPEM(t, key))
	caFile := write("ca.pem", pkitest.PEM(root.Cert))

	hc, err := pnc.PoolTLS{CertFile: certFile, KeyFile: keyFile, CAFile: caFile}.Client(5 * time.Second)
	if err != nil {
		t.Fatal(err)
	}
	p := &pnc.HTTPPool{URL: srv.URL, Client: hc}
	if st, exi, err := p.Get15118EVCertificate(context.Background(), pnc.Namespace15118_2, "Install", exiReq); err != nil || st != "Accepted" || exi != exiRes {
		t.Fatalf("got %q %q %v", st, exi, err)
	}
	if peer.Load() != "volt-csms" {
		t.Fatalf("the pool saw %v", peer.Load())
	}
	// Without the client certificate, or trusting other roots: no answer.
	for name, cfg := range map[string]pnc.PoolTLS{"no client certificate": {CAFile: caFile},
		"other roots": {CertFile: certFile, KeyFile: keyFile, CAFile: write("other.pem", pkitest.PEM(clientCA.Cert))}} {
		hc, err := cfg.Client(5 * time.Second)
		if err != nil {
			t.Fatal(err)
		}
		p := &pnc.HTTPPool{URL: srv.URL, Client: hc}
		if _, _, err := p.Get15118EVCertificate(context.Background(), pnc.Namespace15118_2, "Install", exiReq); !errors.Is(err, pnc.ErrPool) {
			t.Errorf("%s: err %v", name, err)
		}
	}
	if _, err := (pnc.PoolTLS{CertFile: certFile}).Client(time.Second); err == nil {
		t.Error("a certificate without its key was taken")
	}
}

func TestCheckPoolURL(t *testing.T) {
	for u, ok := range map[string]bool{"https://pool.example.com/v1/install": true, "http://127.0.0.1:9000/pool": true,
		"http://localhost/pool": true, "http://pool.example.com/pool": false, "ftp://pool.example.com": false, "https://": false} {
		if err := pnc.CheckPoolURL(u); (err == nil) != ok {
			t.Errorf("%s: %v", u, err)
		}
	}
}

// stubContracts is a contract provider answering fixed values.
type stubContracts struct{}

func (stubContracts) CheckContract(context.Context, volt.ContractCheck) (volt.ContractCertificateStatus, error) {
	return volt.ContractAccepted, nil
}
func (stubContracts) Get15118EVCertificate(context.Context, string, string, string) (string, string, error) {
	return "Accepted", "from-the-contracts-provider", nil
}
func (stubContracts) CertificateStatus(context.Context, volt.ContractHashData) (string, string, error) {
	return "Accepted", "ocsp", nil
}

// TestComposite: contract checks and OCSP go to Contracts, installations to
// the pool; without Contracts nothing is accepted.
func TestComposite(t *testing.T) {
	ctx := context.Background()
	f := &fakePool{answer: answerJSON(map[string]string{"status": "Accepted", "exiResponse": exiRes})}
	_, p := startPool(t, f)
	c := pnc.Composite{Contracts: stubContracts{}, Installer: p}
	if st, err := c.CheckContract(ctx, volt.ContractCheck{EMAID: "GBVOLC123456789"}); st != volt.ContractAccepted || err != nil {
		t.Fatalf("check %s %v", st, err)
	}
	if st, ocsp, _ := c.CertificateStatus(ctx, volt.ContractHashData{}); st != "Accepted" || ocsp != "ocsp" {
		t.Fatalf("status %s %s", st, ocsp)
	}
	if st, exi, err := c.Get15118EVCertificate(ctx, pnc.Namespace15118_2, "Install", exiReq); st != "Accepted" || exi != exiRes || err != nil {
		t.Fatalf("install %s %s %v", st, exi, err)
	}
	none := pnc.Composite{Installer: p}
	if st, err := none.CheckContract(ctx, volt.ContractCheck{EMAID: "GBVOLC123456789", Certificate: "x"}); st != volt.ContractNoCertificate || err != nil {
		t.Fatalf("check without contracts: %s %v", st, err)
	}
	if st, _, _ := none.CertificateStatus(ctx, volt.ContractHashData{}); st != "Failed" {
		t.Fatalf("status without contracts: %s", st)
	}
	if st, _, _ := (pnc.Composite{Contracts: stubContracts{}}).Get15118EVCertificate(ctx, pnc.Namespace15118_2, "Install", exiReq); st != "Failed" {
		t.Fatalf("install without a pool: %s", st)
	}
}

// TestPoolHandlerServesPool: the in-process Pool (test EXI) behind
// PoolHandler, reached by HTTPPool: the vehicle gets its contract and can
// decrypt the key; a vehicle without one gets the 15118 failure (Failed);
// a caller without the token and a request that is not one are refused.
func TestPoolHandlerServesPool(t *testing.T) {
	v2g := pnctest.New(t)
	oem := pnctest.NewOEM(t)
	contract := v2g.Contract(t, "GBVOLC123456789", time.Now().Add(-time.Hour), time.Now().AddDate(1, 0, 0))
	pool := pnc.NewPool(pnc.TestEXI{})
	if err := pool.Add("PCID-LAB-1", pnc.PoolContract{Chain: contract.Chain[:2], Key: contract.Key}); err != nil {
		t.Fatal(err)
	}
	srv := httptest.NewTLSServer(&pnc.PoolHandler{Installer: pool, Token: "lab-token"})
	defer srv.Close()
	p := &pnc.HTTPPool{URL: srv.URL, Client: srv.Client(), Auth: pnc.StaticToken("lab-token")}
	ctx := context.Background()

	vehicle, vehicleKey := oem.Provisioning(t, "PCID-LAB-1")
	st, exi, err := p.Get15118EVCertificate(ctx, pnc.Namespace15118_2, "Install", evRequest(t, &pnc.EVCertificateRequest{Provisioning: vehicle}))
	if err != nil || st != "Accepted" {
		t.Fatalf("install: %s %v", st, err)
	}
	res := evResponse(t, exi)
	key, err := pnc.DecryptContractKey(vehicleKey, res.DHPublicKey, res.EncryptedPrivateKey)
	if err != nil || !key.Equal(contract.Key) || res.EMAID != "GBVOLC123456789" {
		t.Fatalf("the vehicle got %s with key %v (%v)", res.EMAID, key != nil, err)
	}

	other, _ := oem.Provisioning(t, "PCID-NONE")
	st, exi, err = p.Get15118EVCertificate(ctx, pnc.Namespace15118_2, "Install", evRequest(t, &pnc.EVCertificateRequest{Provisioning: other}))
	if err != nil || st != "Failed" || evResponse(t, exi).ResponseCode != pnc.ResponseNoCertificateAvailable {
		t.Fatalf("no contract: %s %q %v", st, exi, err)
	}

	p.Auth = pnc.StaticToken("guess")
	if _, _, err := p.Get15118EVCertificate(ctx, pnc.Namespace15118_2, "Install", exiReq); !errors.Is(err, pnc.ErrPool) || !strings.Contains(err.Error(), "401") {
		t.Fatalf("wrong token: %v", err)
	}
	for _, body := range []string{`{"action":"Install"}`, `{"exiRequest":"AAAA","action":"Delete"}`, `not json`} {
		req, _ := http.NewRequest(http.MethodPost, srv.URL, strings.NewReader(body))
		req.Header.Set("Authorization", "Bearer lab-token")
		res, err := srv.Client().Do(req)
		if err != nil {
			t.Fatal(err)
		}
		res.Body.Close()
		if res.StatusCode != http.StatusBadRequest {
			t.Errorf("%s: %d, want 400", body, res.StatusCode)
		}
	}
}
