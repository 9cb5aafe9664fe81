package store_test

import (
	"context"
	"errors"
	"testing"

	"github.com/volt-ev/volt"
	"github.com/volt-ev/volt/store"
)

// coreFixture is a small estate built through the services as the system:
// CPO A with owners A and A2, site A with groups A1 and A2, host A granted
// group A1; CPO B with owner B, site B, group B.
type coreFixture struct {
	db   *store.DB
	h    *store.HierarchyService
	ch   *store.ChargerService
	us   *store.UserService
	auth *store.AuthService

	cpoA, cpoB              *volt.CPO
	ownerA, ownerA2, ownerB *volt.Owner
	siteA, siteA2, siteB    *volt.Site
	groupA1, groupA2        *volt.ChargerGroup
	groupA3, groupB         *volt.ChargerGroup // A3 is in site A2 (owner A2)
	hostA                   *volt.Host
}

func sysCtx() context.Context {
	return volt.NewContextWithActor(context.Background(), volt.SystemActor)
}

// actorCtx returns a context acting as a user with the given grants.
func actorCtx(grants ...volt.Grant) context.Context {
	return volt.NewContextWithActor(context.Background(), &volt.Actor{UserID: "usr_actor", Email: "actor@example.com", Grants: grants})
}

func must(t testing.TB, err error) {
	t.Helper()
	if err != nil {
		t.Fatal(err)
	}
}

// wantCode fails unless err carries code.
func wantCode(t testing.TB, what string, err error, code string) {
	t.Helper()
	if got := volt.ErrorCode(err); got != code {
		t.Errorf("%s: error %v (code %q), want code %q", what, err, got, code)
	}
}

// wantField fails unless err is a volt error with code about field.
func wantField(t testing.TB, what string, err error, code, field string) {
	t.Helper()
	var ve *volt.Error
	if !errors.As(err, &ve) || ve.Code != code || ve.Field != field {
		t.Errorf("%s: error %v, want %s on field %q", what, err, code, field)
	}
}

func newCoreFixture(t testing.TB, db *store.DB) *coreFixture {
	t.Helper()
	f := &coreFixture{db: db, h: store.NewHierarchyService(db), ch: store.NewChargerService(db),
		us: store.NewUserService(db), auth: store.NewAuthService(db)}
	ctx := sysCtx()
	f.cpoA = &volt.CPO{Name: "CPO A", Whitelabel: true, Theme: volt.Theme{HostNames: []string{"A.example.com"}}}
	f.cpoB = &volt.CPO{Name: "CPO B"}
	must(t, f.h.CreateCPO(ctx, f.cpoA))
	must(t, f.h.CreateCPO(ctx, f.cpoB))
	f.ownerA = &volt.Owner{CPOID: f.cpoA.ID, Name: "Owner A"}
	f.ownerA2 = &volt.Owner{CPOID: f.cpoA.ID, Name: "Owner A2"}
	f.ownerB = &volt.Owner{CPOID: f.cpoB.ID, Name: "Owner B"}
	for _, o := range []*volt.Owner{f.ownerA, f.ownerA2, f.ownerB} {
		must(t, f.h.CreateOwner(ctx, o))
	}
	f.siteA = &volt.Site{OwnerID: f.ownerA.ID, Name: "Site A", Latitude: 51.5074, Longitude: -0.1278, Amenities: []string{"cafe"}}
	f.siteA2 = &volt.Site{OwnerID: f.ownerA2.ID, Name: "Site A2"}
	f.siteB = &volt.Site{OwnerID: f.ownerB.ID, Name: "Site B"}
	for _, s := range []*volt.Site{f.siteA, f.siteA2, f.siteB} {
		must(t, f.h.CreateSite(ctx, s))
	}
	f.groupA1 = &volt.ChargerGroup{SiteID: f.siteA.ID, Name: "Group A1"}
	f.groupA2 = &volt.ChargerGroup{SiteID: f.siteA.ID, Name: "Group A2", Private: true}
	f.groupA3 = &volt.ChargerGroup{SiteID: f.siteA2.ID, Name: "Group A3"}
	f.groupB = &volt.ChargerGroup{SiteID: f.siteB.ID, Name: "Group B"}
	for _, g := range []*volt.ChargerGroup{f.groupA1, f.groupA2, f.groupA3, f.groupB} {
		must(t, f.h.CreateChargerGroup(ctx, g))
	}
	f.hostA = &volt.Host{OwnerID: f.ownerA.ID, Name: "Host A", ChargerGroupIDs: []string{f.groupA1.ID}}
	must(t, f.h.CreateHost(ctx, f.hostA))
	return f
}

func (f *coreFixture) adminA() context.Context {
	return actorCtx(volt.Grant{Role: volt.RoleAdmin, CPOID: f.cpoA.ID})
}

func (f *coreFixture) adminB() context.Context {
	return actorCtx(volt.Grant{Role: volt.RoleAdmin, CPOID: f.cpoB.ID})
}

func (f *coreFixture) staffA() context.Context {
	return actorCtx(volt.Grant{Role: volt.RoleStaff, CPOID: f.cpoA.ID})
}

func (f *coreFixture) ownerAdminA() context.Context {
	return actorCtx(volt.Grant{Role: volt.RoleAdmin, OwnerID: f.ownerA.ID})
}

func (f *coreFixture) host() context.Context {
	return actorCtx(volt.Grant{Role: volt.RoleHost, HostID: f.hostA.ID, ChargerGroupIDs: []string{f.groupA1.ID}})
}

// charger onboards a charger into g as the system.
func (f *coreFixture) charger(t testing.TB, g *volt.ChargerGroup, name string) *volt.ChargerCredentials {
	t.Helper()
	cr, err := f.ch.CreateCharger(sysCtx(), &volt.Charger{ChargerGroupID: g.ID, Name: name}, 2)
	must(t, err)
	return cr
}
