package store_test

import (
	"context"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/volt-ev/volt"
	"github.com/volt-ev/volt/store"
	"github.com/volt-ev/volt/store/storetest"
)

// mailbox keeps the e-mails a service sent.
type mailbox struct {
	mu   sync.Mutex
	sent []string // "to|subject|body"
}

func (m *mailbox) send(to, subject, body string) error {
	m.mu.Lock()
	defer m.mu.Unlock()
	m.sent = append(m.sent, to+"|"+subject+"|"+body)
	return nil
}

func (m *mailbox) find(to, word string) bool {
	m.mu.Lock()
	defer m.mu.Unlock()
	for _, s := range m.sent {
		if strings.HasPrefix(s, to+"|") && strings.Contains(s, word) {
			return true
		}
	}
	return false
}

func tokenOf(t *testing.T, url string) string {
	t.Helper()
	_, tok, ok := strings.Cut(url, store.InvitePath)
	if !ok || len(tok) < 40 {
		t.Fatalf("invitation URL %q carries no token", url)
	}
	return tok
}

func userCtx(t *testing.T, db *store.DB, u *volt.User) context.Context {
	t.Helper()
	a, err := store.ActorOfUser(context.Background(), db, u.ID, u.Email, false)
	must(t, err)
	return volt.NewContextWithActor(context.Background(), a)
}

// TestInvitationRegistrationAndHoldingArea is issue 16 items 1-2 on both
// engines: a CPO admin invites an owner; the link opens once, the
// registration creates owner, admin and onboarding together; the new
// account is held until it submits a complete onboarding and the CPO
// approves it; other tenants see none of it; expired, used and revoked
// links register nothing.
func TestInvitationRegistrationAndHoldingArea(t *testing.T) {
	storetest.ForEachEngine(t, func(t *testing.T, db *store.DB) {
		clk := &clock{now: time.Now().UTC().Truncate(time.Millisecond)}
		db.Now = clk.Now
		f := newCoreFixture(t, db)
		box := &mailbox{}
		var audited []string
		svc := store.NewInvitationService(db)
		svc.Mail, svc.LinkBase = box.send, func() string { return "https://volt.example" }
		svc.Audit = func(_ context.Context, e *volt.AuditEntry) { audited = append(audited, e.Action+":"+e.Outcome) }

		inv := &volt.Invitation{Kind: volt.InviteOwner, CPOID: f.cpoA.ID, Email: "New.Owner@example.com",
			Prefill: map[string]string{"organisationName": "Bright Parking Ltd"}}
		must(t, svc.CreateInvitation(f.adminA(), inv, 0))
		token := tokenOf(t, inv.URL)
		if !box.find("new.owner@example.com", inv.URL) {
			t.Errorf("the link was not e-mailed: %v", box.sent)
		}
		var stored int
		must(t, db.QueryRow(context.Background(), `SELECT count(*) FROM invitations WHERE token_hash = ?`, token).Scan(&stored))
		if stored != 0 {
			t.Error("the token is stored in clear")
		}
		// Another tenant neither sees nor revokes it; a CPO admin does not invite CPOs.
		_, err := svc.FindInvitationByID(f.adminB(), inv.ID)
		wantCode(t, "B reads A's invitation", err, volt.ENOTFOUND)
		_, err = svc.RevokeInvitation(f.adminB(), inv.ID)
		wantCode(t, "B revokes A's invitation", err, volt.ENOTFOUND)
		if items, _, err := svc.FindInvitations(f.adminB(), volt.InvitationFilter{}); err != nil || len(items) != 0 {
			t.Errorf("B lists %d invitations (%v)", len(items), err)
		}
		err = svc.CreateInvitation(f.adminA(), &volt.Invitation{Kind: volt.InviteCPO, Email: "x@example.com"}, 0)
		wantCode(t, "CPO admin invites a CPO", err, volt.EFORBIDDEN)
		err = svc.CreateInvitation(f.staffA(), &volt.Invitation{Kind: volt.InviteOwner, CPOID: f.cpoA.ID, Email: "x@example.com"}, 0)
		wantCode(t, "staff invites", err, volt.EFORBIDDEN)

		// A refused registration leaves the link usable and no account.
		_, err = svc.Register(context.Background(), volt.Registration{Token: token, Name: "Nia", Password: "short", OrganisationName: "Bright"})
		wantField(t, "weak password", err, volt.EINVALID, "password")
		if _, err := svc.OpenInvitation(context.Background(), token); err != nil {
			t.Fatalf("the link after a refused registration: %v", err)
		}
		u, err := svc.Register(context.Background(), volt.Registration{Token: token, Name: "Nia Owner", Password: "a long enough password", OrganisationName: "Bright Parking Ltd"})
		must(t, err)
		_, err = svc.Register(context.Background(), volt.Registration{Token: token, Name: "Again", Password: "a long enough password", OrganisationName: "X"})
		wantCode(t, "used link", err, volt.EUNPROCESSABLE)
		if got, _ := svc.FindInvitationByID(f.adminA(), inv.ID); got == nil || got.State != volt.InvitationUsed || got.UserID != u.ID {
			t.Errorf("invitation after use: %+v", got)
		}

		// Held: the actor carries the onboarding until approval.
		uctx := userCtx(t, db, u)
		if volt.ActorFromContext(uctx).OnboardingID == "" {
			t.Fatal("the new owner admin is not in the holding area")
		}
		o, err := svc.MyOnboarding(uctx)
		must(t, err)
		if o.CompanyName != "Bright Parking Ltd" || o.Kind != volt.InviteOwner {
			t.Errorf("onboarding: %+v", o)
		}
		o.CompanyNumber, o.VATNumber = "01234567", "GB123456789"
		err = svc.SaveOnboarding(uctx, o, true)
		wantField(t, "incomplete submit", err, volt.EINVALID, "address.line1")
		o.Address = volt.Address{Line1: "1 High St", City: "Leeds", Postcode: "LS1 1AA", Country: "GB"}
		o.Bank = volt.BankDetails{AccountName: "Bright Parking", SortCode: "12-34-56", AccountNumber: "12345678"}
		o.FirstSite = volt.OnboardingSite{Name: "Bright Car Park", Latitude: 53.8, Longitude: -1.55}
		o.TermsAccepted = true
		err = svc.SaveOnboarding(uctx, o, true)
		must(t, err)
		if o.Status != volt.OnboardingSubmitted || o.FirstSiteID == "" || o.Bank.SortCode != "123456" {
			t.Fatalf("submitted onboarding: %+v", o)
		}
		if _, err := f.h.FindSiteByID(sysCtx(), o.FirstSiteID); err != nil {
			t.Errorf("first site: %v", err)
		}
		_, err = svc.DecideOnboarding(uctx, o.ID, true, "")
		wantCode(t, "self-approval", err, volt.EFORBIDDEN)
		_, err = svc.DecideOnboarding(f.adminB(), o.ID, true, "")
		wantCode(t, "B approves", err, volt.ENOTFOUND)
		_, err = svc.DecideOnboarding(f.adminA(), o.ID, false, "")
		wantField(t, "reject without reason", err, volt.EINVALID, "reason")
		_, err = svc.DecideOnboarding(f.adminA(), o.ID, false, "The VAT number does not match.")
		must(t, err)
		if !box.find("new.owner@example.com", "VAT number does not match") {
			t.Error("the rejection was not e-mailed")
		}
		must(t, svc.SaveOnboarding(userCtx(t, db, u), o, true))
		got, err := svc.DecideOnboarding(f.adminA(), o.ID, true, "")
		must(t, err)
		if got.Status != volt.OnboardingApproved || !box.find("new.owner@example.com", "approved") {
			t.Errorf("approved: %+v", got)
		}
		if a := volt.ActorFromContext(userCtx(t, db, u)); a.OnboardingID != "" {
			t.Error("still held after approval")
		}
		if strings.Join(audited, ",") != "invitation.create:ok,onboarding.approve:failed,onboarding.reject:ok,onboarding.approve:ok" &&
			!strings.Contains(strings.Join(audited, ","), "onboarding.reject:ok,onboarding.approve:ok") {
			t.Errorf("audited: %v", audited)
		}

		// Expired and revoked links answer so and register nothing.
		late := &volt.Invitation{Kind: volt.InviteOwner, CPOID: f.cpoA.ID, Email: "late@example.com"}
		must(t, svc.CreateInvitation(f.adminA(), late, time.Hour))
		gone := &volt.Invitation{Kind: volt.InviteOwner, CPOID: f.cpoA.ID, Email: "gone@example.com"}
		must(t, svc.CreateInvitation(f.adminA(), gone, 0))
		_, err = svc.RevokeInvitation(f.adminA(), gone.ID)
		must(t, err)
		clk.Add(2 * time.Hour)
		for _, c := range []struct {
			inv  *volt.Invitation
			word string
		}{{late, "expired"}, {gone, "withdrawn"}} {
			_, err := svc.OpenInvitation(context.Background(), tokenOf(t, c.inv.URL))
			if volt.ErrorCode(err) != volt.EUNPROCESSABLE || !strings.Contains(volt.ErrorMessage(err), c.word) {
				t.Errorf("%s link opens: %v", c.word, err)
			}
			_, err = svc.Register(context.Background(), volt.Registration{Token: tokenOf(t, c.inv.URL), Name: "N", Password: "a long enough password", OrganisationName: "O"})
			wantCode(t, c.word+" link registers", err, volt.EUNPROCESSABLE)
			var n int
			must(t, db.QueryRow(context.Background(), `SELECT count(*) FROM users WHERE email = ?`, c.inv.Email).Scan(&n))
			if n != 0 {
				t.Errorf("%s link made an account", c.word)
			}
		}
		if items, _, _ := svc.FindInvitations(f.adminA(), volt.InvitationFilter{State: volt.InvitationExpired}); len(items) != 1 || items[0].ID != late.ID {
			t.Errorf("expired filter: %+v", items)
		}
		_, err = svc.OpenInvitation(context.Background(), "not-a-token")
		wantCode(t, "unknown token", err, volt.ENOTFOUND)
	})
}

// TestInstallJobEngineerRights is issue 16 item 3 on both engines: an
// engineer sees only its jobs; commissioning onboards the planned chargers;
// during the job the engineer reads and commands those chargers only and
// charges free on them; after the job's end, nothing; a refused photo is
// stored nowhere; the first boot is recorded against the job.
func TestInstallJobEngineerRights(t *testing.T) {
	storetest.ForEachEngine(t, func(t *testing.T, db *store.DB) {
		clk := &clock{now: time.Now().UTC().Truncate(time.Millisecond)}
		db.Now = clk.Now
		f := newCoreFixture(t, db)
		svc := store.NewInstallJobService(db)
		eng := &volt.User{Email: "erin@installer.example", Name: "Erin", CPOID: f.cpoA.ID}
		must(t, f.us.CreateUser(sysCtx(), eng, "a long enough password"))
		ins := &volt.Installer{CPOID: f.cpoA.ID, Name: "Sparks Ltd", OZEVNumber: "OZEV-1234", Regions: []string{"Yorkshire"}}
		wantCode(t, "B adds an installer to A", svc.CreateInstaller(f.adminB(), &volt.Installer{CPOID: f.cpoA.ID, Name: "X"}), volt.ENOTFOUND)
		must(t, svc.CreateInstaller(f.adminA(), ins))
		must(t, svc.AddEngineer(f.adminA(), ins.ID, eng.ID))
		other := f.charger(t, f.groupA1, "Existing")

		job := &volt.InstallJob{ChargerGroupID: f.groupA1.ID, InstallerID: ins.ID, EngineerIDs: []string{eng.ID},
			Chargers: []volt.PlannedCharger{{Vendor: "Acme", Model: "AC22", Connectors: 2, MaxPowerW: 22000, OCPPIdentity: "ACME-SN-1"}},
			StartsAt: clk.Now().Add(-time.Hour), EndsAt: clk.Now().Add(8 * time.Hour), ExternalRef: "deal-42"}
		wantCode(t, "B plans a job in A's group", svc.CreateInstallJob(f.adminB(), &volt.InstallJob{ChargerGroupID: f.groupA1.ID,
			InstallerID: ins.ID, Chargers: job.Chargers, StartsAt: job.StartsAt, EndsAt: job.EndsAt}), volt.ENOTFOUND)
		must(t, svc.CreateInstallJob(f.ownerAdminA(), job))
		if job.Status != volt.JobRequested || job.CPOID != f.cpoA.ID || len(job.Checklist) == 0 {
			t.Fatalf("job: %+v", job)
		}
		ectx := userCtx(t, db, eng)
		if jobs, _, err := svc.FindInstallJobs(ectx, volt.InstallJobFilter{}); err != nil || len(jobs) != 1 {
			t.Fatalf("engineer's jobs: %d %v", len(jobs), err)
		}
		if jobs, _, _ := svc.FindInstallJobs(f.adminB(), volt.InstallJobFilter{}); len(jobs) != 0 {
			t.Error("B lists A's job")
		}
		_, err := svc.Commission(ectx, job.ID)
		wantCode(t, "commission a requested job", err, volt.EUNPROCESSABLE)
		_, err = svc.SetInstallJobStatus(ectx, job.ID, volt.JobInProgress)
		wantField(t, "skip a step", err, volt.EUNPROCESSABLE, "status")
		for _, st := range []volt.JobStatus{volt.JobScheduled, volt.JobInProgress} {
			_, err = svc.SetInstallJobStatus(ectx, job.ID, st)
			must(t, err)
		}

		// Photos: checked by their bytes; refused ones leave no row.
		png := []byte("\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR")
		_, err = svc.AddInstallJobPhoto(ectx, job.ID, "board", png)
		must(t, err)
		_, err = svc.AddInstallJobPhoto(ectx, job.ID, "evil", []byte("<html>not an image</html>"))
		wantField(t, "HTML photo", err, volt.EINVALID, "photo")
		_, err = svc.AddInstallJobPhoto(ectx, job.ID, "huge", append([]byte{0xFF, 0xD8, 0xFF}, make([]byte, volt.MaxPhotoBytes)...))
		wantField(t, "huge photo", err, volt.EINVALID, "photo")
		var photos int
		must(t, db.QueryRow(context.Background(), `SELECT count(*) FROM install_job_photos`).Scan(&photos))
		if photos != 1 {
			t.Errorf("%d photos stored, want 1", photos)
		}
		_, err = svc.AddInstallJobNote(ectx, job.ID, "Supply is 100 A three-phase.")
		must(t, err)

		creds, err := svc.Commission(ectx, job.ID)
		must(t, err)
		if len(creds) != 1 || creds[0].OCPPIdentity != "ACME-SN-1" || len(creds[0].OCPPPassword) < 16 {
			t.Fatalf("commissioned: %+v", creds)
		}
		cpid := creds[0].CPID
		ch, err := f.ch.FindChargerByCPID(sysCtx(), cpid)
		must(t, err)
		if ch.ChargerGroupID != f.groupA1.ID || ch.Connectors[0].MaxPowerW != 22000 || len(ch.Connectors) != 2 {
			t.Errorf("onboarded charger: %+v", ch)
		}

		// During the job: its charger only.
		ectx = userCtx(t, db, eng)
		a := volt.ActorFromContext(ectx)
		if _, err := f.ch.FindChargerByCPID(ectx, cpid); err != nil {
			t.Errorf("engineer reads the job's charger: %v", err)
		}
		if !a.Can(volt.PermCommand, ch.Ref()) || a.Can(volt.PermWrite, ch.Ref()) {
			t.Error("engineer's rights on the job's charger: want command, not write")
		}
		_, err = f.ch.FindChargerByCPID(ectx, other.CPID)
		wantCode(t, "engineer reads another charger", err, volt.ENOTFOUND)
		if list, _, _ := f.ch.FindChargers(ectx, volt.ChargerFilter{}); len(list) != 1 || list[0].CPID != cpid {
			t.Errorf("engineer's chargers: %d", len(list))
		}
		card := &volt.RFIDCard{UID: "ENG0001", UserID: eng.ID}
		must(t, f.us.CreateRFIDCard(sysCtx(), card))
		charging := store.NewChargingService(db)
		res, err := charging.AuthorizeIDTag(sysCtx(), cpid, "ENG0001")
		must(t, err)
		if res.Status != volt.AuthAccepted || !res.FreeVend {
			t.Errorf("engineer on the job's charger: %+v", res)
		}
		res, err = charging.AuthorizeIDTag(sysCtx(), other.CPID, "ENG0001")
		must(t, err)
		if res.FreeVend {
			t.Errorf("engineer charges free on another charger: %+v", res)
		}

		ok, err := svc.RecordFirstBoot(sysCtx(), cpid, clk.Now())
		must(t, err)
		again, _ := svc.RecordFirstBoot(sysCtx(), cpid, clk.Now().Add(time.Minute))
		if !ok || again {
			t.Errorf("first boot recorded %v, again %v", ok, again)
		}
		got, err := svc.FindInstallJobByID(ectx, job.ID)
		must(t, err)
		if got.Status != volt.JobCommissioned || got.Chargers[0].CPID != cpid || got.Chargers[0].FirstBootAt == nil ||
			len(got.Notes) != 1 || len(got.Photos) != 1 {
			t.Errorf("job after commissioning: %+v", got)
		}
		_, err = svc.SetInstallJobStatus(ectx, job.ID, volt.JobSignedOff)
		wantCode(t, "engineer signs off", err, volt.EFORBIDDEN)

		// After the job's end: nothing.
		clk.Add(9 * time.Hour)
		ectx = userCtx(t, db, eng)
		_, err = f.ch.FindChargerByCPID(ectx, cpid)
		wantCode(t, "engineer after the job", err, volt.ENOTFOUND)
		res, err = charging.AuthorizeIDTag(sysCtx(), cpid, "ENG0001")
		must(t, err)
		if res.FreeVend {
			t.Error("engineer charges free after the job")
		}
		if jobs, _, _ := svc.FindInstallJobs(ectx, volt.InstallJobFilter{}); len(jobs) != 1 {
			t.Error("the engineer no longer sees its job")
		}
	})
}

// TestCPOInvitation registers a new CPO by a super admin's link: the CPO,
// its admin usergroup and first admin come together; submitting creates
// the CPO's owner and first site and fills its legal facts; only a super
// admin approves it, not the new CPO's own admin nor another CPO's.
func TestCPOInvitation(t *testing.T) {
	storetest.ForEachEngine(t, func(t *testing.T, db *store.DB) {
		f := newCoreFixture(t, db)
		svc := store.NewInvitationService(db)
		super := volt.NewContextWithActor(context.Background(), &volt.Actor{UserID: "usr_root", SuperAdmin: true})
		inv := &volt.Invitation{Kind: volt.InviteCPO, CPOID: f.cpoA.ID, Email: "ceo@newcpo.example"}
		must(t, svc.CreateInvitation(super, inv, 0))
		if inv.CPOID != "" {
			t.Errorf("a CPO invitation names a CPO: %q", inv.CPOID)
		}
		if items, _, _ := svc.FindInvitations(f.adminA(), volt.InvitationFilter{}); len(items) != 0 {
			t.Error("a CPO admin lists the super admin's CPO invitations")
		}
		u, err := svc.Register(context.Background(), volt.Registration{Token: tokenOf(t, inv.URL), Name: "Cee", Password: "a long enough password", OrganisationName: "New Volt Ltd"})
		must(t, err)
		if u.CPOID == "" || u.CPOID == f.cpoA.ID {
			t.Fatalf("the new admin's home CPO: %q", u.CPOID)
		}
		uctx := userCtx(t, db, u)
		a := volt.ActorFromContext(uctx)
		if a.OnboardingID == "" || !a.Can(volt.PermWrite, volt.Ref{CPOID: u.CPOID}) {
			t.Fatalf("new CPO admin: %+v", a)
		}
		cpo, err := f.h.FindCPOByID(sysCtx(), u.CPOID)
		must(t, err)
		if cpo.Name != "New Volt Ltd" {
			t.Errorf("CPO %+v", cpo)
		}
		o, err := svc.MyOnboarding(uctx)
		must(t, err)
		o.CompanyNumber, o.VATNumber = "NV1", "GB777"
		o.Address = volt.Address{Line1: "2 Dock Road", City: "Hull", Postcode: "HU1 1AA"}
		o.Bank = volt.BankDetails{AccountName: "New Volt", SortCode: "112233", AccountNumber: "87654321"}
		o.FirstSite, o.TermsAccepted = volt.OnboardingSite{Name: "Dock Road"}, true
		must(t, svc.SaveOnboarding(uctx, o, true))
		st, err := f.h.FindSiteByID(sysCtx(), o.FirstSiteID)
		must(t, err)
		if st.CPOID != u.CPOID || o.OwnerID == "" || st.OwnerID != o.OwnerID {
			t.Errorf("first site %+v, onboarding owner %q", st, o.OwnerID)
		}
		if cpo, _ = f.h.FindCPOByID(sysCtx(), u.CPOID); cpo.VATNumber != "GB777" || cpo.LegalName != "New Volt Ltd" {
			t.Errorf("CPO legal facts: %+v", cpo)
		}
		_, err = svc.DecideOnboarding(uctx, o.ID, true, "")
		wantCode(t, "self-approval", err, volt.EFORBIDDEN)
		_, err = svc.DecideOnboarding(f.adminA(), o.ID, true, "")
		wantCode(t, "another CPO approves", err, volt.ENOTFOUND)
		_, err = svc.DecideOnboarding(super, o.ID, true, "")
		must(t, err)
		if volt.ActorFromContext(userCtx(t, db, u)).OnboardingID != "" {
			t.Error("still held")
		}
	})
}
