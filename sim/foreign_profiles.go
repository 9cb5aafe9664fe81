package sim

import (
	"context"
	"encoding/json"
	"fmt"

	"github.com/volt-ev/volt/ocpp/v16"
	"github.com/volt-ev/volt/ocpp/v201"
)

// Profiles another party set (LESSONS 30): a test installs them as the
// installer or an energy manager would have, before the charger meets
// Volt; a 2.x station lists them on GetChargingProfiles (K09).

// InstallProfile installs a 1.6 charging profile on connector n as another
// party would have set it (no CSMS call); the power follows at once.
func (c *Charger) InstallProfile(n int, p v16.ChargingProfile) error {
	c.mu.Lock()
	defer c.mu.Unlock()
	if n < 0 || n >= len(c.conns) {
		return fmt.Errorf("sim: no connector %d", n)
	}
	c.setProfileLocked(n, p)
	return nil
}

// ProfileIDs returns the ids of the profiles installed on connector n.
func (c *Charger) ProfileIDs(n int) []int {
	c.mu.Lock()
	defer c.mu.Unlock()
	if n < 0 || n >= len(c.conns) {
		return nil
	}
	var ids []int
	for _, p := range c.conns[n].profiles {
		ids = append(ids, p.ChargingProfileID)
	}
	return ids
}

// InstallProfile installs a 2.x charging profile (its JSON, as in
// SetChargingProfile) on EVSE n (0: the station) as another party would
// have set it.
func (c *Charger2) InstallProfile(n int, profileJSON string) error {
	var p profile2
	if err := json.Unmarshal([]byte(profileJSON), &p); err != nil {
		return fmt.Errorf("sim: profile: %w", err)
	}
	c.mu.Lock()
	defer c.mu.Unlock()
	if n < 0 || n >= len(c.evses) {
		return fmt.Errorf("sim: evse %d: %w", n, ErrNoConnector)
	}
	e := c.evses[n]
	e.profiles = append(e.profiles, p)
	c.repowerLocked()
	return nil
}

// ProfileIDs returns the ids of the profiles installed on EVSE n.
func (c *Charger2) ProfileIDs(n int) []int {
	c.mu.Lock()
	defer c.mu.Unlock()
	if n < 0 || n >= len(c.evses) {
		return nil
	}
	var ids []int
	for _, p := range c.evses[n].profiles {
		ids = append(ids, p.ID)
	}
	return ids
}

// onGetChargingProfiles answers NoProfiles or Accepted, then reports the
// matching profiles in one ReportChargingProfiles per EVSE, the last with
// tbc false (K09).
func (c *Charger2) onGetChargingProfiles(r *v201.GetChargingProfilesRequest) (any, func(context.Context)) {
	c.mu.Lock()
	defer c.mu.Unlock()
	type part struct {
		evse     int
		profiles []profile2
	}
	var parts []part
	cr := r.ChargingProfile
	for _, e := range c.evses {
		if r.EvseID != nil && *r.EvseID != e.id {
			continue
		}
		var ps []profile2
		for _, p := range e.profiles {
			if (cr.ChargingProfilePurpose != "" && string(cr.ChargingProfilePurpose) != p.ChargingProfilePurpose) ||
				(cr.StackLevel != nil && *cr.StackLevel != p.StackLevel) || (len(cr.ChargingProfileID) > 0 && !containsInt(cr.ChargingProfileID, p.ID)) {
				continue
			}
			ps = append(ps, p)
		}
		if len(ps) > 0 {
			parts = append(parts, part{e.id, ps})
		}
	}
	if len(parts) == 0 {
		return &v201.GetChargingProfilesResponse{Status: v201.GetChargingProfileStatusEnumNoProfiles}, nil
	}
	return &v201.GetChargingProfilesResponse{Status: v201.GetChargingProfileStatusEnumAccepted}, func(context.Context) {
		c.mu.Lock()
		defer c.mu.Unlock()
		for i, p := range parts {
			tbc := i < len(parts)-1
			c.enqueueLocked(&item2{action: v201.ActionReportChargingProfiles, payload: map[string]any{
				"requestId": r.RequestID, "chargingLimitSource": "CSO", "chargingProfile": p.profiles, "tbc": tbc, "evseId": p.evse}})
		}
	}
}

func containsInt(xs []int, x int) bool {
	for _, v := range xs {
		if v == x {
			return true
		}
	}
	return false
}
