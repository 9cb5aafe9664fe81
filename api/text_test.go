package api

import (
	"testing"
)

// TestControlCharactersRefused: a NUL or another control character in a
// name, a card label, a nested address field, a query string or the path,
// and invalid UTF-8 anywhere, answer 400 naming the field, on both engines
// (PostgreSQL answered 500); tab, newline and CR pass in multi-line text.
func TestControlCharactersRefused(t *testing.T) {
	forEachEnv(t, func(t *testing.T, e *env) {
		e.run(t, []scenario{
			{"NUL in a CPO name", "POST", "/api/v1/cpos", `{"name":"Bad\u0000Name"}`, "super", 400,
				[]string{`"code":"invalid"`, `"field":"name"`, `U+0000`}, nil},
			{"bell in a card label", "PATCH", "/api/v1/rfid-cards/{A.card}", `{"label":"card\u0007"}`, "A/cpo-admin", 400,
				[]string{`"field":"label"`, `U+0007`}, nil},
			{"NUL in a nested field", "POST", "/api/v1/sites", `{"ownerId":"{A.owner}","name":"S","latitude":51.5,"longitude":-0.1,"address":{"city":"Bri\u0000stol"}}`, "A/cpo-admin", 400,
				[]string{`"field":"address.city"`}, nil},
			{"NUL in a ticket body", "POST", "/api/v1/tickets", `{"subject":"Help","body":"it\u0000broke","cpid":"{A.cpid}","driverUserId":"{A.driver}"}`, "A/support", 400,
				[]string{`"field":"body"`}, nil},
			{"multi-line ticket body", "POST", "/api/v1/tickets", `{"subject":"Help","body":"line one\nline two\ttabbed\r\n","cpid":"{A.cpid}","driverUserId":"{A.driver}"}`, "A/support", 201,
				[]string{`"subject":"Help"`}, nil},
			{"NUL in a search", "GET", "/api/v1/tickets?q=%00", ``, "A/support", 400, []string{`"field":"q"`}, nil},
			{"newline in a search", "GET", "/api/v1/users?q=a%0Ab", ``, "A/cpo-admin", 400, []string{`"field":"q"`}, nil},
			{"invalid UTF-8 in a query", "GET", "/api/v1/users?q=%FF", ``, "A/cpo-admin", 400, []string{`"field":"q"`, "UTF-8"}, nil},
			{"NUL in the path", "GET", "/api/v1/chargers/%00", ``, "A/cpo-admin", 400, []string{`"field":"path"`}, nil},
			{"invalid UTF-8 in the body", "POST", "/api/v1/cpos", "{\"name\":\"Bad\xffName\"}", "super", 400, []string{`"field":"body"`, "UTF-8"}, nil},
			{"escaped backslash is no control", "POST", "/api/v1/cpos", `{"name":"Back\\b slash"}`, "super", 201, []string{`"name":"Back\\b slash"`}, nil},
		})
	})
}
