package ocpi

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"net"
	"net/http"
	"strconv"

	"github.com/volt-ev/volt"
)

// AuditRecorder records audit entries (package audit's Recorder): what a
// partner changes itself over OCPI (registering, rotating its token,
// unregistering) is written to the same log as operators' changes.
type AuditRecorder interface {
	Record(ctx context.Context, e *volt.AuditEntry)
}

// auditPartner records the partner's own credentials call: the actor is
// the partner's party ("ocpi:GB*ABC"), the source volt.AuditSourceOCPI, the
// snapshots the partner before and after (its JSON holds no token). A nil
// Audit records nothing.
func (s *Server) auditPartner(r *http.Request, action string, before, after *volt.OCPIPartner, err error) {
	if s.Audit == nil || before == nil {
		return
	}
	e := &volt.AuditEntry{Action: action, ResourceType: volt.ResourceOCPIPartner, ResourceID: before.ID,
		ActorEmail: "ocpi:" + before.CountryCode + "*" + before.PartyID, ActorRoles: "ocpi-partner",
		Source: volt.AuditSourceOCPI, Before: partnerJSON(before), After: partnerJSON(after)}
	if host, _, splitErr := net.SplitHostPort(r.RemoteAddr); splitErr == nil {
		e.ClientAddr = host
	}
	e.Place(before.Ref())
	e.SetResult(err)
	var oe *ocpiError
	if errors.As(err, &oe) { // the OCPI status code and message the partner got
		e.ErrorCode, e.ErrorMessage = "ocpi-"+strconv.Itoa(oe.code), oe.msg
	}
	// The partner's call has no actor: the entry names the partner itself.
	s.Audit.Record(context.WithoutCancel(r.Context()), e)
}

// partnerJSON is a partner's snapshot for the audit log; nil for nil.
func partnerJSON(p *volt.OCPIPartner) json.RawMessage {
	if p == nil {
		return nil
	}
	b, err := json.Marshal(p)
	if err != nil {
		b, _ = json.Marshal(map[string]string{"snapshotError": fmt.Sprint(err)})
	}
	return b
}
