package main

import (
	"context"
	"encoding/csv"
	"errors"
	"flag"
	"fmt"
	"io"
	"net/http"
	"net/http/pprof"
	"os"
	"runtime"
	"strconv"
	"time"

	volt "github.com/volt-ev/volt"
	"github.com/volt-ev/volt/store"
)

// Load-test estate names: provisioning finds them again on a later run.
const (
	loadCPOName   = "Volt Load Test"
	loadUserEmail = "load-driver@volt.localhost"
)

// runLoadCmd is `voltd load`: helpers for the benchmarks in BENCHMARKS.md.
//
//	voltd load provision --db URL --chargers N [--identity-prefix SIM] [--out creds.csv]
//	voltd load sim [--steady] [--meter-flood] [--warmup D] [--transactions FILE] [voltd sim flags]
//
// provision creates (or finds) a load-test CPO with one public charger group,
// N chargers with the identities PREFIX000001… (the identities `voltd sim`
// plays), one driver with the RFID card "T"+identity per charger (the idTag a
// simulated driver swipes), and writes identity,password lines for
// `voltd sim --credentials`. Passwords of chargers that already exist are
// reissued.
func runLoadCmd(ctx context.Context, args []string, getenv func(string) string, stdout, stderr io.Writer) error {
	if len(args) > 0 && args[0] == "sim" {
		return runLoadSim(ctx, args[1:], stdout, stderr)
	}
	if len(args) == 0 || args[0] != "provision" {
		fmt.Fprintln(stderr, "usage: voltd load provision --db URL --chargers N [--identity-prefix SIM] [--connectors 1] [--out FILE]\n"+
			"       voltd load sim [--steady] [--meter-flood] [--warmup D] [--drain D] [--transactions FILE] [voltd sim flags]")
		return errUsage
	}
	fs := flag.NewFlagSet("voltd load provision", flag.ContinueOnError)
	fs.SetOutput(stderr)
	dbURL := fs.String("db", getenv("VOLT_DATABASE_URL"), "SQLite file path or postgres:// URL (VOLT_DATABASE_URL)")
	n := fs.Int("chargers", 10000, "number of chargers")
	prefix := fs.String("identity-prefix", "SIM", "identities are this prefix and a 6-digit number, from 1")
	connectors := fs.Int("connectors", 1, "connectors per new charger")
	out := fs.String("out", "-", "credentials CSV file (- is standard output)")
	if err := fs.Parse(args[1:]); err != nil {
		return err
	}
	if *dbURL == "" || *n < 1 {
		return errors.New("load provision: --db and --chargers ≥ 1 are required")
	}
	db, err := store.Open(ctx, *dbURL)
	if err != nil {
		return fmt.Errorf("open database: %w", err)
	}
	defer db.Close()
	if err := db.Migrate(ctx); err != nil {
		return fmt.Errorf("migrate: %w", err)
	}
	w := stdout
	if *out != "-" {
		f, err := os.Create(*out)
		if err != nil {
			return fmt.Errorf("load provision: %w", err)
		}
		defer f.Close()
		w = f
	}
	start := time.Now()
	p := loadProvisioner{chargers: store.NewChargerService(db), users: store.NewUserService(db),
		hierarchy: store.NewHierarchyService(db), tariffs: store.NewTariffService(db), connectors: *connectors}
	if err := p.run(volt.NewContextWithActor(ctx, volt.SystemActor), *prefix, *n, csv.NewWriter(w)); err != nil {
		return err
	}
	// Fresh statistics, as after any bulk import: without them the
	// planner costs the new tables as empty until autovacuum catches up,
	// in the middle of the boot storm the run is about to measure.
	if _, err := db.Exec(ctx, "ANALYZE"); err != nil {
		return fmt.Errorf("load provision: analyze: %w", err)
	}
	fmt.Fprintf(stderr, "voltd load: %d chargers provisioned in %s\n", *n, time.Since(start).Round(time.Millisecond))
	return nil
}

// loadProvisioner creates the load-test estate through the store's services.
type loadProvisioner struct {
	chargers   volt.ChargerService
	users      volt.UserService
	hierarchy  volt.HierarchyService
	tariffs    volt.TariffService
	connectors int
}

func (p *loadProvisioner) run(ctx context.Context, prefix string, n int, w *csv.Writer) error {
	group, user, err := p.estate(ctx)
	if err != nil {
		return err
	}
	if err := w.Write([]string{"identity", "password"}); err != nil {
		return fmt.Errorf("write credentials: %w", err)
	}
	for i := 1; i <= n; i++ {
		identity := fmt.Sprintf("%s%06d", prefix, i)
		password, err := p.charger(ctx, group, identity)
		if err != nil {
			return err
		}
		if err := p.card(ctx, user, identity); err != nil {
			return err
		}
		if err := w.Write([]string{identity, password}); err != nil {
			return fmt.Errorf("write credentials: %w", err)
		}
	}
	w.Flush()
	return w.Error()
}

// estate finds or creates the CPO, owner, site, public charger group and
// driver of the load test.
func (p *loadProvisioner) estate(ctx context.Context) (*volt.ChargerGroup, *volt.User, error) {
	cpos, _, err := p.hierarchy.FindCPOs(ctx, volt.Filter{Query: loadCPOName})
	if err != nil {
		return nil, nil, fmt.Errorf("find load cpo: %w", err)
	}
	for _, c := range cpos {
		if c.Name != loadCPOName {
			continue
		}
		groups, _, err := p.hierarchy.FindChargerGroups(ctx, volt.Filter{CPOID: c.ID})
		if err != nil || len(groups) == 0 {
			return nil, nil, fmt.Errorf("find load charger group: %w", errors.Join(err, errors.New("none")))
		}
		users, _, err := p.users.FindUsers(ctx, volt.UserFilter{Query: loadUserEmail})
		if err != nil || len(users) == 0 {
			return nil, nil, fmt.Errorf("find load driver: %w", errors.Join(err, errors.New("none")))
		}
		return groups[0], users[0], nil
	}
	cpo := &volt.CPO{Name: loadCPOName, Currency: "EUR"}
	if err := p.hierarchy.CreateCPO(ctx, cpo); err != nil {
		return nil, nil, fmt.Errorf("create load cpo: %w", err)
	}
	owner := &volt.Owner{CPOID: cpo.ID, Name: "Load Owner", Email: "load-owner@volt.localhost"}
	if err := p.hierarchy.CreateOwner(ctx, owner); err != nil {
		return nil, nil, fmt.Errorf("create load owner: %w", err)
	}
	site := &volt.Site{OwnerID: owner.ID, Name: "Load Site", Latitude: 52.37, Longitude: 4.89, TimeZone: "Europe/Amsterdam",
		Address: volt.Address{Line1: "Load 1", City: "Amsterdam", Postcode: "1011", Country: "NL"}}
	if err := p.hierarchy.CreateSite(ctx, site); err != nil {
		return nil, nil, fmt.Errorf("create load site: %w", err)
	}
	group := &volt.ChargerGroup{SiteID: site.ID, Name: "Load Group"}
	if err := p.hierarchy.CreateChargerGroup(ctx, group); err != nil {
		return nil, nil, fmt.Errorf("create load charger group: %w", err)
	}
	// No tariff means no start: the load group is free vend by its tariff.
	free := &volt.Tariff{CPOID: cpo.ID, Name: "Load free vend", Currency: "EUR", VATRate: volt.MustDecimal("0.21"), FreeVend: true}
	if err := p.tariffs.CreateTariff(ctx, free); err != nil {
		return nil, nil, fmt.Errorf("create load tariff: %w", err)
	}
	if err := p.tariffs.CreateTariffAssignment(ctx, &volt.TariffAssignment{TariffID: free.ID, UsergroupID: volt.PublicUsergroupID,
		ChargerGroupID: group.ID}); err != nil {
		return nil, nil, fmt.Errorf("assign load tariff: %w", err)
	}
	user := &volt.User{Email: loadUserEmail, Name: "Load Driver", CPOID: cpo.ID}
	if err := p.users.CreateUser(ctx, user, volt.NewID("pw")); err != nil {
		return nil, nil, fmt.Errorf("create load driver: %w", err)
	}
	return group, user, nil
}

// charger creates the charger with identity, or reissues its password.
func (p *loadProvisioner) charger(ctx context.Context, group *volt.ChargerGroup, identity string) (string, error) {
	c, err := p.chargers.FindChargerByIdentity(ctx, identity)
	if err == nil {
		cred, err := p.chargers.ResetChargerPassword(ctx, c.CPID)
		if err != nil {
			return "", fmt.Errorf("reissue password of %s: %w", identity, err)
		}
		return cred.OCPPPassword, nil
	}
	if volt.ErrorCode(err) != volt.ENOTFOUND {
		return "", fmt.Errorf("find charger %s: %w", identity, err)
	}
	cred, err := p.chargers.CreateCharger(ctx, &volt.Charger{ChargerGroupID: group.ID, Name: identity, OCPPIdentity: identity}, p.connectors)
	if err != nil {
		return "", fmt.Errorf("create charger %s: %w", identity, err)
	}
	return cred.OCPPPassword, nil
}

// card gives the driver the RFID card "T"+identity unless it exists.
func (p *loadProvisioner) card(ctx context.Context, user *volt.User, identity string) error {
	uid := "T" + identity
	if len(uid) > 20 {
		uid = uid[len(uid)-20:]
	}
	err := p.users.CreateRFIDCard(ctx, &volt.RFIDCard{UID: uid, UserID: user.ID, Label: "load test"})
	if err != nil && volt.ErrorCode(err) != volt.ECONFLICT {
		return fmt.Errorf("create card %s: %w", uid, err)
	}
	return nil
}

// startPprof serves net/http/pprof on VOLT_DEBUG_PPROF_ADDR when it is set
// (e.g. 127.0.0.1:6060), for profiling under load. It is off by default and
// must only ever listen on a loopback address. With it, block and mutex
// profiles are recorded too (/debug/pprof/block, /debug/pprof/mutex), one
// event in VOLT_DEBUG_PROFILE_RATE (default 100): where the answer tail
// waits (issue 12, item 8).
func startPprof(getenv func(string) string, stderr io.Writer) {
	addr := getenv("VOLT_DEBUG_PPROF_ADDR")
	if addr == "" {
		return
	}
	rate := 100
	if v, err := strconv.Atoi(getenv("VOLT_DEBUG_PROFILE_RATE")); err == nil && v >= 0 {
		rate = v
	}
	runtime.SetBlockProfileRate(rate * 1000) // nanoseconds blocked per sampled event
	runtime.SetMutexProfileFraction(rate)
	mux := http.NewServeMux()
	mux.HandleFunc("/debug/pprof/", pprof.Index)
	mux.HandleFunc("/debug/pprof/cmdline", pprof.Cmdline)
	mux.HandleFunc("/debug/pprof/profile", pprof.Profile)
	mux.HandleFunc("/debug/pprof/symbol", pprof.Symbol)
	mux.HandleFunc("/debug/pprof/trace", pprof.Trace)
	go func() {
		if err := http.ListenAndServe(addr, mux); err != nil {
			fmt.Fprintln(stderr, "voltd: pprof:", err)
		}
	}()
}
