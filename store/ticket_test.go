package store_test

import (
	"testing"

	"github.com/volt-ev/volt"
	"github.com/volt-ev/volt/store"
	"github.com/volt-ev/volt/store/storetest"
)

func TestTicketDriverReportsProblem(t *testing.T) {
	storetest.ForEachEngine(t, func(t *testing.T, db *store.DB) {
		f := newSupportFixture(t, db)
		d1 := as(f.d1)
		tk := &volt.Ticket{Subject: "Cable stuck", Body: "The cable will not unlock.", CPID: f.chA.CPID,
			Priority: volt.PriorityUrgent, AssigneeID: f.supportUserA.ID, Status: volt.TicketResolved}
		must(t, f.tickets.CreateTicket(d1, tk))
		if tk.DriverUserID != f.d1.ID || tk.Source != volt.TicketFromDriver || tk.CPOID != f.cpoA.ID ||
			tk.ChargerGroupID != f.groupA1.ID || tk.OwnerID != f.ownerA.ID {
			t.Errorf("driver ticket placed or attributed wrongly: %+v", tk)
		}
		if tk.Priority != volt.PriorityNormal || tk.AssigneeID != "" || tk.Status != volt.TicketOpen {
			t.Errorf("a driver set support fields: %+v", tk)
		}
		got, err := f.tickets.FindTicketByID(d1, tk.ID)
		must(t, err)
		if len(got.Messages) != 1 || got.Messages[0].Body != "The cable will not unlock." || got.Messages[0].AuthorName != "Dora Driver" {
			t.Errorf("first message: %+v", got.Messages)
		}

		// Another driver of the same CPO and other tenants see nothing.
		others := map[string]func() (*volt.Ticket, error){
			"d2":       func() (*volt.Ticket, error) { return f.tickets.FindTicketByID(as(f.d2), tk.ID) },
			"adminB":   func() (*volt.Ticket, error) { return f.tickets.FindTicketByID(f.adminB(), tk.ID) },
			"supportB": func() (*volt.Ticket, error) { return f.tickets.FindTicketByID(f.supportB(), tk.ID) },
		}
		for name, find := range others {
			_, err := find()
			wantCode(t, name+" reads d1's ticket", err, volt.ENOTFOUND)
		}
		counts := map[string]int{}
		for name, ctx := range map[string]func() int{
			"d2": func() int { _, n, err := f.tickets.FindTickets(as(f.d2), volt.TicketFilter{}); must(t, err); return n },
			"adminB": func() int {
				_, n, err := f.tickets.FindTickets(f.adminB(), volt.TicketFilter{})
				must(t, err)
				return n
			},
			"adminA": func() int {
				_, n, err := f.tickets.FindTickets(f.adminA(), volt.TicketFilter{})
				must(t, err)
				return n
			},
			"d1": func() int { _, n, err := f.tickets.FindTickets(d1, volt.TicketFilter{}); must(t, err); return n },
		} {
			counts[name] = ctx()
		}
		if counts["d2"] != 0 || counts["adminB"] != 0 || counts["adminA"] != 1 || counts["d1"] != 1 {
			t.Errorf("ticket counts %v, want d2=0 adminB=0 adminA=1 d1=1", counts)
		}
	})
}

func TestTicketDriverLinksOnlyOwnSession(t *testing.T) {
	storetest.ForEachEngine(t, func(t *testing.T, db *store.DB) {
		f := newSupportFixture(t, db)
		err := f.tickets.CreateTicket(as(f.d2), &volt.Ticket{Subject: "Charged twice", SessionID: f.sessA.ID})
		wantCode(t, "d2 links d1's session", err, volt.ENOTFOUND)
		own := &volt.Ticket{Subject: "Charged twice", SessionID: f.sessA.ID}
		must(t, f.tickets.CreateTicket(as(f.d1), own))
		if own.CPID != f.chA.CPID || own.CPOID != f.cpoA.ID {
			t.Errorf("session ticket not placed at its charger: %+v", own)
		}
		err = f.tickets.CreateTicket(as(f.d1), &volt.Ticket{Subject: "x", CPID: "999999"})
		wantCode(t, "unknown charger", err, volt.ENOTFOUND)
		err = f.tickets.CreateTicket(as(f.d1), &volt.Ticket{Subject: " "})
		wantField(t, "empty subject", err, volt.EINVALID, "subject")
	})
}

func TestTicketSupportWorkflow(t *testing.T) {
	storetest.ForEachEngine(t, func(t *testing.T, db *store.DB) {
		f := newSupportFixture(t, db)
		tk := &volt.Ticket{Subject: "Screen blank", Body: "Nothing on the screen", CPID: f.chA.CPID}
		must(t, f.tickets.CreateTicket(as(f.d1), tk))
		sup := f.supportA()

		must(t, f.tickets.AddTicketMessage(sup, tk.ID, &volt.TicketMessage{Body: "Known firmware bug", Internal: true}))
		must(t, f.tickets.AddTicketMessage(sup, tk.ID, &volt.TicketMessage{Body: "We are rebooting it now."}))
		pending, assignee := volt.TicketPending, f.supportUserA.ID
		up, err := f.tickets.UpdateTicket(sup, tk.ID, volt.TicketUpdate{Status: &pending, AssigneeID: &assignee})
		must(t, err)
		if up.Status != volt.TicketPending || up.AssigneeID != f.supportUserA.ID {
			t.Errorf("update: %+v", up)
		}

		forDriver, err := f.tickets.FindTicketByID(as(f.d1), tk.ID)
		must(t, err)
		forSupport, err := f.tickets.FindTicketByID(sup, tk.ID)
		must(t, err)
		if len(forDriver.Messages) != 2 || len(forSupport.Messages) != 3 {
			t.Fatalf("driver sees %d messages, support %d; want 2 and 3", len(forDriver.Messages), len(forSupport.Messages))
		}
		for _, m := range forDriver.Messages {
			if m.Internal || m.Body == "Known firmware bug" {
				t.Errorf("driver sees internal note %+v", m)
			}
		}

		// The driver's reply reopens a pending ticket; a driver cannot add notes.
		err = f.tickets.AddTicketMessage(as(f.d1), tk.ID, &volt.TicketMessage{Body: "psst", Internal: true})
		wantField(t, "driver internal note", err, volt.EINVALID, "internal")
		must(t, f.tickets.AddTicketMessage(as(f.d1), tk.ID, &volt.TicketMessage{Body: "Still blank."}))
		re, err := f.tickets.FindTicketByID(sup, tk.ID)
		must(t, err)
		if re.Status != volt.TicketOpen {
			t.Errorf("driver reply left status %s, want open", re.Status)
		}
		err = f.tickets.AddTicketMessage(as(f.d2), tk.ID, &volt.TicketMessage{Body: "me too"})
		wantCode(t, "other driver writes", err, volt.ENOTFOUND)

		// Who may change it.
		closed := volt.TicketClosed
		_, err = f.tickets.UpdateTicket(as(f.d1), tk.ID, volt.TicketUpdate{Status: &closed})
		wantCode(t, "driver changes status", err, volt.EFORBIDDEN)
		_, err = f.tickets.UpdateTicket(f.staffA(), tk.ID, volt.TicketUpdate{Status: &closed})
		wantCode(t, "staff changes status", err, volt.EFORBIDDEN)
		_, err = f.tickets.UpdateTicket(f.supportB(), tk.ID, volt.TicketUpdate{Status: &closed})
		wantCode(t, "support B changes status", err, volt.ENOTFOUND)
		bad := volt.TicketStatus("lost")
		_, err = f.tickets.UpdateTicket(sup, tk.ID, volt.TicketUpdate{Status: &bad})
		wantField(t, "bad status", err, volt.EINVALID, "status")
		outsider := f.dB.ID
		_, err = f.tickets.UpdateTicket(sup, tk.ID, volt.TicketUpdate{AssigneeID: &outsider})
		wantCode(t, "assignee of another tenant", err, volt.ENOTFOUND)

		done, err := f.tickets.UpdateTicket(sup, tk.ID, volt.TicketUpdate{Status: &closed})
		must(t, err)
		if done.ClosedAt == nil {
			t.Error("closed ticket without closedAt")
		}
		err = f.tickets.AddTicketMessage(as(f.d1), tk.ID, &volt.TicketMessage{Body: "hello?"})
		wantCode(t, "reply to closed", err, volt.EUNPROCESSABLE)

		wantCode(t, "support deletes", f.tickets.DeleteTicket(sup, tk.ID), volt.EFORBIDDEN)
		must(t, f.tickets.DeleteTicket(f.adminA(), tk.ID))
		_, err = f.tickets.FindTicketByID(f.adminA(), tk.ID)
		wantCode(t, "deleted ticket", err, volt.ENOTFOUND)
	})
}

func TestTicketOpenedBySupport(t *testing.T) {
	storetest.ForEachEngine(t, func(t *testing.T, db *store.DB) {
		f := newSupportFixture(t, db)
		guest := &volt.Ticket{Subject: "Guest refund", CPID: f.chA.CPID, GuestPhone: "07700 900000", Priority: volt.PriorityHigh}
		must(t, f.tickets.CreateTicket(f.supportA(), guest))
		if guest.Source != volt.TicketFromSupport || guest.DriverUserID != "" || guest.Priority != volt.PriorityHigh {
			t.Errorf("support ticket: %+v", guest)
		}
		err := f.tickets.CreateTicket(f.supportA(), &volt.Ticket{Subject: "No one", CPID: f.chA.CPID})
		wantField(t, "ticket without driver", err, volt.EINVALID, "guestEmail")
		// Support B opening a ticket on A's charger is only a driver report.
		byB := &volt.Ticket{Subject: "Seen broken", CPID: f.chA.CPID, GuestEmail: "x@example.com", Priority: volt.PriorityUrgent}
		must(t, f.tickets.CreateTicket(f.supportB(), byB))
		if byB.Source != volt.TicketFromDriver || byB.Priority != volt.PriorityNormal {
			t.Errorf("support B got support rights on A's charger: %+v", byB)
		}
		list, n, err := f.tickets.FindTickets(f.supportA(), volt.TicketFilter{Query: "guest"})
		must(t, err)
		if n != 1 || list[0].ID != guest.ID {
			t.Errorf("query 'guest': %d tickets", n)
		}
	})
}
