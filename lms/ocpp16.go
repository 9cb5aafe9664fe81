package lms

import (
	"context"
	"encoding/json"
	"fmt"
	"math"

	"github.com/volt-ev/volt"
	"github.com/volt-ev/volt/ocpp/v16"
)

// Profile ids and stack levels Volt's load management owns on an OCPP 1.6
// charger: one id per purpose and connector, so a new limit replaces the
// last one (OCPP 1.6 §3.13.2: same id replaces) rather than stacking.
const (
	profileIDBase = 150000
	stackLevel    = 1
)

// OCPP16 applies limits through SetChargingProfile (OCPP 1.6 §5.16):
// TxProfile for a transaction, TxDefaultProfile on connector 0 as the
// failsafe, ChargePointMaxProfile on connector 0 for a charger that is its
// own circuit. Limits are in amperes, rounded down to 0.1 A.
// With Verify, an accepted TxProfile is read back with GetCompositeSchedule
// as OCPP201 does. A charger that boots has every profile cleared first
// (ClearForeign, foreign.go: 1.6 cannot list them).
// TODO(issue 15): chargers accepting only W.
type OCPP16 struct {
	Commander volt.ChargerCommander
	Verify    bool
}

// ApplyLimit sends the limit as a SetChargingProfile request.
func (o *OCPP16) ApplyLimit(ctx context.Context, l Limit) error {
	raw, err := o.Commander.Call(ctx, l.CPID, "SetChargingProfile", Profile16(l))
	if err != nil {
		if volt.IsCode(err, volt.ECALLERROR) {
			return fmt.Errorf("%s connector %d: %w (%w)", l.CPID, l.ConnectorID, ErrRejected, err)
		}
		return fmt.Errorf("set charging profile on %s connector %d: %w", l.CPID, l.ConnectorID, err)
	}
	var ans v16.SetChargingProfileResponse
	if err := json.Unmarshal(raw, &ans); err != nil {
		return fmt.Errorf("%s: SetChargingProfile answer: %w", l.CPID, err)
	}
	if ans.Status != v16.ChargingProfileStatusAccepted {
		return fmt.Errorf("%s connector %d answered %s: %w", l.CPID, l.ConnectorID, ans.Status, ErrRejected)
	}
	if o.Verify && l.Purpose == PurposeTx {
		return verifyComposite(ctx, o.Commander, l, &v16.GetCompositeScheduleRequest{ConnectorID: l.ConnectorID, Duration: 60,
			ChargingRateUnit: v16.ChargingRateUnitTypeA}, composite16)
	}
	return nil
}

// composite16 reads the first period of a 1.6 GetCompositeSchedule answer.
func composite16(raw json.RawMessage) (float64, string, bool) {
	var ans v16.GetCompositeScheduleResponse
	if json.Unmarshal(raw, &ans) != nil || ans.Status != v16.GetCompositeScheduleStatusAccepted || ans.ChargingSchedule == nil ||
		len(ans.ChargingSchedule.ChargingSchedulePeriod) == 0 {
		return 0, "", false
	}
	return ans.ChargingSchedule.ChargingSchedulePeriod[0].Limit, string(ans.ChargingSchedule.ChargingRateUnit), true
}

// Profile16 builds the OCPP 1.6 SetChargingProfile request of a limit.
func Profile16(l Limit) *v16.SetChargingProfileRequest {
	purpose := map[Purpose]v16.ChargingProfilePurposeType{
		PurposeTx:         v16.ChargingProfilePurposeTypeTxProfile,
		PurposeDefault:    v16.ChargingProfilePurposeTypeTxDefaultProfile,
		PurposeChargerMax: v16.ChargingProfilePurposeTypeChargePointMaxProfile,
	}[l.Purpose]
	slot := map[Purpose]int{PurposeTx: 0, PurposeDefault: 1, PurposeChargerMax: 2}[l.Purpose]
	phases := l.Phases
	p := v16.ChargingProfile{
		ChargingProfileID:      profileIDBase + slot*1000 + l.ConnectorID,
		StackLevel:             stackLevel,
		ChargingProfilePurpose: purpose,
		ChargingProfileKind:    v16.ChargingProfileKindTypeRelative,
		ChargingSchedule: v16.ChargingSchedule{
			ChargingRateUnit: v16.ChargingRateUnitTypeA,
			ChargingSchedulePeriod: []v16.ChargingSchedulePeriod{{
				StartPeriod: 0, Limit: math.Floor(math.Max(l.CurrentA, 0)*10+1e-6) / 10, NumberPhases: &phases}},
		},
	}
	if l.Purpose == PurposeTx {
		tx := int(l.TransactionID)
		p.TransactionID = &tx
	}
	return &v16.SetChargingProfileRequest{ConnectorID: l.ConnectorID, CsChargingProfiles: p}
}
