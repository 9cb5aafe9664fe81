package api

import (
	"fmt"
	"testing"
	"time"

	"github.com/volt-ev/volt"
)

// TestSmartChargingAPI: a group's setting round-trips with the regulation's
// defaults and bad input names its field; charge now is for the session's
// own driver or an admin, on an active session only.
func TestSmartChargingAPI(t *testing.T) {
	forEachEnv(t, func(t *testing.T, e *env) {
		start := time.Now().UTC().Truncate(time.Second)
		res, err := e.cfg.Charging.StartTransaction(sys(), volt.StartRequest{CPID: e.A.CPID, ConnectorID: 2, IDTag: e.A.CardUID,
			MeterStart: 0, At: start, ReceivedAt: start})
		must(t, err)
		live := res.Session.ID
		if res.Session.UserID != e.A.Driver {
			t.Fatalf("the session's driver is %q, want %q", res.Session.UserID, e.A.Driver)
		}
		sc := "/api/v1/charger-groups/{A.group}/smart-charging"
		now := fmt.Sprintf("/api/v1/sessions/%s/charge-now", live)
		e.run(t, []scenario{
			{"unset is off", "GET", sc, ``, "A/cpo-staff", 200, []string{`"offPeakDefault":false`, `"randomDelayMaxS":0`, `"timeZone":"Europe/London"`}, nil},
			{"load management off", "PUT", sc, `{"offPeakDefault":true}`, "A/cpo-admin", 422, nil, nil},
			{"turn load management on", "PUT", "/api/v1/sites/{A.site}/load-management", `{"mode":"static","supplyLimitA":63}`, "A/cpo-admin", 200, nil, nil},
			{"UK defaults", "PUT", sc, `{"offPeakDefault":true,"randomDelayMaxS":600}`, "A/cpo-admin", 200,
				[]string{`"offPeakDefault":true`, `"randomDelayMaxS":600`, `"from":"08:00","to":"11:00","days":[1,2,3,4,5]`, `"from":"16:00","to":"22:00"`, `"timeZone":"Europe/London"`}, nil},
			{"read back", "GET", sc, ``, "A/owner-staff", 200, []string{`"offPeakDefault":true`, `"from":"16:00"`}, nil},
			{"own windows", "PUT", sc, `{"offPeakDefault":true,"peakWindows":[{"from":"17:00","to":"19:00","limitA":8}],"timeZone":"Europe/Dublin"}`, "A/cpo-admin", 200,
				[]string{`"from":"17:00"`, `"limitA":8`, `"timeZone":"Europe/Dublin"`}, []string{`"08:00"`}},
			{"delay too long", "PUT", sc, `{"randomDelayMaxS":601}`, "A/cpo-admin", 400, []string{`"field":"randomDelayMaxS"`}, nil},
			{"bad window", "PUT", sc, `{"offPeakDefault":true,"peakWindows":[{"from":"16:00","to":"24:30"}]}`, "A/cpo-admin", 400, []string{`"field":"peakWindows[0].to"`}, nil},
			{"limit below 6 A", "PUT", sc, `{"offPeakDefault":true,"peakWindows":[{"from":"16:00","to":"22:00","limitA":4}]}`, "A/cpo-admin", 400, []string{`"field":"peakWindows[0].limitA"`}, nil},
			{"bad zone", "PUT", sc, `{"timeZone":"Mars/Olympus"}`, "A/cpo-admin", 400, []string{`"field":"timeZone"`}, nil},
			{"staff may not set", "PUT", sc, `{"offPeakDefault":true}`, "A/cpo-staff", 403, nil, nil},
			{"other tenant's driver", "POST", now, ``, "B/driver", 404, nil, nil},
			{"staff may not charge now", "POST", now, ``, "A/cpo-staff", 403, nil, nil},
			{"own driver", "POST", now, ``, "A/driver", 200, []string{`"chargeNow":true`, `"sessionId":"` + live + `"`}, nil},
			{"charger admin", "POST", now, ``, "A/owner-admin", 200, []string{`"chargeNow":true`}, nil},
			{"ended session", "POST", "/api/v1/sessions/{A.session}/charge-now", ``, "A/cpo-admin", 422, nil, nil},
		})
		got, err := e.cfg.SmartCharging.ChargeNowOf(sys(), []string{live, e.A.Session})
		must(t, err)
		if !got[live] || got[e.A.Session] {
			t.Errorf("overrides %v", got)
		}
	})
}
