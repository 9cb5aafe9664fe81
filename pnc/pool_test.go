package pnc_test

import (
	"context"
	"crypto/x509"
	"encoding/base64"
	"testing"
	"time"

	"github.com/volt-ev/volt"
	"github.com/volt-ev/volt/pnc"
	"github.com/volt-ev/volt/pnc/pnctest"
)

// evRequest encodes a vehicle's request in the test EXI, base64.
func evRequest(t *testing.T, r *pnc.EVCertificateRequest) string {
	t.Helper()
	b, err := pnc.TestEXI{}.EncodeRequest(r)
	if err != nil {
		t.Fatal(err)
	}
	return base64.StdEncoding.EncodeToString(b)
}

func evResponse(t *testing.T, exi string) *pnc.EVCertificateResponse {
	t.Helper()
	b, err := base64.StdEncoding.DecodeString(exi)
	if err != nil {
		t.Fatal(err)
	}
	r, err := pnc.TestEXI{}.DecodeResponse(b)
	if err != nil {
		t.Fatal(err)
	}
	return r
}

// TestPoolInstallsContract: a vehicle's installation request through a
// provider gets the contract chain the eMSP put in the pool for its PCID,
// with the private key only the vehicle can decrypt; an update replaces a
// contract; unknown vehicles, foreign provisioning certificates and
// garbage fail.
func TestPoolInstallsContract(t *testing.T) {
	v2g := pnctest.New(t)
	oem := pnctest.NewOEM(t)
	now := time.Now()
	contract := v2g.Contract(t, "GBVOLC123456789", now.Add(-time.Hour), now.AddDate(1, 0, 0))
	renewed := v2g.Contract(t, "GBVOLC123456789", now.Add(-time.Hour), now.AddDate(2, 0, 0))
	pool := pnc.NewPool(pnc.TestEXI{})
	pool.OEMRoots = x509.NewCertPool()
	pool.OEMRoots.AddCert(oem.Root)
	pool.OEMRoots.AddCert(v2g.Root) // updates present a contract chain
	if err := pool.Add("VEHICLE-PCID-1", pnc.PoolContract{Chain: contract.Chain[:2], Key: contract.Key}); err != nil {
		t.Fatal(err)
	}
	prov := pnc.NewLocal(v2g.Root)
	ctx := context.Background()
	const schema = "urn:iso:15118:2:2013:MsgDef"
	if st, _, err := prov.Get15118EVCertificate(ctx, schema, "Install", "AAAA"); st != "Failed" || err != nil {
		t.Fatalf("no pool: %s %v", st, err)
	}
	prov.Pool = pool

	vehicle, vehicleKey := oem.Provisioning(t, "VEHICLE-PCID-1")
	st, exi, err := prov.Get15118EVCertificate(ctx, schema, "Install", evRequest(t, &pnc.EVCertificateRequest{Provisioning: vehicle}))
	if err != nil || st != "Accepted" {
		t.Fatalf("install: %s %v", st, err)
	}
	res := evResponse(t, exi)
	if res.ResponseCode != pnc.ResponseOK || res.EMAID != contract.EMAID || len(res.ContractChain) != 2 || !res.ContractChain[0].Equal(contract.Leaf) {
		t.Fatalf("install answer: %+v", res)
	}
	key, err := pnc.DecryptContractKey(vehicleKey, res.DHPublicKey, res.EncryptedPrivateKey)
	if err != nil || !key.Equal(contract.Key) {
		t.Fatalf("the vehicle cannot recover the contract key: %v", err)
	}
	if got, err := prov.CheckContract(ctx, volt.ContractCheck{EMAID: res.EMAID, Certificate: contract.PEM()}); got != volt.ContractAccepted || err != nil {
		t.Fatalf("the installed contract does not verify: %s %v", got, err)
	}
	_, otherKey := oem.Provisioning(t, "VEHICLE-PCID-9")
	if k, err := pnc.DecryptContractKey(otherKey, res.DHPublicKey, res.EncryptedPrivateKey); err == nil && k.Equal(contract.Key) {
		t.Fatal("another vehicle's key recovered the contract key")
	}

	// Update: the vehicle presents its contract and gets the renewed one,
	// encrypted to the current contract's key.
	if err := pool.Add("", pnc.PoolContract{Chain: renewed.Chain[:2], Key: renewed.Key}); err != nil {
		t.Fatal(err)
	}
	st, exi, err = prov.Get15118EVCertificate(ctx, schema, "Update", evRequest(t, &pnc.EVCertificateRequest{ContractChain: contract.Chain[:2], EMAID: contract.EMAID}))
	res = evResponse(t, exi)
	if err != nil || st != "Accepted" || !res.ContractChain[0].Equal(renewed.Leaf) {
		t.Fatalf("update: %s %v %+v", st, err, res)
	}
	if key, err := pnc.DecryptContractKey(contract.Key, res.DHPublicKey, res.EncryptedPrivateKey); err != nil || !key.Equal(renewed.Key) {
		t.Fatalf("update key: %v", err)
	}

	stranger, _ := oem.Provisioning(t, "VEHICLE-PCID-2")
	foreign, _ := pnctest.NewOEM(t).Provisioning(t, "VEHICLE-PCID-1")
	for _, tc := range []struct {
		name, action, exi, wantCode string
	}{
		{"no contract for the PCID", "Install", evRequest(t, &pnc.EVCertificateRequest{Provisioning: stranger}), pnc.ResponseNoCertificateAvailable},
		{"another OEM's provisioning certificate", "Install", evRequest(t, &pnc.EVCertificateRequest{Provisioning: foreign}), pnc.ResponseCertChainError},
		{"update to the same contract", "Update", evRequest(t, &pnc.EVCertificateRequest{ContractChain: renewed.Chain[:2]}), pnc.ResponseNoCertificateAvailable},
		{"not base64", "Install", "%%%", ""},
		{"not the encoding", "Install", base64.StdEncoding.EncodeToString([]byte("\x80EXI")), ""},
		{"unknown action", "Renew", evRequest(t, &pnc.EVCertificateRequest{Provisioning: vehicle}), ""},
	} {
		st, exi, err := prov.Get15118EVCertificate(ctx, schema, tc.action, tc.exi)
		if err != nil || st != "Failed" {
			t.Errorf("%s: %s %v, want Failed", tc.name, st, err)
			continue
		}
		if tc.wantCode == "" {
			if exi != "" {
				t.Errorf("%s: answered %q to an unreadable request", tc.name, exi)
			}
			continue
		}
		if got := evResponse(t, exi); got.ResponseCode != tc.wantCode || len(got.ContractChain) != 0 || got.EncryptedPrivateKey != nil {
			t.Errorf("%s: %+v, want %s and nothing else", tc.name, got, tc.wantCode)
		}
	}
	prov.SetDown(true)
	if _, _, err := prov.Get15118EVCertificate(ctx, schema, "Install", evRequest(t, &pnc.EVCertificateRequest{Provisioning: vehicle})); err == nil {
		t.Fatal("a provider that is down answered")
	}
}
