package ocpi

import (
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"net/url"
	"sort"
	"strconv"
	"strings"
	"time"

	"github.com/volt-ev/volt"
)

// AppRoaming is the driver app's charging on partner CPOs' networks (issue
// 14, eMSP side): a start sends START_SESSION with the driver's APP_USER
// token, the partner's result and the session it pushes are followed, and
// a stop sends STOP_SESSION. The CDR the partner posts later bills the
// driver (receiveCDR). It authorises the driver in the context.
type AppRoaming struct {
	Server *Server
	Apps   volt.RoamingAppStore
	Users  volt.UserService // read as the system
}

var _ volt.RoamingCharging = (*AppRoaming)(nil)

// driver returns the signed-in driver of ctx.
func (a *AppRoaming) driver(ctx context.Context) (*volt.User, error) {
	actor := volt.ActorFromContext(ctx)
	if actor == nil || actor.UserID == "" {
		return nil, volt.Errorf(volt.EUNAUTHORIZED, "Sign in to charge on partner networks.")
	}
	return a.Users.FindUserByID(system(ctx), actor.UserID)
}

// partnerOf returns a connected partner CPO of the driver's CPO; any
// other is ENOTFOUND.
func (a *AppRoaming) partnerOf(ctx context.Context, u *volt.User, partnerID string) (*volt.OCPIPartner, error) {
	p, err := a.Server.Store.FindOCPIPartnerSystem(ctx, partnerID)
	if err != nil || p.CPOID != u.CPOID || p.Role != volt.OCPIRoleCPO || p.Status != volt.OCPIConnected {
		return nil, volt.Errorf(volt.ENOTFOUND, "Partner network %q not found.", partnerID)
	}
	return p, nil
}

// FindRoamingLocation returns one location of a partner CPO with its
// EVSEs, as last pulled or pushed.
func (a *AppRoaming) FindRoamingLocation(ctx context.Context, partnerID, locationID string) (*volt.RoamingLocation, []volt.RoamingEVSE, error) {
	u, err := a.driverOrVisitor(ctx)
	if err != nil {
		return nil, nil, err
	}
	locs, err := a.Server.FindRoamingLocations(ctx, u)
	if err != nil {
		return nil, nil, err
	}
	for i := range locs {
		if locs[i].PartnerID != partnerID || locs[i].ID != locationID {
			continue
		}
		raw, err := a.Server.Store.FindPartnerObject(ctx, partnerID, "locations", locationID)
		if err != nil {
			return nil, nil, err
		}
		var l Location
		if err := json.Unmarshal(raw, &l); err != nil {
			return nil, nil, err
		}
		evses := make([]volt.RoamingEVSE, 0, len(l.EVSEs))
		for _, e := range l.EVSEs {
			re := volt.RoamingEVSE{UID: e.UID, EVSEID: e.EVSEID, Status: e.Status}
			for _, c := range e.Connectors {
				re.Connectors = append(re.Connectors, c.Standard)
			}
			evses = append(evses, re)
		}
		return &locs[i], evses, nil
	}
	return nil, nil, volt.Errorf(volt.ENOTFOUND, "Partner location %q not found.", locationID)
}

// driverOrVisitor is the CPO whose partners a request sees: the signed-in
// driver's, else every CPO's (the platform's own app, as the list shows).
func (a *AppRoaming) driverOrVisitor(ctx context.Context) (string, error) {
	actor := volt.ActorFromContext(ctx)
	if actor == nil || actor.UserID == "" {
		return "", nil
	}
	u, err := a.driver(ctx)
	if err != nil {
		return "", err
	}
	return u.CPOID, nil
}

// StartRoaming asks the partner CPO to start a session on its EVSE for the
// signed-in driver; the partner's answer must be ACCEPTED, and its result
// arrives later (FindRoamingCharge).
func (a *AppRoaming) StartRoaming(ctx context.Context, partnerID, locationID, evseUID string) (*volt.RoamingStart, error) {
	u, err := a.driver(ctx)
	if err != nil {
		return nil, err
	}
	p, err := a.partnerOf(ctx, u, partnerID)
	if err != nil {
		return nil, err
	}
	if _, evses, err := a.FindRoamingLocation(ctx, partnerID, locationID); err != nil {
		return nil, err
	} else if !hasEVSE(evses, evseUID) {
		return nil, volt.Errorf(volt.ENOTFOUND, "Partner EVSE %q not found.", evseUID)
	}
	party, err := a.Server.Store.OCPIPartyOf(ctx, u.CPOID)
	if err != nil {
		return nil, volt.Errorf(volt.EUNPROCESSABLE, "Roaming is not set up for this network.")
	}
	cpo, err := a.Server.Hierarchy.FindCPOByID(system(ctx), u.CPOID)
	if err != nil {
		return nil, err
	}
	uid, err := a.Apps.OCPIAppToken(ctx, u.ID, u.CPOID)
	if err != nil {
		return nil, err
	}
	st := &volt.RoamingStart{ID: volt.NewID("rst"), UserID: u.ID, PartnerID: p.ID, LocationID: locationID, EVSEUID: evseUID, TokenUID: uid,
		CreatedAt: a.Server.now().UTC()}
	if err := a.Apps.CreateRoamingStart(ctx, st); err != nil {
		return nil, err
	}
	tok := appToken(party, cpo.Name, uid, true, a.Server.now())
	body := startSession{ResponseURL: a.Server.url("/ocpi/emsp/2.2.1/commands/START_SESSION/" + url.PathEscape(st.ID)), Token: tok,
		LocationID: locationID, EVSEUID: evseUID}
	if err := a.command(ctx, p, "START_SESSION", body); err != nil {
		return nil, err
	}
	return st, nil
}

func hasEVSE(evses []volt.RoamingEVSE, uid string) bool {
	for _, e := range evses {
		if e.UID == uid {
			return true
		}
	}
	return false
}

// appToken is a driver's APP_USER token as Volt sends it to partner CPOs.
func appToken(party *volt.OCPIParty, issuer, uid string, valid bool, now time.Time) Token {
	return Token{CountryCode: party.CountryCode, PartyID: party.PartyID, UID: uid, Type: "APP_USER",
		ContractID: truncate(party.CountryCode+"-"+party.PartyID+"-"+uid, 36), Issuer: truncate(issuer, 64),
		Valid: valid, Whitelist: "ALLOWED", LastUpdated: DateTime(now)}
}

// command posts a command to the partner's commands receiver; anything but
// ACCEPTED is an error the driver reads.
func (a *AppRoaming) command(ctx context.Context, p *volt.OCPIPartner, name string, body any) error {
	base := p.Endpoint("commands", "RECEIVER")
	if base == "" {
		return volt.Errorf(volt.EUNPROCESSABLE, "%s takes no commands from the app.", p.Name)
	}
	var resp CommandResponse
	if _, err := a.Server.do(ctx, p, http.MethodPost, strings.TrimRight(base, "/")+"/"+name, p.TheirToken, body, &resp); err != nil {
		_ = a.Server.Store.RecordOCPIError(ctx, p.ID, err.Error())
		return volt.Errorf(volt.EUNAVAILABLE, "%s did not answer: try again.", p.Name)
	}
	if resp.Result != "ACCEPTED" {
		return volt.Errorf(volt.EUNPROCESSABLE, "%s refused: %s.", p.Name, resp.Result)
	}
	return nil
}

// FindRoamingCharge returns the driver's start with what came of it.
func (a *AppRoaming) FindRoamingCharge(ctx context.Context, startID string) (*volt.RoamingChargeView, error) {
	u, err := a.driver(ctx)
	if err != nil {
		return nil, err
	}
	st, err := a.Apps.FindRoamingStart(ctx, startID)
	if err != nil || st.UserID != u.ID {
		return nil, volt.Errorf(volt.ENOTFOUND, "Charge %q not found.", startID)
	}
	p, err := a.Server.Store.FindOCPIPartnerSystem(ctx, st.PartnerID)
	if err != nil {
		return nil, err
	}
	v := &volt.RoamingChargeView{Start: *st, PartnerName: p.Name}
	if raw, err := a.Server.Store.FindPartnerObject(ctx, p.ID, "locations", st.LocationID); err == nil {
		var l Location
		if json.Unmarshal(raw, &l) == nil {
			v.LocationName = l.Name
		}
	}
	v.StartResult = a.result(ctx, p.ID, st.ID)
	v.StopResult = a.result(ctx, p.ID, st.ID+"-stop")
	sess, err := a.sessionOf(ctx, st)
	if err != nil {
		return nil, err
	}
	if sess != nil {
		v.SessionID, v.Status, v.EnergyWh, v.Currency = sess.ID, sess.Status, int64(sess.KWh*1000+0.5), sess.Currency
		if sess.TotalCost != nil {
			v.CostInclVAT = decimalOf(sess.TotalCost.InclVAT).StringFixed(volt.CurrencyExponent(sess.Currency))
		}
		if sess.Status == "ACTIVE" {
			v.ChargeLimit = a.Server.chargeLimitNow(ctx, p.ID, sess.ID) // chargingprofiles_status.go
		}
		cdrs, err := a.Server.Store.FindPartnerObjects(ctx, p.ID, "cdrs")
		if err != nil {
			return nil, err
		}
		for _, raw := range cdrs {
			var c CDR
			if json.Unmarshal(raw, &c) == nil && c.SessionID == sess.ID && strings.EqualFold(c.CDRToken.UID, st.TokenUID) {
				v.CDRID, v.Currency = c.ID, c.Currency
				cost := decimalOf(c.TotalCost.InclVAT).RoundMinor(volt.CurrencyExponent(c.Currency))
				v.Billed = cost + volt.RoamingMargin(cost, p.RoamingMarginPercent)
				v.Receipt = a.receipt(ctx, p, &c)
				if v.Receipt != nil {
					v.Billed = v.Receipt.Bill.Total
				}
			}
		}
	}
	return v, nil
}

// decimalOf reads an OCPI amount (a JSON number) exactly as written with
// up to 4 decimals; what cannot be read is zero.
func decimalOf(f float64) volt.Decimal {
	d, err := volt.ParseDecimal(strconv.FormatFloat(f, 'f', 4, 64))
	if err != nil {
		return volt.Decimal{}
	}
	return d
}

// result reads a command result the partner posted ("" before).
func (a *AppRoaming) result(ctx context.Context, partnerID, uid string) string {
	raw, err := a.Server.Store.FindPartnerObject(ctx, partnerID, "commands", uid)
	if err != nil {
		return ""
	}
	var r struct{ Result string }
	_ = json.Unmarshal(raw, &r)
	return r.Result
}

// sessionOf finds the session the partner pushed for a start: the one it
// claimed, else the earliest of the driver's token on that EVSE begun since
// the start was asked for (to the second) that no other start claimed,
// which it claims. A late session after a TIMEOUT still counts (LESSONS
// OCPI 8).
func (a *AppRoaming) sessionOf(ctx context.Context, st *volt.RoamingStart) (*Session, error) {
	if st.SessionID != "" {
		raw, err := a.Server.Store.FindPartnerObject(ctx, st.PartnerID, "sessions", st.SessionID)
		if err != nil {
			return nil, err
		}
		var s Session
		if err := json.Unmarshal(raw, &s); err != nil {
			return nil, fmt.Errorf("stored session %s: %w", st.SessionID, err)
		}
		return &s, nil
	}
	raws, err := a.Server.Store.FindPartnerObjects(ctx, st.PartnerID, "sessions")
	if err != nil {
		return nil, err
	}
	type candidate struct {
		s  Session
		at time.Time
	}
	var cands []candidate
	since := st.CreatedAt.Truncate(time.Second)
	for _, raw := range raws {
		var s Session
		if json.Unmarshal(raw, &s) != nil || !strings.EqualFold(s.CDRToken.UID, st.TokenUID) || s.LocationID != st.LocationID || s.EVSEUID != st.EVSEUID {
			continue
		}
		at, err := ParseDateTime(s.StartDateTime)
		if err != nil || at.Before(since) {
			continue
		}
		cands = append(cands, candidate{s, at})
	}
	sort.Slice(cands, func(i, j int) bool { return cands[i].at.Before(cands[j].at) })
	for _, c := range cands {
		claimed, err := a.Apps.ClaimRoamingSession(ctx, st.ID, c.s.ID)
		if err != nil {
			return nil, err
		}
		if claimed {
			return &c.s, nil
		}
	}
	return nil, nil
}

// StopRoaming asks the partner to stop the driver's session.
func (a *AppRoaming) StopRoaming(ctx context.Context, startID string) error {
	v, err := a.FindRoamingCharge(ctx, startID)
	if err != nil {
		return err
	}
	if v.SessionID == "" || v.Status != "ACTIVE" {
		return volt.Errorf(volt.EUNPROCESSABLE, "No charging session to stop yet.")
	}
	p, err := a.Server.Store.FindOCPIPartnerSystem(ctx, v.Start.PartnerID)
	if err != nil {
		return err
	}
	body := stopSession{ResponseURL: a.Server.url("/ocpi/emsp/2.2.1/commands/STOP_SESSION/" + url.PathEscape(startID+"-stop")), SessionID: v.SessionID}
	return a.command(ctx, p, "STOP_SESSION", body)
}

// receipt is the driver's receipt of a partner's CDR once it was billed
// (nil before, or when the store keeps no bills).
func (a *AppRoaming) receipt(ctx context.Context, p *volt.OCPIPartner, c *CDR) *volt.RoamingReceipt {
	bills, ok := a.Server.Store.(volt.RoamingBills)
	if !ok {
		return nil
	}
	b, err := bills.FindRoamingBill(ctx, p.ID, c.ID)
	if err != nil {
		return nil
	}
	return a.Server.receiptOf(ctx, p, c, b)
}

// RoamingReceipt is the receipt of a roaming bill, from the partner's CDR
// as received (for its e-mail).
func (s *Server) RoamingReceipt(ctx context.Context, b *volt.RoamingBill) (*volt.RoamingReceipt, error) {
	p, err := s.Store.FindOCPIPartnerSystem(ctx, b.PartnerID)
	if err != nil {
		return nil, err
	}
	raw, err := s.Store.FindPartnerObject(ctx, p.ID, "cdrs", b.CDRID)
	if err != nil {
		return nil, err
	}
	var c CDR
	if err := json.Unmarshal(raw, &c); err != nil {
		return nil, fmt.Errorf("stored CDR %s: %w", b.CDRID, err)
	}
	return s.receiptOf(ctx, p, &c, b), nil
}

func (s *Server) receiptOf(ctx context.Context, p *volt.OCPIPartner, c *CDR, b *volt.RoamingBill) *volt.RoamingReceipt {
	exp := volt.CurrencyExponent(c.Currency)
	excl := decimalOf(c.TotalCost.ExclVAT).RoundMinor(exp)
	r := &volt.RoamingReceipt{Bill: *b, PartnerName: p.Name, LocationName: c.CDRLocation.Name, EVSEID: c.CDRLocation.EVSEID,
		EnergyWh: int64(c.TotalEnergy*1000 + 0.5), CostExclVAT: excl, CostVAT: max(b.Cost-excl, 0), MarginPercent: p.RoamingMarginPercent}
	r.Address = strings.Trim(c.CDRLocation.Address+", "+c.CDRLocation.City, ", ")
	if r.LocationName == "" {
		if raw, err := s.Store.FindPartnerObject(ctx, p.ID, "locations", c.CDRLocation.ID); err == nil {
			var l Location
			if json.Unmarshal(raw, &l) == nil {
				r.LocationName = l.Name
			}
		}
	}
	r.StartedAt, _ = ParseDateTime(c.StartDateTime)
	r.StoppedAt, _ = ParseDateTime(c.EndDateTime)
	return r
}
