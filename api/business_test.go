package api

import (
	"encoding/json"
	"fmt"
	"strings"
	"testing"
)

// TestBusinessAPI drives the issue 17 endpoints as their users would: the
// super admin bills a period twice (one statement, revision 2) and reads
// the platform income; bad input names its field; the CPO admin reads its
// statement as CSV, its reliability report as CSV and PDF, adds an
// exclusion (refused without evidence), sets service levels and takes a
// ticket's damaged connector out of use.
func TestBusinessAPI(t *testing.T) {
	forEachEnv(t, func(t *testing.T, e *env) {
		super, admin, staff := e.tokens["super"], e.tokens["A/cpo-admin"], e.tokens["A/cpo-staff"]
		var st struct {
			ID       string
			Revision int
			Amount   int64
			Sockets  int
		}
		for rev := 1; rev <= 2; rev++ {
			status, got := e.do("POST", "/api/v1/socket-fee-statements", fmt.Sprintf(`{"cpoId":%q,"period":"2020-02"}`, e.A.CPO), super)
			if status != 201 {
				t.Fatalf("bill: %d %s", status, got)
			}
			must(t, json.Unmarshal(got, &st))
			if st.Revision != rev || st.Amount != int64(st.Sockets)*100 || st.Sockets == 0 {
				t.Errorf("statement %+v, want revision %d at 1.00 a socket", st, rev)
			}
		}
		for _, c := range []struct{ body, field string }{
			{fmt.Sprintf(`{"cpoId":%q,"period":"2020-2"}`, e.A.CPO), "period"},
			{fmt.Sprintf(`{"cpoId":%q,"period":"2020"}`, e.A.CPO), "period"},
		} {
			status, got := e.do("POST", "/api/v1/socket-fee-statements", c.body, super)
			if status < 400 || status >= 500 || !strings.Contains(strings.ToLower(errorShape(t, got).Field), c.field) {
				t.Errorf("%s: %d %s", c.body, status, got)
			}
		}
		if status, got := e.do("POST", "/api/v1/socket-fee-statements", fmt.Sprintf(`{"cpoId":%q,"period":"2020-02"}`, e.A.CPO), admin); status != 403 {
			t.Errorf("CPO admin bills: %d %s", status, got)
		}
		status, got := e.do("GET", "/api/v1/socket-fee-statements/"+st.ID+"?format=csv", "", admin)
		if status != 200 || !strings.Contains(string(got), "Revision,2") {
			t.Errorf("statement CSV: %d %s", status, got)
		}
		status, got = e.do("GET", "/api/v1/reports/platform-income?from=2020-01-01T00:00:00Z&to=2020-03-01T00:00:00Z", "", super)
		if status != 200 || !strings.Contains(string(got), `"month":"2020-02"`) || !strings.Contains(string(got), e.A.CPO) {
			t.Errorf("platform income: %d %s", status, got)
		}

		status, got = e.do("POST", "/api/v1/reliability-exclusions", fmt.Sprintf(`{"cpid":%q,"reason":"vandalism","from":"2020-02-02T00:00:00Z","to":"2020-02-02T04:00:00Z","evidence":"  "}`, e.A.CPID), admin)
		if status != 400 && status != 422 || errorShape(t, got).Field != "evidence" {
			t.Errorf("exclusion without evidence: %d %s", status, got)
		}
		status, got = e.do("POST", "/api/v1/reliability-exclusions", fmt.Sprintf(`{"cpid":%q,"reason":"vandalism","from":"2020-02-02T00:00:00Z","to":"2020-02-02T04:00:00Z","evidence":"Police 1"}`, e.A.CPID), admin)
		if status != 201 {
			t.Errorf("exclusion: %d %s", status, got)
		}
		for _, f := range []string{"csv", "pdf", "json"} {
			status, got := e.do("GET", "/api/v1/reports/reliability?cpoId="+e.A.CPO+"&month=2020-02&format="+f, "", staff)
			if status != 200 || (f == "pdf") != strings.HasPrefix(string(got), "%PDF") {
				t.Errorf("reliability %s: %d %.60s", f, status, got)
			}
		}
		if status, got := e.do("GET", "/api/v1/reports/reliability?cpoId="+e.A.CPO+"&month=2020-13", "", staff); status != 400 && status != 422 {
			t.Errorf("bad month: %d %s", status, got)
		}

		status, got = e.do("PUT", "/api/v1/cpos/"+e.A.CPO+"/ticket-service-levels", `{"levels":[{"priority":"normal","responseMinutes":5,"resolutionMinutes":10}]}`, admin)
		if status != 200 || !strings.Contains(string(got), `"responseMinutes":5`) {
			t.Errorf("service levels: %d %s", status, got)
		}
		status, got = e.do("GET", "/api/v1/ticket-breaches", "", admin)
		if status != 200 || !strings.Contains(string(got), e.A.Ticket) {
			t.Errorf("breaches: %d %s", status, got)
		}
		status, got = e.do("POST", "/api/v1/tickets/"+e.A.Ticket+"/connector-inoperative", `{"connectorId":2}`, admin)
		if status != 200 || !strings.Contains(string(got), "Accepted") {
			t.Fatalf("inoperative: %d %s", status, got)
		}
		calls := e.cmd.Calls()
		if last := calls[len(calls)-1]; last.CPID != e.A.CPID || last.Action != "ChangeAvailability" || !strings.Contains(last.Request, `"Inoperative"`) {
			t.Errorf("command %+v", last)
		}
	})
}
