package main

import (
	"bytes"
	"context"
	"crypto/ecdsa"
	"crypto/tls"
	"crypto/x509"
	"encoding/base64"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/gorilla/websocket"
	"github.com/volt-ev/volt"
	"github.com/volt-ev/volt/internal/schematest"
	"github.com/volt-ev/volt/ocpp"
	"github.com/volt-ev/volt/pki"
	"github.com/volt-ev/volt/pki/pkitest"
	"github.com/volt-ev/volt/pnc"
	"github.com/volt-ev/volt/pnc/pnctest"
	"github.com/volt-ev/volt/sim"
	"github.com/volt-ev/volt/store/storetest"
)

// poolStub plays a contract certificate pool for voltd: it wants the
// bearer token, records what it was sent and answers a fixed exiResponse.
type poolStub struct {
	token, exiResponse string
	mu                 sync.Mutex
	got                []map[string]string
	down               bool // answer 503
}

func (p *poolStub) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	if r.Header.Get("Authorization") != "Bearer "+p.token {
		http.Error(w, "no", http.StatusUnauthorized)
		return
	}
	var req map[string]string
	if err := json.NewDecoder(r.Body).Decode(&req); err != nil {
		http.Error(w, err.Error(), http.StatusBadRequest)
		return
	}
	p.mu.Lock()
	p.got = append(p.got, req)
	down := p.down
	p.mu.Unlock()
	if down {
		http.Error(w, "upstream PKI unavailable", http.StatusServiceUnavailable)
		return
	}
	w.Header().Set("Content-Type", "application/json")
	_ = json.NewEncoder(w).Encode(map[string]string{"status": "Accepted", "exiResponse": p.exiResponse})
}

func (p *poolStub) requests() []map[string]string {
	p.mu.Lock()
	defer p.mu.Unlock()
	return append([]map[string]string(nil), p.got...)
}

// TestPnCPoolFromEnv (issue 18): voltd started with VOLT_PNC_POOL_URL,
// _TOKEN_FILE and _CA_FILE relays a 2.0.1 station's Get15118EVCertificate,
// over security profile 2, to the pool with the exiRequest untouched and
// answers Accepted with exactly the pool's exiResponse (Failed while the
// pool answers 503); a 1.6 charger's
// DataTransfer (the OCA Plug & Charge extension) goes the same way. Every
// frame is checked against the OCA schemas.
func TestPnCPoolFromEnv(t *testing.T) {
	for _, e := range storetest.Engines(t) {
		t.Run(e.Name, func(t *testing.T) { pncPoolFromEnv(t, e.DSN(t)) })
	}
}

func pncPoolFromEnv(t *testing.T, dsn string) {
	root := pkitest.NewRoot(t, "pnc pool e2e root")
	dir := t.TempDir()
	write := func(name string, b []byte) string {
		p := filepath.Join(dir, name)
		if err := os.WriteFile(p, b, 0o600); err != nil {
			t.Fatal(err)
		}
		return p
	}
	// The pool, over TLS with a certificate of root.
	stub := &poolStub{token: "pool-bearer-token", exiResponse: base64.StdEncoding.EncodeToString([]byte("\x80\x98\x02 CertificateInstallationRes from the pool"))}
	pool := httptest.NewUnstartedServer(stub)
	pool.TLS = &tls.Config{Certificates: []tls.Certificate{root.Server(t, pkitest.ECKey(t))}}
	pool.StartTLS()
	defer pool.Close()
	env := map[string]string{
		"VOLT_PNC_POOL_URL":        pool.URL + "/v1/installation",
		"VOLT_PNC_POOL_TOKEN_FILE": write("pool-token", []byte(stub.token+"\n")),
		"VOLT_PNC_POOL_CA_FILE":    write("pool-ca.pem", pkitest.PEM(root.Cert)),
		"VOLT_PNC_POOL_TIMEOUT":    "5s",
	}
	parsed, err := parseConfig("voltd", nil, func(k string) string { return env[k] })
	if err != nil {
		t.Fatal(err)
	}

	// voltd with --https (profile 2) and the pool from the environment.
	key := pkitest.ECKey(t)
	m := testMainWith(t, dsn, func(c *Config) {
		c.HTTPSAddr = "127.0.0.1:0"
		c.TLSCertFile = write("server.crt", pkitest.PEM(root.Server(t, key).Leaf))
		c.TLSKeyFile = write("server.key", pkitest.KeyPEM(t, key))
		c.SecretKey = "e2e-secret-of-32-bytes-or-so-0123"
		c.PnCPool = parsed.PnCPool
	})
	roots := x509.NewCertPool()
	roots.AddCert(root.Cert)
	tc := &tls.Config{RootCAs: roots}
	c := rootClient(t, m)
	est := newEstate(t, c, "0.45", "0.30")

	schemas := schematest.Load(t, "2.0.1")
	var (
		mu      sync.Mutex
		checked int
		bad     []string
	)
	onEvent := func(ev sim.Event) {
		if ev.Action != "Get15118EVCertificate" || (ev.Kind != sim.EventSent && ev.Kind != sim.EventReceived) {
			return
		}
		var f []json.RawMessage
		if err := json.Unmarshal(ev.Frame, &f); err != nil || len(f) < 3 {
			mu.Lock()
			bad = append(bad, fmt.Sprintf("frame %s: %v", ev.Frame, err))
			mu.Unlock()
			return
		}
		name, payload := "Get15118EVCertificateRequest", f[len(f)-1]
		if ev.Kind == sim.EventReceived {
			name = "Get15118EVCertificateResponse"
		}
		err := schemas.Validate(t, name, payload)
		mu.Lock()
		defer mu.Unlock()
		checked++
		if err != nil {
			bad = append(bad, fmt.Sprintf("%s %s: %v", name, payload, err))
		}
	}
	ctx, cancel := context.WithCancel(context.Background())
	st := sim.New2x(sim.Config{URL: "ws://" + m.Addr() + "/ocpp", TLSURL: "wss://" + m.TLSAddr() + "/ocpp", TLS: tc, SecurityProfile: 2,
		Identity: est.creds.OCPPIdentity, Password: est.creds.OCPPPassword, MinBackoff: 50 * time.Millisecond, OnEvent: onEvent}, ocpp.V201)
	done := make(chan struct{})
	go func() { defer close(done); _ = st.Run(ctx) }()
	defer func() { cancel(); <-done }()
	checkFor(t, 15*time.Second, func() error {
		if !st.Online() {
			return fmt.Errorf("station not online")
		}
		return nil
	})
	exiRequest := base64.StdEncoding.EncodeToString([]byte("\x80\x98\x02 CertificateInstallationReq of the vehicle"))
	status, exi, err := st.Get15118EVCertificate(ctx, "urn:iso:15118:2:2013:MsgDef", "Install", exiRequest)
	if err != nil || status != "Accepted" || exi != stub.exiResponse {
		t.Fatalf("Get15118EVCertificate: %q %q %v, want Accepted with the pool's exiResponse", status, exi, err)
	}
	got := stub.requests()
	if len(got) != 1 || got[0]["exiRequest"] != exiRequest || got[0]["action"] != "Install" || got[0]["xsdMsgDefNamespace"] != "urn:iso:15118:2:2013:MsgDef" {
		t.Fatalf("the pool got %v", got)
	}
	// The pool down: Failed at once (never Accepted, never a hang).
	stub.mu.Lock()
	stub.down = true
	stub.mu.Unlock()
	if status, exi, err := st.Get15118EVCertificate(ctx, "urn:iso:15118:2:2013:MsgDef", "Install", exiRequest); err != nil || status != "Failed" || exi != "" {
		t.Fatalf("pool down: %q %q %v, want Failed", status, exi, err)
	}
	stub.mu.Lock()
	stub.down, stub.got = false, nil
	stub.mu.Unlock()
	mu.Lock()
	if checked != 4 || len(bad) > 0 {
		t.Errorf("%d frames checked against the schemas, problems: %v", checked, bad)
	}
	mu.Unlock()

	// OCPP 1.6 over profile 2: DataTransfer org.openchargealliance.iso15118pnc.
	var ch16 struct{ CPID, OCPPIdentity, OCPPPassword string }
	c.must("POST", "/api/v1/chargers", map[string]any{"chargerGroupId": est.group.ID}, 201, &ch16)
	d := websocket.Dialer{TLSClientConfig: tc, Subprotocols: []string{"ocpp1.6"}, HandshakeTimeout: 5 * time.Second}
	h := http.Header{}
	h.Set("Authorization", "Basic "+base64.StdEncoding.EncodeToString([]byte(ch16.OCPPIdentity+":"+ch16.OCPPPassword)))
	ws, res, err := d.Dial("wss://"+m.TLSAddr()+"/ocpp/"+ch16.OCPPIdentity, h)
	if err != nil {
		t.Fatalf("1.6 over TLS: %v %v", err, res)
	}
	defer ws.Close()
	call := func(id, action string, payload any) json.RawMessage {
		t.Helper()
		if err := ws.WriteJSON([]any{2, id, action, payload}); err != nil {
			t.Fatal(err)
		}
		_ = ws.SetReadDeadline(time.Now().Add(10 * time.Second))
		for {
			var f []json.RawMessage
			if err := ws.ReadJSON(&f); err != nil {
				t.Fatal(err)
			}
			var typ int
			var got string
			_ = json.Unmarshal(f[0], &typ)
			_ = json.Unmarshal(f[1], &got)
			if typ == 3 && got == id {
				return f[2]
			}
			if typ == 4 && got == id {
				t.Fatalf("%s: CALLERROR %s", action, f)
			}
		}
	}
	call("b1", "BootNotification", map[string]string{"chargePointVendor": "Volt", "chargePointModel": "PnC 1.6"})
	inner, _ := json.Marshal(map[string]string{"iso15118SchemaVersion": "urn:iso:15118:2:2013:MsgDef", "action": "Update", "exiRequest": exiRequest})
	dtReq := map[string]string{"vendorId": "org.openchargealliance.iso15118pnc", "messageId": "Get15118EVCertificate", "data": string(inner)}
	schemas16 := schematest.Load(t, "1.6")
	reqJSON, _ := json.Marshal(dtReq)
	if err := schemas16.Validate(t, "DataTransfer", reqJSON); err != nil {
		t.Fatalf("our DataTransfer: %v", err)
	}
	ans := call("d1", "DataTransfer", dtReq)
	if err := schemas16.Validate(t, "DataTransferResponse", ans); err != nil {
		t.Errorf("DataTransfer answer %s: %v", ans, err)
	}
	var dt struct{ Status, Data string }
	if err := json.Unmarshal(ans, &dt); err != nil || dt.Status != "Accepted" {
		t.Fatalf("DataTransfer answer %s", ans)
	}
	if err := schemas.Validate(t, "Get15118EVCertificateResponse", []byte(dt.Data)); err != nil {
		t.Errorf("inner answer %s: %v", dt.Data, err)
	}
	var evRes struct{ Status, ExiResponse string }
	if err := json.Unmarshal([]byte(dt.Data), &evRes); err != nil || evRes.Status != "Accepted" || evRes.ExiResponse != stub.exiResponse {
		t.Fatalf("1.6 Get15118EVCertificate answer %s, want Accepted with the pool's exiResponse", dt.Data)
	}
	if got := stub.requests(); len(got) != 1 || got[0]["action"] != "Update" || got[0]["exiRequest"] != exiRequest {
		t.Fatalf("the pool got %v", got)
	}
}

// TestPnCPoolConfig: a pool URL that is not https (but to loopback), no
// credentials, both kinds of token, or a timeout stations would not wait
// for stop the start with the variable named.
func TestPnCPoolConfig(t *testing.T) {
	for _, tc := range []struct {
		env  map[string]string
		want string // "" : a pool
	}{
		{map[string]string{"VOLT_PNC_POOL_URL": "https://pool.example.com/v1", "VOLT_PNC_POOL_TOKEN": "t"}, ""},
		{map[string]string{"VOLT_PNC_POOL_URL": "http://127.0.0.1:9/v1", "VOLT_PNC_POOL_TOKEN": "t"}, ""},
		{map[string]string{"VOLT_PNC_POOL_URL": "https://pool.example.com/v1", "VOLT_PNC_POOL_TOKEN_URL": "https://auth.example.com/token",
			"VOLT_PNC_POOL_CLIENT_ID": "volt", "VOLT_PNC_POOL_CLIENT_SECRET": "s"}, ""},
		{map[string]string{"VOLT_PNC_POOL_URL": "http://pool.example.com/v1", "VOLT_PNC_POOL_TOKEN": "t"}, "VOLT_PNC_POOL_URL"},
		{map[string]string{"VOLT_PNC_POOL_URL": "https://pool.example.com/v1"}, "VOLT_PNC_POOL_URL: set a token"},
		{map[string]string{"VOLT_PNC_POOL_URL": "https://pool.example.com/v1", "VOLT_PNC_POOL_TOKEN": "t",
			"VOLT_PNC_POOL_TOKEN_URL": "https://auth.example.com/token"}, "set one"},
		{map[string]string{"VOLT_PNC_POOL_URL": "https://pool.example.com/v1", "VOLT_PNC_POOL_TOKEN_URL": "https://auth.example.com/token"},
			"VOLT_PNC_POOL_CLIENT_ID"},
		{map[string]string{"VOLT_PNC_POOL_URL": "https://pool.example.com/v1", "VOLT_PNC_POOL_TOKEN": "t", "VOLT_PNC_POOL_TIMEOUT": "45s"},
			"VOLT_PNC_POOL_TIMEOUT"},
		{map[string]string{"VOLT_PNC_POOL_URL": "https://pool.example.com/v1", "VOLT_PNC_POOL_CLIENT_CERT_FILE": "/nonexistent.pem"},
			"VOLT_PNC_POOL_CLIENT_CERT_FILE"},
	} {
		c, err := parseConfig("voltd", nil, func(k string) string { return tc.env[k] })
		if err != nil {
			t.Fatal(err)
		}
		p, err := c.PnCPool.pool()
		switch {
		case tc.want == "" && (err != nil || p == nil):
			t.Errorf("%v: %v, want a pool", tc.env, err)
		case tc.want != "" && (err == nil || !strings.Contains(err.Error(), tc.want)):
			t.Errorf("%v: %v, want an error naming %s", tc.env, err, tc.want)
		}
	}
	if p, err := (pncPoolConfig{}).pool(); p != nil || err != nil {
		t.Errorf("no URL: %v %v, want no pool", p, err)
	}
}

// TestPnCLabPool: `voltd pnc-pool` serves a TEST pool whose contracts a
// vehicle (the test EXI) installs through the HTTP relay voltd uses, with
// the token; the root it writes verifies the contract; a vehicle it has no
// contract for gets the 15118 failure; plain HTTP off loopback is refused.
func TestPnCLabPool(t *testing.T) {
	dir := t.TempDir()
	var out bytes.Buffer
	stdout := &syncWriter{w: &out}
	ctx, cancel := context.WithCancel(context.Background())
	errc := make(chan error, 1)
	go func() {
		errc <- run(ctx, []string{"pnc-pool", "--addr", "127.0.0.1:0", "--token", "lab", "--out", dir,
			"--contract", "PCID-LAB-1=GB-VOL-C12345678-9"}, func(string) string { return "" }, stdout, io.Discard)
	}()
	defer func() {
		cancel()
		if err := <-errc; err != nil {
			t.Errorf("pnc-pool: %v", err)
		}
	}()
	var url string
	checkFor(t, 10*time.Second, func() error {
		stdout.mu.Lock()
		s := out.String()
		stdout.mu.Unlock()
		i := strings.Index(s, "http://")
		if i < 0 {
			return fmt.Errorf("no address printed yet: %q", s)
		}
		url = strings.Fields(s[i:])[0]
		return nil
	})
	p := &pnc.HTTPPool{URL: url, Auth: pnc.StaticToken("lab")}
	if err := pnc.CheckPoolURL(url); err != nil {
		t.Fatal(err)
	}
	oem := pnctest.NewOEM(t)
	install := func(pcid string) (string, *pnc.EVCertificateResponse, *ecdsa.PrivateKey) {
		t.Helper()
		prov, key := oem.Provisioning(t, pcid)
		b, err := pnc.TestEXI{}.EncodeRequest(&pnc.EVCertificateRequest{Provisioning: prov})
		if err != nil {
			t.Fatal(err)
		}
		st, exi, err := p.Get15118EVCertificate(context.Background(), pnc.Namespace15118_2, "Install", base64.StdEncoding.EncodeToString(b))
		if err != nil {
			t.Fatal(err)
		}
		raw, _ := base64.StdEncoding.DecodeString(exi)
		res, err := pnc.TestEXI{}.DecodeResponse(raw)
		if err != nil {
			t.Fatal(err)
		}
		return st, res, key
	}
	st, res, key := install("PCID-LAB-1")
	if st != "Accepted" || res.EMAID != "GBVOLC123456789" || len(res.ContractChain) != 2 {
		t.Fatalf("install: %s %+v", st, res)
	}
	if _, err := pnc.DecryptContractKey(key, res.DHPublicKey, res.EncryptedPrivateKey); err != nil {
		t.Fatalf("the vehicle cannot decrypt its key: %v", err)
	}
	b, err := os.ReadFile(filepath.Join(dir, "v2g-root.pem"))
	if err != nil {
		t.Fatal(err)
	}
	roots, _ := pki.ParseCertificates(b)
	lp := pnc.NewLocal(roots...)
	if got, err := lp.CheckContract(context.Background(), volt.ContractCheck{EMAID: res.EMAID,
		Certificate: string(pkitest.PEM(res.ContractChain[0])) + string(pkitest.PEM(res.ContractChain[1]))}); err != nil || got != volt.ContractAccepted {
		t.Fatalf("the installed contract against the written root: %s %v", got, err)
	}
	if st, res, _ := install("PCID-OTHER"); st != "Failed" || res.ResponseCode != pnc.ResponseNoCertificateAvailable {
		t.Fatalf("unknown vehicle: %s %+v", st, res)
	}
	p.Auth = pnc.StaticToken("nope")
	if _, _, err := p.Get15118EVCertificate(context.Background(), pnc.Namespace15118_2, "Install", "AAAA"); err == nil || !strings.Contains(err.Error(), "401") {
		t.Fatalf("wrong token: %v", err)
	}
	if err := run(context.Background(), []string{"pnc-pool", "--addr", "0.0.0.0:0"}, func(string) string { return "" }, io.Discard, io.Discard); err == nil ||
		!strings.Contains(err.Error(), "loopback") {
		t.Fatalf("plain HTTP on every address: %v", err)
	}
}
