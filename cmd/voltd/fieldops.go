package main

import (
	"context"

	volt "github.com/volt-ev/volt"
	"github.com/volt-ev/volt/audit"
	"github.com/volt-ev/volt/store"
)

// fieldOps builds issue 16's services: magic links e-mailed with links
// under VOLT_PUBLIC_URL (else the HTTP listener's address), approvals audited; install
// jobs, whose chargers' first boots are followed on the bus.
func (m *Main) fieldOps(ctx context.Context, rec *audit.Recorder) (*store.InvitationService, *store.InstallJobService) {
	inv := store.NewInvitationService(m.DB)
	inv.Mail, inv.Audit, inv.Logger = m.mailer().Send, rec.Record, m.Logger.With("component", "invitations")
	inv.LinkBase = func() string { // the listener is bound after wiring
		if m.Config.PublicURL != "" {
			return m.Config.PublicURL
		}
		return m.URL()
	}
	jobs := store.NewInstallJobService(m.DB)
	ctx, cancel := context.WithCancel(context.WithoutCancel(ctx))
	done := make(chan struct{})
	m.onClose(func(context.Context) error { cancel(); <-done; return nil })
	go func() {
		defer close(done)
		volt.FollowFirstBoots(ctx, m.Bus, jobs, func(err error) { m.Logger.Error("install job first boot", "err", err) })
	}()
	return inv, jobs
}
