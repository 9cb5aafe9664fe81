package credential_test

import (
	"context"
	"encoding/json"
	"testing"
	"time"

	"github.com/volt-ev/volt"
	"github.com/volt-ev/volt/credential"
	"github.com/volt-ev/volt/store"
	"github.com/volt-ev/volt/store/storetest"
)

// fakeCharger answers the rotation's call as told and remembers the key.
type fakeCharger struct {
	answer string // "" : no answer (the call times out)
	err    error
	got    map[string]string
}

func (f *fakeCharger) Call(ctx context.Context, cpid, action string, req any) (json.RawMessage, error) {
	if action != "ChangeConfiguration" {
		return nil, volt.Errorf(volt.EINVALID, "unexpected %s", action)
	}
	f.got = req.(map[string]string)
	if f.err != nil {
		return nil, f.err
	}
	if f.answer == "" {
		<-ctx.Done()
		return nil, ctx.Err()
	}
	return json.RawMessage(`{"status":"` + f.answer + `"}`), nil
}

func sys() context.Context { return volt.NewContextWithActor(context.Background(), volt.SystemActor) }

// onboard creates a charger and returns its credentials.
func onboard(t *testing.T, db *store.DB) *volt.ChargerCredentials {
	t.Helper()
	h := store.NewHierarchyService(db)
	cpo := &volt.CPO{Name: "Rot"}
	if err := h.CreateCPO(sys(), cpo); err != nil {
		t.Fatal(err)
	}
	own := &volt.Owner{CPOID: cpo.ID, Name: "o"}
	if err := h.CreateOwner(sys(), own); err != nil {
		t.Fatal(err)
	}
	site := &volt.Site{OwnerID: own.ID, Name: "s", Latitude: 51, Longitude: 0}
	if err := h.CreateSite(sys(), site); err != nil {
		t.Fatal(err)
	}
	g := &volt.ChargerGroup{SiteID: site.ID, Name: "g"}
	if err := h.CreateChargerGroup(sys(), g); err != nil {
		t.Fatal(err)
	}
	creds, err := store.NewChargerService(db).CreateCharger(sys(), &volt.Charger{ChargerGroupID: g.ID}, 1)
	if err != nil {
		t.Fatal(err)
	}
	return creds
}

// TestRotateRefusedChangesNothing: a charger that rejects the new key, does
// not support it or is offline keeps its password, and the key it was sent
// never opens a connection; one that does not answer keeps its password too,
// but may connect with the new key if it took it (issue #10 item 9).
func TestRotateRefusedChangesNothing(t *testing.T) {
	storetest.ForEachEngine(t, func(t *testing.T, db *store.DB) {
		creds := onboard(t, db)
		cs, charging := store.NewChargerService(db), store.NewChargingService(db)
		auth := func(pw string) bool {
			_, err := charging.AuthenticateCharger(sys(), creds.OCPPIdentity, pw)
			return err == nil
		}
		for _, tc := range []struct {
			name    string
			charger *fakeCharger
			code    string
		}{
			{"rejected", &fakeCharger{answer: "Rejected"}, ""},
			{"not supported", &fakeCharger{answer: "NotSupported"}, ""},
			{"offline", &fakeCharger{err: volt.Errorf(volt.ECHARGEROFFLINE, "offline")}, volt.ECHARGEROFFLINE},
		} {
			r := &credential.Rotator{Chargers: cs, Credentials: cs, Commander: tc.charger, Timeout: 100 * time.Millisecond}
			res, err := r.RotateChargerPassword(sys(), creds.CPID)
			if tc.code != "" {
				if !volt.IsCode(err, tc.code) {
					t.Fatalf("%s: %v, want %s", tc.name, err, tc.code)
				}
			} else if err != nil || res.Status != tc.charger.answer || res.PreviousValidUntil != nil {
				t.Fatalf("%s: %+v %v", tc.name, res, err)
			}
			sent := tc.charger.got["value"]
			if tc.charger.got["key"] != "AuthorizationKey" || len(sent) != 40 {
				t.Fatalf("%s: sent %v", tc.name, tc.charger.got)
			}
			if auth(sent) || !auth(creds.OCPPPassword) {
				t.Fatalf("%s: the password changed", tc.name)
			}
		}

		// No answer: nothing changes, but a charger that did take the key
		// gets in with it (its answer may have been lost), and then only it.
		lost := &fakeCharger{}
		r := &credential.Rotator{Chargers: cs, Credentials: cs, Commander: lost, Timeout: 100 * time.Millisecond}
		if _, err := r.RotateChargerPassword(sys(), creds.CPID); !volt.IsCode(err, volt.ETIMEOUT) {
			t.Fatalf("timeout: %v", err)
		}
		if !auth(creds.OCPPPassword) || !auth(lost.got["value"]) || auth(creds.OCPPPassword) {
			t.Fatal("timeout: old until the charger connects with the new one, then only the new one")
		}
		creds.OCPPPassword = lost.got["value"]

		// Accepted: the new key works, and so does the old until it is used.
		fc := &fakeCharger{answer: "Accepted"}
		r = &credential.Rotator{Chargers: cs, Credentials: cs, Commander: fc}
		res, err := r.RotateChargerPassword(sys(), creds.CPID)
		if err != nil || res.Status != "Accepted" || res.PreviousValidUntil == nil {
			t.Fatalf("accepted: %+v %v", res, err)
		}
		if !auth(creds.OCPPPassword) || !auth(fc.got["value"]) || auth(creds.OCPPPassword) {
			t.Fatal("accepted: old valid until the new one is used, then not")
		}
	})
}
