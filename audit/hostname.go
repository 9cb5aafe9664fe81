package audit

import (
	"context"

	"github.com/volt-ev/volt"
)

// hostNames audits the host name claims of a volt.HostNameService as
// changes of the CPO ("cpo.host-name.claim", ".verify", ".withdraw", with
// the host name in the details); reads pass through.
type hostNames struct {
	volt.HostNameService
	cpo func(ctx context.Context, id string) (*volt.CPO, error)
	r   *Recorder
}

// WrapHostNames returns next with every claim, verification and withdrawal
// recorded against the CPO, read through findCPO as the caller.
func WrapHostNames(next volt.HostNameService, findCPO func(ctx context.Context, id string) (*volt.CPO, error), r *Recorder) volt.HostNameService {
	return &hostNames{HostNameService: next, cpo: findCPO, r: r}
}

func (h *hostNames) cpos() tracked[*volt.CPO] {
	return tracked[*volt.CPO]{typ: volt.ResourceCPO, find: h.cpo,
		place: func(c *volt.CPO) volt.Ref { return volt.Ref{CPOID: c.ID} }}
}

func (h *hostNames) record(ctx context.Context, action, cpoID, host string, call func() error) error {
	return run(ctx, h.r, h.cpos(), mutation{action: action, id: cpoID, details: map[string]string{"hostName": host},
		call: func() (string, error) { return idIf(cpoID, call()) }})
}

// ClaimHostName claims and records "cpo.host-name.claim".
func (h *hostNames) ClaimHostName(ctx context.Context, cpoID, host string) (c *volt.HostNameClaim, err error) {
	err = h.record(ctx, "cpo.host-name.claim", cpoID, host, func() error {
		c, err = h.HostNameService.ClaimHostName(ctx, cpoID, host)
		return err
	})
	return c, err
}

// VerifyHostName verifies and records "cpo.host-name.verify".
func (h *hostNames) VerifyHostName(ctx context.Context, cpoID, host string) (c *volt.HostNameClaim, err error) {
	err = h.record(ctx, "cpo.host-name.verify", cpoID, host, func() error {
		c, err = h.HostNameService.VerifyHostName(ctx, cpoID, host)
		return err
	})
	return c, err
}

// DeleteHostNameClaim withdraws and records "cpo.host-name.withdraw".
func (h *hostNames) DeleteHostNameClaim(ctx context.Context, cpoID, host string) error {
	return h.record(ctx, "cpo.host-name.withdraw", cpoID, host, func() error {
		return h.HostNameService.DeleteHostNameClaim(ctx, cpoID, host)
	})
}
