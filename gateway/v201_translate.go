package gateway

import (
	"context"
	"encoding/json"
	"math/rand/v2"
	"reflect"
	"strings"

	volt "github.com/volt-ev/volt"
	v16 "github.com/volt-ev/volt/ocpp/v16"
	"github.com/volt-ev/volt/ocpp/v201"
)

// 1.6 bodies of smart charging, reservations, local lists and firmware
// sent to a 2.x station (issue #13, the one command vocabulary): the
// connectorId is the EVSE id, an idTag is a Central idToken (its parent the
// groupIdToken), ChargePointMaxProfile is ChargingStationMaxProfile, Volt's
// transactionId is the station's own.

func init() {
	for action, tr := range map[string]translation{
		v16.ActionSetChargingProfile:   {v201.ActionSetChargingProfile, setChargingProfileTo201},
		v16.ActionClearChargingProfile: {v201.ActionClearChargingProfile, clearChargingProfileTo201},
		v16.ActionGetCompositeSchedule: {v201.ActionGetCompositeSchedule, compositeScheduleTo201},
		v16.ActionReserveNow:           {v201.ActionReserveNow, reserveNowTo201},
		v16.ActionSendLocalList:        {v201.ActionSendLocalList, sendLocalListTo201},
		v16.ActionUpdateFirmware:       {v201.ActionUpdateFirmware, updateFirmwareTo201},
	} {
		translations[action] = tr
	}
}

// purposeTo201 names a 1.6 profile purpose in 2.0.1.
func purposeTo201(p v16.ChargingProfilePurposeType) v201.ChargingProfilePurposeEnum {
	if p == v16.ChargingProfilePurposeTypeChargePointMaxProfile {
		return v201.ChargingProfilePurposeEnumChargingStationMaxProfile
	}
	return v201.ChargingProfilePurposeEnum(p)
}

// profileTo201 translates a 1.6 charging profile; its transactionId is
// looked up as the station's.
func profileTo201(ctx context.Context, c *conn, p v16.ChargingProfile) (v201.ChargingProfile, error) {
	s := p.ChargingSchedule
	out := v201.ChargingProfile{ID: p.ChargingProfileID, StackLevel: p.StackLevel,
		ChargingProfilePurpose: purposeTo201(p.ChargingProfilePurpose),
		ChargingProfileKind:    v201.ChargingProfileKindEnum(p.ChargingProfileKind),
		RecurrencyKind:         v201.RecurrencyKindEnum(p.RecurrencyKind), ValidFrom: p.ValidFrom, ValidTo: p.ValidTo,
		ChargingSchedule: []v201.ChargingSchedule{{ID: p.ChargingProfileID, StartSchedule: s.StartSchedule, Duration: s.Duration,
			ChargingRateUnit: v201.ChargingRateUnitEnum(s.ChargingRateUnit), MinChargingRate: s.MinChargingRate}}}
	for _, per := range s.ChargingSchedulePeriod {
		out.ChargingSchedule[0].ChargingSchedulePeriod = append(out.ChargingSchedule[0].ChargingSchedulePeriod,
			v201.ChargingSchedulePeriod{StartPeriod: per.StartPeriod, Limit: per.Limit, NumberPhases: per.NumberPhases})
	}
	if p.TransactionID != nil {
		id, err := chargerTxOf(ctx, c, int64(*p.TransactionID))
		if err != nil {
			return v201.ChargingProfile{}, err
		}
		out.TransactionID = id
	}
	return out, nil
}

// chargerTxOf returns the station's transactionId of Volt's transaction id.
func chargerTxOf(ctx context.Context, c *conn, transactionID int64) (string, error) {
	f, ok := c.g.cfg.Charging.(chargerTxStore)
	if !ok {
		return "", unprocessable(c, "transactionId %d cannot be mapped to the charger's id", transactionID)
	}
	id, err := f.FindChargerTransactionID(volt.NewContextWithActor(ctx, volt.SystemActor), c.cpid, transactionID)
	if volt.IsCode(err, volt.ENOTFOUND) {
		return "", unprocessable(c, "transaction %d is not a transaction of this charger", transactionID)
	}
	return id, err
}

func setChargingProfileTo201(ctx context.Context, c *conn, req any) (any, error) {
	r := req.(*v16.SetChargingProfileRequest)
	p, err := profileTo201(ctx, c, r.CsChargingProfiles)
	if err != nil {
		return nil, err
	}
	return &v201.SetChargingProfileRequest{EvseID: r.ConnectorID, ChargingProfile: p}, nil
}

func clearChargingProfileTo201(_ context.Context, _ *conn, req any) (any, error) {
	r := req.(*v16.ClearChargingProfileRequest)
	out := &v201.ClearChargingProfileRequest{ChargingProfileID: r.ID}
	if r.ConnectorID != nil || r.ChargingProfilePurpose != "" || r.StackLevel != nil {
		out.ChargingProfileCriteria = &v201.ClearChargingProfile{EvseID: r.ConnectorID, StackLevel: r.StackLevel}
		if r.ChargingProfilePurpose != "" {
			out.ChargingProfileCriteria.ChargingProfilePurpose = purposeTo201(r.ChargingProfilePurpose)
		}
	}
	return out, nil
}

func compositeScheduleTo201(_ context.Context, _ *conn, req any) (any, error) {
	r := req.(*v16.GetCompositeScheduleRequest)
	return &v201.GetCompositeScheduleRequest{EvseID: r.ConnectorID, Duration: r.Duration,
		ChargingRateUnit: v201.ChargingRateUnitEnum(r.ChargingRateUnit)}, nil
}

func reserveNowTo201(_ context.Context, _ *conn, req any) (any, error) {
	r := req.(*v16.ReserveNowRequest)
	out := &v201.ReserveNowRequest{ID: r.ReservationID, ExpiryDateTime: r.ExpiryDate,
		IDToken: v201.IDToken{IDToken: r.IdTag, Type: v201.IDTokenEnumCentral}}
	if r.ConnectorID > 0 {
		id := r.ConnectorID
		out.EvseID = &id
	}
	if r.ParentIdTag != "" {
		out.GroupIDToken = &v201.IDToken{IDToken: r.ParentIdTag, Type: v201.IDTokenEnumCentral}
	}
	return out, nil
}

func sendLocalListTo201(_ context.Context, _ *conn, req any) (any, error) {
	r := req.(*v16.SendLocalListRequest)
	out := &v201.SendLocalListRequest{VersionNumber: r.ListVersion, UpdateType: v201.UpdateEnum(r.UpdateType)}
	for _, a := range r.LocalAuthorizationList {
		d := v201.AuthorizationData{IDToken: v201.IDToken{IDToken: a.IdTag, Type: v201.IDTokenEnumCentral}}
		if info := a.IdTagInfo; info != nil {
			d.IDTokenInfo = &v201.IDTokenInfo{Status: v201.AuthorizationStatusEnum(info.Status), CacheExpiryDateTime: info.ExpiryDate}
			if info.ParentIdTag != "" {
				d.IDTokenInfo.GroupIDToken = &v201.IDToken{IDToken: info.ParentIdTag, Type: v201.IDTokenEnumCentral}
			}
		}
		out.LocalAuthorizationList = append(out.LocalAuthorizationList, d)
	}
	return out, nil
}

func updateFirmwareTo201(_ context.Context, _ *conn, req any) (any, error) {
	r := req.(*v16.UpdateFirmwareRequest)
	return &v201.UpdateFirmwareRequest{RequestID: 1 + rand.IntN(1<<30), Retries: r.Retries, RetryInterval: r.RetryInterval,
		Firmware: v201.Firmware{Location: r.Location, RetrieveDateTime: r.RetrieveDate}}, nil
}

// onlyFieldsOf reports whether every member of the JSON object payload is a
// field of v's struct type: the decoder ignores unknown members, so a 1.6
// body of an action whose 2.x fields are all optional (ClearChargingProfile)
// would otherwise pass for a 2.x body.
func onlyFieldsOf(v any, payload []byte) bool {
	var m map[string]json.RawMessage
	if json.Unmarshal(payload, &m) != nil {
		return true // not an object: the decoder judged it
	}
	t := reflect.TypeOf(v)
	for t != nil && t.Kind() == reflect.Pointer {
		t = t.Elem()
	}
	if t == nil || t.Kind() != reflect.Struct {
		return true
	}
	known := make(map[string]bool, t.NumField())
	for i := range t.NumField() {
		name, _, _ := strings.Cut(t.Field(i).Tag.Get("json"), ",")
		known[name] = true
	}
	for k := range m {
		if !known[k] {
			return false
		}
	}
	return true
}
