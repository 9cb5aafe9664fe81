package ocpi

import (
	"context"
	"encoding/json"
	"net/http"
	"strings"

	"github.com/volt-ev/volt"
)

// Hub support (OCPI 2.2.1 §16 HubClientInfo, §4.1.3 message routing). A
// hub registers with Volt like any eMSP partner and pushes the ClientInfo
// of the parties behind it (Volt's receiver interface); a request it
// routes names the party behind it in the OCPI-from headers and is then
// that party's (its tokens, its commands) under the hub's credentials. A
// party the hub never announced, or announced SUSPENDED, is unknown: 2003.
// Volt's sender interface lists the parties reachable over the connection:
// the CPO's own. What Volt sends for a token of a party behind the hub
// (its sessions and CDRs, real-time authorisation) names that party in
// OCPI-to, not the hub (addressedTo), so the hub can route it.
// The result of a request a hub routed (commands, charging profiles) is
// queued for the party it came from (volt.OCPIPush.To).

// ClientInfo is a party's connection status (§16.3.1).
type ClientInfo struct {
	PartyID     string `json:"party_id"`
	CountryCode string `json:"country_code"`
	Role        string `json:"role"`
	Status      string `json:"status"`
	LastUpdated string `json:"last_updated"`
}

const hubModule = "hubclientinfo"

var (
	clientRoles    = map[string]bool{"CPO": true, "EMSP": true, "HUB": true, "NAP": true, "NSP": true, "OTHER": true, "SCSP": true}
	clientStatuses = map[string]bool{"CONNECTED": true, "OFFLINE": true, "PLANNED": true, "SUSPENDED": true}
)

func partyKey(cc, pid string) string { return strings.ToUpper(cc) + "*" + strings.ToUpper(pid) }

// putClientInfo stores a ClientInfo the hub pushed (§16.2.2).
func (s *Server) putClientInfo(w http.ResponseWriter, r *http.Request) error {
	c := callOf(r)
	var ci ClientInfo
	if err := decode(r, &ci); err != nil {
		return err
	}
	cc, pid := r.PathValue("country_code"), r.PathValue("party_id")
	switch {
	case !strings.EqualFold(ci.CountryCode, cc) || !strings.EqualFold(ci.PartyID, pid) || len(cc) != 2 || len(pid) != 3:
		return badRequest(StatusInvalidParameters, "The ClientInfo's country_code and party_id must match the URL.")
	case !clientRoles[ci.Role]:
		return badRequest(StatusInvalidParameters, "Unknown role "+ci.Role+".")
	case !clientStatuses[ci.Status]:
		return badRequest(StatusInvalidParameters, "Unknown status "+ci.Status+".")
	}
	at, err := ParseDateTime(ci.LastUpdated)
	if err != nil {
		return err
	}
	ci.CountryCode, ci.PartyID = strings.ToUpper(cc), strings.ToUpper(pid)
	raw, err := json.Marshal(ci)
	if err != nil {
		return err
	}
	if _, err := s.Store.PutPartnerObject(r.Context(), c.partner.ID, hubModule, partyKey(cc, pid), raw, at); err != nil {
		return err
	}
	ok(w, nil)
	return nil
}

// getClientInfo answers a ClientInfo the hub pushed (§16.2.1).
func (s *Server) getClientInfo(w http.ResponseWriter, r *http.Request) error {
	raw, err := s.Store.FindPartnerObject(r.Context(), callOf(r).partner.ID, hubModule, partyKey(r.PathValue("country_code"), r.PathValue("party_id")))
	if volt.IsCode(err, volt.ENOTFOUND) {
		return notFoundErr(StatusClientError, "No ClientInfo for "+r.PathValue("country_code")+"*"+r.PathValue("party_id")+".")
	} else if err != nil {
		return err
	}
	ok(w, raw)
	return nil
}

// listClientInfo is Volt's sender interface (§16.2.1 of the sender): the
// parties reachable over this connection, the CPO's own party.
func (s *Server) listClientInfo(w http.ResponseWriter, r *http.Request) error {
	p, err := parsePaging(r)
	if err != nil {
		return err
	}
	c := callOf(r)
	at := c.partner.CreatedAt
	var in []ClientInfo
	if p.Contains(at) {
		in = append(in, ClientInfo{PartyID: c.party.PartyID, CountryCode: c.party.CountryCode, Role: "CPO", Status: "CONNECTED", LastUpdated: DateTime(at)})
	}
	ok(w, pageOf(w, r, s.url("/ocpi/cpo/2.2.1/hubclientinfo"), p, in))
	return nil
}

// routedParty returns the partner as the party behind it that a routed
// request names (a copy with that party's country code and party id), if
// the partner (a hub) announced it and has not suspended it.
func (s *Server) routedParty(ctx context.Context, p *volt.OCPIPartner, cc, pid string) (*volt.OCPIPartner, error) {
	unknown := notFoundErr(StatusUnknownLocation, "Unknown party "+cc+"*"+pid+": not a party behind this partner.")
	if len(cc) != 2 || len(pid) != 3 {
		return nil, unknown
	}
	raw, err := s.Store.FindPartnerObject(ctx, p.ID, hubModule, partyKey(cc, pid))
	if volt.IsCode(err, volt.ENOTFOUND) {
		return nil, unknown
	} else if err != nil {
		return nil, err
	}
	var ci ClientInfo
	if err := json.Unmarshal(raw, &ci); err != nil || ci.Status == "SUSPENDED" {
		return nil, unknown
	}
	routed := *p
	routed.CountryCode, routed.PartyID = strings.ToUpper(cc), strings.ToUpper(pid)
	return &routed, nil
}

// addressedTo returns the partner as the party (cc, pid) behind it when
// that is another party than the partner itself (a copy whose OCPI-to
// headers name it, client.go), else the partner. A token's party differs
// from its partner's only when a hub routed it (authenticate refuses
// another party's token otherwise).
func addressedTo(p *volt.OCPIPartner, cc, pid string) *volt.OCPIPartner {
	if len(cc) != 2 || len(pid) != 3 || (strings.EqualFold(cc, p.CountryCode) && strings.EqualFold(pid, p.PartyID)) {
		return p
	}
	to := *p
	to.CountryCode, to.PartyID = strings.ToUpper(cc), strings.ToUpper(pid)
	return &to
}

// pushAddressee reads the party a queued push is for from its body: a
// Session's or CDR's cdr_token names the eMSP party whose token it is
// ("" for other modules, which are for the partner itself).
func pushAddressee(push *volt.OCPIPush) (cc, pid string) {
	if push.Module != "sessions" && push.Module != "cdrs" {
		return "", ""
	}
	var b struct {
		CDRToken struct {
			CountryCode string `json:"country_code"`
			PartyID     string `json:"party_id"`
		} `json:"cdr_token"`
	}
	if json.Unmarshal(push.Body, &b) != nil {
		return "", ""
	}
	return b.CDRToken.CountryCode, b.CDRToken.PartyID
}

// partyOf names the party of a request's partner, "CC*PID": the party
// behind a hub when the hub routed the request (routedParty).
func partyOf(p *volt.OCPIPartner) string { return p.CountryCode + "*" + p.PartyID }
