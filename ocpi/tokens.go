package ocpi

import (
	"context"
	"encoding/json"
	"net/http"
	"strings"

	"github.com/volt-ev/volt"
)

// Token is an OCPI Token (§12.3.2) as an eMSP pushes it.
type Token struct {
	CountryCode string `json:"country_code"`
	PartyID     string `json:"party_id"`
	UID         string `json:"uid"`
	Type        string `json:"type"`
	ContractID  string `json:"contract_id"`
	VisualNum   string `json:"visual_number,omitempty"`
	Issuer      string `json:"issuer"`
	GroupID     string `json:"group_id,omitempty"`
	Valid       bool   `json:"valid"`
	Whitelist   string `json:"whitelist"`
	Language    string `json:"language,omitempty"`
	LastUpdated string `json:"last_updated"`
}

var tokenTypes = map[string]bool{"AD_HOC_USER": true, "APP_USER": true, "OTHER": true, "RFID": true}
var whitelists = map[string]bool{"ALWAYS": true, "ALLOWED": true, "ALLOWED_OFFLINE": true, "NEVER": true}

// validate checks a token against its URL and the partner (LESSONS OCPI
// 10: URL, body and credentials must agree; nothing is re-homed).
func (t *Token) validate(r *http.Request, p *volt.OCPIPartner) error {
	cc, pid, uid := r.PathValue("country_code"), r.PathValue("party_id"), r.PathValue("token_uid")
	switch {
	case !strings.EqualFold(cc, p.CountryCode) || !strings.EqualFold(pid, p.PartyID):
		return badRequest(StatusInvalidParameters, "The URL names party "+cc+"*"+pid+", not the partner of these credentials.")
	case !strings.EqualFold(t.CountryCode, cc) || !strings.EqualFold(t.PartyID, pid) || t.UID != uid:
		return badRequest(StatusInvalidParameters, "The token's country_code, party_id and uid must match the URL.")
	case len(t.UID) == 0 || len(t.UID) > 36 || len(t.ContractID) == 0 || len(t.ContractID) > 36 || t.Issuer == "":
		return badRequest(StatusInvalidParameters, "A token needs uid and contract_id (at most 36) and issuer.")
	case !tokenTypes[t.Type]:
		return badRequest(StatusInvalidParameters, "Unknown token type "+t.Type+".")
	case !whitelists[t.Whitelist]:
		return badRequest(StatusInvalidParameters, "Unknown whitelist "+t.Whitelist+".")
	}
	if q := r.URL.Query().Get("type"); q != "" && q != t.Type {
		return badRequest(StatusInvalidParameters, "The type parameter and the token's type differ.")
	}
	return nil
}

func tokenType(r *http.Request) string {
	if t := r.URL.Query().Get("type"); t != "" {
		return t
	}
	return "RFID"
}

func (s *Server) storeToken(r *http.Request, p *volt.OCPIPartner, t *Token) error {
	at, err := ParseDateTime(t.LastUpdated)
	if err != nil {
		return err
	}
	data, err := json.Marshal(t)
	if err != nil {
		return err
	}
	return s.Store.PutOCPIToken(r.Context(), &volt.OCPIToken{PartnerID: p.ID, CountryCode: strings.ToUpper(t.CountryCode),
		PartyID: strings.ToUpper(t.PartyID), UID: t.UID, Type: t.Type, ContractID: t.ContractID, Valid: t.Valid,
		Whitelist: t.Whitelist, LastUpdated: at, Data: data})
}

// putToken stores a token an eMSP pushed (§12.2.2).
func (s *Server) putToken(w http.ResponseWriter, r *http.Request) error {
	c := callOf(r)
	var t Token
	if err := decode(r, &t); err != nil {
		return err
	}
	if err := t.validate(r, c.partner); err != nil {
		return err
	}
	if err := s.storeToken(r, c.partner, &t); err != nil {
		return err
	}
	ok(w, nil)
	return nil
}

// patchToken changes fields of a stored token (§12.2.3); last_updated is
// required.
func (s *Server) patchToken(w http.ResponseWriter, r *http.Request) error {
	c := callOf(r)
	cur, err := s.Store.FindOCPIToken(r.Context(), c.partner.ID, r.PathValue("token_uid"), tokenType(r))
	if volt.IsCode(err, volt.ENOTFOUND) {
		return notFoundErr(StatusUnknownToken, "Unknown token "+r.PathValue("token_uid"))
	} else if err != nil {
		return err
	}
	var t Token
	if err := json.Unmarshal(cur.Data, &t); err != nil {
		return err
	}
	var patch map[string]json.RawMessage
	if err := decode(r, &patch); err != nil {
		return err
	}
	if _, ok := patch["last_updated"]; !ok {
		return badRequest(StatusInvalidParameters, "A PATCH must carry last_updated.")
	}
	merged, _ := json.Marshal(t)
	var m map[string]json.RawMessage
	_ = json.Unmarshal(merged, &m)
	for k, v := range patch {
		m[k] = v
	}
	merged, _ = json.Marshal(m)
	t = Token{}
	if err := json.Unmarshal(merged, &t); err != nil {
		return badRequest(StatusInvalidParameters, "Bad PATCH: "+err.Error())
	}
	if err := t.validate(r, c.partner); err != nil {
		return err
	}
	if err := s.storeToken(r, c.partner, &t); err != nil {
		return err
	}
	ok(w, nil)
	return nil
}

// getToken answers a token the partner pushed (§12.2.1).
func (s *Server) getToken(w http.ResponseWriter, r *http.Request) error {
	c := callOf(r)
	t, err := s.Store.FindOCPIToken(r.Context(), c.partner.ID, r.PathValue("token_uid"), tokenType(r))
	if volt.IsCode(err, volt.ENOTFOUND) {
		return notFoundErr(StatusUnknownToken, "Unknown token "+r.PathValue("token_uid"))
	} else if err != nil {
		return err
	}
	ok(w, json.RawMessage(t.Data))
	return nil
}

// RoamingDecision is what a roaming token allows at a charger of the CPO.
type RoamingDecision struct {
	Found     bool
	Accepted  bool
	PartnerID string
	Reason    string
}

// AuthorizeRoaming decides on an idTag a charger of the CPO sent that is
// no card of Volt's from the stored token alone: a token an eMSP partner
// pushed, whitelist NEVER refused. Volt's OCPP authorisation asks the
// eMSP in real time first for NEVER and ALLOWED (RealTimeAuth, the
// store's askRealTime); this is the offline view.
func (s *Server) AuthorizeRoaming(ctx context.Context, cpoID, idTag string) (RoamingDecision, error) {
	t, err := s.Store.FindRoamingToken(ctx, cpoID, idTag)
	if volt.IsCode(err, volt.ENOTFOUND) {
		return RoamingDecision{}, nil
	} else if err != nil {
		return RoamingDecision{}, err
	}
	d := RoamingDecision{Found: true, PartnerID: t.PartnerID}
	switch {
	case !t.Valid:
		d.Reason = "token not valid"
	case t.Whitelist == "NEVER":
		d.Reason = "real-time authorisation required"
	default:
		d.Accepted = true
	}
	return d, nil
}
