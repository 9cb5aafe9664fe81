package gateway

import (
	"context"
	"testing"
	"time"

	volt "github.com/volt-ev/volt"
	"github.com/volt-ev/volt/internal/schematest"
	"github.com/volt-ev/volt/pki"
	"github.com/volt-ev/volt/pnc"
	"github.com/volt-ev/volt/pnc/pnctest"
	"github.com/volt-ev/volt/store"
	"github.com/volt-ev/volt/store/storetest"
	"golang.org/x/crypto/ocsp"
)

// TestGetCertificateChainStatus21 (issue 18, OCPP 2.1 M07, every engine):
// a station's GetCertificateChainStatus is answered certificate by
// certificate through the OCSP provider: a good contract leaf Good (its
// first URL dead, the second answering), a revoked one Revoked, the sub-CA
// as its responder says, with the responder's nextUpdate; a CRL source, an
// issuer Volt does not know, a responder down and a gateway without a
// provider are Failed. Frames both ways are validated against the 2.1
// schemas.
func TestGetCertificateChainStatus21(t *testing.T) {
	schemas := schematest.Load(t, "2.1")
	v2g := pnctest.New(t)
	resp := v2g.StartOCSP(t)
	now := time.Now()
	good := v2g.Contract(t, "GBVOLC123456789", now.Add(-time.Hour), now.AddDate(1, 0, 0))
	revoked := v2g.Contract(t, "GBVOLC000000002", now.Add(-time.Hour), now.AddDate(1, 0, 0))
	resp.Set(revoked.Leaf, ocsp.Revoked)
	resp.Set(v2g.SubCA, ocsp.Good)
	stranger := pnctest.New(t).Contract(t, "GBVOLC000000003", now.Add(-time.Hour), now.AddDate(1, 0, 0))
	prov, err := pnc.NewOCSP(v2g.Root, v2g.SubCA)
	if err != nil {
		t.Fatal(err)
	}
	hash := func(c *pnctest.Contract, i int) map[string]any {
		h, err := pki.HashOf(c.Chain[i], c.Chain[i+1])
		if err != nil {
			t.Fatal(err)
		}
		return map[string]any{"hashAlgorithm": h.HashAlgorithm, "issuerNameHash": h.IssuerNameHash,
			"issuerKeyHash": h.IssuerKeyHash, "serialNumber": h.SerialNumber}
	}
	ocspReq := func(h map[string]any, urls ...string) map[string]any {
		return map[string]any{"source": "OCSP", "urls": urls, "certificateHashData": h}
	}
	type answer struct {
		CertificateStatus []struct {
			CertificateHashData struct{ SerialNumber string }
			Source, Status      string
			NextUpdate          time.Time
		}
	}
	storetest.ForEachEngine(t, func(t *testing.T, db *store.DB) {
		ctx := volt.NewContextWithActor(context.Background(), volt.SystemActor)
		creds := onboard(t, ctx, db)
		svc := store.NewChargingService(db)
		h := newHarness(t, func(c *Config) { c.Charging = svc; c.Contracts = prov })
		c := h.connectAs(creds.OCPPIdentity, creds.OCPPPassword, "ocpp2.1", "ocpp2.1")
		c.sendChecked(schemas, "BootNotification", map[string]any{"reason": "PowerUp", "chargingStation": map[string]any{"model": "m", "vendorName": "v"}}, nil)
		if gbr := c.read(); gbr.typ() == 2 {
			c.sendRaw(`[3,` + string(gbr[1]) + `,{"status":"Accepted"}]`)
		}
		dead := "http://127.0.0.1:1/ocsp"
		var a answer
		c.sendChecked(schemas, "GetCertificateChainStatus", map[string]any{"certificateStatusRequests": []any{
			ocspReq(hash(good, 0), dead, resp.URL),
			ocspReq(hash(revoked, 0), resp.URL),
			ocspReq(hash(good, 1), resp.URL),
			map[string]any{"source": "CRL", "urls": []string{resp.URL}, "certificateHashData": hash(good, 0)},
		}}, &a)
		want := []string{"Good", "Revoked", "Good", "Failed"}
		if len(a.CertificateStatus) != len(want) {
			t.Fatalf("answer %+v", a)
		}
		for i, st := range a.CertificateStatus {
			if st.Status != want[i] {
				t.Fatalf("certificate %d: %+v, want %s", i, st, want[i])
			}
			if i < 3 && (st.Source != "OCSP" || !st.NextUpdate.After(now.Add(30*time.Minute))) {
				t.Fatalf("certificate %d: %+v, want the responder's nextUpdate (an hour on)", i, st)
			}
		}
		if a.CertificateStatus[1].CertificateHashData.SerialNumber != hash(revoked, 0)["serialNumber"] {
			t.Fatalf("the answer does not name the certificate asked about: %+v", a.CertificateStatus[1])
		}
		// Not Volt's CA, or no verified answer: Failed, never Good.
		resp.SetDown(true)
		c.sendChecked(schemas, "GetCertificateChainStatus", map[string]any{"certificateStatusRequests": []any{
			ocspReq(hash(stranger, 0), resp.URL), ocspReq(hash(good, 0), resp.URL)}}, &a)
		resp.SetDown(false)
		for i, st := range a.CertificateStatus {
			if st.Status != "Failed" {
				t.Fatalf("certificate %d with no verified answer: %+v", i, st)
			}
		}

		// A gateway without a contract provider.
		h2 := newHarness(t, func(c *Config) { c.Charging = svc })
		c2 := h2.connectAs(creds.OCPPIdentity, creds.OCPPPassword, "ocpp2.1", "ocpp2.1")
		c2.sendChecked(schemas, "GetCertificateChainStatus", map[string]any{"certificateStatusRequests": []any{ocspReq(hash(good, 0), resp.URL)}}, &a)
		if len(a.CertificateStatus) != 1 || a.CertificateStatus[0].Status != "Failed" {
			t.Fatalf("no provider: %+v", a)
		}
	})
}
