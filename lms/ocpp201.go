package lms

import (
	"context"
	"encoding/json"
	"fmt"
	"math"
	"strings"
	"sync"
	"time"

	"github.com/volt-ev/volt"
)

// OCPP201 applies limits to OCPP 2.0.1 and 2.1 stations through
// SetChargingProfile (OCPP 2.0.1 K01): TxProfile per EVSE for a transaction
// (named by the station's transactionId), TxDefaultProfile on EVSE 0 as the
// failsafe, ChargingStationMaxProfile on EVSE 0 where the station is its own
// circuit; in amperes, rounded down to 0.1 A, the first period starting at 0
// (K01.FR.31), one profile id per purpose and EVSE so a new limit replaces
// the last (K01.FR.05). On a 2.1 station a limit with DischargeA asks the car
// to give power back (Q, V2X): a negative setpoint within an equal negative
// dischargeLimit, and a charging limit of 0 (LESSONS 35: separate fields with
// explicit signs; a limit of 0 alone is no power either way).
//
// With Verify, every transaction limit the station accepts is read back with
// GetCompositeSchedule: a station whose composite limit is above the one
// sent (an older profile of a higher stack level, LESSONS 29) counts as
// refusing (ErrRejected), so the loop holds it at its maximum and limits the
// others. A station that cannot answer GetCompositeSchedule is trusted.
//
// With Reports, a station that boots has the profiles Volt does not own
// found and cleared (ClearForeign, foreign.go).
type OCPP201 struct {
	Commander volt.ChargerCommander
	Verify    bool
	// Reports is where the gateway keeps the stations' ReportChargingProfiles
	// (nil: foreign profiles are not looked for); ReportWait bounds the wait
	// for them (default 15 s).
	Reports    volt.ChargingReportService
	ReportWait time.Duration
}

// ApplyLimit sends the limit as a SetChargingProfile request.
func (o *OCPP201) ApplyLimit(ctx context.Context, l Limit) error {
	if l.Purpose == PurposeTx && l.ChargerTransactionID == "" {
		return fmt.Errorf("%s EVSE %d: transaction %d has no station transaction id: %w", l.CPID, l.ConnectorID, l.TransactionID, ErrRejected)
	}
	if err := callStatus(ctx, o.Commander, l, "SetChargingProfile", Profile201(l)); err != nil {
		return err
	}
	if o.Verify && l.Purpose == PurposeTx {
		return verifyComposite(ctx, o.Commander, l, map[string]any{"evseId": l.ConnectorID, "duration": 60, "chargingRateUnit": "A"}, composite201)
	}
	return nil
}

// callStatus sends a profile and reads the status of the answer.
func callStatus(ctx context.Context, cmd volt.ChargerCommander, l Limit, action string, body any) error {
	raw, err := cmd.Call(ctx, l.CPID, action, body)
	if err != nil {
		if volt.IsCode(err, volt.ECALLERROR) {
			return fmt.Errorf("%s connector %d: %w (%w)", l.CPID, l.ConnectorID, ErrRejected, err)
		}
		return fmt.Errorf("set charging profile on %s connector %d: %w", l.CPID, l.ConnectorID, err)
	}
	var ans struct {
		Status string `json:"status"`
	}
	if err := json.Unmarshal(raw, &ans); err != nil {
		return fmt.Errorf("%s: %s answer: %w", l.CPID, action, err)
	}
	if ans.Status != "Accepted" {
		return fmt.Errorf("%s connector %d answered %s: %w", l.CPID, l.ConnectorID, ans.Status, ErrRejected)
	}
	return nil
}

// verifyComposite reads the composite schedule back and refuses a limit the
// station does not apply: its limit now above the one sent by more than
// half an ampere.
func verifyComposite(ctx context.Context, cmd volt.ChargerCommander, l Limit, req any, read func(json.RawMessage) (float64, string, bool)) error {
	raw, err := cmd.Call(ctx, l.CPID, "GetCompositeSchedule", req)
	if err != nil {
		return nil // not answered: nothing to learn (the profile was accepted)
	}
	limit, unit, ok := read(raw)
	if !ok {
		return nil
	}
	if unit == "W" {
		limit /= 230 * float64(max(l.Phases, 1))
	}
	if sent := math.Floor(math.Max(l.CurrentA, 0)*10+1e-6) / 10; limit > sent+0.5 {
		return fmt.Errorf("%s connector %d: composite schedule %.1f A above the %.1f A sent: %w", l.CPID, l.ConnectorID, limit, sent, ErrRejected)
	}
	return nil
}

// composite201 reads the first period of a 2.x GetCompositeSchedule answer.
func composite201(raw json.RawMessage) (float64, string, bool) {
	var ans struct {
		Status   string `json:"status"`
		Schedule *struct {
			ChargingRateUnit       string `json:"chargingRateUnit"`
			ChargingSchedulePeriod []struct {
				Limit *float64 `json:"limit"`
			} `json:"chargingSchedulePeriod"`
		} `json:"schedule"`
	}
	if json.Unmarshal(raw, &ans) != nil || ans.Status != "Accepted" || ans.Schedule == nil ||
		len(ans.Schedule.ChargingSchedulePeriod) == 0 || ans.Schedule.ChargingSchedulePeriod[0].Limit == nil {
		return 0, "", false
	}
	return *ans.Schedule.ChargingSchedulePeriod[0].Limit, ans.Schedule.ChargingRateUnit, true
}

// Wire form of a 2.x SetChargingProfile: the fields 2.0.1 and 2.1 share,
// and 2.1's discharge fields (omitted unless discharging).
type (
	setProfile2x struct {
		EvseID          int       `json:"evseId"`
		ChargingProfile profile2x `json:"chargingProfile"`
	}
	profile2x struct {
		ID                     int          `json:"id"`
		StackLevel             int          `json:"stackLevel"`
		ChargingProfilePurpose string       `json:"chargingProfilePurpose"`
		ChargingProfileKind    string       `json:"chargingProfileKind"`
		ChargingSchedule       []schedule2x `json:"chargingSchedule"`
		TransactionID          string       `json:"transactionId,omitempty"`
	}
	schedule2x struct {
		ID                     int        `json:"id"`
		ChargingRateUnit       string     `json:"chargingRateUnit"`
		ChargingSchedulePeriod []period2x `json:"chargingSchedulePeriod"`
	}
	period2x struct {
		StartPeriod    int      `json:"startPeriod"`
		Limit          float64  `json:"limit"`
		NumberPhases   *int     `json:"numberPhases,omitempty"`
		DischargeLimit *float64 `json:"dischargeLimit,omitempty"`
		Setpoint       *float64 `json:"setpoint,omitempty"`
	}
)

// Profile201 builds the OCPP 2.x SetChargingProfile request of a limit.
func Profile201(l Limit) any {
	purpose := map[Purpose]string{PurposeTx: "TxProfile", PurposeDefault: "TxDefaultProfile",
		PurposeChargerMax: "ChargingStationMaxProfile"}[l.Purpose]
	slot := map[Purpose]int{PurposeTx: 0, PurposeDefault: 1, PurposeChargerMax: 2}[l.Purpose]
	id := profileIDBase + slot*1000 + l.ConnectorID
	phases := l.Phases
	per := period2x{StartPeriod: 0, Limit: math.Floor(math.Max(l.CurrentA, 0)*10+1e-6) / 10}
	if phases > 0 {
		per.NumberPhases = &phases
	}
	if d := math.Floor(math.Max(l.DischargeA, 0)*10+1e-6) / 10; d > 0 {
		neg := -d
		per.Limit, per.DischargeLimit, per.Setpoint = 0, &neg, &neg
	}
	evse := l.ConnectorID
	if l.Purpose != PurposeTx {
		evse = 0
	}
	p := profile2x{ID: id, StackLevel: stackLevel, ChargingProfilePurpose: purpose, ChargingProfileKind: "Relative",
		ChargingSchedule: []schedule2x{{ID: id, ChargingRateUnit: "A", ChargingSchedulePeriod: []period2x{per}}}}
	if l.Purpose == PurposeTx {
		p.TransactionID = l.ChargerTransactionID
	}
	return &setProfile2x{EvseID: evse, ChargingProfile: p}
}

// ByVersion applies each limit with the Applier of the version the charger
// last connected with (volt.Charger.OCPPVersion): OCPP16 for 1.6, OCPP201
// for 2.0.1 and 2.1. The version is remembered for VersionTTL (default
// 10 s): a charger that reconnects with another version boots, and its
// failsafe is sent within that time at worst with the old one's body, which
// the gateway translates.
type ByVersion struct {
	Chargers   volt.ChargerService
	V16, V2x   Applier
	VersionTTL time.Duration
	Now        func() time.Time

	mu    sync.Mutex
	known map[string]knownVersion
}

type knownVersion struct {
	version string
	at      time.Time
}

// ApplyLimit implements Applier.
func (b *ByVersion) ApplyLimit(ctx context.Context, l Limit) error {
	v, err := b.version(ctx, l.CPID)
	if err != nil {
		return err
	}
	if v != "ocpp2.1" {
		l.DischargeA = 0 // only 2.1 has discharge limits
	}
	if strings.HasPrefix(v, "ocpp2.") {
		return b.V2x.ApplyLimit(ctx, l)
	}
	return b.V16.ApplyLimit(ctx, l)
}

func (b *ByVersion) version(ctx context.Context, cpid string) (string, error) {
	now := time.Now()
	if b.Now != nil {
		now = b.Now()
	}
	ttl := b.VersionTTL
	if ttl <= 0 {
		ttl = 10 * time.Second
	}
	b.mu.Lock()
	k, ok := b.known[cpid]
	b.mu.Unlock()
	if ok && now.Sub(k.at) < ttl {
		return k.version, nil
	}
	ch, err := b.Chargers.FindChargerByCPID(volt.NewContextWithActor(ctx, volt.SystemActor), cpid)
	if err != nil {
		return "", fmt.Errorf("lms: version of %s: %w", cpid, err)
	}
	b.mu.Lock()
	if b.known == nil || len(b.known) > 100_000 {
		b.known = map[string]knownVersion{}
	}
	b.known[cpid] = knownVersion{version: ch.OCPPVersion, at: now}
	b.mu.Unlock()
	return ch.OCPPVersion, nil
}
