package pnc_test

import (
	"context"
	"testing"
	"time"

	"github.com/volt-ev/volt"
	"github.com/volt-ev/volt/pki"
	"github.com/volt-ev/volt/pnc"
	"github.com/volt-ev/volt/pnc/pnctest"
)

func hashes(t testing.TB, c *pnctest.Contract) []volt.ContractHashData {
	t.Helper()
	var out []volt.ContractHashData
	for i := range 2 {
		h, err := pki.HashOf(c.Chain[i], c.Chain[i+1])
		if err != nil {
			t.Fatal(err)
		}
		out = append(out, volt.ContractHashData{HashAlgorithm: h.HashAlgorithm, IssuerNameHash: h.IssuerNameHash,
			IssuerKeyHash: h.IssuerKeyHash, SerialNumber: h.SerialNumber, ResponderURL: "http://ocsp.test"})
	}
	return out
}

func TestLocalCheckContract(t *testing.T) {
	v2g := pnctest.New(t)
	other := pnctest.New(t)
	p := pnc.NewLocal(v2g.Root)
	now := time.Now()
	good := v2g.Contract(t, "GBVOLC123456789", now.Add(-time.Hour), now.AddDate(1, 0, 0))
	expired := v2g.Contract(t, "GBVOLC000000001", now.AddDate(-2, 0, 0), now.AddDate(-1, 0, 0))
	revoked := v2g.Contract(t, "GBVOLC000000002", now.Add(-time.Hour), now.AddDate(1, 0, 0))
	foreign := other.Contract(t, "GBVOLC123456789", now.Add(-time.Hour), now.AddDate(1, 0, 0))
	for _, c := range []*pnctest.Contract{good, expired, revoked} {
		if err := p.Register(c.Chain...); err != nil {
			t.Fatal(err)
		}
	}
	p.Revoke(pki.SerialHex(revoked.Leaf.SerialNumber))
	ctx := context.Background()
	cases := []struct {
		name string
		in   volt.ContractCheck
		want volt.ContractCertificateStatus
	}{
		{"chain", volt.ContractCheck{EMAID: "GB-VOL-C12345678-9", Certificate: good.PEM()}, volt.ContractAccepted},
		{"hash data", volt.ContractCheck{EMAID: good.EMAID, HashData: hashes(t, good)}, volt.ContractAccepted},
		{"expired", volt.ContractCheck{EMAID: expired.EMAID, Certificate: expired.PEM()}, volt.ContractExpired},
		{"expired by hash", volt.ContractCheck{EMAID: expired.EMAID, HashData: hashes(t, expired)}, volt.ContractExpired},
		{"revoked", volt.ContractCheck{EMAID: revoked.EMAID, HashData: hashes(t, revoked)}, volt.ContractRevoked},
		{"another PKI", volt.ContractCheck{EMAID: foreign.EMAID, Certificate: foreign.PEM()}, volt.ContractCertChainError},
		{"unknown hash", volt.ContractCheck{EMAID: foreign.EMAID, HashData: hashes(t, foreign)}, volt.ContractCertChainError},
		{"eMAID not the certificate's", volt.ContractCheck{EMAID: "GBVOLC999999999", Certificate: good.PEM()}, volt.ContractCertChainError},
		{"garbage", volt.ContractCheck{EMAID: good.EMAID, Certificate: "nope"}, volt.ContractCertChainError},
		{"nothing", volt.ContractCheck{EMAID: good.EMAID}, volt.ContractNoCertificate},
	}
	for _, tc := range cases {
		got, err := p.CheckContract(ctx, tc.in)
		if err != nil || got != tc.want {
			t.Errorf("%s: %s %v, want %s", tc.name, got, err, tc.want)
		}
	}
	st, ocsp, err := p.CertificateStatus(ctx, hashes(t, good)[0])
	if err != nil || st != "Accepted" || ocsp == "" {
		t.Fatalf("ocsp good: %s %q %v", st, ocsp, err)
	}
	if st, _, _ := p.CertificateStatus(ctx, hashes(t, revoked)[0]); st != "Failed" {
		t.Fatalf("ocsp revoked: %s", st)
	}
	p.SetDown(true)
	if _, err := p.CheckContract(ctx, cases[0].in); err == nil {
		t.Fatal("a provider that is down answered")
	}
}
