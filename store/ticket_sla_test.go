package store_test

import (
	"testing"
	"time"

	"github.com/volt-ev/volt"
	"github.com/volt-ev/volt/store"
	"github.com/volt-ev/volt/store/storetest"
)

// TestTicketServiceLevelBreaches sets a CPO's targets, lets time pass and
// lists the breached tickets, within the actor's scope only.
func TestTicketServiceLevelBreaches(t *testing.T) {
	storetest.ForEachEngine(t, func(t *testing.T, db *store.DB) {
		f := newSupportFixture(t, db)
		sla := store.NewTicketSLAService(db)
		now := time.Date(2026, 6, 1, 9, 0, 0, 0, time.UTC)
		db.Now = func() time.Time { return now }
		adminA := actorCtx(volt.Grant{Role: volt.RoleAdmin, CPOID: f.cpoA.ID})
		adminB := actorCtx(volt.Grant{Role: volt.RoleAdmin, CPOID: f.cpoB.ID})
		levels := &volt.TicketServiceLevels{CPOID: f.cpoA.ID, Levels: []volt.TicketServiceLevel{{Priority: volt.PriorityUrgent, ResponseMinutes: 15, ResolutionMinutes: 120}}}
		if err := sla.SetTicketServiceLevels(f.supportA(), levels); volt.ErrorCode(err) != volt.EFORBIDDEN {
			t.Errorf("support sets service levels: %v", err)
		}
		if err := sla.SetTicketServiceLevels(adminB, levels); volt.ErrorCode(err) != volt.ENOTFOUND {
			t.Errorf("another CPO sets service levels: %v", err)
		}
		bad := &volt.TicketServiceLevels{CPOID: f.cpoA.ID, Levels: []volt.TicketServiceLevel{{Priority: volt.PriorityHigh, ResponseMinutes: 60, ResolutionMinutes: 30}}}
		if err := sla.SetTicketServiceLevels(adminA, bad); volt.ErrorCode(err) != volt.EINVALID {
			t.Errorf("resolution before response: %v", err)
		}
		must(t, sla.SetTicketServiceLevels(adminA, levels))
		got, err := sla.TicketServiceLevels(f.supportA(), f.cpoA.ID)
		if err != nil || len(got.Levels) != 4 || got.For(volt.PriorityUrgent).ResponseMinutes != 15 || got.For(volt.PriorityNormal).ResponseMinutes != 240 {
			t.Errorf("levels %+v, %v", got, err)
		}
		urgent := &volt.Ticket{Subject: "Cable damaged", Priority: volt.PriorityUrgent, CPID: f.chA.CPID, ConnectorID: 1, DriverUserID: f.d1.ID, Body: "The cable is cut"}
		normal := &volt.Ticket{Subject: "Receipt", CPID: f.chA.CPID, DriverUserID: f.d1.ID, Body: "Where is it?"}
		other := &volt.Ticket{Subject: "B's", Priority: volt.PriorityUrgent, CPID: f.chB.CPID, DriverUserID: f.dB.ID, Body: "Broken"}
		must(t, f.tickets.CreateTicket(f.supportA(), urgent))
		must(t, f.tickets.CreateTicket(f.supportA(), normal))
		must(t, f.tickets.CreateTicket(f.supportB(), other))
		now = now.Add(10 * time.Minute)
		if br, err := sla.TicketBreaches(f.supportA(), ""); err != nil || len(br) != 0 {
			t.Errorf("breaches after 10 minutes: %+v, %v", br, err)
		}
		now = now.Add(10 * time.Minute) // 20 minutes: the urgent one missed its 15
		must(t, f.tickets.AddTicketMessage(f.supportA(), normal.ID, &volt.TicketMessage{Body: "Sent again."}))
		must(t, f.tickets.AddTicketMessage(f.supportA(), urgent.ID, &volt.TicketMessage{Body: "Looking", Internal: true})) // not an answer
		br, err := sla.TicketBreaches(f.supportA(), "")
		if err != nil || len(br) != 1 || br[0].TicketID != urgent.ID || !br[0].ResponseBreached || br[0].ResolutionBreached {
			t.Fatalf("breaches after 20 minutes: %+v, %v", br, err)
		}
		must(t, f.tickets.AddTicketMessage(f.supportA(), urgent.ID, &volt.TicketMessage{Body: "On our way."}))
		now = now.Add(2 * time.Hour)
		br, err = sla.TicketBreaches(f.supportA(), f.cpoA.ID)
		if err != nil || len(br) != 1 || br[0].RespondedAt == nil || !br[0].ResponseBreached || !br[0].ResolutionBreached {
			t.Errorf("breaches after 2 hours: %+v, %v", br, err)
		}
		resolved := volt.TicketResolved
		if _, err := f.tickets.UpdateTicket(f.supportA(), urgent.ID, volt.TicketUpdate{Status: &resolved}); err != nil {
			t.Fatal(err)
		}
		if br, err := sla.TicketBreaches(f.supportA(), ""); err != nil || len(br) != 0 {
			t.Errorf("breaches once resolved: %+v, %v", br, err)
		}
		if br, err := sla.TicketBreaches(f.supportB(), ""); err != nil || len(br) != 1 || br[0].TicketID != other.ID {
			t.Errorf("CPO B's breaches: %+v, %v", br, err)
		}
	})
}
