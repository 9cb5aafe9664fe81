package api

import (
	"testing"

	"github.com/volt-ev/volt"
)

// TestLoadManagementAPI: a site's model round-trips; limits that do not add
// up and readings in the wrong shape are refused naming the field.
func TestLoadManagementAPI(t *testing.T) {
	forEachEnv(t, func(t *testing.T, e *env) {
		lm := "/api/v1/sites/{A.site}/load-management"
		mr := "/api/v1/sites/{A.site}/meter-readings"
		e.run(t, []scenario{
			{"unset is off", "GET", lm, ``, "A/cpo-admin", 200, []string{`"mode":"off"`, `"siteId":"{A.site}"`}, nil},
			{"set", "PUT", lm, `{"mode":"dynamic","supplyLimitA":32,"phases":3,"fallbackLimitA":16,
				"circuits":[{"id":"feed","limitA":25}],
				"evses":[{"cpid":"{A.cpid}","connectorId":1,"circuitId":"feed","maxA":32,"phases":1,"rotation":"STR"}],
				"priorities":[{"usergroupId":"{A.driverGroup}","priority":2}],
				"windows":[{"from":"16:00","to":"19:00","days":[1,2,3,4,5],"limitA":20}]}`, "A/cpo-admin", 200,
				[]string{`"mode":"dynamic"`, `"minA":6`, `"rotation":"STR"`, `"timeZone":"Europe/London"`, `"from":"16:00"`}, nil},
			{"bad window", "PUT", lm, `{"mode":"static","supplyLimitA":32,"windows":[{"from":"25:00","to":"19:00","limitA":20}]}`,
				"A/cpo-admin", 400, []string{`"field":"windows[0].from"`}, nil},
			{"read back by staff", "GET", lm, ``, "A/cpo-staff", 200,
				[]string{`"supplyLimitA":32`, `"fallbackLimitA":16`, `"circuitId":"feed"`, `"usergroupId":"{A.driverGroup}"`}, nil},
			{"circuit above its parent", "PUT", lm, `{"mode":"static","supplyLimitA":32,
				"circuits":[{"id":"feed","limitA":25},{"id":"bay","parentId":"feed","limitA":30}]}`, "A/cpo-admin", 400,
				[]string{`"field":"circuits[1].limitA"`}, nil},
			{"min above max", "PUT", lm, `{"mode":"static","supplyLimitA":32,
				"evses":[{"cpid":"{A.cpid}","connectorId":1,"minA":16,"maxA":10}]}`, "A/cpo-admin", 400,
				[]string{`"field":"evses[0].minA"`}, nil},
			{"unknown mode", "PUT", lm, `{"mode":"turbo","supplyLimitA":32}`, "A/cpo-admin", 400, []string{`"field":"mode"`}, nil},
			{"reading", "POST", mr, `{"currentA":[20,20,20],"at":"2000-01-01T00:00:00Z"}`, "A/cpo-admin", 201,
				[]string{`"currentA":[20,20,20]`, `"source":"api"`}, nil},
			{"reading now", "POST", mr, `{"currentA":[1.5,0,3]}`, "A/cpo-admin", 201, nil, nil},
			{"wrong phase count", "POST", mr, `{"currentA":[20]}`, "A/cpo-admin", 400, []string{`"field":"currentA"`}, nil},
			{"negative", "POST", mr, `{"currentA":[20,-1,20]}`, "A/cpo-admin", 400, []string{`"field":"currentA"`}, nil},
			{"from the future", "POST", mr, `{"currentA":[20,20,20],"at":"2100-01-01T00:00:00Z"}`, "A/cpo-admin", 400, []string{`"field":"at"`}, nil},
			{"live allocation", "GET", lm + "/allocation", ``, "A/cpo-staff", 200, []string{`"reason":"limited"`, `"siteId":"{A.site}"`}, nil},
			{"staff may not post readings", "POST", mr, `{"currentA":[20,20,20]}`, "A/cpo-staff", 403, nil, nil},
		})
	})
}

// fakeLoadStatus answers every site with one limited outlet.
type fakeLoadStatus struct{}

func (fakeLoadStatus) SiteLoad(siteID string) (*volt.SiteLoad, bool) {
	return &volt.SiteLoad{SiteID: siteID, Mode: volt.LoadModeStatic, MeterFresh: true,
		Outlets: []volt.LoadAllocation{{CPID: "000001", ConnectorID: 1, CurrentA: 10, Phases: 3, Reason: "limited"}}}, true
}

func (fakeLoadStatus) OutletLoad(string, int) (*volt.LoadAllocation, bool) { return nil, false }
