package ocpi

import (
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"net/url"

	"github.com/volt-ev/volt"
)

// SyncTokens keeps every connected partner CPO informed of the cards and
// app accounts (APP_USER tokens, made on a driver's first start on a
// partner network) of the drivers of the CPO it roams with (eMSP side,
// §12.2.2 PUT): a new token, a blocked or expired card or a disabled
// account (valid false), a driver who owes a roaming debt (valid false
// until it is settled, then valid again) and a deleted one (valid false)
// are queued once
// per change, compared with the state last sent. Every token goes out
// with the whitelist its operator set for the card or the driver
// (volt.EffectiveWhitelist: ALLOWED unless set; NEVER makes the partner
// ask Volt in real time before every start), and a change of it is sent
// again. It returns how many it queued.
func (s *Server) SyncTokens(ctx context.Context) (int, error) {
	partners, err := s.Store.ConnectedOCPIPartners(ctx, volt.OCPIRoleCPO)
	if err != nil {
		return 0, err
	}
	n := 0
	for _, p := range partners {
		party, err := s.Store.OCPIPartyOf(ctx, p.CPOID)
		if err != nil {
			continue // no party of its own: nothing to push as
		}
		cpo, err := s.Hierarchy.FindCPOByID(system(ctx), p.CPOID)
		if err != nil {
			return n, err
		}
		toks, err := s.Store.DriverTokensOf(ctx, p.ID)
		if err != nil {
			return n, err
		}
		for _, d := range toks {
			// A roaming debt blocks the driver's tokens until settled.
			valid := !d.Blocked && !d.Deleted && !d.Debt && (d.ExpiresAt == nil || d.ExpiresAt.After(s.now()))
			state := fmt.Sprintf("valid=%v", valid)
			if valid && d.GroupID != "" { // issue 19: the driver's fleet; a change is sent again
				state += " group=" + d.GroupID
			}
			whitelist := volt.EffectiveWhitelist(d.Whitelist, "")
			if whitelist != volt.WhitelistAllowed { // the default adds nothing: states sent before stay equal
				state += " whitelist=" + whitelist
			}
			if state == d.SentState {
				continue
			}
			tok := Token{CountryCode: party.CountryCode, PartyID: party.PartyID, UID: truncate(d.UID, 36), Type: "RFID",
				ContractID: truncate(party.CountryCode+"-"+party.PartyID+"-C"+d.UID, 36), Issuer: truncate(cpo.Name, 64),
				Valid: valid, Whitelist: "ALLOWED", LastUpdated: DateTime(s.now()), GroupID: truncate(d.GroupID, 36)}
			if d.Type == "APP_USER" {
				tok = appToken(party, cpo.Name, d.UID, valid, s.now())
				tok.GroupID = truncate(d.GroupID, 36)
			}
			tok.Whitelist = whitelist
			body, err := json.Marshal(tok)
			if err != nil {
				return n, err
			}
			path := "/" + party.CountryCode + "/" + party.PartyID + "/" + url.PathEscape(tok.UID) + "?type=" + tok.Type
			if err := s.Store.QueueTokenPush(ctx, d.UID, state, &volt.OCPIPush{PartnerID: p.ID, Module: "tokens", ObjectID: d.UID,
				Method: http.MethodPut, URL: path, Body: body}); err != nil {
				return n, err
			}
			n++
		}
	}
	return n, nil
}
