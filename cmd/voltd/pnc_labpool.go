package main

import (
	"context"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/pem"
	"errors"
	"flag"
	"fmt"
	"io"
	"log/slog"
	"math/big"
	"net"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"time"

	"github.com/volt-ev/volt"
	"github.com/volt-ev/volt/pnc"
)

// `voltd pnc-pool` (issue 18): a lab and demo contract certificate pool,
// the in-process pnc.Pool served over the HTTP shape voltd relays
// Get15118EVCertificate to (VOLT_PNC_POOL_URL). It speaks pnc.TestEXI,
// JSON standing in for EXI: it is a TEST pool for the simulator and
// tests, no real vehicle can use it. Each --contract PCID=EMAID gets a
// contract certificate from a throwaway MO sub-CA under a throwaway V2G
// root, made at start; --out writes that root and sub-CA so a lab voltd
// can trust them (VOLT_PNC_V2G_ROOTS_FILE).

type contractFlags []string

func (c *contractFlags) String() string { return strings.Join(*c, ",") }

func (c *contractFlags) Set(v string) error {
	pcid, emaid, ok := strings.Cut(v, "=")
	if !ok || pcid == "" {
		return fmt.Errorf("want PCID=EMAID, got %q", v)
	}
	if _, ok := volt.NormalizeEMAID(emaid); !ok {
		return fmt.Errorf("%q is not an eMAID", emaid)
	}
	*c = append(*c, v)
	return nil
}

func runPnCPool(ctx context.Context, args []string, getenv func(string) string, stdout, stderr io.Writer) error {
	fs := flag.NewFlagSet("voltd pnc-pool", flag.ContinueOnError)
	fs.SetOutput(stderr)
	addr := fs.String("addr", "127.0.0.1:9470", "listen address; plain HTTP, so loopback only unless --tls-cert is given")
	token := fs.String("token", getenv("VOLT_PNC_POOL_TOKEN"), "bearer token callers must send (default VOLT_PNC_POOL_TOKEN); empty: none")
	certFile := fs.String("tls-cert", "", "PEM server certificate: serve HTTPS")
	keyFile := fs.String("tls-key", "", "its PEM key")
	out := fs.String("out", "", "folder to write the throwaway V2G root (v2g-root.pem) and MO sub-CA (mo-sub-ca.pem) into")
	var contracts contractFlags
	fs.Var(&contracts, "contract", "PCID=EMAID: a contract for the vehicle whose provisioning certificate names PCID (repeatable)")
	fs.Usage = func() {
		fmt.Fprintln(stderr, "usage: voltd pnc-pool [flags]\n\nA TEST contract certificate pool speaking pnc.TestEXI (JSON, not ISO 15118 EXI): for labs, demos and the simulator.")
		fs.PrintDefaults()
	}
	if err := fs.Parse(args); err != nil {
		return errUsage
	}
	if (*certFile == "") != (*keyFile == "") {
		return errors.New("pnc-pool: --tls-cert and --tls-key go together")
	}
	if *certFile == "" {
		host, _, err := net.SplitHostPort(*addr)
		if ip := net.ParseIP(host); err != nil || (host != "localhost" && (ip == nil || !ip.IsLoopback())) {
			return fmt.Errorf("pnc-pool: plain HTTP on %s: only on a loopback address; give --tls-cert and --tls-key", *addr)
		}
	}
	lab, err := newLabPKI()
	if err != nil {
		return err
	}
	pool := pnc.NewPool(pnc.TestEXI{})
	for _, c := range contracts {
		pcid, emaid, _ := strings.Cut(c, "=")
		pc, err := lab.contract(emaid)
		if err != nil {
			return err
		}
		if err := pool.Add(pcid, pc); err != nil {
			return err
		}
	}
	if *out != "" {
		for name, cert := range map[string]*x509.Certificate{"v2g-root.pem": lab.root, "mo-sub-ca.pem": lab.sub} {
			if err := os.WriteFile(filepath.Join(*out, name), pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: cert.Raw}), 0o644); err != nil {
				return fmt.Errorf("pnc-pool: --out: %w", err)
			}
		}
	}
	l, err := net.Listen("tcp", *addr)
	if err != nil {
		return fmt.Errorf("pnc-pool: %w", err)
	}
	log := slog.New(slog.NewTextHandler(stderr, nil))
	srv := &http.Server{Handler: &pnc.PoolHandler{Installer: pool, Token: *token, Log: log}, ReadHeaderTimeout: 10 * time.Second}
	scheme := "http"
	if *certFile != "" {
		scheme = "https"
	}
	fmt.Fprintf(stdout, "pnc-pool: TEST pool (pnc.TestEXI, not ISO 15118 EXI) with %d contract(s) at %s://%s/\n", len(contracts), scheme, l.Addr())
	errc := make(chan error, 1)
	go func() {
		if *certFile != "" {
			errc <- srv.ServeTLS(l, *certFile, *keyFile)
		} else {
			errc <- srv.Serve(l)
		}
	}()
	select {
	case err := <-errc:
		return fmt.Errorf("pnc-pool: %w", err)
	case <-ctx.Done():
	}
	sctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	return srv.Shutdown(sctx)
}

// labPKI is a throwaway V2G root and MO sub-CA issuing contract
// certificates.
type labPKI struct {
	root, sub *x509.Certificate
	subKey    *ecdsa.PrivateKey
}

func newLabPKI() (*labPKI, error) {
	rootKey, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		return nil, err
	}
	ca := func(cn string) *x509.Certificate {
		return &x509.Certificate{Subject: pkix.Name{CommonName: cn, Organization: []string{"Volt lab (TEST)"}},
			NotBefore: time.Now().Add(-time.Hour), NotAfter: time.Now().AddDate(2, 0, 0),
			KeyUsage: x509.KeyUsageCertSign | x509.KeyUsageCRLSign, BasicConstraintsValid: true, IsCA: true}
	}
	root, err := labSign(ca("Volt lab V2G Root (TEST)"), nil, rootKey, &rootKey.PublicKey)
	if err != nil {
		return nil, err
	}
	subKey, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		return nil, err
	}
	sub, err := labSign(ca("Volt lab MO Sub-CA (TEST)"), root, rootKey, &subKey.PublicKey)
	if err != nil {
		return nil, err
	}
	return &labPKI{root: root, sub: sub, subKey: subKey}, nil
}

// contract issues a contract certificate for emaid (its CN), valid a year.
func (p *labPKI) contract(emaid string) (pnc.PoolContract, error) {
	key, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		return pnc.PoolContract{}, err
	}
	tmpl := &x509.Certificate{Subject: pkix.Name{CommonName: emaid, Organization: []string{"Volt lab (TEST)"}},
		NotBefore: time.Now().Add(-time.Hour), NotAfter: time.Now().AddDate(1, 0, 0),
		KeyUsage: x509.KeyUsageDigitalSignature | x509.KeyUsageKeyAgreement}
	leaf, err := labSign(tmpl, p.sub, p.subKey, &key.PublicKey)
	if err != nil {
		return pnc.PoolContract{}, err
	}
	return pnc.PoolContract{Chain: []*x509.Certificate{leaf, p.sub}, Key: key}, nil
}

// labSign signs tmpl for pub by parent (self-signed when parent is nil).
func labSign(tmpl, parent *x509.Certificate, parentKey *ecdsa.PrivateKey, pub *ecdsa.PublicKey) (*x509.Certificate, error) {
	serial, err := rand.Int(rand.Reader, new(big.Int).Lsh(big.NewInt(1), 62))
	if err != nil {
		return nil, err
	}
	tmpl.SerialNumber = serial.Add(serial, big.NewInt(1))
	if parent == nil {
		parent = tmpl
	}
	der, err := x509.CreateCertificate(rand.Reader, tmpl, parent, pub, parentKey)
	if err != nil {
		return nil, fmt.Errorf("pnc-pool: issue %s: %w", tmpl.Subject.CommonName, err)
	}
	return x509.ParseCertificate(der)
}
