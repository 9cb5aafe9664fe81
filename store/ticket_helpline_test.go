package store_test

import (
	"context"
	"strconv"
	"testing"

	"github.com/volt-ev/volt"
	"github.com/volt-ev/volt/store"
	"github.com/volt-ev/volt/store/storetest"
)

func TestHelplineContacts(t *testing.T) {
	storetest.ForEachEngine(t, func(t *testing.T, db *store.DB) {
		f := newSupportFixture(t, db)
		c := &volt.HelplineContact{Channel: volt.ChannelPhone, DriverContact: "+44 7700 900123", CPID: f.chA.CPID,
			Summary: "Cable stuck after charging", Actions: []string{"unlock", "refund: charged for 10 min stuck"}}
		must(t, f.helpline.RecordContact(f.supportA(), c))
		if c.SupportUserID != f.supportUserA.ID || c.CPOID != f.cpoA.ID || c.ChargerGroupID != f.groupA1.ID || c.At.IsZero() {
			t.Errorf("contact: %+v", c)
		}
		bySession := &volt.HelplineContact{Channel: volt.ChannelChat, DriverContact: "dora@example.com", SessionID: f.sessA.ID, Summary: "Stop please", Actions: []string{"stop"}}
		must(t, f.helpline.RecordContact(f.supportA(), bySession))
		if bySession.CPID != f.chA.CPID {
			t.Errorf("session contact CPID %q, want %q", bySession.CPID, f.chA.CPID)
		}

		bad := *c
		bad.ID = ""
		wantCode(t, "support B on A's charger", f.helpline.RecordContact(f.supportB(), &bad), volt.ENOTFOUND)
		bad2 := *c
		wantCode(t, "staff A logs a contact", f.helpline.RecordContact(f.staffA(), &bad2), volt.EFORBIDDEN)
		bad3 := *c
		bad3.SessionID = f.sessB.ID
		wantCode(t, "support A on B's session", f.helpline.RecordContact(f.supportA(), &bad3), volt.ENOTFOUND)
		wantField(t, "no channel", f.helpline.RecordContact(f.supportA(), &volt.HelplineContact{DriverContact: "x", Summary: "y"}), volt.EINVALID, "channel")
		noWhere := &volt.HelplineContact{Channel: volt.ChannelEmail, DriverContact: "x@example.com", Summary: "account question"}
		wantCode(t, "contact about nothing", f.helpline.RecordContact(f.supportA(), noWhere), volt.ENOTFOUND)
		noWhere.CPOID = f.cpoA.ID
		must(t, f.helpline.RecordContact(f.supportA(), noWhere))

		count := func(ctx context.Context, hf volt.HelplineFilter) int {
			_, n, err := f.helpline.FindHelplineContacts(ctx, hf)
			must(t, err)
			return n
		}
		if n := count(f.adminA(), volt.HelplineFilter{}); n != 3 {
			t.Errorf("admin A sees %d contacts, want 3", n)
		}
		if n := count(f.adminB(), volt.HelplineFilter{}); n != 0 {
			t.Errorf("admin B sees %d contacts, want 0", n)
		}
		if n := count(as(f.d1), volt.HelplineFilter{}); n != 0 {
			t.Errorf("a driver sees %d contacts, want 0", n)
		}
		list, n, err := f.helpline.FindHelplineContacts(f.adminA(), volt.HelplineFilter{DriverContact: "+44 7700 900123"})
		must(t, err)
		if n != 1 || len(list[0].Actions) != 2 || list[0].Actions[1] != "refund: charged for 10 min stuck" {
			t.Errorf("by driver contact: %d, %+v", n, list)
		}
	})
}

func TestSupportSearch(t *testing.T) {
	storetest.ForEachEngine(t, func(t *testing.T, db *store.DB) {
		f := newSupportFixture(t, db)
		cpidNum, _ := strconv.Atoi(f.chA.CPID)
		cases := []struct {
			q, kind, id string
		}{
			{f.chA.CPID, volt.HitCharger, f.chA.CPID},
			{strconv.Itoa(cpidNum), volt.HitCharger, f.chA.CPID},
			{"sn-alpha", volt.HitCharger, f.chA.CPID},
			{"04A2B3C4", volt.HitRFIDCard, f.cardD1.ID},
			{"04a2b3c4d5", volt.HitRFIDCard, f.cardD1.ID},
			{"DORA@EXAMPLE", volt.HitDriver, f.d1.ID},
			{"dora driver", volt.HitDriver, f.d1.ID},
			{"07700900123", volt.HitDriver, f.d1.ID},
			{f.sessA.ID, volt.HitSession, f.sessA.ID},
			{strconv.FormatInt(f.sessA.TransactionID, 10), volt.HitSession, f.sessA.ID},
		}
		for _, c := range cases {
			hits, err := f.helpline.SupportSearch(f.supportA(), c.q)
			must(t, err)
			if !hasHit(hits, c.kind, c.id) {
				t.Errorf("support A searching %q: no %s %s in %+v", c.q, c.kind, c.id, hits)
			}
			hitsB, err := f.helpline.SupportSearch(f.supportB(), c.q)
			must(t, err)
			if hasHit(hitsB, c.kind, c.id) {
				t.Errorf("support B searching %q finds CPO A's %s", c.q, c.kind)
			}
		}
		// Prefix "04A2B3" matches both tenants' cards; each sees only its own.
		hits, err := f.helpline.SupportSearch(f.supportA(), "04a2b3")
		must(t, err)
		if n := countKind(hits, volt.HitRFIDCard); n != 1 {
			t.Errorf("support A: %d card hits for 04a2b3, want 1", n)
		}
		if hits, _ := f.helpline.SupportSearch(sysCtx(), "04a2b3"); countKind(hits, volt.HitRFIDCard) != 2 {
			t.Errorf("super admin: %d card hits, want 2", countKind(hits, volt.HitRFIDCard))
		}
		// Owner B's charger is invisible to support A even by exact CPID.
		if hits, _ := f.helpline.SupportSearch(f.supportA(), f.chB.CPID); hasHit(hits, volt.HitCharger, f.chB.CPID) {
			t.Error("support A finds CPO B's charger")
		}
		_, err = f.helpline.SupportSearch(as(f.d1), "dora")
		wantCode(t, "driver searches", err, volt.EFORBIDDEN)
		if hits, err := f.helpline.SupportSearch(f.supportA(), "  "); err != nil || len(hits) != 0 {
			t.Errorf("empty search: %v, %v", hits, err)
		}
		if hits, err := f.helpline.SupportSearch(f.supportA(), "100%_"); err != nil || len(hits) != 0 {
			t.Errorf("wildcards must be literal: %v, %v", hits, err)
		}
	})
}

func hasHit(hits []volt.SearchHit, kind, id string) bool {
	for _, h := range hits {
		if h.Kind == kind && h.ID == id {
			return true
		}
	}
	return false
}

func countKind(hits []volt.SearchHit, kind string) int {
	n := 0
	for _, h := range hits {
		if h.Kind == kind {
			n++
		}
	}
	return n
}
