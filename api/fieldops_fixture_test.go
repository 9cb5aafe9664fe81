package api

import (
	"context"
	"strings"
	"testing"
	"time"

	"github.com/volt-ev/volt"
	"github.com/volt-ev/volt/store"
)

// buildFieldOps gives a tenant issue 16's resources: a pending magic link,
// a submitted onboarding of an owner registered by another link, an
// installer with an engineer ("fitter"), and an install job in progress
// with a photo.
func buildFieldOps(t *testing.T, cfg Config, tn *tenant) {
	t.Helper()
	if cfg.Invitations == nil || cfg.Installs == nil {
		return
	}
	ctx := sys()
	name := strings.ToLower(tn.Name)
	inv := &volt.Invitation{Kind: volt.InviteOwner, CPOID: tn.CPO, Email: "invitee@" + name + ".example"}
	must(t, cfg.Invitations.CreateInvitation(ctx, inv, 0))
	tn.Invitation = inv.ID
	used := &volt.Invitation{Kind: volt.InviteOwner, CPOID: tn.CPO, Email: "newowner@" + name + ".example"}
	must(t, cfg.Invitations.CreateInvitation(ctx, used, 0))
	_, token, _ := strings.Cut(used.URL, store.InvitePath)
	u, err := cfg.Invitations.Register(context.Background(), volt.Registration{Token: token, Name: "New Owner " + tn.Name,
		Password: testPassword, OrganisationName: "New Owner " + tn.Name + " Ltd"})
	must(t, err)
	uctx := volt.NewContextWithActor(context.Background(), &volt.Actor{UserID: u.ID})
	o := completeOnboarding("New Owner " + tn.Name + " Ltd")
	must(t, cfg.Invitations.SaveOnboarding(uctx, o, true))
	tn.Onboarding = o.ID

	ins := &volt.Installer{CPOID: tn.CPO, Name: "Sparks " + tn.Name, OZEVNumber: "OZEV-" + tn.Name}
	must(t, cfg.Installs.CreateInstaller(ctx, ins))
	tn.Installer = ins.ID
	fitter := &volt.User{Email: "fitter@" + name + ".example", Name: "Fitter " + tn.Name, CPOID: tn.CPO}
	must(t, cfg.Users.CreateUser(ctx, fitter, testPassword))
	tn.Fitter = fitter.ID
	must(t, cfg.Installs.AddEngineer(ctx, ins.ID, fitter.ID))
	job := &volt.InstallJob{ChargerGroupID: tn.Group, InstallerID: ins.ID, EngineerIDs: []string{fitter.ID},
		Chargers: []volt.PlannedCharger{{Vendor: "Acme", Model: "AC22", Connectors: 2, MaxPowerW: 22000}},
		StartsAt: time.Now().Add(-time.Hour), EndsAt: time.Now().Add(24 * time.Hour), ExternalRef: "deal-" + tn.Name}
	must(t, cfg.Installs.CreateInstallJob(ctx, job))
	tn.Job = job.ID
	p, err := cfg.Installs.AddInstallJobPhoto(ctx, job.ID, "board", []byte("\x89PNG\r\n\x1a\n"+tn.Name))
	must(t, err)
	tn.Photo = p.ID
}

// completeOnboarding is a holding-area form with every required field.
func completeOnboarding(company string) *volt.Onboarding {
	return &volt.Onboarding{CompanyName: company, CompanyNumber: "01234567", VATNumber: "GB123456789",
		Address:   volt.Address{Line1: "1 High St", City: "Leeds", Postcode: "LS1 1AA", Country: "GB"},
		Bank:      volt.BankDetails{AccountName: company, SortCode: "12-34-56", AccountNumber: "12345678"},
		FirstSite: volt.OnboardingSite{Name: company + " car park", Latitude: 53.8, Longitude: -1.55}, TermsAccepted: true}
}
