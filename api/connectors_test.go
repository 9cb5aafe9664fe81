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

// TestCPOReceiptDetails: a CPO admin sets the legal name, address and VAT
// number its receipts carry; a malformed VAT number is refused by field.
func TestCPOReceiptDetails(t *testing.T) {
	forEachEnv(t, func(t *testing.T, e *env) {
		e.run(t, []scenario{
			{"set receipt details", "PATCH", "/api/v1/cpos/{A.cpo}", `{"legalName":"Spark Networks Ltd","legalAddress":"1 Quay St\nBristol BS1 4DJ","vatNumber":"gb 123 4567 89"}`, "A/cpo-admin", 200,
				[]string{`"legalName":"Spark Networks Ltd"`, `"legalAddress":"1 Quay St\nBristol BS1 4DJ"`, `"vatNumber":"GB123456789"`}, nil},
			{"read back", "GET", "/api/v1/cpos/{A.cpo}", ``, "A/cpo-staff", 200, []string{`"vatNumber":"GB123456789"`}, nil},
			{"bad VAT number", "PATCH", "/api/v1/cpos/{A.cpo}", `{"vatNumber":"12-34"}`, "A/cpo-admin", 400, []string{`"field":"vatNumber"`}, nil},
			{"other tenant", "PATCH", "/api/v1/cpos/{A.cpo}", `{"legalName":"Mine now"}`, "B/cpo-admin", 404, []string{`"code":"not_found"`}, nil},
		})
	})
}
