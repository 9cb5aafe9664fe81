package api

import (
	"context"

	"github.com/volt-ev/volt"
)

// ConnectorPatch is the body of PATCH /api/v1/chargers/{cpid}/connectors/{connectorId}:
// the connector's facts as drivers see them in the app and OCPI publishes
// them. Absent fields stay as they are; the format follows the type.
type ConnectorPatch struct {
	Type        *string `json:"type,omitempty" enum:"type2Socket,type2Tethered,ccs2,chademo,threePin" doc:"Plug: type2Socket (IEC_62196_T2 socket), type2Tethered (IEC_62196_T2 cable), ccs2 (IEC_62196_T2_COMBO), chademo (CHADEMO), threePin (DOMESTIC_G)."`
	PowerType   *string `json:"powerType,omitempty" enum:"AC_1_PHASE,AC_3_PHASE,DC" doc:"As OCPI 2.2.1 PowerType; defaults from the type when only the type is set."`
	MaxPowerW   *int    `json:"maxPowerW,omitempty" minimum:"0" maximum:"1000000" doc:"Most power the connector delivers, in W."`
	MaxCurrentA *int    `json:"maxCurrentA,omitempty" minimum:"0" maximum:"3000" doc:"Most current, in A (per phase on AC)."`
	MaxVoltageV *int    `json:"maxVoltageV,omitempty" minimum:"0" maximum:"1500" doc:"Most voltage, in V (line to neutral on AC 3-phase)."`
}

type connectorPatchInput struct {
	CPIDInput
	ConnectorID int `path:"connectorId" minimum:"1" maximum:"64" doc:"The connector (1, 2, ...)."`
	Body        ConnectorPatch
}

func (s *server) patchConnector(ctx context.Context, in *connectorPatchInput) (*Out[*volt.Connector], error) {
	b := in.Body
	u := volt.ConnectorUpdate{MaxPowerW: b.MaxPowerW, MaxCurrentA: b.MaxCurrentA, MaxVoltageV: b.MaxVoltageV}
	if b.Type != nil {
		t := volt.ConnectorType(*b.Type)
		u.Type = &t
	}
	if b.PowerType != nil {
		p := volt.PowerType(*b.PowerType)
		u.PowerType = &p
	}
	k, err := s.Chargers.UpdateConnector(ctx, in.CPID, in.ConnectorID, u)
	if err != nil {
		return nil, s.err(ctx, err)
	}
	return out(k), nil
}
