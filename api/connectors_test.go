package api

import "testing"

// TestConnectorFacts: an operator sets a connector's type and ratings, the
// charger and the list return them, bad input names its field, and another
// tenant gets not_found.
func TestConnectorFacts(t *testing.T) {
	forEachEnv(t, func(t *testing.T, e *env) {
		e.run(t, []scenario{
			{"set CCS 50 kW", "PATCH", "/api/v1/chargers/{A.cpid}/connectors/1", `{"type":"ccs2","maxPowerW":50000,"maxCurrentA":125,"maxVoltageV":500}`, "A/cpo-admin", 200,
				[]string{`"type":"ccs2"`, `"powerType":"DC"`, `"format":"CABLE"`, `"maxPowerW":50000`, `"maxCurrentA":125`, `"maxVoltageV":500`}, nil},
			{"charger returns it", "GET", "/api/v1/chargers/{A.cpid}", ``, "A/cpo-staff", 200, []string{`"type":"ccs2"`, `"powerType":"DC"`, `"maxVoltageV":500`}, nil},
			{"list returns it", "GET", "/api/v1/chargers?cpoId={A.cpo}", ``, "A/cpo-admin", 200, []string{`"type":"ccs2"`, `"maxCurrentA":125`}, nil},
			{"CCS on AC", "PATCH", "/api/v1/chargers/{A.cpid}/connectors/1", `{"powerType":"AC_3_PHASE"}`, "A/cpo-admin", 400, []string{`"field":"powerType"`}, nil},
			{"unknown type", "PATCH", "/api/v1/chargers/{A.cpid}/connectors/1", `{"type":"type9"}`, "A/cpo-admin", 400, []string{`"field":"type"`}, nil},
			{"power beyond V×A", "PATCH", "/api/v1/chargers/{A.cpid}/connectors/1", `{"maxPowerW":350000}`, "A/cpo-admin", 400, []string{`"field":"maxPowerW"`}, nil},
			{"negative current", "PATCH", "/api/v1/chargers/{A.cpid}/connectors/1", `{"maxCurrentA":-3}`, "A/cpo-admin", 400, []string{`"field":"maxCurrentA"`}, nil},
			{"no connector 9", "PATCH", "/api/v1/chargers/{A.cpid}/connectors/9", `{"maxPowerW":7000}`, "A/cpo-admin", 404, []string{`"code":"not_found"`}, nil},
			{"other tenant", "PATCH", "/api/v1/chargers/{A.cpid}/connectors/1", `{"maxPowerW":7000}`, "B/cpo-admin", 404, []string{`"code":"not_found"`}, nil},
			{"read-only staff", "PATCH", "/api/v1/chargers/{A.cpid}/connectors/1", `{"maxPowerW":7000}`, "A/cpo-staff", 403, []string{`"code":"forbidden"`}, nil},
		})
	})
}
