package audit_test

import (
	"context"
	"testing"
	"time"

	"github.com/volt-ev/volt"
	"github.com/volt-ev/volt/audit"
	"github.com/volt-ev/volt/store"
	"github.com/volt-ev/volt/store/storetest"
)

// TestBusinessChangesAudited records an exclusion created and removed and
// service levels changed, each readable by its CPO only.
func TestBusinessChangesAudited(t *testing.T) {
	storetest.ForEachEngine(t, func(t *testing.T, db *store.DB) {
		e := newEnv(t, db)
		rel := audit.WrapReliability(store.NewReliabilityService(db), e.rec)
		sla := audit.WrapTicketSLA(store.NewTicketSLAService(db), e.rec)
		creds, err := store.NewChargerService(db).CreateCharger(volt.NewContextWithActor(context.Background(), volt.SystemActor), &volt.Charger{ChargerGroupID: e.grpA.ID}, 1)
		must(t, err)
		at := time.Date(2026, 3, 1, 0, 0, 0, 0, time.UTC)
		ex := &volt.ReliabilityExclusion{CPID: creds.CPID, Reason: volt.DowntimeGridOutage, From: at, To: at.Add(time.Hour), Evidence: "DNO 1"}
		must(t, rel.CreateReliabilityExclusion(e.adminA(), ex))
		must(t, rel.DeleteReliabilityExclusion(e.adminA(), ex.ID))
		must(t, sla.SetTicketServiceLevels(e.adminA(), &volt.TicketServiceLevels{CPOID: e.cpoA.ID,
			Levels: []volt.TicketServiceLevel{{Priority: volt.PriorityUrgent, ResponseMinutes: 5, ResolutionMinutes: 60}}}))
		if c := e.one(t, e.staffA(), "reliability-exclusion.create"); c.ResourceID != ex.ID || field(t, c.After, "evidence") != "DNO 1" {
			t.Errorf("create entry %+v", c)
		}
		if d := e.one(t, e.staffA(), "reliability-exclusion.delete"); d.ResourceID != ex.ID || len(d.Before) == 0 {
			t.Errorf("delete entry %+v", d)
		}
		e.one(t, e.staffA(), "ticket-service-levels.update")
		if got := e.entries(t, e.adminB(), volt.AuditFilter{}); len(got) != 0 {
			t.Errorf("CPO B reads %d of A's entries", len(got))
		}
	})
}
