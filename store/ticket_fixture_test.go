package store_test

import (
	"context"
	"testing"
	"time"

	"github.com/volt-ev/volt"
	"github.com/volt-ev/volt/store"
)

// supportFixture is the core estate with a charger in CPO A (group A1) and
// one in CPO B, two drivers of CPO A and one of CPO B with cards, a session
// of driver 1 on charger A, and the support services.
type supportFixture struct {
	*coreFixture
	tickets  *store.TicketService
	helpline *store.HelplineService
	charging *store.ChargingService

	chA, chB     *volt.ChargerCredentials
	d1, d2, dB   *volt.User
	sessA, sessB *volt.Session
	cardD1       *volt.RFIDCard
	supportUserA *volt.User
}

func newSupportFixture(t testing.TB, db *store.DB) *supportFixture {
	t.Helper()
	f := &supportFixture{coreFixture: newCoreFixture(t, db), tickets: store.NewTicketService(db),
		helpline: store.NewHelplineService(db), charging: store.NewChargingService(db)}
	ctx := sysCtx()
	f.chA = f.charger(t, f.groupA1, "Car park A")
	f.chB = f.charger(t, f.groupB, "Car park B")
	must(t, f.charging.RecordBoot(ctx, f.chA.CPID, volt.BootInfo{Vendor: "V", Model: "M", SerialNumber: "SN-ALPHA-77", At: time.Now()}))
	f.d1 = &volt.User{Email: "dora@example.com", Name: "Dora Driver", Phone: "+44 7700 900123", CPOID: f.cpoA.ID}
	f.d2 = &volt.User{Email: "dan@example.com", Name: "Dan Driver", CPOID: f.cpoA.ID}
	f.dB = &volt.User{Email: "bea@example.com", Name: "Bea B", Phone: "07700 900999", CPOID: f.cpoB.ID}
	f.supportUserA = &volt.User{Email: "sam@example.com", Name: "Sam Support", CPOID: f.cpoA.ID}
	for _, u := range []*volt.User{f.d1, f.d2, f.dB, f.supportUserA} {
		must(t, f.us.CreateUser(ctx, u, ""))
	}
	f.cardD1 = &volt.RFIDCard{UID: "04a2b3c4d5", UserID: f.d1.ID, CPOID: f.cpoA.ID}
	must(t, f.us.CreateRFIDCard(ctx, f.cardD1))
	cardB := &volt.RFIDCard{UID: "04a2b3ffff", UserID: f.dB.ID, CPOID: f.cpoB.ID}
	must(t, f.us.CreateRFIDCard(ctx, cardB))
	f.sessA = f.start(t, f.chA.CPID, f.cardD1.UID)
	f.sessB = f.start(t, f.chB.CPID, cardB.UID)
	return f
}

func (f *supportFixture) start(t testing.TB, cpid, idTag string) *volt.Session {
	t.Helper()
	now := time.Now()
	res, err := f.charging.StartTransaction(sysCtx(), volt.StartRequest{CPID: cpid, ConnectorID: 1, IDTag: idTag,
		MeterStart: 1000, At: now, ReceivedAt: now})
	must(t, err)
	if res.Auth.Status != volt.AuthAccepted {
		t.Fatalf("start on %s with %s: %+v", cpid, idTag, res.Auth)
	}
	return res.Session
}

// as returns a context acting as user u with grants.
func as(u *volt.User, grants ...volt.Grant) context.Context {
	return volt.NewContextWithActor(context.Background(), &volt.Actor{UserID: u.ID, Email: u.Email, Grants: grants})
}

func (f *supportFixture) supportA() context.Context {
	return as(f.supportUserA, volt.Grant{Role: volt.RoleSupport, CPOID: f.cpoA.ID})
}

func (f *supportFixture) supportB() context.Context {
	return actorCtx(volt.Grant{Role: volt.RoleSupport, CPOID: f.cpoB.ID})
}
