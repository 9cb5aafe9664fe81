package api

import (
	"context"

	"github.com/volt-ev/volt"
)

// DeviceModelBody is the device model of an OCPP 2.0.1/2.1 charger.
type DeviceModelBody struct {
	Items []volt.DeviceVariable `json:"items"`
}

// chargerDeviceModel answers GET /chargers/{cpid}/device-model: every
// attribute the charger reported (NotifyReport) or that Volt read or set
// (GetVariables, SetVariables); empty for a 1.6 charger.
func (s *server) chargerDeviceModel(ctx context.Context, in *CPIDInput) (*Out[DeviceModelBody], error) {
	dm, ok := s.Charging.(volt.DeviceModelService)
	if !ok {
		return nil, notWired("device model")
	}
	c, err := s.visibleCharger(ctx, in.CPID)
	if err != nil {
		return nil, err
	}
	vars, err := dm.FindDeviceModel(ctx, c.CPID)
	if err != nil {
		return nil, s.err(ctx, err)
	}
	return out(DeviceModelBody{Items: vars}), nil
}
