package sim

import (
	"bytes"
	"context"
	"encoding/csv"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	volt "github.com/volt-ev/volt"
	"github.com/volt-ev/volt/gateway"
	"github.com/volt-ev/volt/ocpp"
	"github.com/volt-ev/volt/store"
	"github.com/volt-ev/volt/store/storetest"
)

// loadEstate2x provisions n chargers with a free-vend public tariff and the
// card "T"+identity of each, serves them through Volt's gateway and returns
// the OCPP URL and the credentials.
func loadEstate2x(t *testing.T, db *store.DB, n int) (string, []Credentials, *store.ChargingService) {
	t.Helper()
	ctx := volt.NewContextWithActor(context.Background(), volt.SystemActor)
	hs := store.NewHierarchyService(db)
	cpo := &volt.CPO{Name: "CPO", Currency: "EUR"}
	must(t, hs.CreateCPO(ctx, cpo))
	owner := &volt.Owner{CPOID: cpo.ID, Name: "Owner"}
	must(t, hs.CreateOwner(ctx, owner))
	site := &volt.Site{CPOID: cpo.ID, OwnerID: owner.ID, Name: "Site", TimeZone: "Europe/London"}
	must(t, hs.CreateSite(ctx, site))
	group := &volt.ChargerGroup{CPOID: cpo.ID, OwnerID: owner.ID, SiteID: site.ID, Name: "Group"}
	must(t, hs.CreateChargerGroup(ctx, group))
	ts := store.NewTariffService(db)
	free := &volt.Tariff{CPOID: cpo.ID, Name: "Free", Currency: "EUR", VATRate: volt.MustDecimal("0.21"), FreeVend: true}
	must(t, ts.CreateTariff(ctx, free))
	must(t, ts.CreateTariffAssignment(ctx, &volt.TariffAssignment{TariffID: free.ID, UsergroupID: volt.PublicUsergroupID, ChargerGroupID: group.ID}))
	us := store.NewUserService(db)
	user := &volt.User{Email: "driver@example.com", Name: "Driver", CPOID: cpo.ID}
	must(t, us.CreateUser(ctx, user, "a-long-password-1"))
	cs := store.NewChargerService(db)
	var creds []Credentials
	for range n {
		cr, err := cs.CreateCharger(ctx, &volt.Charger{ChargerGroupID: group.ID}, 1)
		must(t, err)
		must(t, us.CreateRFIDCard(ctx, &volt.RFIDCard{UID: "T" + cr.OCPPIdentity, UserID: user.ID}))
		creds = append(creds, Credentials{Identity: cr.OCPPIdentity, Password: cr.OCPPPassword})
	}
	svc := store.NewChargingService(db)
	g := gateway.New(gateway.Config{Charging: svc, CallTimeout: 5 * time.Second, FrameLogFlush: 10 * time.Millisecond})
	mux := http.NewServeMux()
	mux.Handle("GET /ocpp/{identity}", g)
	srv := httptest.NewServer(mux)
	t.Cleanup(func() {
		sctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
		defer cancel()
		_ = g.Shutdown(sctx)
		srv.Close()
	})
	return "ws" + strings.TrimPrefix(srv.URL, "http") + "/ocpp", creds, svc
}

// TestRunLoad2xFloodStormLedger drives Volt with 2.0.1 and 2.1 stations in
// load mode: a TransactionEvent flood, then a reconnect storm; the ledger
// names every transaction by the station's id, and each answered one has
// exactly one session (and the ended ones a CDR).
func TestRunLoad2xFloodStormLedger(t *testing.T) {
	for _, v := range []ocpp.Version{ocpp.V201, ocpp.V21} {
		t.Run(string(v), func(t *testing.T) {
			storetest.ForEachEngine(t, func(t *testing.T, db *store.DB) {
				url, creds, svc := loadEstate2x(t, db, 3)
				var out, txs bytes.Buffer
				rep, err := RunLoad(context.Background(), LoadOptions{
					// The storm comes 0.5 s after all are on line, and the
					// run must outlast its recovery: 4 s leaves room for a
					// boot slowed by a busy machine (1.4 s was seen in CI).
					URL: url, Creds: creds, Every: 200 * time.Millisecond, Duration: 4 * time.Second, Version: v,
					MeterFlood: true, ReconnectStorm: true, StormAfter: 500 * time.Millisecond,
					Transactions: &txs, DrainTimeout: 10 * time.Second, Out: &out,
					Fleet: FleetOptions{Heartbeat: time.Hour, MinBackoff: 10 * time.Millisecond, MaxBackoff: 50 * time.Millisecond},
				})
				must(t, err)
				if rep.TxStarted != 3 || rep.TxAnswered != 3 || rep.TxStopsAnswered != 3 {
					t.Errorf("transactions started/answered/ended %d/%d/%d, want 3/3/3\n%s", rep.TxStarted, rep.TxAnswered, rep.TxStopsAnswered, out.String())
				}
				if !strings.Contains(out.String(), "TransactionEvent Updated begin") || rep.StormRecovery == 0 {
					t.Errorf("no flood or no storm recovery:\n%s", out.String())
				}
				rows, err := csv.NewReader(&txs).ReadAll()
				if err != nil || len(rows) != 4 || rows[0][2] != "charger_tx_id" {
					t.Fatalf("transactions CSV: %v %q", err, txs.String())
				}
				ctx := volt.NewContextWithActor(context.Background(), volt.SystemActor)
				for _, row := range rows[1:] {
					var cpid string
					for _, c := range creds {
						if c.Identity == row[0] {
							ch, err := store.NewChargerService(db).FindChargerByIdentity(ctx, c.Identity)
							must(t, err)
							cpid = ch.CPID
						}
					}
					s, err := svc.FindSessionByChargerTransaction(ctx, cpid, row[2])
					if err != nil || row[3] != "true" || row[4] != "true" || s.Status != volt.SessionCompleted {
						t.Errorf("ledger line %v: session %+v, %v", row, s, err)
					}
				}
			})
		})
	}
}
