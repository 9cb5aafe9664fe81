package gateway

import (
	"context"
	"encoding/base64"
	"encoding/json"
	"errors"
	"slices"
	"testing"
	"time"

	"github.com/volt-ev/volt/ocpp"
	"github.com/volt-ev/volt/ocpp/v201"
	"github.com/volt-ev/volt/pnc"
	"github.com/volt-ev/volt/pnc/pnctest"
	"github.com/volt-ev/volt/sim"
	"golang.org/x/crypto/ocsp"
)

// TestPlugAndChargeOCSP: with the OCSP-backed provider, a hash-only Plug &
// Charge Authorize is judged by the contract's responder (good starts a
// session, revoked does not, a responder down is CertChainError), and
// GetCertificateStatus relays the responder's signed answer, on 2.0.1 and
// through the 1.6 DataTransfer.
func TestPlugAndChargeOCSP(t *testing.T) {
	v2g := pnctest.New(t)
	resp := v2g.StartOCSP(t)
	now := time.Now()
	good := v2g.Contract(t, "GBVOLC123456789", now.Add(-time.Hour), now.AddDate(1, 0, 0))
	revoked := v2g.Contract(t, "GBVOLC000000002", now.Add(-time.Hour), now.AddDate(1, 0, 0))
	resp.Set(revoked.Leaf, ocsp.Revoked)
	prov, err := pnc.NewOCSP(v2g.Root, v2g.SubCA)
	if err != nil {
		t.Fatal(err)
	}
	h := newHarness(t, func(c *Config) { c.Contracts = prov })
	data := func(c *pnctest.Contract) []v201.OCSPRequestData {
		d := ocspData(t, c)
		for i := range d {
			d[i].ResponderURL = resp.URL
		}
		return d
	}

	st := sim.New2x(sim.Config{URL: h.url, Identity: "CP-2", Password: "secret-2", MinBackoff: 50 * time.Millisecond}, ocpp.V201)
	runSim(t, st.Run)
	waitFor(t, "station online", st.Online)
	ctx := context.Background()
	if err := st.PlugAndCharge(ctx, 1, revoked.EMAID, "", data(revoked)); !errors.Is(err, sim.ErrContractRefused) {
		t.Fatalf("revoked contract: %v", err)
	}
	resp.SetDown(true)
	if err := st.PlugAndCharge(ctx, 1, good.EMAID, "", data(good)); !errors.Is(err, sim.ErrContractRefused) {
		t.Fatalf("responder down: %v", err)
	}
	resp.SetDown(false)
	if err := st.PlugAndCharge(ctx, 1, good.EMAID, "", data(good)); err != nil {
		t.Fatal(err)
	}
	waitFor(t, "the session to start", func() bool { return slices.Contains(h.fake.called(), "StartTransaction") })

	c := h.connectAs("CP-1", "secret-1", "ocpp2.0.1", "ocpp2.0.1")
	c.callOK("BootNotification", map[string]any{"reason": "PowerUp", "chargingStation": map[string]any{"model": "m", "vendorName": "v"}}, nil)
	if gbr := c.read(); gbr.typ() == 2 {
		c.sendRaw(`[3,` + string(gbr[1]) + `,{"status":"Accepted"}]`)
	}
	var a struct {
		IDTokenInfo       struct{ Status string }
		CertificateStatus string
	}
	c.callOK("Authorize", map[string]any{"idToken": map[string]any{"idToken": revoked.EMAID, "type": "eMAID"}, "iso15118CertificateHashData": data(revoked)}, &a)
	if a.CertificateStatus != "CertificateRevoked" || a.IDTokenInfo.Status != "Invalid" {
		t.Fatalf("revoked: %+v", a)
	}
	for _, tc := range []struct {
		c    *pnctest.Contract
		want int
	}{{good, ocsp.Good}, {revoked, ocsp.Revoked}} {
		var cs struct{ Status, OcspResult string }
		c.callOK("GetCertificateStatus", map[string]any{"ocspRequestData": data(tc.c)[0]}, &cs)
		der, _ := base64.StdEncoding.DecodeString(cs.OcspResult)
		r, err := ocsp.ParseResponseForCert(der, tc.c.Leaf, v2g.SubCA)
		if cs.Status != "Accepted" || err != nil || r.Status != tc.want {
			t.Fatalf("GetCertificateStatus %s: %+v %v", tc.c.EMAID, cs, err)
		}
	}
	resp.SetDown(true)
	var cs struct{ Status, OcspResult string }
	c.callOK("GetCertificateStatus", map[string]any{"ocspRequestData": data(good)[0]}, &cs)
	if cs.Status != "Failed" || cs.OcspResult != "" {
		t.Fatalf("GetCertificateStatus with the responder down: %+v", cs)
	}
	resp.SetDown(false)

	c.ws.Close()
	c16 := h.connect("CP-1", "secret-1")
	body, _ := json.Marshal(map[string]any{"ocspRequestData": data(good)[0]})
	var ans struct{ Status, Data string }
	c16.callOK("DataTransfer", map[string]any{"vendorId": PnCVendorID, "messageId": "GetCertificateStatus", "data": string(body)}, &ans)
	if err := json.Unmarshal([]byte(ans.Data), &cs); err != nil || ans.Status != "Accepted" || cs.Status != "Accepted" || cs.OcspResult == "" {
		t.Fatalf("1.6 GetCertificateStatus: %+v %v", ans, err)
	}
}
