package store_test

import (
	"testing"
	"time"

	"github.com/volt-ev/volt"
	"github.com/volt-ev/volt/store"
	"github.com/volt-ev/volt/store/storetest"
)

func ptr[T any](v T) *T { return &v }

// TestUpdateConnector: an operator sets a connector's facts, they come back
// with the charger and in the list, status reports leave them alone, bad
// input names its field, and another tenant cannot see or change them.
func TestUpdateConnector(t *testing.T) {
	storetest.ForEachEngine(t, func(t *testing.T, db *store.DB) {
		f := newCoreFixture(t, db)
		ctx := f.adminA()
		cr := f.charger(t, f.groupA1, "Rapid")
		k, err := f.ch.UpdateConnector(ctx, cr.CPID, 1, volt.ConnectorUpdate{Type: ptr(volt.ConnectorCCS2),
			MaxPowerW: ptr(50_000), MaxCurrentA: ptr(125), MaxVoltageV: ptr(500)})
		must(t, err)
		if k.PowerType != volt.PowerDC || k.Format != volt.FormatCable {
			t.Errorf("defaults from the type: %+v", k)
		}
		cs := store.NewChargingService(db)
		must(t, cs.RecordStatus(sysCtx(), volt.StatusReport{CPID: cr.CPID, ConnectorID: 1, Status: volt.StatusAvailable, At: time.Now()}))
		c, err := f.ch.FindChargerByCPID(ctx, cr.CPID)
		must(t, err)
		got := c.Connectors[0]
		if got.Type != volt.ConnectorCCS2 || got.PowerType != volt.PowerDC || got.MaxPowerW != 50_000 || got.MaxCurrentA != 125 ||
			got.MaxVoltageV != 500 || got.Format != volt.FormatCable || got.Status != volt.StatusAvailable {
			t.Errorf("stored connector %+v", got)
		}
		list, _, err := f.ch.FindChargers(ctx, volt.ChargerFilter{CPID: cr.CPID})
		must(t, err)
		if len(list) != 1 || list[0].Connectors[0].Type != volt.ConnectorCCS2 {
			t.Errorf("list %+v", list)
		}

		_, err = f.ch.UpdateConnector(ctx, cr.CPID, 1, volt.ConnectorUpdate{PowerType: ptr(volt.PowerAC3Phase)})
		wantField(t, "CCS on AC", err, volt.EINVALID, "powerType")
		_, err = f.ch.UpdateConnector(ctx, cr.CPID, 1, volt.ConnectorUpdate{Type: ptr(volt.ConnectorType("type9"))})
		wantField(t, "unknown type", err, volt.EINVALID, "type")
		_, err = f.ch.UpdateConnector(ctx, cr.CPID, 1, volt.ConnectorUpdate{MaxPowerW: ptr(150_000)})
		wantField(t, "more than V×A", err, volt.EINVALID, "maxPowerW")
		_, err = f.ch.UpdateConnector(ctx, cr.CPID, 1, volt.ConnectorUpdate{MaxVoltageV: ptr(-1)})
		wantField(t, "negative voltage", err, volt.EINVALID, "maxVoltageV")
		_, err = f.ch.UpdateConnector(ctx, cr.CPID, 9, volt.ConnectorUpdate{MaxPowerW: ptr(1)})
		wantCode(t, "no such connector", err, volt.ENOTFOUND)

		k, err = f.ch.UpdateConnector(ctx, cr.CPID, 1, volt.ConnectorUpdate{Type: ptr(volt.ConnectorType2Socket), MaxPowerW: ptr(22_000),
			MaxCurrentA: ptr(32), MaxVoltageV: ptr(230)})
		must(t, err)
		if k.PowerType != volt.PowerAC3Phase || k.Format != volt.FormatSocket {
			t.Errorf("DC to Type 2 brings AC: %+v", k)
		}

		_, err = f.ch.UpdateConnector(f.adminB(), cr.CPID, 1, volt.ConnectorUpdate{MaxPowerW: ptr(7_000)})
		wantCode(t, "other tenant", err, volt.ENOTFOUND)
		_, err = f.ch.UpdateConnector(f.staffA(), cr.CPID, 1, volt.ConnectorUpdate{MaxPowerW: ptr(7_000)})
		wantCode(t, "read-only staff", err, volt.EFORBIDDEN)
	})
}
