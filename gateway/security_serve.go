package gateway

import (
	"context"
	"fmt"
	"net/http"
	"time"

	volt "github.com/volt-ev/volt"
	"github.com/volt-ev/volt/pki"
)

// authenticateProfile authenticates an upgrade request by its security
// profile. Profile 3: the client certificate (verified during the
// handshake) must name the identity of the URL (OCPP 2.0.1 A00.FR.405,
// B01.FR.12; LESSONS.md item 20), and no password is needed. Profiles 1 and
// 2: Basic auth. Then the charger's minimum profile: a charger moved to
// profile 3 that offers only its password is refused as a downgrade. It
// writes the refusal itself and reports whether the request may go on.
func (g *Gateway) authenticateProfile(w http.ResponseWriter, r *http.Request, identity, remote string) (*volt.Charger, bool) {
	profile := ProfileOf(r)
	var (
		ch *volt.Charger
		ok bool
	)
	if profile == volt.SecurityProfileTLSClient {
		ch, ok = g.authenticateCert(w, r, identity, remote)
	} else {
		ch, ok = g.authenticate(w, r, identity, remote)
	}
	if !ok || g.cfg.Security == nil {
		return ch, ok
	}
	ctx, cancel := context.WithTimeout(volt.NewContextWithActor(r.Context(), volt.SystemActor), 10*time.Second)
	defer cancel()
	var sec *volt.ChargerSecurity
	if ch.Handshake != nil {
		sec = &ch.Handshake.Security // read with the password: no second read
	} else {
		var err error
		if sec, err = g.cfg.Security.FindChargerSecurity(ctx, ch.CPID); err != nil {
			g.log.Error("gateway: charger security", "cpid", ch.CPID, "err", err)
			http.Error(w, "authentication unavailable", http.StatusServiceUnavailable)
			return nil, false
		}
	}
	if profile < sec.SecurityProfile {
		g.authFailed(identity, remote)
		g.log.Warn("gateway: downgrade refused", "cpid", ch.CPID, "identity", identity, "remote", remote,
			"offered", profile, "minimum", sec.SecurityProfile)
		g.recordSecurity(ctx, ch.CPID, volt.SecurityEventDowngradeRefused,
			fmt.Sprintf("profile %d offered, %d required, from %s", profile, sec.SecurityProfile, remote))
		unauthorized(w)
		return nil, false
	}
	return ch, true
}

// authenticateCert finds the charger of a profile 3 request whose client
// certificate names the URL's identity.
func (g *Gateway) authenticateCert(w http.ResponseWriter, r *http.Request, identity, remote string) (*volt.Charger, bool) {
	leaf := r.TLS.PeerCertificates[0]
	if err := pki.CheckIdentity(leaf, identity); err != nil {
		g.authFailed(identity, remote)
		g.log.Warn("gateway: client certificate refused", "identity", identity, "remote", remote,
			"reason", pki.ClientReason(err), "err", err)
		if g.cfg.Security != nil {
			ctx, cancel := context.WithTimeout(volt.NewContextWithActor(r.Context(), volt.SystemActor), 5*time.Second)
			defer cancel()
			if ch, ferr := g.cfg.Security.FindChargerByIdentity(ctx, identity); ferr == nil {
				g.recordSecurity(ctx, ch.CPID, volt.SecurityEventClientCertRefused, err.Error())
			}
		}
		http.Error(w, "client certificate does not name this charger", http.StatusForbidden)
		return nil, false
	}
	if g.cfg.Security == nil {
		http.Error(w, "client certificates not accepted", http.StatusForbidden)
		return nil, false
	}
	ctx, cancel := context.WithTimeout(volt.NewContextWithActor(r.Context(), volt.SystemActor), 10*time.Second)
	defer cancel()
	ch, err := g.cfg.Security.FindChargerByIdentity(ctx, identity)
	if err == nil {
		err = g.certIssuedForCPO(ctx, r.TLS.PeerCertificates, ch.CPOID)
		if err != nil && pki.ClientReason(err) != "" {
			g.authFailed(identity, remote)
			g.log.Warn("gateway: client certificate of another CPO's CA refused", "identity", identity, "cpo", ch.CPOID, "remote", remote, "err", err)
			g.recordSecurity(ctx, ch.CPID, volt.SecurityEventClientCertRefused, "certificate not issued by the CA of CPO "+ch.CPOID+": "+err.Error())
			http.Error(w, "client certificate not issued for this charger's operator", http.StatusForbidden)
			return nil, false
		}
	}
	switch {
	case err == nil:
		g.limiter.succeeded(identity, remote)
		return ch, true
	case volt.IsCode(err, volt.ENOTFOUND):
		g.authFailed(identity, remote)
		g.log.Info("gateway: client certificate for unknown charger", "identity", identity, "remote", remote)
		unauthorized(w)
	default:
		g.log.Error("gateway: find charger by identity", "identity", identity, "err", err)
		http.Error(w, "authentication unavailable", http.StatusServiceUnavailable)
	}
	return nil, false
}

// recordSecurity stores a security event Volt raised itself.
func (g *Gateway) recordSecurity(ctx context.Context, cpid, typ, info string) {
	if g.cfg.Security == nil {
		return
	}
	now := g.cfg.Now()
	e, err := g.cfg.Security.RecordSecurityEvent(ctx, volt.SecurityEvent{CPID: cpid, Type: typ, TechInfo: info,
		Critical: volt.IsCriticalSecurityEvent(typ), At: now, ReceivedAt: now})
	if err != nil {
		g.log.Warn("gateway: record security event", "cpid", cpid, "type", typ, "err", err)
		return
	}
	g.publishSecurity(e)
}

// publishSecurity publishes a critical security event after commit. The
// store journals it with the event (the alert rule "security event" reads
// the journal); this copy is for live bus subscribers.
func (g *Gateway) publishSecurity(e *volt.SecurityEvent) {
	if e == nil || !e.Critical {
		return
	}
	g.publish(volt.Event{Type: volt.EventSecurityCritical, CPID: e.CPID, CPOID: e.CPOID, At: e.At, Data: *e})
}

// connectedProfile records the profile of a registered connection, which
// completes an upgrade pending to it.
func (c *conn) recordProfile() {
	if c.g.cfg.Security == nil || c.profile == 0 {
		return
	}
	ctx, cancel := context.WithTimeout(c.g.ctx, 10*time.Second)
	defer cancel()
	if err := c.g.cfg.Security.RecordConnectedProfile(ctx, c.cpid, c.profile); err != nil {
		c.g.log.Warn("gateway: record connected profile", "cpid", c.cpid, "err", err)
	}
}
