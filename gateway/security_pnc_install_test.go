package gateway

import (
	"context"
	"encoding/base64"
	"encoding/json"
	"testing"
	"time"

	"github.com/volt-ev/volt/ocpp"
	"github.com/volt-ev/volt/pnc"
	"github.com/volt-ev/volt/pnc/pnctest"
	"github.com/volt-ev/volt/sim"
)

// installRequest is a vehicle's installation request in the test EXI.
func installRequest(t *testing.T, oem *pnctest.OEM, pcid string) string {
	t.Helper()
	prov, _ := oem.Provisioning(t, pcid)
	b, err := pnc.TestEXI{}.EncodeRequest(&pnc.EVCertificateRequest{Provisioning: prov})
	if err != nil {
		t.Fatal(err)
	}
	return base64.StdEncoding.EncodeToString(b)
}

func installedEMAID(t *testing.T, exi string) string {
	t.Helper()
	b, err := base64.StdEncoding.DecodeString(exi)
	if err != nil {
		t.Fatal(err)
	}
	r, err := pnc.TestEXI{}.DecodeResponse(b)
	if err != nil {
		t.Fatal(err)
	}
	if r.ResponseCode != pnc.ResponseOK || len(r.ContractChain) == 0 || r.ContractChain[0].Subject.CommonName != r.EMAID {
		return r.ResponseCode
	}
	return r.EMAID
}

// TestGet15118EVCertificateRelayed: a vehicle's contract installation goes
// through the gateway to the provider's pool and back, from a simulated
// 2.0.1 station and through the 1.6 Plug & Charge DataTransfer; a vehicle
// the pool has nothing for gets Failed with the 15118 failure.
func TestGet15118EVCertificateRelayed(t *testing.T) {
	v2g := pnctest.New(t)
	oem := pnctest.NewOEM(t)
	prov := pnc.NewLocal(v2g.Root)
	prov.Pool = pnc.NewPool(pnc.TestEXI{})
	for pcid, emaid := range map[string]string{"PCID-201": "GBVOLC000000201", "PCID-16": "GBVOLC000000016"} {
		c := v2g.Contract(t, emaid, time.Now().Add(-time.Hour), time.Now().AddDate(1, 0, 0))
		if err := prov.Pool.Add(pcid, pnc.PoolContract{Chain: c.Chain[:2], Key: c.Key}); err != nil {
			t.Fatal(err)
		}
	}
	h := newHarness(t, func(c *Config) { c.Contracts = prov })
	const schema = "urn:iso:15118:2:2013:MsgDef"

	st := sim.New2x(sim.Config{URL: h.url, Identity: "CP-2", Password: "secret-2", MinBackoff: 50 * time.Millisecond}, ocpp.V201)
	runSim(t, st.Run)
	waitFor(t, "station online", st.Online)
	ctx := context.Background()
	status, exi, err := st.Get15118EVCertificate(ctx, schema, "Install", installRequest(t, oem, "PCID-201"))
	if err != nil || status != "Accepted" || installedEMAID(t, exi) != "GBVOLC000000201" {
		t.Fatalf("2.0.1 install: %s %v", status, err)
	}
	status, exi, err = st.Get15118EVCertificate(ctx, schema, "Install", installRequest(t, oem, "PCID-UNKNOWN"))
	if err != nil || status != "Failed" || installedEMAID(t, exi) != pnc.ResponseNoCertificateAvailable {
		t.Fatalf("2.0.1 install for a vehicle without a contract: %s %v", status, err)
	}

	c := h.connect("CP-1", "secret-1")
	data, _ := json.Marshal(map[string]any{"iso15118SchemaVersion": schema, "action": "Install", "exiRequest": installRequest(t, oem, "PCID-16")})
	var ans struct{ Status, Data string }
	c.callOK("DataTransfer", map[string]any{"vendorId": PnCVendorID, "messageId": "Get15118EVCertificate", "data": string(data)}, &ans)
	var inner struct{ Status, ExiResponse string }
	if err := json.Unmarshal([]byte(ans.Data), &inner); err != nil || ans.Status != "Accepted" || inner.Status != "Accepted" ||
		installedEMAID(t, inner.ExiResponse) != "GBVOLC000000016" {
		t.Fatalf("1.6 install: %+v %v", ans, err)
	}
	prov.SetDown(true)
	c.callOK("DataTransfer", map[string]any{"vendorId": PnCVendorID, "messageId": "Get15118EVCertificate", "data": string(data)}, &ans)
	if err := json.Unmarshal([]byte(ans.Data), &inner); err != nil || inner.Status != "Failed" || inner.ExiResponse != "" {
		t.Fatalf("1.6 install with the provider down: %+v %v", ans, err)
	}
}
