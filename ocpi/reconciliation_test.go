package ocpi_test

import (
	"context"
	"encoding/json"
	"testing"
	"time"

	"github.com/volt-ev/volt"
	"github.com/volt-ev/volt/store"
	"github.com/volt-ev/volt/store/storetest"
)

// TestRoamingReconciliation: a month of a partner CPO's CDRs against what
// Volt owes it (issue 14 item 4): a billed CDR matches, a CDR of a token
// Volt does not know is not billed, a completed session without a CDR is
// listed, another month is left out, and another CPO cannot read it.
func TestRoamingReconciliation(t *testing.T) {
	for _, eng := range storetest.Engines(t) {
		t.Run(eng.Name, func(t *testing.T) {
			db := eng.Open(t)
			B := newVolt(t, db, nil, "B Drive", "GB", "BBB")
			pA := &volt.OCPIPartner{CPOID: B.cpo, Name: "A Power", CountryCode: "GB", PartyID: "AAA", Role: volt.OCPIRoleCPO,
				RoamingMarginPercent: volt.MustDecimal("10")}
			_, err := B.store.CreateOCPIPartner(B.admin, pA)
			must(t, err)
			users := store.NewUserService(db)
			driver := &volt.User{Email: "d@b.example", Name: "D", CPOID: B.cpo}
			must(t, users.CreateUser(sys(), driver, ""))
			must(t, users.CreateRFIDCard(sys(), &volt.RFIDCard{UID: "04B0B0B0", UserID: driver.ID}))

			put := func(module, id string, obj map[string]any) {
				obj["country_code"], obj["party_id"], obj["id"] = "GB", "AAA", id
				raw, _ := json.Marshal(obj)
				_, err := B.store.PutPartnerObject(sys(), pA.ID, module, id, raw, time.Now())
				must(t, err)
			}
			cdr := func(id, session, uid, end, cost string) {
				put("cdrs", id, map[string]any{"session_id": session, "end_date_time": end, "currency": "GBP",
					"total_cost": map[string]any{"excl_vat": json.Number(cost), "incl_vat": json.Number(cost)}, "cdr_token": map[string]any{"uid": uid}})
			}
			cdr("cdr_1", "s1", "04B0B0B0", "2026-03-10T11:00:00Z", "4.80")
			cdr("cdr_2", "s2", "UNKNOWN1", "2026-03-11T11:00:00Z", "2.00")
			cdr("cdr_old", "s0", "04B0B0B0", "2026-02-27T11:00:00Z", "9.99")
			put("sessions", "s3", map[string]any{"status": "COMPLETED", "end_date_time": "2026-03-12T10:00:00Z", "cdr_token": map[string]any{"uid": "04B0B0B0"}})
			put("sessions", "s1", map[string]any{"status": "COMPLETED", "end_date_time": "2026-03-10T11:00:00Z"})
			if _, err := B.store.BillRoamingCDR(sys(), pA.ID, "cdr_1", "04B0B0B0", 480, "GBP"); err != nil {
				t.Fatal(err)
			}
			if _, err := B.store.BillRoamingCDR(sys(), pA.ID, "cdr_2", "UNKNOWN1", 200, "GBP"); volt.ErrorCode(err) != volt.ENOTFOUND {
				t.Fatalf("billing an unknown token: %v", err)
			}

			r, err := B.store.RoamingReconciliation(B.admin, pA.ID, time.Date(2026, 3, 15, 0, 0, 0, 0, time.UTC))
			must(t, err)
			if r.Month != "2026-03" || r.TheirCDRs != 2 || r.TheirTotal != 680 || r.Payable != 480 || r.Mismatches != 2 || len(r.Lines) != 3 {
				t.Fatalf("reconciliation %+v", r)
			}
			want := []struct{ cdr, session, status string }{{"cdr_1", "s1", volt.ReconMatched}, {"cdr_2", "s2", volt.ReconNotBilled}, {"", "s3", volt.ReconNoCDR}}
			for i, w := range want {
				if l := r.Lines[i]; l.CDRID != w.cdr || l.SessionID != w.session || l.Status != w.status {
					t.Errorf("line %d: %+v, want %+v", i, l, w)
				}
			}
			other := &volt.CPO{Name: "Other"}
			must(t, B.hierarchy.CreateCPO(sys(), other))
			otherAdmin := volt.NewContextWithActor(context.Background(), &volt.Actor{UserID: "usr_o", Grants: []volt.Grant{{Role: volt.RoleAdmin, CPOID: other.ID}}})
			if _, err := B.store.RoamingReconciliation(otherAdmin, pA.ID, time.Now()); volt.ErrorCode(err) != volt.ENOTFOUND {
				t.Errorf("another CPO's partner: %v, want not_found", err)
			}
		})
	}
}
