package pnc_test

import (
	"context"
	"encoding/base64"
	"net/url"
	"testing"
	"time"

	"github.com/volt-ev/volt"
	"github.com/volt-ev/volt/pnc"
	"github.com/volt-ev/volt/pnc/pnctest"
	"golang.org/x/crypto/ocsp"
)

func withResponder(hs []volt.ContractHashData, u string) []volt.ContractHashData {
	for i := range hs {
		hs[i].ResponderURL = u
	}
	return hs
}

// TestOCSPProvider: hash-only and chain Authorize checks and
// GetCertificateStatus against a responder that signs real RFC 6960
// responses: good, revoked, unknown, a delegated responder, a forged
// signature, a responder down, an issuer that is no V2G CA.
func TestOCSPProvider(t *testing.T) {
	v2g := pnctest.New(t)
	resp := v2g.StartOCSP(t)
	other := pnctest.New(t)
	other.StartOCSP(t)
	now := time.Now()
	good := v2g.Contract(t, "GBVOLC123456789", now.Add(-time.Hour), now.AddDate(1, 0, 0))
	revoked := v2g.Contract(t, "GBVOLC000000002", now.Add(-time.Hour), now.AddDate(1, 0, 0))
	unknown := v2g.Contract(t, "GBVOLC000000003", now.Add(-time.Hour), now.AddDate(1, 0, 0))
	foreign := other.Contract(t, "GBVOLC000000004", now.Add(-time.Hour), now.AddDate(1, 0, 0))
	resp.Set(revoked.Leaf, ocsp.Revoked)
	resp.Set(unknown.Leaf, ocsp.Unknown)
	if _, err := pnc.NewOCSP(v2g.SubCA); err == nil {
		t.Fatal("a sub-CA without its root was trusted")
	}
	p, err := pnc.NewOCSP(v2g.Root, v2g.SubCA)
	if err != nil {
		t.Fatal(err)
	}
	ctx := context.Background()
	hash := func(c *pnctest.Contract) []volt.ContractHashData { return withResponder(hashes(t, c), resp.URL) }
	cases := []struct {
		name     string
		in       volt.ContractCheck
		want     volt.ContractCertificateStatus
		wantErr  bool
		setup    func()
		restore  func()
		requests bool // the responder must have been asked
	}{
		{name: "good by hash", in: volt.ContractCheck{EMAID: good.EMAID, HashData: hash(good)}, want: volt.ContractAccepted, requests: true},
		{name: "good chain (AIA)", in: volt.ContractCheck{EMAID: good.EMAID, Certificate: good.PEM()}, want: volt.ContractAccepted, requests: true},
		{name: "revoked by hash", in: volt.ContractCheck{EMAID: revoked.EMAID, HashData: hash(revoked)}, want: volt.ContractRevoked, requests: true},
		{name: "revoked chain (AIA)", in: volt.ContractCheck{EMAID: revoked.EMAID, Certificate: revoked.PEM()}, want: volt.ContractRevoked, requests: true},
		{name: "unknown by hash", in: volt.ContractCheck{EMAID: unknown.EMAID, HashData: hash(unknown)}, want: volt.ContractCertChainError, requests: true},
		{name: "issuer not a V2G CA", in: volt.ContractCheck{EMAID: foreign.EMAID, HashData: hash(foreign)}, want: volt.ContractCertChainError},
		{name: "delegated responder", in: volt.ContractCheck{EMAID: good.EMAID, HashData: hash(good)}, want: volt.ContractAccepted, requests: true,
			setup: func() { resp.SetDelegate(true) }, restore: func() { resp.SetDelegate(false) }},
		{name: "forged signature", in: volt.ContractCheck{EMAID: good.EMAID, HashData: hash(good)}, wantErr: true, requests: true,
			setup: func() { resp.SetForge(true) }, restore: func() { resp.SetForge(false) }},
		{name: "responder down", in: volt.ContractCheck{EMAID: good.EMAID, HashData: hash(good)}, wantErr: true, requests: true,
			setup: func() { resp.SetDown(true) }, restore: func() { resp.SetDown(false) }},
		{name: "responder unreachable", in: volt.ContractCheck{EMAID: good.EMAID, HashData: withResponder(hashes(t, good), "http://127.0.0.1:1")}, wantErr: true},
		{name: "chain from another PKI", in: volt.ContractCheck{EMAID: foreign.EMAID, Certificate: foreign.PEM()}, want: volt.ContractCertChainError},
		{name: "eMAID not the chain's", in: volt.ContractCheck{EMAID: "GBVOLC999999999", Certificate: good.PEM()}, want: volt.ContractCertChainError},
		{name: "nothing", in: volt.ContractCheck{EMAID: good.EMAID}, want: volt.ContractNoCertificate},
	}
	for _, tc := range cases {
		if tc.setup != nil {
			tc.setup()
		}
		before := resp.Requests()
		got, err := p.CheckContract(ctx, tc.in)
		if tc.restore != nil {
			tc.restore()
		}
		if tc.wantErr {
			if err == nil {
				t.Errorf("%s: %s, want an error (the provider could not answer)", tc.name, got)
			}
		} else if err != nil || got != tc.want {
			t.Errorf("%s: %s %v, want %s", tc.name, got, err, tc.want)
		}
		if tc.requests && resp.Requests() == before {
			t.Errorf("%s: the responder was not asked", tc.name)
		}
	}

	// GetCertificateStatus: the responder's signed answer, whatever it says.
	for _, tc := range []struct {
		name   string
		c      *pnctest.Contract
		status int
	}{{"good", good, ocsp.Good}, {"revoked", revoked, ocsp.Revoked}, {"unknown", unknown, ocsp.Unknown}} {
		st, res, err := p.CertificateStatus(ctx, hash(tc.c)[0])
		if err != nil || st != "Accepted" {
			t.Fatalf("%s: %s %v", tc.name, st, err)
		}
		der, _ := base64.StdEncoding.DecodeString(res)
		r, err := ocsp.ParseResponseForCert(der, tc.c.Leaf, v2g.SubCA)
		if err != nil || r.Status != tc.status {
			t.Fatalf("%s: relayed response %v %v", tc.name, r, err)
		}
	}
	resp.SetDown(true)
	if _, _, err := p.CertificateStatus(ctx, hash(good)[0]); err == nil {
		t.Fatal("GetCertificateStatus with the responder down answered")
	}
	resp.SetDown(false)
	if st, _, err := p.CertificateStatus(ctx, hash(foreign)[0]); st != "Failed" || err != nil {
		t.Fatalf("GetCertificateStatus for an unknown issuer: %s %v", st, err)
	}

	// Only the allowed responder hosts are asked.
	u, _ := url.Parse(resp.URL)
	p.ResponderHosts = []string{"ocsp.example.invalid"}
	before := resp.Requests()
	if got, err := p.CheckContract(ctx, volt.ContractCheck{EMAID: good.EMAID, HashData: hash(good)}); got != volt.ContractCertChainError || err != nil || resp.Requests() != before {
		t.Fatalf("responder host not allowed: %s %v", got, err)
	}
	p.ResponderHosts = []string{u.Host}
	if got, err := p.CheckContract(ctx, volt.ContractCheck{EMAID: good.EMAID, HashData: hash(good)}); got != volt.ContractAccepted || err != nil {
		t.Fatalf("responder host allowed: %s %v", got, err)
	}

	// A response past its nextUpdate is stale.
	p.Now = func() time.Time { return time.Now().Add(3 * time.Hour) }
	if _, err := p.CheckContract(ctx, volt.ContractCheck{EMAID: good.EMAID, HashData: hash(good)}); err == nil {
		t.Fatal("a stale OCSP response was believed")
	}
}

// TestOCSPCache: with CacheFor, a verified answer is reused without a round
// trip (even while the responder is down) until CacheFor or its nextUpdate
// passes; then the responder is asked again and a revocation is seen.
func TestOCSPCache(t *testing.T) {
	v2g := pnctest.New(t)
	resp := v2g.StartOCSP(t)
	c := v2g.Contract(t, "GBVOLC123456789", time.Now().Add(-time.Hour), time.Now().AddDate(1, 0, 0))
	p, err := pnc.NewOCSP(v2g.Root, v2g.SubCA)
	if err != nil {
		t.Fatal(err)
	}
	var offset time.Duration
	p.Now = func() time.Time { return time.Now().Add(offset) }
	p.CacheFor = 10 * time.Minute
	ctx := context.Background()
	check := volt.ContractCheck{EMAID: c.EMAID, HashData: withResponder(hashes(t, c), resp.URL)}
	if got, err := p.CheckContract(ctx, check); got != volt.ContractAccepted || err != nil {
		t.Fatalf("first: %s %v", got, err)
	}
	asked := resp.Requests()
	resp.SetDown(true)
	resp.Set(c.Leaf, ocsp.Revoked)
	if got, err := p.CheckContract(ctx, check); got != volt.ContractAccepted || err != nil || resp.Requests() != asked {
		t.Fatalf("cached: %s %v, %d requests after %d", got, err, resp.Requests(), asked)
	}
	resp.SetDown(false)
	offset = 11 * time.Minute
	if got, err := p.CheckContract(ctx, check); got != volt.ContractRevoked || err != nil {
		t.Fatalf("after CacheFor: %s %v", got, err)
	}
}
