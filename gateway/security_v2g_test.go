package gateway

import (
	"context"
	"crypto/tls"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/base64"
	"encoding/json"
	"testing"
	"time"

	"github.com/gorilla/websocket"
	volt "github.com/volt-ev/volt"
	"github.com/volt-ev/volt/pki"
	"github.com/volt-ev/volt/pki/pkitest"
)

// v2gPKI is a V2G root and the CPO sub-CA Volt signs SECC certificates with.
func v2gPKI(t *testing.T) (*pki.V2GCA, *x509.Certificate) {
	t.Helper()
	root := pkitest.NewRoot(t, "V2G Root (test)")
	sub := root.SubCA(t, "CPO Sub-CA (test)")
	ca, err := pki.LoadV2GCA(append(pkitest.PEM(sub.Cert), pkitest.PEM(root.Cert)...), pkitest.KeyPEM(t, sub.Key))
	if err != nil {
		t.Fatal(err)
	}
	return ca, root.Cert
}

// checkV2GChain: the chain is a leaf for identity under the V2G root, not
// the CSMS CA.
func checkV2GChain(t *testing.T, chainPEM, identity string, v2gRoot *x509.Certificate, csms *pki.CA) {
	t.Helper()
	chain, err := pki.ParseCertificates([]byte(chainPEM))
	if err != nil || len(chain) < 2 {
		t.Fatalf("V2G chain: %d certificates, %v", len(chain), err)
	}
	inter := x509.NewCertPool()
	for _, c := range chain[1:] {
		inter.AddCert(c)
	}
	for _, tc := range []struct {
		root *x509.Certificate
		want bool
	}{{v2gRoot, true}, {csms.Certificate(), false}} {
		roots := x509.NewCertPool()
		roots.AddCert(tc.root)
		_, err := chain[0].Verify(x509.VerifyOptions{Roots: roots, Intermediates: inter, KeyUsages: []x509.ExtKeyUsage{x509.ExtKeyUsageAny}})
		if (err == nil) != tc.want {
			t.Fatalf("the SECC certificate chains to %q: %v, want %v", tc.root.Subject.CommonName, err == nil, tc.want)
		}
	}
	if chain[0].Subject.CommonName != identity {
		t.Fatalf("SECC certificate CN %q", chain[0].Subject.CommonName)
	}
}

// TestSignV2GCertificate201: SignCertificate with certificateType
// V2GCertificate on a TLS connection is signed by the V2G CPO sub-CA and
// sent back as CertificateSigned V2GCertificate; weak or foreign CSRs, a
// plain connection and a gateway without a V2G CA are refused.
func TestSignV2GCertificate201(t *testing.T) {
	v2g, v2gRoot := v2gPKI(t)
	h := newTLSHarness(t, func(c *Config) { c.V2G = v2g })
	d := websocket.Dialer{TLSClientConfig: h.clientT, Subprotocols: []string{"ocpp2.0.1"}, HandshakeTimeout: 5 * time.Second}
	hdr := map[string][]string{"Authorization": {basicAuth("CP-1", "secret-1")}}
	ws, resp, err := d.Dial(h.wssURL+"CP-1", hdr)
	if err != nil {
		t.Fatalf("dial: %v %v", err, resp)
	}
	defer ws.Close()
	c := &charger{t: t, ws: ws}
	c.callOK("BootNotification", map[string]any{"reason": "PowerUp", "chargingStation": map[string]any{"model": "m", "vendorName": "v"}}, nil)
	if gbr := c.read(); gbr.typ() == 2 {
		c.sendRaw(`[3,` + string(gbr[1]) + `,{"status":"Accepted"}]`)
	}
	var ans struct {
		Status     string
		StatusInfo struct{ ReasonCode, AdditionalInfo string }
	}
	for name, csr := range map[string][]byte{
		"RSA key":               pkitest.CSR(t, pkitest.RSAKey(t, 2048), "CP-1"),
		"another identity's CN": pkitest.CSR(t, pkitest.ECKey(t), "CP-2"),
		"extra subject":         pkitest.CSRFrom(t, pkitest.ECKey(t), &x509.CertificateRequest{Subject: pkix.Name{CommonName: "CP-1", Locality: []string{"x"}}}),
	} {
		c.callOK("SignCertificate", map[string]any{"csr": string(csr), "certificateType": "V2GCertificate"}, &ans)
		if ans.Status != "Rejected" || ans.StatusInfo.ReasonCode != "InvalidCSR" || ans.StatusInfo.AdditionalInfo == "" {
			t.Fatalf("%s: %+v", name, ans)
		}
	}
	c.callOK("SignCertificate", map[string]any{"csr": string(pkitest.CSR(t, pkitest.ECKey(t), "CP-1")), "certificateType": "V2GCertificate"}, &ans)
	if ans.Status != "Accepted" {
		t.Fatalf("V2G CSR: %+v", ans)
	}
	f := c.read()
	if f.typ() != 2 || f.str(2) != "CertificateSigned" {
		t.Fatalf("want CertificateSigned, got %s", f)
	}
	var signed struct{ CertificateChain, CertificateType string }
	if err := json.Unmarshal(f[3], &signed); err != nil || signed.CertificateType != "V2GCertificate" {
		t.Fatalf("CertificateSigned %s: %v", f[3], err)
	}
	checkV2GChain(t, signed.CertificateChain, "CP-1", v2gRoot, h.ca)
	c.sendRaw(`[3,` + string(f[1]) + `,{"status":"Accepted"}]`)
	checkV2GRecorded(t, h, signed.CertificateChain)

	// Without a V2G CA nothing is signed, and never by the CSMS CA.
	h2 := newTLSHarness(t)
	d2 := websocket.Dialer{TLSClientConfig: h2.clientT, Subprotocols: []string{"ocpp2.0.1"}}
	ws2, _, err := d2.Dial(h2.wssURL+"CP-1", hdr)
	if err != nil {
		t.Fatal(err)
	}
	defer ws2.Close()
	c2 := &charger{t: t, ws: ws2}
	c2.callOK("SignCertificate", map[string]any{"csr": string(pkitest.CSR(t, pkitest.ECKey(t), "CP-1")), "certificateType": "V2GCertificate"}, &ans)
	if ans.Status != "Rejected" {
		t.Fatalf("no V2G CA: %+v", ans)
	}
}

// TestSignV2GCertificate16: the 1.6 Plug & Charge extension's
// SignCertificate DataTransfer is signed by the V2G CPO sub-CA and answered
// by a CertificateSigned DataTransfer; on a plain connection it is refused.
func TestSignV2GCertificate16(t *testing.T) {
	v2g, v2gRoot := v2gPKI(t)
	h := newTLSHarness(t, func(c *Config) { c.V2G = v2g })
	data, _ := json.Marshal(map[string]any{"csr": string(pkitest.CSR(t, pkitest.ECKey(t), "CP-1")), "certificateType": "V2GCertificate"})
	var ans struct{ Status, Data string }
	var inner struct{ Status string }

	plain := h.connect("CP-1", "secret-1")
	plain.callOK("DataTransfer", map[string]any{"vendorId": PnCVendorID, "messageId": "SignCertificate", "data": string(data)}, &ans)
	if err := json.Unmarshal([]byte(ans.Data), &inner); err != nil || inner.Status != "Rejected" {
		t.Fatalf("profile 1: %+v %v", ans, err)
	}
	plain.ws.Close()

	ws, _, err := h.dialTLS(&tls.Config{RootCAs: h.clientT.RootCAs}, "CP-1", "secret-1")
	if err != nil {
		t.Fatal(err)
	}
	defer ws.Close()
	c := &charger{t: t, ws: ws}
	c.callOK("DataTransfer", map[string]any{"vendorId": PnCVendorID, "messageId": "SignCertificate", "data": string(data)}, &ans)
	if err := json.Unmarshal([]byte(ans.Data), &inner); err != nil || ans.Status != "Accepted" || inner.Status != "Accepted" {
		t.Fatalf("1.6 V2G CSR: %+v %v", ans, err)
	}
	f := c.read()
	var dt struct{ VendorID, MessageID, Data string }
	if f.typ() != 2 || f.str(2) != "DataTransfer" || json.Unmarshal(f[3], &dt) != nil || dt.VendorID != PnCVendorID || dt.MessageID != "CertificateSigned" {
		t.Fatalf("want a CertificateSigned DataTransfer, got %s", f)
	}
	var signed struct{ CertificateChain, CertificateType string }
	if err := json.Unmarshal([]byte(dt.Data), &signed); err != nil || signed.CertificateType != "V2GCertificate" {
		t.Fatalf("CertificateSigned data %q: %v", dt.Data, err)
	}
	checkV2GChain(t, signed.CertificateChain, "CP-1", v2gRoot, h.ca)
	c.sendRaw(`[3,` + string(f[1]) + `,{"status":"Accepted","data":"{\"status\":\"Accepted\"}"}]`)
	checkV2GRecorded(t, h, signed.CertificateChain)
}

// checkV2GRecorded: the SECC certificate sent is recorded as the charger's
// one V2GCertificate, with its subject, its CA and the hash data that
// names it in DeleteCertificate; it is never taken for a client
// certificate (a profile 3 handshake's revocation check).
func checkV2GRecorded(t *testing.T, h *tlsHarness, chainPEM string) {
	t.Helper()
	chain, err := pki.ParseCertificates([]byte(chainPEM))
	if err != nil {
		t.Fatal(err)
	}
	want, err := pki.HashOf(chain[0], chain[1])
	if err != nil {
		t.Fatal(err)
	}
	certs, _ := h.sec.FindCertificates(context.Background(), "000001")
	if len(certs) != 1 {
		t.Fatalf("recorded certificates %+v", certs)
	}
	got := certs[0]
	if got.Kind != volt.CertificateKindV2G || got.Serial != want.SerialNumber || got.Subject != chain[0].Subject.String() ||
		got.Issuer != chain[1].Subject.String() || got.HashData == nil || got.HashData.IssuerKeyHash != want.IssuerKeyHash ||
		got.HashData.IssuerNameHash != want.IssuerNameHash || got.HashData.SerialNumber != chain[0].SerialNumber.Text(16) ||
		got.ChainPEM != chainPEM {
		t.Fatalf("recorded %+v, want hash data %+v", got, want)
	}
}

func basicAuth(identity, password string) string {
	return "Basic " + base64.StdEncoding.EncodeToString([]byte(identity+":"+password))
}
