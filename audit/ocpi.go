package audit

import (
	"context"

	"github.com/volt-ev/volt"
)

// Audit of OCPI roaming partners (issue 14): every operator change of a
// partner and of a CPO's own OCPI party, the handshakes and token
// rotations Volt starts. Snapshots are the partner as its JSON, which never
// holds a token (volt.OCPIPartner); the details name what changed, never a
// token either. What a partner does itself (registers, rotates, leaves
// over OCPI) is recorded by package ocpi through Recorder.Record.

// ocpiPartners audits every change of a volt.OCPIPartnerService.
type ocpiPartners struct {
	volt.OCPIPartnerService
	r *Recorder
}

// WrapOCPIPartners returns next with partner changes recorded:
// "ocpi-partner.create", ".update", ".suspend", ".unsuspend",
// ".publishing" (the charger groups or roaming tariff it is shown),
// ".delete", and "ocpi-party.set".
func WrapOCPIPartners(next volt.OCPIPartnerService, r *Recorder) volt.OCPIPartnerService {
	return &ocpiPartners{OCPIPartnerService: next, r: r}
}

func ocpiPartnerTracked(find func(ctx context.Context, id string) (*volt.OCPIPartner, error)) tracked[*volt.OCPIPartner] {
	return tracked[*volt.OCPIPartner]{typ: volt.ResourceOCPIPartner, find: find,
		place: func(p *volt.OCPIPartner) volt.Ref { return p.Ref() }}
}

func (o *ocpiPartners) partners() tracked[*volt.OCPIPartner] {
	return ocpiPartnerTracked(o.FindOCPIPartnerByID)
}

// SetOCPIParty sets the CPO's party and records "ocpi-party.set".
func (o *ocpiPartners) SetOCPIParty(ctx context.Context, p *volt.OCPIParty) error {
	t := tracked[*volt.OCPIParty]{typ: volt.ResourceOCPIParty, find: o.FindOCPIParty,
		place: func(x *volt.OCPIParty) volt.Ref { return volt.Ref{CPOID: x.CPOID} }}
	return run(ctx, o.r, t, mutation{action: "ocpi-party.set", id: p.CPOID, call: func() (string, error) {
		return idIf(p.CPOID, o.OCPIPartnerService.SetOCPIParty(ctx, p))
	}})
}

// CreateOCPIPartner adds a partner and records "ocpi-partner.create" (the
// Token A it answers is in no entry).
func (o *ocpiPartners) CreateOCPIPartner(ctx context.Context, p *volt.OCPIPartner) (token string, err error) {
	err = run(ctx, o.r, o.partners(), mutation{action: "ocpi-partner.create", call: func() (string, error) {
		token, err = o.OCPIPartnerService.CreateOCPIPartner(ctx, p)
		return idIf(p.ID, err)
	}})
	return token, err
}

// UpdateOCPIPartner changes a partner and records the change by what it
// is: "ocpi-partner.suspend" or ".unsuspend", ".publishing", or
// ".update" (a rename, the margin, or several kinds at once); Details
// lists the fields set.
func (o *ocpiPartners) UpdateOCPIPartner(ctx context.Context, id string, u volt.OCPIPartnerUpdate) (p *volt.OCPIPartner, err error) {
	action, fields := ocpiUpdateAction(u)
	err = run(ctx, o.r, o.partners(), mutation{action: action, id: id, details: map[string][]string{"fields": fields},
		call: func() (string, error) {
			p, err = o.OCPIPartnerService.UpdateOCPIPartner(ctx, id, u)
			return idIf(id, err)
		}})
	return p, err
}

// ocpiUpdateAction names an update by the one kind of change it makes,
// and lists the fields it sets.
func ocpiUpdateAction(u volt.OCPIPartnerUpdate) (string, []string) {
	fields := []string{}
	kinds := map[string]bool{}
	add := func(set bool, field, kind string) {
		if set {
			fields = append(fields, field)
			kinds[kind] = true
		}
	}
	add(u.Name != nil, "name", "update")
	add(u.RoamingMarginPercent != nil, "roamingMarginPercent", "update")
	add(u.ChargerGroupIDs != nil, "chargerGroupIds", "publishing")
	add(u.TariffID != nil, "tariffId", "publishing")
	if u.Suspended != nil {
		kind := "unsuspend"
		if *u.Suspended {
			kind = "suspend"
		}
		add(true, "suspended", kind)
	}
	if len(kinds) == 1 {
		for k := range kinds {
			return "ocpi-partner." + k, fields
		}
	}
	return "ocpi-partner.update", fields
}

// DeleteOCPIPartner removes a partner and records "ocpi-partner.delete".
func (o *ocpiPartners) DeleteOCPIPartner(ctx context.Context, id string) error {
	return run(ctx, o.r, o.partners(), mutation{action: "ocpi-partner.delete", id: id, deletes: true, call: func() (string, error) {
		return idIf(id, o.OCPIPartnerService.DeleteOCPIPartner(ctx, id))
	}})
}

// ocpiRegistrar audits the handshakes and rotations Volt starts.
type ocpiRegistrar struct {
	next volt.OCPIRegistrar
	find func(ctx context.Context, id string) (*volt.OCPIPartner, error)
	r    *Recorder
}

// WrapOCPIRegistrar returns next with every handshake Volt starts recorded
// as "ocpi-partner.register" (details: the partner's versions URL, not its
// token) and every rotation of tokens as "ocpi-partner.rotate-token",
// with the partner read through find as the caller before and after.
func WrapOCPIRegistrar(next volt.OCPIRegistrar, find func(ctx context.Context, id string) (*volt.OCPIPartner, error), r *Recorder) volt.OCPIRegistrar {
	return &ocpiRegistrar{next: next, find: find, r: r}
}

// RegisterWithPartner runs the handshake and records it.
func (o *ocpiRegistrar) RegisterWithPartner(ctx context.Context, partnerID, versionsURL, tokenA string) (p *volt.OCPIPartner, err error) {
	err = run(ctx, o.r, ocpiPartnerTracked(o.find), mutation{action: "ocpi-partner.register", id: partnerID,
		details: map[string]string{"versionsUrl": versionsURL}, call: func() (string, error) {
			p, err = o.next.RegisterWithPartner(ctx, partnerID, versionsURL, tokenA)
			return idIf(partnerID, err)
		}})
	return p, err
}

// RotateCredentials rotates the tokens with the partner and records it.
func (o *ocpiRegistrar) RotateCredentials(ctx context.Context, partnerID string) (p *volt.OCPIPartner, err error) {
	err = run(ctx, o.r, ocpiPartnerTracked(o.find), mutation{action: "ocpi-partner.rotate-token", id: partnerID,
		call: func() (string, error) {
			p, err = o.next.RotateCredentials(ctx, partnerID)
			return idIf(partnerID, err)
		}})
	return p, err
}

// roamingWhitelists audits the roaming whitelists of drivers.
type roamingWhitelists struct {
	volt.RoamingWhitelistService
	r *Recorder
}

// WrapRoamingWhitelists returns next with every change of a driver's (or
// a card's) roaming whitelist recorded as "user.roaming-whitelist" on the
// user, the card and mode in the details.
func WrapRoamingWhitelists(next volt.RoamingWhitelistService, r *Recorder) volt.RoamingWhitelistService {
	return &roamingWhitelists{RoamingWhitelistService: next, r: r}
}

// SetRoamingWhitelist sets the mode and records it.
func (w *roamingWhitelists) SetRoamingWhitelist(ctx context.Context, userID, cardID, whitelist string) (out *volt.RoamingWhitelist, err error) {
	t := tracked[*volt.RoamingWhitelist]{typ: volt.ResourceUser, find: w.FindRoamingWhitelist,
		place: func(*volt.RoamingWhitelist) volt.Ref { return volt.Ref{} }}
	err = run(ctx, w.r, t, mutation{action: "user.roaming-whitelist", id: userID,
		details: map[string]string{"cardId": cardID, "whitelist": whitelist}, call: func() (string, error) {
			out, err = w.RoamingWhitelistService.SetRoamingWhitelist(ctx, userID, cardID, whitelist)
			return idIf(userID, err)
		}})
	return out, err
}
