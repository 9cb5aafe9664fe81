package lms

import (
	"context"
	"encoding/json"
	"errors"
	"strings"
	"testing"

	"github.com/volt-ev/volt"
	"github.com/volt-ev/volt/internal/schematest"
)

// scriptedCommander answers each action with a fixed payload and records
// the requests.
type scriptedCommander struct {
	answers map[string]string
	sent    map[string][]json.RawMessage
}

func (c *scriptedCommander) Call(_ context.Context, _, action string, request any) (json.RawMessage, error) {
	b, _ := json.Marshal(request)
	if c.sent == nil {
		c.sent = map[string][]json.RawMessage{}
	}
	c.sent[action] = append(c.sent[action], b)
	a, ok := c.answers[action]
	if !ok {
		return nil, volt.Errorf(volt.ECALLERROR, "NotSupported")
	}
	return json.RawMessage(a), nil
}

func (c *scriptedCommander) Connected(string) bool { return true }

// TestProfile201ValidAgainstSchemas: the 2.x profiles of every purpose, and
// a 2.1 discharge, are valid requests of both versions' schemas (the
// discharge one of 2.1 only).
func TestProfile201ValidAgainstSchemas(t *testing.T) {
	s201, s21 := schematest.Load(t, "2.0.1"), schematest.Load(t, "2.1")
	limits := []Limit{
		{CPID: "000001", ConnectorID: 2, Purpose: PurposeTx, ChargerTransactionID: "tx-7", CurrentA: 10.06, Phases: 3},
		{CPID: "000001", Purpose: PurposeDefault, CurrentA: 8, Phases: 1},
		{CPID: "000001", Purpose: PurposeChargerMax, CurrentA: 32, Phases: 3},
	}
	for _, l := range limits {
		b, _ := json.Marshal(Profile201(l))
		for _, s := range []*schematest.Set{s201, s21} {
			if err := s.Validate(t, "SetChargingProfileRequest", b); err != nil {
				t.Errorf("%s profile %s: %v", l.Purpose, b, err)
			}
		}
	}
	b, _ := json.Marshal(Profile201(Limit{CPID: "000001", ConnectorID: 1, Purpose: PurposeTx, ChargerTransactionID: "tx-8", DischargeA: 12.3, Phases: 3}))
	if err := s21.Validate(t, "SetChargingProfileRequest", b); err != nil {
		t.Errorf("discharge profile %s: %v", b, err)
	}
	if !strings.Contains(string(b), `"limit":0,`) || !strings.Contains(string(b), `"dischargeLimit":-12.3,"setpoint":-12.3`) {
		t.Errorf("discharge profile %s: want limit 0, dischargeLimit and setpoint −12.3", b)
	}
}

// TestOCPP201VerifiesComposite: an accepted TxProfile whose composite
// schedule is above the limit counts as refused (LESSONS 29); one at the
// limit, or a station that cannot answer, is applied.
func TestOCPP201VerifiesComposite(t *testing.T) {
	l := Limit{CPID: "000001", ConnectorID: 1, Purpose: PurposeTx, ChargerTransactionID: "tx-1", CurrentA: 10, Phases: 3}
	cases := []struct {
		composite string
		refused   bool
	}{
		{`{"status":"Accepted","schedule":{"evseId":1,"duration":60,"scheduleStart":"2026-12-06T10:00:00Z","chargingRateUnit":"A","chargingSchedulePeriod":[{"startPeriod":0,"limit":10}]}}`, false},
		{`{"status":"Accepted","schedule":{"evseId":1,"duration":60,"scheduleStart":"2026-12-06T10:00:00Z","chargingRateUnit":"A","chargingSchedulePeriod":[{"startPeriod":0,"limit":16}]}}`, true},
		{`{"status":"Accepted","schedule":{"evseId":1,"duration":60,"scheduleStart":"2026-12-06T10:00:00Z","chargingRateUnit":"W","chargingSchedulePeriod":[{"startPeriod":0,"limit":11040}]}}`, true},
		{"", false}, // NotSupported
	}
	for _, tc := range cases {
		cmd := &scriptedCommander{answers: map[string]string{"SetChargingProfile": `{"status":"Accepted"}`}}
		if tc.composite != "" {
			cmd.answers["GetCompositeSchedule"] = tc.composite
		}
		err := (&OCPP201{Commander: cmd, Verify: true}).ApplyLimit(context.Background(), l)
		if errors.Is(err, ErrRejected) != tc.refused {
			t.Errorf("composite %s: %v, want refused %v", tc.composite, err, tc.refused)
		}
		if len(cmd.sent["GetCompositeSchedule"]) != 1 || !strings.Contains(string(cmd.sent["GetCompositeSchedule"][0]), `"evseId":1`) {
			t.Errorf("composite read back %s", cmd.sent["GetCompositeSchedule"])
		}
	}
	// A TxProfile without the station's transaction id is never sent.
	cmd := &scriptedCommander{answers: map[string]string{"SetChargingProfile": `{"status":"Accepted"}`}}
	if err := (&OCPP201{Commander: cmd}).ApplyLimit(context.Background(), Limit{CPID: "000001", ConnectorID: 1, Purpose: PurposeTx}); !errors.Is(err, ErrRejected) || len(cmd.sent) != 0 {
		t.Errorf("TxProfile without a station transaction id: %v, sent %v", err, cmd.sent)
	}
}

// versionedChargers answers FindChargerByCPID with a version per CPID.
type versionedChargers struct {
	volt.ChargerService
	versions map[string]string
}

func (v versionedChargers) FindChargerByCPID(_ context.Context, cpid string) (*volt.Charger, error) {
	return &volt.Charger{CPID: cpid, OCPPVersion: v.versions[cpid]}, nil
}

// recordingApplier counts the limits it was given.
type recordingApplier struct{ n int }

func (r *recordingApplier) ApplyLimit(context.Context, Limit) error { r.n++; return nil }

// TestByVersionPicksTheApplier: a 2.0.1 or 2.1 charger's limits go through
// the 2.x applier, a 1.6 (or never connected) charger's through 1.6's.
func TestByVersionPicksTheApplier(t *testing.T) {
	v16, v2 := &recordingApplier{}, &recordingApplier{}
	b := &ByVersion{Chargers: versionedChargers{versions: map[string]string{"1": "ocpp1.6", "2": "ocpp2.0.1", "3": "ocpp2.1", "4": ""}}, V16: v16, V2x: v2}
	for _, cpid := range []string{"1", "2", "3", "4", "2"} {
		if err := b.ApplyLimit(context.Background(), Limit{CPID: cpid}); err != nil {
			t.Fatal(err)
		}
	}
	if v16.n != 2 || v2.n != 3 {
		t.Fatalf("1.6 applier %d limits, 2.x %d; want 2 and 3", v16.n, v2.n)
	}
}
