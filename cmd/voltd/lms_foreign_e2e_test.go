package main

import (
	"context"
	"fmt"
	"slices"
	"testing"
	"time"

	"github.com/volt-ev/volt/ocpp"
	"github.com/volt-ev/volt/ocpp/v16"
	"github.com/volt-ev/volt/sim"
	"github.com/volt-ev/volt/store/storetest"
)

// Volt's failsafe profile ids (lms.Profile16, lms.Profile201): the
// TxDefaultProfile of connector/EVSE 0.
const voltFailsafeID = 151000

// managedEstate is an estate whose site is load managed (static, 10 A),
// before any charger connects.
func managedEstate(t *testing.T, m *Main) *estate {
	t.Helper()
	c := rootClient(t, m)
	est := newEstate(t, c, "0.45", "0.30")
	var group struct {
		SiteID string `json:"siteId"`
	}
	c.must("GET", "/api/v1/charger-groups/"+est.group.ID, nil, 200, &group)
	c.must("PUT", "/api/v1/sites/"+group.SiteID+"/load-management", map[string]any{
		"mode": "static", "supplyLimitA": 10, "phases": 3, "fallbackLimitA": 10,
		"evses": []map[string]any{{"cpid": est.creds.CPID, "connectorId": 1, "maxA": 32}, {"cpid": est.creds.CPID, "connectorId": 2, "maxA": 32}},
	}, 200, nil)
	return est
}

// TestForeignProfilesClearedAtBoot16 (issue 15, LESSONS 30): a 1.6
// charger that boots with a TxDefaultProfile another party set at a
// higher stack level (which would override Volt's failsafe) has it
// cleared, and Volt's failsafe is the profile in force.
func TestForeignProfilesClearedAtBoot16(t *testing.T) {
	for _, e := range storetest.Engines(t) {
		t.Run(e.Name, func(t *testing.T) {
			m := testMain(t, e.DSN(t))
			est := managedEstate(t, m)
			ch := sim.New(sim.Config{URL: "ws://" + m.Addr() + "/ocpp", Identity: est.creds.OCPPIdentity, Password: est.creds.OCPPPassword,
				Connectors: 2, MeterInterval: time.Second, StepDelay: 10 * time.Millisecond})
			if err := ch.InstallProfile(0, v16.ChargingProfile{ChargingProfileID: 77, StackLevel: 5,
				ChargingProfilePurpose: v16.ChargingProfilePurposeTypeTxDefaultProfile, ChargingProfileKind: v16.ChargingProfileKindTypeRelative,
				ChargingSchedule: v16.ChargingSchedule{ChargingRateUnit: v16.ChargingRateUnitTypeA,
					ChargingSchedulePeriod: []v16.ChargingSchedulePeriod{{StartPeriod: 0, Limit: 32}}}}); err != nil {
				t.Fatal(err)
			}
			ctx, cancel := context.WithCancel(context.Background())
			done := make(chan struct{})
			go func() { defer close(done); _ = ch.Run(ctx) }()
			defer func() { cancel(); <-done }()
			checkFor(t, 15*time.Second, func() error {
				if ids := ch.ProfileIDs(0); slices.Contains(ids, 77) || !slices.Contains(ids, voltFailsafeID) {
					return fmt.Errorf("connector 0 profiles %v, want Volt's failsafe and not 77", ids)
				}
				return nil
			})
		})
	}
}

// TestForeignProfilesClearedAtBoot201 (issue 15, LESSONS 30): a 2.0.1
// station that boots with profiles another party set has them listed
// (GetChargingProfiles, ReportChargingProfiles) and cleared by id, on the
// station and on an EVSE; an external constraint (which a CSMS may not
// clear) stays; Volt's failsafe is installed.
func TestForeignProfilesClearedAtBoot201(t *testing.T) {
	for _, e := range storetest.Engines(t) {
		t.Run(e.Name, func(t *testing.T) {
			m := testMain(t, e.DSN(t))
			est := managedEstate(t, m)
			ch := sim.New2x(sim.Config{URL: "ws://" + m.Addr() + "/ocpp", Identity: est.creds.OCPPIdentity, Password: est.creds.OCPPPassword,
				Connectors: 2, MeterInterval: time.Second, MinBackoff: 50 * time.Millisecond, MaxBackoff: 200 * time.Millisecond}, ocpp.V201)
			profile := func(id, stack int, purpose string) string {
				return fmt.Sprintf(`{"id":%d,"stackLevel":%d,"chargingProfilePurpose":%q,"chargingProfileKind":"Relative",
					"chargingSchedule":[{"id":%d,"chargingRateUnit":"A","chargingSchedulePeriod":[{"startPeriod":0,"limit":32}]}]}`, id, stack, purpose, id)
			}
			for _, p := range []struct {
				evse int
				json string
			}{
				{0, profile(77, 5, "TxDefaultProfile")},
				{1, profile(78, 3, "TxDefaultProfile")},
				{0, profile(79, 0, "ChargingStationExternalConstraints")},
			} {
				if err := ch.InstallProfile(p.evse, p.json); err != nil {
					t.Fatal(err)
				}
			}
			ctx, cancel := context.WithCancel(context.Background())
			done := make(chan struct{})
			go func() { defer close(done); _ = ch.Run(ctx) }()
			defer func() { cancel(); <-done }()
			checkFor(t, 20*time.Second, func() error {
				ids0, ids1 := ch.ProfileIDs(0), ch.ProfileIDs(1)
				if slices.Contains(ids0, 77) || slices.Contains(ids1, 78) || !slices.Contains(ids0, 79) || !slices.Contains(ids0, voltFailsafeID) {
					return fmt.Errorf("station profiles %v, EVSE 1 %v; want 77 and 78 cleared, 79 and Volt's failsafe kept", ids0, ids1)
				}
				return nil
			})
		})
	}
}
