package main

import (
	"context"
	"fmt"
	"strconv"

	"github.com/volt-ev/volt"
)

// demoConnectorKinds are the connector pairs of the demo chargers, in turn:
// a 22 kW Type 2 post with two sockets, a rapid with CCS and CHAdeMO
// tethered cables, and a 7 kW post with a tethered Type 2 and a 3-pin socket.
var demoConnectorKinds = [][2]volt.Connector{
	{{Type: volt.ConnectorType2Socket, PowerType: volt.PowerAC3Phase, MaxPowerW: 22_000, MaxCurrentA: 32, MaxVoltageV: 230},
		{Type: volt.ConnectorType2Socket, PowerType: volt.PowerAC3Phase, MaxPowerW: 22_000, MaxCurrentA: 32, MaxVoltageV: 230}},
	{{Type: volt.ConnectorCCS2, PowerType: volt.PowerDC, MaxPowerW: 50_000, MaxCurrentA: 125, MaxVoltageV: 500},
		{Type: volt.ConnectorCHAdeMO, PowerType: volt.PowerDC, MaxPowerW: 50_000, MaxCurrentA: 125, MaxVoltageV: 500}},
	{{Type: volt.ConnectorType2Tethered, PowerType: volt.PowerAC1Phase, MaxPowerW: 7_400, MaxCurrentA: 32, MaxVoltageV: 230},
		{Type: volt.ConnectorThreePin, PowerType: volt.PowerAC1Phase, MaxPowerW: 2_300, MaxCurrentA: 10, MaxVoltageV: 230}},
}

// seedConnectorFacts gives a demo charger realistic connector facts, the
// kinds in turn by CPID, so the app's filters and labels have something to
// show.
func seedConnectorFacts(ctx context.Context, s Services, cpid string) error {
	n, _ := strconv.Atoi(cpid)
	kind := demoConnectorKinds[n%len(demoConnectorKinds)]
	for i, k := range kind {
		u := volt.ConnectorUpdate{Type: &k.Type, PowerType: &k.PowerType, MaxPowerW: &k.MaxPowerW, MaxCurrentA: &k.MaxCurrentA, MaxVoltageV: &k.MaxVoltageV}
		if _, err := s.Chargers.UpdateConnector(ctx, cpid, i+1, u); err != nil {
			return fmt.Errorf("connector facts of %s/%d: %w", cpid, i+1, err)
		}
	}
	return nil
}
