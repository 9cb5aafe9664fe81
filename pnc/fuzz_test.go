package pnc_test

import (
	"context"
	"encoding/base64"
	"net/http"
	"net/http/httptest"
	"sync/atomic"
	"testing"
	"time"

	"github.com/volt-ev/volt"
	"github.com/volt-ev/volt/pnc"
	"github.com/volt-ev/volt/pnc/pnctest"
	"golang.org/x/crypto/ocsp"
)

// FuzzPoolRequest: whatever a vehicle sends as its installation request,
// the pool does not panic and hands out a contract only to the vehicle it
// was put in the pool for.
func FuzzPoolRequest(f *testing.F) {
	v2g := pnctest.New(f)
	oem := pnctest.NewOEM(f)
	c := v2g.Contract(f, "GBVOLC123456789", time.Now().Add(-time.Hour), time.Now().AddDate(1, 0, 0))
	pool := pnc.NewPool(pnc.TestEXI{})
	if err := pool.Add("PCID-1", pnc.PoolContract{Chain: c.Chain[:2], Key: c.Key}); err != nil {
		f.Fatal(err)
	}
	prov, _ := oem.Provisioning(f, "PCID-1")
	good, _ := pnc.TestEXI{}.EncodeRequest(&pnc.EVCertificateRequest{Provisioning: prov})
	f.Add("Install", good)
	f.Add("Update", []byte(`{"contractCertificateChain":"`+"-----BEGIN CERTIFICATE-----"+`"}`))
	f.Add("Install", []byte(`{"oemProvisioningCertificate":""}`))
	f.Fuzz(func(t *testing.T, action string, exi []byte) {
		st, res, err := pool.Get15118EVCertificate(context.Background(), "urn:iso:15118:2:2013:MsgDef", action, base64.StdEncoding.EncodeToString(exi))
		if err != nil || st != "Accepted" {
			return
		}
		b, _ := base64.StdEncoding.DecodeString(res)
		r, err := pnc.TestEXI{}.DecodeResponse(b)
		if err != nil || len(r.ContractChain) == 0 || !r.ContractChain[0].Equal(c.Leaf) {
			t.Fatalf("accepted with %v %v", r, err)
		}
		req, err := pnc.TestEXI{}.DecodeRequest("", action, exi)
		if err != nil || action != "Install" || req.Provisioning.Subject.CommonName != "PCID-1" {
			t.Fatalf("a contract went to a request that does not name its vehicle: %q %v", action, err)
		}
	})
}

// FuzzOCSPResponse: whatever a responder answers, the OCSP provider does
// not panic and accepts a contract only when the answer is a good response
// its issuer signed.
func FuzzOCSPResponse(f *testing.F) {
	v2g := pnctest.New(f)
	resp := v2g.StartOCSP(f)
	c := v2g.Contract(f, "GBVOLC123456789", time.Now().Add(-time.Hour), time.Now().AddDate(1, 0, 0))
	p, err := pnc.NewOCSP(v2g.Root, v2g.SubCA)
	if err != nil {
		f.Fatal(err)
	}
	hs := hashes(f, c)[:1]
	hs[0].ResponderURL = resp.URL
	_, genuine, err := p.CertificateStatus(context.Background(), hs[0])
	if err != nil {
		f.Fatal(err)
	}
	der, _ := base64.StdEncoding.DecodeString(genuine)
	f.Add(der)
	f.Add(ocsp.TryLaterErrorResponse)
	f.Add([]byte{})
	var answer atomic.Pointer[[]byte]
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, _ *http.Request) { w.Write(*answer.Load()) }))
	f.Cleanup(srv.Close)
	hs[0].ResponderURL = srv.URL
	f.Fuzz(func(t *testing.T, b []byte) {
		answer.Store(&b)
		st, err := p.CheckContract(context.Background(), volt.ContractCheck{EMAID: c.EMAID, HashData: hs})
		if err != nil || st != volt.ContractAccepted {
			return
		}
		r, perr := ocsp.ParseResponseForCert(b, c.Leaf, v2g.SubCA)
		if perr != nil || r.Status != ocsp.Good {
			t.Fatalf("accepted on a response that is not a good one signed by the issuer: %v", perr)
		}
	})
}
