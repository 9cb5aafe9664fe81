package web

import (
	"context"
	"testing"
	"time"

	volt "github.com/volt-ev/volt"
	"github.com/volt-ev/volt/store/storetest"
)

// TestChargerPageShowsDeviceModel: the charger page of an OCPP 2.0.1
// charger shows its device model, attribute by attribute.
func TestChargerPageShowsDeviceModel(t *testing.T) {
	f := newFixture(t, storetest.SQLite(t))
	creds := f.onboard(2)
	sys := volt.NewContextWithActor(context.Background(), volt.SystemActor)
	if err := f.charging.RecordConnection(sys, creds.CPID, true, "ocpp2.0.1", time.Now()); err != nil {
		t.Fatal(err)
	}
	v, one := "22000", 1
	if err := f.charging.RecordDeviceModel(sys, creds.CPID, []volt.DeviceVariable{{Component: "EVSE", EVSEID: &one,
		Variable: "Power", AttributeType: "MaxSet", Value: &v, Mutability: "ReadOnly", Unit: "W"}}); err != nil {
		t.Fatal(err)
	}
	c := f.client()
	c.login("admin@spark.test")
	page := c.get("/admin/chargers/" + creds.CPID)
	wantContains(t, "charger page", page.body, "Device model (ocpp2.0.1)", "<code>EVSE</code> EVSE 1", "<code>Power</code>", "MaxSet", "22000 W", "ReadOnly")
}
