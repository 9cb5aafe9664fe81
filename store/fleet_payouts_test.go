package store_test

import (
	"context"
	"fmt"
	"strings"
	"sync"
	"testing"

	"github.com/volt-ev/volt"
	"github.com/volt-ev/volt/store"
	"github.com/volt-ev/volt/store/storetest"
)

// payoutFixture is an owner of CPO A with a fleet and its manager, and
// approved claims of its drivers (inserted as the claim job leaves them:
// the payout reads only the claim).
type payoutFixture struct {
	*moneyFixture
	fs           *store.FleetService
	owner, fleet string
	mgr, admin   context.Context
}

func newPayoutFixture(t *testing.T, db *store.DB) *payoutFixture {
	f := &payoutFixture{moneyFixture: newMoneyFixture(t, db), fs: store.NewFleetService(db)}
	ctx := context.Background()
	must(t, db.QueryRow(ctx, `SELECT owner_id FROM chargers WHERE cpid = ?`, f.cpidA).Scan(&f.owner))
	f.fleet = "ugr_fleet" + f.owner
	f.exec(t, `INSERT INTO usergroups (id, name, role, cpo_id, owner_id, created_at, updated_at) VALUES (?, 'Fleet', 'fleet_manager', ?, ?, 0, 0)`, f.fleet, f.cpoA, f.owner)
	f.mgr = volt.NewContextWithActor(ctx, &volt.Actor{UserID: "u-mgr", Grants: []volt.Grant{{Role: volt.RoleFleetManager, OwnerID: f.owner, FleetID: f.fleet}}})
	f.admin = volt.NewContextWithActor(ctx, &volt.Actor{UserID: "u-adm", Grants: []volt.Grant{{Role: volt.RoleAdmin, CPOID: f.cpoA, OwnerID: f.owner}}})
	return f
}

// claim inserts an approved claim of user for month paying amount pence
// for paidWh.
func (f *payoutFixture) claim(t *testing.T, user, month string, paidWh, amount int64) string {
	id := volt.NewID("rcl")
	f.exec(t, `INSERT INTO reimbursement_claims (id, cpo_id, owner_id, fleet_id, user_id, vehicle_id, agreement_id, cpid, month, state, rate, currency,
		paid_wh, amount, created_at, approved_at) VALUES (?, ?, ?, ?, ?, 'veh_x', ?, ?, ?, 'approved', '0.25', 'GBP', ?, ?, 0, 0)`,
		id, f.cpoA, f.owner, f.fleet, user, volt.NewID("rag"), f.cpidA, month, paidWh, amount)
	return id
}

// TestPayoutSettings (issue 19): an owner pays by the wallet until its
// admin chooses; Bacs needs the company's account and service user
// number; the fleet's manager, its drivers and another CPO neither read
// nor change the choice.
func TestPayoutSettings(t *testing.T) {
	storetest.ForEachEngine(t, func(t *testing.T, db *store.DB) {
		f := newPayoutFixture(t, db)
		p, err := f.fs.FindPayoutSettings(f.admin, f.owner)
		if err != nil || p.Method != volt.PayoutWallet {
			t.Fatalf("default settings: %+v, %v", p, err)
		}
		bacs := &volt.PayoutSettings{OwnerID: f.owner, Method: volt.PayoutBacs18,
			Originator: volt.BankAccount{SortCode: "40-11-62", AccountNumber: "12345678", Name: "Acme Fleet Ltd"}, ServiceUserNumber: "12345"}
		if err := f.fs.SetPayoutSettings(f.admin, bacs); volt.ErrorCode(err) != volt.EINVALID || err.(*volt.Error).Field != "serviceUserNumber" {
			t.Errorf("5-digit SUN: %v", err)
		}
		bacs.ServiceUserNumber = "123456"
		drv := volt.NewContextWithActor(context.Background(), &volt.Actor{UserID: f.driverB})
		otherCPO := volt.NewContextWithActor(context.Background(), &volt.Actor{UserID: "s", Grants: []volt.Grant{{Role: volt.RoleAdmin, CPOID: f.cpoB}}})
		staff := volt.NewContextWithActor(context.Background(), &volt.Actor{UserID: "st", Grants: []volt.Grant{{Role: volt.RoleStaff, CPOID: f.cpoA, OwnerID: f.owner}}})
		for name, c := range map[string]struct {
			ctx  context.Context
			code string
		}{"fleet manager": {f.mgr, volt.ENOTFOUND}, "driver": {drv, volt.ENOTFOUND}, "other CPO": {otherCPO, volt.ENOTFOUND}, "owner staff": {staff, volt.EFORBIDDEN}} {
			if err := f.fs.SetPayoutSettings(c.ctx, bacs); volt.ErrorCode(err) != c.code {
				t.Errorf("%s sets the payout settings: %v, want %s", name, err, c.code)
			}
			if c.code == volt.ENOTFOUND {
				if _, err := f.fs.FindPayoutSettings(c.ctx, f.owner); volt.ErrorCode(err) != volt.ENOTFOUND {
					t.Errorf("%s reads the payout settings: %v", name, err)
				}
			}
		}
		must(t, f.fs.SetPayoutSettings(f.admin, bacs))
		p, err = f.fs.FindPayoutSettings(staff, f.owner)
		if err != nil || p.Method != volt.PayoutBacs18 || p.Originator.SortCode != "401162" || p.ServiceUserNumber != "123456" || p.CPOID != f.cpoA {
			t.Errorf("stored settings: %+v, %v", p, err)
		}
		must(t, f.fs.SetPayoutSettings(f.admin, &volt.PayoutSettings{OwnerID: f.owner, Method: volt.PayoutPayrollCSV}))
		if p, err := f.fs.FindPayoutSettings(f.admin, f.owner); err != nil || p.Method != volt.PayoutPayrollCSV || p.ServiceUserNumber != "" {
			t.Errorf("changed settings: %+v, %v", p, err)
		}
	})
}

// TestClaimPayoutMethods (issue 19): an approved claim is paid once by the
// owner's chosen method and marked paid with the payout's reference: a
// payroll CSV line of the driver, a complete Bacs file (labels with the
// owner's service user number, serial numbers per file), or a wallet
// credit; asking again, even concurrently, answers the same payout and
// never pays twice.
func TestClaimPayoutMethods(t *testing.T) {
	storetest.ForEachEngine(t, func(t *testing.T, db *store.DB) {
		f := newPayoutFixture(t, db)
		ctx := context.Background()
		f.exec(t, `UPDATE users SET name = 'Jo Driver', email = 'jo@example.com' WHERE id = ?`, f.driverB)
		driver2 := f.user(t, "CARD-D2", false, nil)

		// Payroll by the owner's choice: no bank details asked.
		must(t, f.fs.SetPayoutSettings(f.admin, &volt.PayoutSettings{OwnerID: f.owner, Method: volt.PayoutPayrollCSV}))
		payroll := f.claim(t, f.driverB, "2026-02", 10_000, 250)
		p, err := f.fs.PayClaim(f.mgr, payroll, "", volt.BankAccount{}, volt.BankAccount{})
		must(t, err)
		ref := "EV202602" + strings.ToUpper(strings.TrimPrefix(payroll, "rcl_"))
		ref = ref[:min(len(ref), 18)]
		wantCSV := strings.Join(volt.PayrollCSVHeader, ",") + "\r\n" +
			"jo@example.com,Jo Driver," + payroll + ",2026-02," + f.cpidA + ",10.000,0.25,2.50,GBP," + ref + "\r\n"
		if p.Method != volt.PayoutPayrollCSV || p.Reference != ref || p.File != wantCSV || p.Amount != 250 {
			t.Errorf("payroll payout %+v\nwant file %q", p, wantCSV)
		}
		c, err := f.fs.FindClaimByID(volt.NewContextWithActor(ctx, &volt.Actor{UserID: f.driverB}), payroll)
		must(t, err)
		if c.State != volt.ClaimIsPaid || c.PaymentReference != ref || c.PayoutMethod != volt.PayoutPayrollCSV || c.PaidAt == nil {
			t.Errorf("paid claim %+v", c)
		}
		if again, err := f.fs.PayClaim(f.admin, payroll, volt.PayoutWallet, volt.BankAccount{}, volt.BankAccount{}); err != nil || *again != *p {
			t.Errorf("second payout: %+v, %v; want the first %+v", again, err, p)
		}
		if w, err := f.money.FindWallet(sys(), f.driverB, "GBP"); err == nil && w.Balance != 0 {
			t.Errorf("wallet %d after a payroll payout", w.Balance)
		}

		// Bacs: the owner's account and service user number; two claims,
		// two files with their own serial numbers; eight concurrent requests
		// for one claim make one file.
		must(t, f.fs.SetPayoutSettings(f.admin, &volt.PayoutSettings{OwnerID: f.owner, Method: volt.PayoutBacs18, ServiceUserNumber: "654321",
			Originator: volt.BankAccount{SortCode: "401162", AccountNumber: "12345678", Name: "Acme Fleet Ltd"}}))
		to := volt.BankAccount{SortCode: "20-00-00", AccountNumber: "87654321", Name: "Jo Driver"}
		if _, err := f.fs.PayClaim(f.mgr, f.claim(t, f.driverB, "2026-01", 1, 1), volt.PayoutBacs18, volt.BankAccount{}, volt.BankAccount{}); volt.ErrorCode(err) != volt.EINVALID {
			t.Errorf("Bacs without the driver's account: %v", err)
		}
		first := f.claim(t, f.driverB, "2026-03", 12_345, 309)
		second := f.claim(t, driver2, "2026-03", 4_000, 100)
		var wg sync.WaitGroup
		pays := make([]*volt.ClaimPayout, 8)
		errs := make([]error, 8)
		for i := range pays {
			wg.Add(1)
			go func() {
				defer wg.Done()
				pays[i], errs[i] = f.fs.PayClaim(f.mgr, first, "", volt.BankAccount{}, to)
			}()
		}
		wg.Wait()
		for i := range pays {
			if errs[i] != nil || pays[i].File != pays[0].File || pays[i].Reference != pays[0].Reference {
				t.Fatalf("concurrent payout %d: %+v, %v", i, pays[i], errs[i])
			}
		}
		var n int
		must(t, db.QueryRow(ctx, `SELECT count(*) FROM reimbursement_payouts WHERE claim_id = ?`, first).Scan(&n))
		if n != 1 {
			t.Errorf("%d payouts of one claim", n)
		}
		lines := strings.Split(strings.TrimSuffix(pays[0].File, "\r\n"), "\r\n")
		if len(lines) != 9 || !strings.HasPrefix(lines[0], "VOL1000001 ") || lines[0][41:47] != "654321" ||
			!strings.HasPrefix(lines[1], "HDR1A654321S  1654321000001") || !strings.HasPrefix(lines[3], "UHL1 26062") /* made on Sunday 1 March: input Monday, processed Tuesday */ ||
			lines[4][:17] != "20000087654321099" || lines[4][35:46] != "00000000309" || !strings.Contains(lines[4], pays[0].Reference) ||
			lines[5][15:17] != "17" || lines[8][4:30] != "00000000003090000000000309" {
			t.Errorf("Bacs file of %s:\n%s", first, pays[0].File)
		}
		p2, err := f.fs.PayClaim(f.admin, second, volt.PayoutBacs18, volt.BankAccount{}, volt.BankAccount{SortCode: "309634", AccountNumber: "11223344", Name: "K"})
		must(t, err)
		if !strings.HasPrefix(p2.File, "VOL1000002 ") || !strings.Contains(p2.File, "00000000100") {
			t.Errorf("second file's serial: %.80q", p2.File)
		}

		// Four files of the owner made at once: four serial numbers.
		serials := map[string]bool{}
		var smu sync.Mutex
		for i := range 4 {
			id := f.claim(t, driver2, fmt.Sprintf("2025-%02d", i+1), 1_000, 25)
			wg.Add(1)
			go func() {
				defer wg.Done()
				p, err := f.fs.PayClaim(f.mgr, id, volt.PayoutBacs18, volt.BankAccount{}, to)
				if err != nil {
					t.Errorf("concurrent files: %v", err)
					return
				}
				smu.Lock()
				serials[p.File[4:10]] = true
				smu.Unlock()
			}()
		}
		wg.Wait()
		if len(serials) != 4 || serials["000001"] || serials["000002"] {
			t.Errorf("serials of concurrent files: %v", serials)
		}

		// The wallet: credited once.
		must(t, f.fs.SetPayoutSettings(f.admin, &volt.PayoutSettings{OwnerID: f.owner, Method: volt.PayoutWallet}))
		wallet := f.claim(t, driver2, "2026-04", 2_000, 50)
		for range 2 {
			if p, err := f.fs.PayClaim(f.mgr, wallet, "", volt.BankAccount{}, volt.BankAccount{}); err != nil || p.Method != volt.PayoutWallet || p.File != "" {
				t.Fatalf("wallet payout %+v, %v", p, err)
			}
		}
		if w, err := f.money.FindWallet(sys(), driver2, "GBP"); err != nil || w.Balance != 50 {
			t.Errorf("driver's wallet after two wallet payout requests: %+v, %v; want 50", w, err)
		}
		// The claiming driver never pays themself; nobody reads an unpaid
		// claim's payout.
		if _, err := f.fs.PayClaim(volt.NewContextWithActor(ctx, &volt.Actor{UserID: driver2}), f.claim(t, driver2, "2026-05", 1, 1), "", volt.BankAccount{}, volt.BankAccount{}); volt.ErrorCode(err) != volt.EFORBIDDEN {
			t.Errorf("the driver pays their own claim: %v", err)
		}
		if _, err := f.fs.FindClaimPayout(f.mgr, f.claim(t, driver2, "2026-06", 1, 1)); volt.ErrorCode(err) != volt.ENOTFOUND {
			t.Errorf("payout of an unpaid claim: %v", err)
		}
		if got, err := f.fs.FindClaimPayout(volt.NewContextWithActor(ctx, &volt.Actor{UserID: f.driverB}), first); err != nil || got.File != pays[0].File {
			t.Errorf("the driver reads their payout: %v", err)
		}
		f.audit(t)
	})
}
