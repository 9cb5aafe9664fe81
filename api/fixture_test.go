package api

import (
	"context"
	"encoding/json"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/volt-ev/volt"
	"github.com/volt-ev/volt/payment/sandbox"
	"github.com/volt-ev/volt/store"
)

// tenant is one complete CPO estate built for the tests.
type tenant struct {
	Name                                string
	CPO, Owner, Host, Site, Group       string
	CPID                                string
	Session, CDR                        string
	Driver, DriverEmail                 string // a driver user
	AdminGroup, DriverGroup, PrivateUgr string // usergroups
	Card, CardUID, Affiliate, AffCode   string
	Tariff, Assignment                  string            // the public tariff and its assignment
	Payment, TopUp                      string            // the session's captured card payment; the wallet top-up
	Ticket, Contact                     string            // a support ticket and its helpline contact
	Terminal, TerminalPayment           string            // a contactless terminal and a tap's hold
	Agreement, Statement                string            // a home reimbursement agreement and its statement
	SocketFees, Exclusion               string            // a socket fee statement, a reliability exclusion (issue 17)
	OCPIPartner                         string            // a roaming partner of the CPO (issue 14)
	Webhook, Delivery, Alert            string            // a webhook endpoint, one of its deliveries, an alert
	Hub, Model                          string            // a hub (issue 16) and a catalogue model (platform-wide)
	HubCPIDs                            []string          // the hub's sockets
	Users                               map[string]string // role name -> user id
	// Issue 16: a magic link, the onboarding another one opened, an
	// installer with an engineer, an install job and its photo.
	Invitation, Onboarding, Installer, Fitter, Job, Photo string
	// Issue 19: the fleet (the fleet manager's usergroup), its vehicle and
	// the driver's reimbursement claim.
	Fleet, Vehicle, Claim string
}

// ids returns every id of the tenant that must never show to another tenant.
func (t *tenant) ids() []string {
	ids := []string{t.CPO, t.Owner, t.Host, t.Site, t.Group, t.Session, t.CDR, t.Driver,
		t.AdminGroup, t.DriverGroup, t.PrivateUgr, t.Card, t.Affiliate, t.Tariff, t.Assignment, t.Payment, t.TopUp,
		t.Ticket, t.Contact, t.Terminal, t.TerminalPayment, t.Agreement, t.Statement, t.SocketFees, t.Exclusion,
		t.OCPIPartner, t.Webhook, t.Delivery, t.Alert, t.Hub,
		t.Invitation, t.Onboarding, t.Installer, t.Fitter, t.Job, t.Photo, t.Fleet, t.Vehicle, t.Claim}
	ids = append(ids, t.HubCPIDs...)
	var out []string
	for _, id := range ids {
		if id != "" {
			out = append(out, id)
		}
	}
	return out
}

// sys is the context of fixture setup: the platform acting as itself.
func sys() context.Context { return volt.NewContextWithActor(context.Background(), volt.SystemActor) }

// env is a running API on a real store with a fake charger connection.
type env struct {
	db  *store.DB
	h   http.Handler
	cfg Config
	cmd *fakeCommander
	// provider is the sandbox payment provider behind Payments and Wallets.
	provider *sandbox.Provider
	tokens   map[string]string // "super", "A/cpo-admin", ... -> bearer token
	A, B     *tenant
}

func must(t *testing.T, err error) {
	t.Helper()
	if err != nil {
		t.Fatal(err)
	}
}

// buildTenant creates a CPO with its owner, host, site, charger group,
// charger and a completed session with its CDR.
func buildTenant(t *testing.T, cfg Config, name string) *tenant {
	t.Helper()
	ctx := sys()
	tn := &tenant{Name: name, Users: map[string]string{}}
	cpo := &volt.CPO{Name: "CPO " + name}
	must(t, cfg.Hierarchy.CreateCPO(ctx, cpo))
	tn.CPO = cpo.ID
	own := &volt.Owner{CPOID: cpo.ID, Name: "Owner " + name}
	must(t, cfg.Hierarchy.CreateOwner(ctx, own))
	tn.Owner = own.ID
	site := &volt.Site{OwnerID: own.ID, Name: "Site " + name, Latitude: 51.5, Longitude: -0.1}
	must(t, cfg.Hierarchy.CreateSite(ctx, site))
	tn.Site = site.ID
	g := &volt.ChargerGroup{SiteID: site.ID, Name: "Group " + name}
	must(t, cfg.Hierarchy.CreateChargerGroup(ctx, g))
	tn.Group = g.ID
	h := &volt.Host{OwnerID: own.ID, Name: "Host " + name, ChargerGroupIDs: []string{g.ID}}
	must(t, cfg.Hierarchy.CreateHost(ctx, h))
	tn.Host = h.ID
	c := &volt.Charger{ChargerGroupID: g.ID, Name: "Charger " + name}
	cred, err := cfg.Chargers.CreateCharger(ctx, c, 2)
	must(t, err)
	tn.CPID = cred.CPID
	buildPeople(t, cfg, tn)
	buildMoney(t, cfg, tn)
	pay := preAuthorize(t, cfg, tn)
	cdr := buildSession(t, cfg, tn)
	settle(t, cfg, tn, pay, cdr)
	buildTerminalAndReimbursement(t, cfg, tn)
	buildFleet(t, cfg, tn) // fleet_fixture_test.go
	buildOCPI(t, cfg, tn)
	buildCertHub(t, cfg, tn) // certhub_fixture_test.go
	buildFieldOps(t, cfg, tn)
	if cfg.HostNames != nil {
		_, err := cfg.HostNames.ClaimHostName(ctx, tn.CPO, tn.HostName())
		must(t, err)
	}
	return tn
}

// HostName is the host name the tenant's CPO claims.
func (t *tenant) HostName() string { return "charge." + strings.ToLower(t.Name) + ".example" }

// buildSession records a charge through the charging service, as the
// gateway would, keeps the session and CDR ids and returns the CDR.
func buildSession(t *testing.T, cfg Config, tn *tenant) *volt.CDR {
	t.Helper()
	ctx := sys()
	start := time.Now().Add(-time.Hour).UTC().Truncate(time.Second)
	tag := tn.CardUID
	if tag == "" {
		tag = "TAG" + tn.Name
	}
	res, err := cfg.Charging.StartTransaction(ctx, volt.StartRequest{CPID: tn.CPID, ConnectorID: 1, IDTag: tag,
		MeterStart: 1000, At: start, ReceivedAt: start})
	must(t, err)
	txID := res.TransactionID
	_, err = cfg.Charging.RecordMeterValues(ctx, volt.MeterReport{CPID: tn.CPID, ConnectorID: 1, TransactionID: &txID,
		Samples: []volt.MeterSample{{Timestamp: start.Add(15 * time.Minute), Unit: "Wh", Value: "4000"}}})
	must(t, err)
	stop, err := cfg.Charging.StopTransaction(ctx, volt.StopRequest{CPID: tn.CPID, TransactionID: res.TransactionID,
		MeterStop: 8500, At: start.Add(30 * time.Minute), Reason: "Local"})
	must(t, err)
	tn.Session = stop.Session.ID
	if stop.CDR == nil {
		t.Fatal("the stop wrote no CDR")
	}
	tn.CDR = stop.CDR.ID
	must(t, cfg.Charging.LogFrames(ctx, []volt.FrameLog{{CPID: tn.CPID, Identity: tn.CPID, Direction: "in",
		Action: "Heartbeat", UniqueID: "1", Frame: `[2,"1","Heartbeat",{}]`}}))
	v := "300"
	must(t, cfg.Charging.RecordConfiguration(ctx, tn.CPID, []volt.ConfigKey{{Key: "HeartbeatInterval", Value: &v}}))
	return stop.CDR
}

// do sends one request and returns status and body.
func (e *env) do(method, path, body, token string) (int, []byte) {
	return e.doH(method, path, body, token, "")
}

// doH sends one request with an extra header "Name: value" ("" for none).
func (e *env) doH(method, path, body, token, header string) (int, []byte) {
	var r io.Reader
	if body != "" {
		r = strings.NewReader(body)
	}
	req := httptest.NewRequest(method, path, r)
	if body != "" {
		req.Header.Set("Content-Type", "application/json")
	}
	if token != "" {
		req.Header.Set("Authorization", "Bearer "+token)
	}
	if name, value, ok := strings.Cut(header, ": "); ok {
		req.Header.Set(name, value)
	}
	rec := httptest.NewRecorder()
	e.h.ServeHTTP(rec, req)
	return rec.Code, rec.Body.Bytes()
}

func quietLogger() *slog.Logger { return slog.New(slog.DiscardHandler) }

func jsonField(t *testing.T, body []byte, field string) string {
	t.Helper()
	var m map[string]any
	if err := json.Unmarshal(body, &m); err != nil {
		t.Fatalf("not a JSON object: %s", body)
	}
	s, _ := m[field].(string)
	return s
}
