package gateway

import (
	"context"
	"strings"
	"testing"

	volt "github.com/volt-ev/volt"
	"github.com/volt-ev/volt/internal/schematest"
	"github.com/volt-ev/volt/store"
	"github.com/volt-ev/volt/store/storetest"
)

// TestV2SmartChargingReportsStored: NotifyChargingLimit,
// ReportChargingProfiles and NotifyEVChargingNeeds are answered per schema
// and stored as sent, a 2.1 station's V2X charging needs included; another
// CPO's operator does not see them.
func TestV2SmartChargingReportsStored(t *testing.T) {
	schemas := schematest.Load(t, "2.1")
	storetest.ForEachEngine(t, func(t *testing.T, db *store.DB) {
		ctx := volt.NewContextWithActor(context.Background(), volt.SystemActor)
		creds := onboard(t, ctx, db)
		svc := store.NewChargingService(db)
		h := newHarness(t, func(c *Config) { c.Charging = svc })
		c := h.connectAs(creds.OCPPIdentity, creds.OCPPPassword, "ocpp2.1", "ocpp2.1")
		c.callChecked(schemas, "BootNotification", map[string]any{"reason": "PowerUp", "chargingStation": map[string]any{"model": "m", "vendorName": "v"}}, nil)
		if gbr := c.read(); gbr.typ() == 2 {
			c.sendRaw(`[3,` + string(gbr[1]) + `,{"status":"Accepted"}]`)
		}
		c.callChecked(schemas, "NotifyChargingLimit", map[string]any{"evseId": 1, "chargingLimit": map[string]any{"chargingLimitSource": "SO", "isGridCritical": true}}, nil)
		c.callChecked(schemas, "ReportChargingProfiles", map[string]any{"requestId": 42, "chargingLimitSource": "CSO", "evseId": 1,
			"chargingProfile": []any{map[string]any{"id": 150001, "stackLevel": 1, "chargingProfilePurpose": "TxDefaultProfile", "chargingProfileKind": "Relative",
				"chargingSchedule": []any{map[string]any{"id": 1, "chargingRateUnit": "A", "chargingSchedulePeriod": []any{map[string]any{"startPeriod": 0, "limit": 16}}}}}}}, nil)
		var needs struct{ Status string }
		c.callChecked(schemas, "NotifyEVChargingNeeds", map[string]any{"evseId": 2, "chargingNeeds": map[string]any{"requestedEnergyTransfer": "AC_BPT",
			"v2xChargingParameters": map[string]any{"maxChargePower": 11000, "maxDischargePower": 7000}}}, &needs)
		if needs.Status != "Accepted" {
			t.Fatalf("NotifyEVChargingNeeds answered %q", needs.Status)
		}
		all, err := svc.FindChargingReports(ctx, creds.CPID, "", 0)
		if err != nil || len(all) != 3 {
			t.Fatalf("reports %v, %v", all, err)
		}
		ev, err := svc.FindChargingReports(ctx, creds.CPID, volt.ReportEVChargingNeeds, 0)
		if err != nil || len(ev) != 1 || ev[0].EVSEID != 2 || !strings.Contains(string(ev[0].Payload), `"maxDischargePower":7000`) {
			t.Fatalf("EV charging needs %+v, %v", ev, err)
		}
		rp, err := svc.FindChargingReports(ctx, creds.CPID, volt.ReportChargingProfile, 0)
		if err != nil || len(rp) != 1 || rp[0].RequestID == nil || *rp[0].RequestID != 42 {
			t.Fatalf("charging profiles report %+v, %v", rp, err)
		}
		other := volt.NewContextWithActor(context.Background(), &volt.Actor{UserID: "usr_x", Grants: []volt.Grant{{Role: volt.RoleAdmin, CPOID: "cpo_other"}}})
		if _, err := svc.FindChargingReports(other, creds.CPID, "", 0); !volt.IsCode(err, volt.ENOTFOUND) {
			t.Fatalf("another CPO's admin: %v, want not_found", err)
		}
	})
}
