package lms

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"math/rand/v2"
	"strings"
	"time"

	"github.com/volt-ev/volt"
	"github.com/volt-ev/volt/ocpp/v16"
)

// Profiles Volt does not own (LESSONS 30). A charger can come with
// charging profiles another party set: the installer, an energy manager,
// a previous CSMS. A TxProfile or a higher stack level of theirs overrides
// Volt's limits, and the load manager then no longer controls the charger.
// So when a charger boots, before its failsafe is sent, the Applier finds
// and clears them (ForeignClearer):
//
//   - OCPP 2.0.1/2.1 (OCPP201.ClearForeign): GetChargingProfiles (K09)
//     lists every profile in ReportChargingProfiles messages, which the
//     gateway stores (volt.ChargingReportService); each profile whose id
//     is not one of Volt's (Owned) is cleared by id (ClearChargingProfile,
//     K10), except ChargingStationExternalConstraints, which a CSMS cannot
//     clear (it is the grid operator's or the building's).
//   - OCPP 1.6 (OCPP16.ClearForeign): a 1.6 charger cannot list its
//     profiles, and GetCompositeSchedule shows a limit but not whose it is.
//     At a boot every profile is cleared (ClearChargingProfile without
//     criteria, §5.5: all of them); Volt's own are sent again at once (the
//     failsafe) and on the next step (each transaction's). A failsafe
//     re-sent after a model change clears nothing on 1.6, since a running
//     transaction would lose its limit until that step.

// ForeignClearer is implemented by an Applier that can clear the charging
// profiles on a charger that Volt's load management did not set. booted
// says the charger has just booted (not a failsafe re-sent after a model
// change). It returns how many it cleared (1.6: 1 when the charger had
// any).
type ForeignClearer interface {
	ClearForeign(ctx context.Context, cpid string, booted bool) (int, error)
}

// Owned reports whether a charging profile id is one Volt's load
// management sets (Profile16, Profile201: one id per purpose and outlet).
func Owned(id int) bool { return id >= profileIDBase && id < profileIDBase+3000 }

// ClearForeign clears every profile of a 1.6 charger that just booted.
func (o *OCPP16) ClearForeign(ctx context.Context, cpid string, booted bool) (int, error) {
	if !booted {
		return 0, nil
	}
	raw, err := o.Commander.Call(ctx, cpid, "ClearChargingProfile", &v16.ClearChargingProfileRequest{})
	if err != nil {
		return 0, fmt.Errorf("clear charging profiles of %s: %w", cpid, err)
	}
	var ans v16.ClearChargingProfileResponse
	if err := json.Unmarshal(raw, &ans); err != nil {
		return 0, fmt.Errorf("%s: ClearChargingProfile answer: %w", cpid, err)
	}
	if ans.Status == v16.ClearChargingProfileStatusAccepted {
		return 1, nil
	}
	return 0, nil // Unknown: it had none
}

// reportedProfiles is what ClearForeign reads of a ReportChargingProfiles
// message (either version).
type reportedProfiles struct {
	RequestID           int    `json:"requestId"`
	ChargingLimitSource string `json:"chargingLimitSource"`
	Tbc                 bool   `json:"tbc"`
	EvseID              int    `json:"evseId"`
	ChargingProfile     []struct {
		ID                     int    `json:"id"`
		StackLevel             int    `json:"stackLevel"`
		ChargingProfilePurpose string `json:"chargingProfilePurpose"`
	} `json:"chargingProfile"`
}

// ClearForeign lists a 2.x station's profiles and clears those Volt does
// not own. Without Reports (where the station's answers are kept) it
// clears nothing. It waits for the last report (tbc false) up to
// ReportWait (default 15 s, a charger call's default bound) or ctx's
// deadline; it clears what was reported by then and, when the last report
// had not come, says so in its error (profiles of later reports are left
// until the next boot). A 5-s wait, the earlier default, ran out on a
// loaded machine before the station's reports were stored.
func (o *OCPP201) ClearForeign(ctx context.Context, cpid string, _ bool) (int, error) {
	if o.Reports == nil {
		return 0, nil
	}
	reqID := rand.IntN(1 << 30)
	raw, err := o.Commander.Call(ctx, cpid, "GetChargingProfiles", map[string]any{"requestId": reqID, "chargingProfile": map[string]any{}})
	if err != nil {
		return 0, fmt.Errorf("get charging profiles of %s: %w", cpid, err)
	}
	var ans struct {
		Status string `json:"status"`
	}
	if err := json.Unmarshal(raw, &ans); err != nil {
		return 0, fmt.Errorf("%s: GetChargingProfiles answer: %w", cpid, err)
	}
	if ans.Status != "Accepted" {
		return 0, nil // NoProfiles
	}
	foreign, complete, err := o.awaitReports(ctx, cpid, reqID)
	if err != nil {
		return 0, err
	}
	n := 0
	var errs []error
	if !complete {
		errs = append(errs, fmt.Errorf("%s: the last ReportChargingProfiles of request %d did not come in time; later profiles are left", cpid, reqID))
	}
	for _, id := range foreign {
		raw, err := o.Commander.Call(ctx, cpid, "ClearChargingProfile", map[string]any{"chargingProfileId": id})
		if err != nil {
			errs = append(errs, fmt.Errorf("clear charging profile %d of %s: %w", id, cpid, err))
			continue
		}
		var st struct {
			Status string `json:"status"`
		}
		if json.Unmarshal(raw, &st) == nil && st.Status == "Accepted" {
			n++
		}
	}
	return n, errors.Join(errs...)
}

// awaitReports collects the ids of the foreign profiles the station
// reports for request reqID, until its last report (complete) or the wait
// ends.
func (o *OCPP201) awaitReports(ctx context.Context, cpid string, reqID int) (ids []int, complete bool, err error) {
	wait := o.ReportWait
	if wait <= 0 {
		wait = 15 * time.Second
	}
	deadline := time.NewTimer(wait)
	defer deadline.Stop()
	tick := time.NewTicker(100 * time.Millisecond)
	defer tick.Stop()
	sys := volt.NewContextWithActor(ctx, volt.SystemActor)
	for {
		reports, err := o.Reports.FindChargingReports(sys, cpid, volt.ReportChargingProfile, 200)
		if err != nil {
			return nil, false, fmt.Errorf("charging profiles reported by %s: %w", cpid, err)
		}
		ids = nil
		seen, last := map[int]bool{}, false
		for _, r := range reports {
			if r.RequestID == nil || *r.RequestID != reqID {
				continue
			}
			var rp reportedProfiles
			if json.Unmarshal(r.Payload, &rp) != nil {
				continue
			}
			last = last || !rp.Tbc
			for _, p := range rp.ChargingProfile {
				if Owned(p.ID) || seen[p.ID] || p.ChargingProfilePurpose == "ChargingStationExternalConstraints" {
					continue
				}
				seen[p.ID] = true
				ids = append(ids, p.ID)
			}
		}
		if last {
			return ids, true, nil
		}
		select {
		case <-ctx.Done():
			return ids, false, nil
		case <-deadline.C:
			return ids, false, nil
		case <-tick.C:
		}
	}
}

// ClearForeign clears with the Applier of the charger's version, when it
// can.
func (b *ByVersion) ClearForeign(ctx context.Context, cpid string, booted bool) (int, error) {
	v, err := b.version(ctx, cpid)
	if err != nil {
		return 0, err
	}
	a := b.V16
	if strings.HasPrefix(v, "ocpp2.") {
		a = b.V2x
	}
	if fc, ok := a.(ForeignClearer); ok {
		return fc.ClearForeign(ctx, cpid, booted)
	}
	return 0, nil
}
