package main

import (
	"bytes"
	"context"
	"encoding/csv"
	"io"
	"path/filepath"
	"slices"
	"testing"
	"time"

	volt "github.com/volt-ev/volt"
	"github.com/volt-ev/volt/store"
)

func TestSplitLoadSimArgs(t *testing.T) {
	lf, rest, err := splitLoadSimArgs([]string{"--url", "ws://x/ocpp", "--meter-flood", "--warmup", "2m",
		"--chargers=5", "-transactions=tx.csv", "--flood-starts", "4", "--load"}, io.Discard)
	if err != nil {
		t.Fatal(err)
	}
	if !lf.flood || lf.steady || lf.warmup != 2*time.Minute || lf.transactions != "tx.csv" || lf.floodStarts != 4 {
		t.Errorf("load flags %+v", lf)
	}
	if want := []string{"--url", "ws://x/ocpp", "--chargers=5", "--load"}; !slices.Equal(rest, want) {
		t.Errorf("sim flags %q, want %q", rest, want)
	}
	if _, err := parseSimFlags(rest, io.Discard); err != nil {
		t.Errorf("the remaining flags do not parse as voltd sim flags: %v", err)
	}
}

func TestLoadProvisionTwiceReissuesPasswords(t *testing.T) {
	ctx := context.Background()
	db := filepath.Join(t.TempDir(), "volt.db")
	provision := func() [][]string {
		var out bytes.Buffer
		if err := runLoadCmd(ctx, []string{"provision", "--db", db, "--chargers", "3"}, func(string) string { return "" }, &out, io.Discard); err != nil {
			t.Fatal(err)
		}
		rows, err := csv.NewReader(&out).ReadAll()
		if err != nil || len(rows) != 4 || rows[1][0] != "SIM000001" || rows[3][0] != "SIM000003" {
			t.Fatalf("credentials %v %q", err, rows)
		}
		return rows[1:]
	}
	first, second := provision(), provision()
	if first[0][1] == second[0][1] {
		t.Error("a second provisioning kept the old password")
	}
	sdb, err := store.Open(ctx, db)
	if err != nil {
		t.Fatal(err)
	}
	defer sdb.Close()
	charging := store.NewChargingService(sdb)
	charging.Pricer = store.NewPricer(sdb) // no tariff would mean no start
	sys := volt.NewContextWithActor(ctx, volt.SystemActor)
	for _, row := range second {
		if _, err := charging.AuthenticateCharger(sys, row[0], row[1]); err != nil {
			t.Errorf("%s does not authenticate with its provisioned password: %v", row[0], err)
		}
		if res, err := charging.AuthorizeIDTag(sys, mustCPID(t, sdb, sys, row[0]), "T"+row[0]); err != nil || res.Status != volt.AuthAccepted {
			t.Errorf("card T%s: %+v %v", row[0], res, err)
		}
	}
	// The load group's tariff is free vend: its sessions are never on the
	// driver's (empty) wallet, which the credit guard would stop at the
	// first reading (issue 12 item 8: every load-test session was).
	now := time.Now()
	res, err := charging.StartTransaction(sys, volt.StartRequest{CPID: mustCPID(t, sdb, sys, second[0][0]), ConnectorID: 1,
		IDTag: "T" + second[0][0], At: now, ReceivedAt: now})
	if err != nil || res.Session == nil {
		t.Fatalf("start on a load charger: %+v %v", res, err)
	}
	if res.Session.PaymentMethod != store.MethodFreeVend {
		t.Errorf("a load session's payment method is %q, want %q", res.Session.PaymentMethod, store.MethodFreeVend)
	}
}

func mustCPID(t *testing.T, db *store.DB, ctx context.Context, identity string) string {
	t.Helper()
	c, err := store.NewChargerService(db).FindChargerByIdentity(ctx, identity)
	if err != nil {
		t.Fatalf("charger %s: %v", identity, err)
	}
	return c.CPID
}
