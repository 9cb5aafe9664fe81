package api

import (
	"context"
	"net/http"

	"github.com/danielgtaylor/huma/v2"
	"github.com/volt-ev/volt"
)

// SmartChargingBody is the body of PUT
// /api/v1/charger-groups/{id}/smart-charging: the group's whole setting
// under the UK Smart Charge Points Regulations 2021.
type SmartChargingBody struct {
	OffPeakDefault  bool             `json:"offPeakDefault,omitempty" doc:"Sessions do not charge inside the peak windows unless the driver chooses charge now."`
	PeakWindows     []PeakWindowBody `json:"peakWindows,omitempty" maxItems:"50" doc:"Peak hours and what a session may draw in them (limitA 0: nothing). None with offPeakDefault: 08:00-11:00 and 16:00-22:00 Monday to Friday."`
	RandomDelayMaxS int              `json:"randomDelayMaxS,omitempty" doc:"Longest randomised delay before a session charges, 0 to 600 s."`
	TimeZone        string           `json:"timeZone,omitempty" maxLength:"64" doc:"IANA zone of the windows (default the site's)."`
}

// PeakWindowBody is one peak window of a charger group.
type PeakWindowBody struct {
	From   string  `json:"from" doc:"HH:MM local."`
	To     string  `json:"to" doc:"HH:MM local; before from: the window spans midnight."`
	Days   []int   `json:"days,omitempty" maxItems:"7" doc:"ISO weekdays 1 (Monday) to 7 of the window's start; none: every day."`
	LimitA float64 `json:"limitA,omitempty" doc:"What a session may draw per phase inside the window (A): 0 (default) or at least 6."`
}

type smartChargingInput struct {
	IDInput
	Body SmartChargingBody
}

// ChargeNowResult is the answer of POST /api/v1/sessions/{id}/charge-now.
type ChargeNowResult struct {
	SessionID string `json:"sessionId"`
	ChargeNow bool   `json:"chargeNow" doc:"The randomised delay and off-peak hold no longer apply to the session (within one load management step, 5 s)."`
}

func (s *server) getSmartCharging(ctx context.Context, in *IDInput) (*Out[*volt.SmartCharging], error) {
	if s.SmartCharging == nil {
		return nil, notWired("smart charging")
	}
	sc, err := s.SmartCharging.FindSmartCharging(ctx, in.ID)
	if err != nil {
		return nil, s.err(ctx, err)
	}
	return out(sc), nil
}

func (s *server) putSmartCharging(ctx context.Context, in *smartChargingInput) (*Out[*volt.SmartCharging], error) {
	if s.SmartCharging == nil {
		return nil, notWired("smart charging")
	}
	b := in.Body
	sc := &volt.SmartCharging{ChargerGroupID: in.ID, OffPeakDefault: b.OffPeakDefault, RandomDelayMaxS: b.RandomDelayMaxS, TimeZone: b.TimeZone}
	for _, w := range b.PeakWindows {
		sc.PeakWindows = append(sc.PeakWindows, volt.LoadWindow(w))
	}
	if err := s.SmartCharging.SetSmartCharging(ctx, sc); err != nil {
		return nil, s.err(ctx, err)
	}
	return out(sc), nil
}

func (s *server) chargeNow(ctx context.Context, in *IDInput) (*Out[*ChargeNowResult], error) {
	if s.SmartCharging == nil {
		return nil, notWired("smart charging")
	}
	if err := s.SmartCharging.ChargeNow(ctx, in.ID); err != nil {
		return nil, s.err(ctx, err)
	}
	return out(&ChargeNowResult{SessionID: in.ID, ChargeNow: true}), nil
}

func (s *server) smartChargingRoutes() {
	a := s.api
	const get, post, put = http.MethodGet, http.MethodPost, http.MethodPut
	huma.Register(a, op("getChargerGroupSmartCharging", get, "/charger-groups/{id}/smart-charging", "A charger group's off-peak default and randomised delay (UK Smart Charge Points Regulations 2021)", "charger-groups", 200), s.getSmartCharging)
	huma.Register(a, op("setChargerGroupSmartCharging", put, "/charger-groups/{id}/smart-charging", "Replace a charger group's off-peak default, peak windows and randomised delay", "charger-groups", 200), s.putSmartCharging)
	huma.Register(a, op("chargeSessionNow", post, "/sessions/{id}/charge-now", "Charge now: lift the randomised delay and off-peak hold of an active session (its driver, or an admin of its charger)", "sessions", 200), s.chargeNow)
}
