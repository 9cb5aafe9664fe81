package store_test

import (
	"context"
	"testing"

	"github.com/volt-ev/volt"
	"github.com/volt-ev/volt/store"
	"github.com/volt-ev/volt/store/storetest"
)

// TestDeviceModelMergeAndScope: a report's attributes are stored, a later
// value (GetVariables) replaces only the value, another EVSE's variable of
// the same name is its own row, and another CPO's admin sees nothing.
func TestDeviceModelMergeAndScope(t *testing.T) {
	storetest.ForEachEngine(t, func(t *testing.T, db *store.DB) {
		f := newChargingFixture(t, db)
		s := func(v string) *string { return &v }
		one, two := 1, 2
		report := []volt.DeviceVariable{
			{Component: "OCPPCommCtrlr", Variable: "HeartbeatInterval", AttributeType: "Actual", Value: s("300"), Mutability: "ReadWrite", Persistent: true, DataType: "integer", Unit: "s"},
			{Component: "EVSE", EVSEID: &one, Variable: "Power", AttributeType: "MaxSet", Value: s("22000"), Mutability: "ReadOnly"},
			{Component: "EVSE", EVSEID: &two, Variable: "Power", AttributeType: "MaxSet", Value: s("11000"), Mutability: "ReadOnly"},
			{Component: "SecurityCtrlr", Variable: "BasicAuthPassword", AttributeType: "Actual", Mutability: "WriteOnly"},
		}
		if err := f.svc.RecordDeviceModel(sys(), f.cpidA, report); err != nil {
			t.Fatal(err)
		}
		if err := f.svc.RecordDeviceModel(sys(), f.cpidA, []volt.DeviceVariable{{Component: "OCPPCommCtrlr", Variable: "HeartbeatInterval", Value: s("120")}}); err != nil {
			t.Fatal(err)
		}
		got, err := f.svc.FindDeviceModel(sys(), f.cpidA)
		if err != nil || len(got) != 4 {
			t.Fatalf("device model %+v, %v", got, err)
		}
		var hb, evse2 *volt.DeviceVariable
		for i := range got {
			switch {
			case got[i].Variable == "HeartbeatInterval":
				hb = &got[i]
			case got[i].EVSEID != nil && *got[i].EVSEID == 2:
				evse2 = &got[i]
			}
			if got[i].Variable == "BasicAuthPassword" && got[i].Value != nil {
				t.Errorf("WriteOnly attribute has a value %q", *got[i].Value)
			}
		}
		if hb == nil || *hb.Value != "120" || hb.Mutability != "ReadWrite" || !hb.Persistent || hb.Unit != "s" || hb.EVSEID != nil {
			t.Fatalf("merged HeartbeatInterval %+v", hb)
		}
		if evse2 == nil || *evse2.Value != "11000" || evse2.AttributeType != "MaxSet" {
			t.Fatalf("EVSE 2 power %+v", evse2)
		}
		adminB := volt.NewContextWithActor(context.Background(), &volt.Actor{UserID: "usr_x", Grants: []volt.Grant{{Role: volt.RoleAdmin, CPOID: "cpo_other"}}})
		if _, err := f.svc.FindDeviceModel(adminB, f.cpidA); !volt.IsCode(err, volt.ENOTFOUND) {
			t.Fatalf("another CPO's admin: %v, want not found", err)
		}
	})
}
