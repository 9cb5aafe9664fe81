package volt_test

import (
	"testing"

	"github.com/volt-ev/volt"
)

func TestRolesSummaryAndHomeRef(t *testing.T) {
	a := &volt.Actor{UserID: "u", Grants: []volt.Grant{
		{Role: volt.RoleSupport, OwnerID: "own_2"}, {Role: volt.RoleAdmin, CPOID: "cpo_1"}, {Role: volt.RoleAdmin, CPOID: "cpo_1"},
	}}
	if got := volt.RolesSummary(a); got != "admin@cpo_1, support@own_2" {
		t.Errorf("summary %q", got)
	}
	if got := volt.HomeRef(a); got != (volt.Ref{OwnerID: "own_2"}) {
		t.Errorf("home %+v", got)
	}
	driver := &volt.Actor{UserID: "d", Grants: []volt.Grant{{Role: volt.RoleDriver, CPOID: "cpo_1"}}}
	if volt.RolesSummary(driver) != "driver@cpo_1" || volt.HomeRef(driver) != (volt.Ref{}) {
		t.Errorf("driver: %q %+v", volt.RolesSummary(driver), volt.HomeRef(driver))
	}
	for a, want := range map[*volt.Actor]string{nil: "", volt.SystemActor: "system", {SuperAdmin: true}: "super-admin", {UserID: "x"}: "driver"} {
		if got := volt.RolesSummary(a); got != want {
			t.Errorf("RolesSummary(%+v) = %q, want %q", a, got, want)
		}
	}
}

func TestAuditEntryValidate(t *testing.T) {
	e := &volt.AuditEntry{Action: "x"}
	if err := e.Validate(); err != nil || e.Outcome != volt.AuditOK || e.Source != volt.AuditSourceSystem {
		t.Errorf("defaults: %v %+v", err, e)
	}
	e.SetResult(volt.Errorf(volt.EFORBIDDEN, "no"))
	if e.Outcome != volt.AuditFailed || e.ErrorCode != volt.EFORBIDDEN || e.ErrorMessage != "no" {
		t.Errorf("SetResult: %+v", e)
	}
	bad := &volt.AuditEntry{Action: "x", Outcome: "maybe"}
	if volt.ErrorCode(bad.Validate()) != volt.EINVALID {
		t.Error("unknown outcome accepted")
	}
}

func TestTicketAndContactValidate(t *testing.T) {
	cases := []struct {
		name  string
		err   error
		field string
	}{
		{"subject", (&volt.Ticket{}).Validate(), "subject"},
		{"priority", (&volt.Ticket{Subject: "s", Priority: "asap"}).Validate(), "priority"},
		{"guest email", (&volt.Ticket{Subject: "s", GuestEmail: "not an email"}).Validate(), "guestEmail"},
		{"cpid", (&volt.Ticket{Subject: "s", CPID: "12"}).Validate(), "cpid"},
		{"message", (&volt.TicketMessage{Body: "  "}).Validate(), "body"},
		{"channel", (&volt.HelplineContact{Channel: "fax", DriverContact: "x", Summary: "y"}).Validate(), "channel"},
		{"contact", (&volt.HelplineContact{Channel: volt.ChannelPhone, Summary: "y"}).Validate(), "driverContact"},
	}
	for _, c := range cases {
		var ve *volt.Error
		if e, ok := c.err.(*volt.Error); ok {
			ve = e
		}
		if ve == nil || ve.Field != c.field {
			t.Errorf("%s: %v, want error on %s", c.name, c.err, c.field)
		}
	}
	tk := &volt.Ticket{Subject: " s "}
	if err := tk.Validate(); err != nil || tk.Status != volt.TicketOpen || tk.Priority != volt.PriorityNormal || tk.Subject != "s" {
		t.Errorf("defaults: %v %+v", err, tk)
	}
}
