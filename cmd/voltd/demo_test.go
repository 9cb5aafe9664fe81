package main

import (
	"context"
	"testing"

	volt "github.com/volt-ev/volt"
	"github.com/volt-ev/volt/store/storetest"
)

// TestDemoSeed seeds the demo network twice (the second start finds it and
// only reissues charger passwords) and checks what the demo promises: every
// charger has credentials, drivers have cards and £50 of credit, and a
// driver is priced by the Public tariff on a public charger.
func TestDemoSeed(t *testing.T) {
	m := testMain(t, storetest.Engines(t)[0].DSN(t)) // SQLite: seeding is engine-neutral service calls
	ctx := context.Background()
	first, err := seedDemo(ctx, m.Services)
	if err != nil {
		t.Fatal(err)
	}
	second, err := seedDemo(ctx, m.Services)
	if err != nil {
		t.Fatalf("second start: %v", err)
	}
	if len(first.Credentials) != 8 || len(second.Credentials) != 8 {
		t.Fatalf("credentials %d then %d, want 8 chargers both times", len(first.Credentials), len(second.Credentials))
	}
	if first.Credentials[0].OCPPPassword == second.Credentials[0].OCPPPassword {
		t.Fatal("charger passwords were not reissued on the second start")
	}
	sys := volt.NewContextWithActor(ctx, volt.SystemActor)
	for _, cred := range second.Credentials {
		if _, err := m.Services.Charging.AuthenticateCharger(sys, cred.OCPPIdentity, cred.OCPPPassword); err != nil {
			t.Fatalf("reissued password of %s: %v", cred.CPID, err)
		}
	}
	users, _, err := m.Services.Users.FindUsers(sys, volt.UserFilter{Email: "driver@example.com"})
	if err != nil || len(users) != 1 {
		t.Fatalf("demo driver: %v %v", users, err)
	}
	w, err := m.Services.Money.FindWallet(sys, users[0].ID, "GBP")
	if err != nil || w.Balance != 5000 {
		t.Fatalf("driver wallet %+v %v, want £50.00 once (seeding twice must not top up twice)", w, err)
	}
	q, err := m.Services.Tariffs.PriceFor(sys, second.Credentials[0].CPID, users[0].ID)
	if err != nil || q.Tariff == nil || q.Tariff.Name != "Sparkline Public" {
		t.Fatalf("price for the driver on %s: %+v %v", second.Credentials[0].CPID, q, err)
	}
}

// TestDemoConnectorFacts: the demo network has Type 2, CCS, CHAdeMO and
// 3-pin connectors with their power, so the app's filters have something
// to find.
func TestDemoConnectorFacts(t *testing.T) {
	m := testMain(t, storetest.Engines(t)[0].DSN(t))
	ctx := context.Background()
	if _, err := seedDemo(ctx, m.Services); err != nil {
		t.Fatal(err)
	}
	sys := volt.NewContextWithActor(ctx, volt.SystemActor)
	chargers, _, err := m.Services.Chargers.FindChargers(sys, volt.ChargerFilter{})
	if err != nil {
		t.Fatal(err)
	}
	seen := map[volt.ConnectorType]bool{}
	for _, c := range chargers {
		for _, k := range c.Connectors {
			if k.ConnectorID > 0 && (k.MaxPowerW == 0 || k.PowerType == "") {
				t.Errorf("%s/%d has no facts: %+v", c.CPID, k.ConnectorID, k)
			}
			seen[k.Type] = true
		}
	}
	for _, want := range []volt.ConnectorType{volt.ConnectorType2Socket, volt.ConnectorCCS2, volt.ConnectorCHAdeMO, volt.ConnectorThreePin} {
		if !seen[want] {
			t.Errorf("no %s connector in the demo", want)
		}
	}
}
