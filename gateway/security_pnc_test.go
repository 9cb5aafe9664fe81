package gateway

import (
	"context"
	"encoding/json"
	"errors"
	"slices"
	"testing"
	"time"

	"github.com/volt-ev/volt/ocpp"
	"github.com/volt-ev/volt/ocpp/v201"
	"github.com/volt-ev/volt/pki"
	"github.com/volt-ev/volt/pnc"
	"github.com/volt-ev/volt/pnc/pnctest"
	"github.com/volt-ev/volt/sim"
)

func ocspData(t *testing.T, c *pnctest.Contract) []v201.OCSPRequestData {
	t.Helper()
	var out []v201.OCSPRequestData
	for i := range 2 {
		h, err := pki.HashOf(c.Chain[i], c.Chain[i+1])
		if err != nil {
			t.Fatal(err)
		}
		out = append(out, v201.OCSPRequestData{HashAlgorithm: v201.HashAlgorithmEnum(h.HashAlgorithm), IssuerNameHash: h.IssuerNameHash,
			IssuerKeyHash: h.IssuerKeyHash, SerialNumber: h.SerialNumber, ResponderURL: "http://ocsp.test"})
	}
	return out
}

// TestPlugAndCharge201: the C07 answer pairs through the gateway, and a
// simulated station's Plug & Charge start with the eMAID as its token.
func TestPlugAndCharge201(t *testing.T) {
	v2g := pnctest.New(t)
	prov := pnc.NewLocal(v2g.Root)
	h := newHarness(t, func(c *Config) { c.Contracts = prov })
	now := time.Now()
	good := v2g.Contract(t, "GBVOLC123456789", now.Add(-time.Hour), now.AddDate(1, 0, 0))
	expired := v2g.Contract(t, "GBVOLC000000001", now.AddDate(-2, 0, 0), now.AddDate(-1, 0, 0))
	for _, c := range []*pnctest.Contract{good, expired} {
		if err := prov.Register(c.Chain...); err != nil {
			t.Fatal(err)
		}
	}
	c := h.connectAs("CP-1", "secret-1", "ocpp2.0.1", "ocpp2.0.1")
	c.callOK("BootNotification", map[string]any{"reason": "PowerUp", "chargingStation": map[string]any{"model": "m", "vendorName": "v"}}, nil)
	if gbr := c.read(); gbr.typ() == 2 {
		c.sendRaw(`[3,` + string(gbr[1]) + `,{"status":"Accepted"}]`)
	}
	type answer struct {
		IDTokenInfo       struct{ Status string }
		CertificateStatus string
	}
	cases := []struct {
		name, emaid, cert string
		hashes            []v201.OCSPRequestData
		block             string // BLOCKED: the fake's refused token
		down              bool
		wantCert, wantTok string
	}{
		{"chain", good.EMAID, good.PEM(), nil, "", false, "Accepted", "Accepted"},
		{"hash data", good.EMAID, "", ocspData(t, good), "", false, "Accepted", "Accepted"},
		{"expired", expired.EMAID, expired.PEM(), nil, "", false, "CertificateExpired", "Expired"},
		{"provider down", good.EMAID, good.PEM(), nil, "", true, "CertChainError", "Invalid"},
		{"not an eMAID", "BLOCKED", good.PEM(), nil, "", false, "CertChainError", "Invalid"},
	}
	for _, tc := range cases {
		prov.SetDown(tc.down)
		var a answer
		req := map[string]any{"idToken": map[string]any{"idToken": tc.emaid, "type": "eMAID"}}
		if tc.cert != "" {
			req["certificate"] = tc.cert
		}
		if tc.hashes != nil {
			req["iso15118CertificateHashData"] = tc.hashes
		}
		c.callOK("Authorize", req, &a)
		if a.CertificateStatus != tc.wantCert || a.IDTokenInfo.Status != tc.wantTok {
			t.Errorf("%s: %s/%s, want %s/%s", tc.name, a.CertificateStatus, a.IDTokenInfo.Status, tc.wantCert, tc.wantTok)
		}
	}
	prov.SetDown(false)
	var st struct{ Status, OcspResult string }
	c.callOK("GetCertificateStatus", map[string]any{"ocspRequestData": ocspData(t, good)[0]}, &st)
	if st.Status != "Accepted" || st.OcspResult == "" {
		t.Fatalf("GetCertificateStatus %+v", st)
	}
	var ev struct{ Status string }
	c.callOK("Get15118EVCertificate", map[string]any{"iso15118SchemaVersion": "urn:iso:15118:2:2013:MsgDef", "action": "Install", "exiRequest": "AAAA"}, &ev)
	if ev.Status != "Failed" {
		t.Fatalf("Get15118EVCertificate %+v", ev)
	}

	// A station plugs in and charges by its contract.
	st2 := sim.New2x(sim.Config{URL: h.url, Identity: "CP-2", Password: "secret-2", MinBackoff: 50 * time.Millisecond}, ocpp.V201)
	runSim(t, st2.Run)
	waitFor(t, "station online", st2.Online)
	ctx := context.Background()
	if err := st2.PlugAndCharge(ctx, 1, expired.EMAID, expired.PEM(), nil); !errors.Is(err, sim.ErrContractRefused) {
		t.Fatalf("expired contract: %v", err)
	}
	if err := st2.PlugAndCharge(ctx, 1, good.EMAID, "", ocspData(t, good)); err != nil {
		t.Fatal(err)
	}
	waitFor(t, "the session to start", func() bool { return slices.Contains(h.fake.called(), "StartTransaction") })
	h.fake.mu.Lock()
	start := h.fake.starts[len(h.fake.starts)-1]
	h.fake.mu.Unlock()
	if start.IDTag != good.EMAID {
		t.Fatalf("session started with %q, want the eMAID", start.IDTag)
	}
}

// TestPlugAndCharge16: the 1.6 Plug & Charge DataTransfer carries the
// 2.0.1 Authorize and answers its 2.0.1 response as data.
func TestPlugAndCharge16(t *testing.T) {
	v2g := pnctest.New(t)
	prov := pnc.NewLocal(v2g.Root)
	h := newHarness(t, func(c *Config) { c.Contracts = prov })
	good := v2g.Contract(t, "GBVOLC123456789", time.Now().Add(-time.Hour), time.Now().AddDate(1, 0, 0))
	if err := prov.Register(good.Chain...); err != nil {
		t.Fatal(err)
	}
	c := h.connect("CP-1", "secret-1")
	data, _ := json.Marshal(map[string]any{"idToken": map[string]any{"idToken": good.EMAID, "type": "eMAID"},
		"iso15118CertificateHashData": ocspData(t, good)})
	var ans struct{ Status, Data string }
	c.callOK("DataTransfer", map[string]any{"vendorId": PnCVendorID, "messageId": "Authorize", "data": string(data)}, &ans)
	var inner struct {
		IDTokenInfo       struct{ Status string }
		CertificateStatus string
	}
	if err := json.Unmarshal([]byte(ans.Data), &inner); err != nil || ans.Status != "Accepted" ||
		inner.CertificateStatus != "Accepted" || inner.IDTokenInfo.Status != "Accepted" {
		t.Fatalf("1.6 PnC authorize: %+v %+v %v", ans, inner, err)
	}
	c.callOK("DataTransfer", map[string]any{"vendorId": PnCVendorID, "messageId": "Authorize", "data": `{"idToken":{}}`}, &ans)
	if ans.Status != "Rejected" {
		t.Fatalf("malformed inner payload: %+v", ans)
	}
	c.callOK("DataTransfer", map[string]any{"vendorId": PnCVendorID, "messageId": "Nope"}, &ans)
	if ans.Status != "UnknownMessageId" {
		t.Fatalf("unknown message: %+v", ans)
	}
}
