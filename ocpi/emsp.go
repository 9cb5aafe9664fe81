package ocpi

import (
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"net/url"
	"strings"

	"github.com/volt-ev/volt"
)

// objectHead is what Volt reads of any object a CPO partner sends.
type objectHead struct {
	CountryCode string `json:"country_code"`
	PartyID     string `json:"party_id"`
	ID          string `json:"id"`
	LastUpdated string `json:"last_updated"`
}

// receive stores an object a CPO partner pushed under module, after
// checking that URL, body and credentials name the same party and id.
func (s *Server) receive(r *http.Request, module, idParam string) (created bool, id string, raw json.RawMessage, err error) {
	c := callOf(r)
	if err := decode(r, &raw); err != nil {
		return false, "", nil, err
	}
	var h objectHead
	if err := json.Unmarshal(raw, &h); err != nil {
		return false, "", nil, badRequest(StatusInvalidParameters, "Not an object: "+err.Error())
	}
	if idParam != "" {
		cc, pid, id := r.PathValue("country_code"), r.PathValue("party_id"), r.PathValue(idParam)
		if !strings.EqualFold(cc, c.partner.CountryCode) || !strings.EqualFold(pid, c.partner.PartyID) {
			return false, "", nil, badRequest(StatusInvalidParameters, "The URL names party "+cc+"*"+pid+", not the partner of these credentials.")
		}
		if h.ID != id {
			return false, "", nil, badRequest(StatusInvalidParameters, "The object's id differs from the URL's.")
		}
	}
	if !strings.EqualFold(h.CountryCode, c.partner.CountryCode) || !strings.EqualFold(h.PartyID, c.partner.PartyID) || h.ID == "" {
		return false, "", nil, badRequest(StatusInvalidParameters, "The object must carry the partner's country_code and party_id and an id.")
	}
	at, err := ParseDateTime(h.LastUpdated)
	if err != nil {
		return false, "", nil, err
	}
	created, err = s.Store.PutPartnerObject(r.Context(), c.partner.ID, module, h.ID, raw, at)
	return created, h.ID, raw, err
}

// receiveLocation stores a partner CPO's Location (§8.2.2.2); its parts
// are changed in emsp_locations.go.
func (s *Server) receiveLocation(w http.ResponseWriter, r *http.Request) error {
	if _, _, _, err := s.receive(r, "locations", "location_id"); err != nil {
		return err
	}
	ok(w, nil)
	return nil
}

// patchEVSE applies a partner CPO's partial update of one EVSE of a
// Location Volt holds (§8.2.2.3), its status above all, and sets the
// Location's last_updated as well. An unknown Location or EVSE is 404
// (2003): the CPO must PUT it first.
func (s *Server) patchEVSE(w http.ResponseWriter, r *http.Request) error {
	c := callOf(r)
	cc, pid, locID, uid := r.PathValue("country_code"), r.PathValue("party_id"), r.PathValue("location_id"), r.PathValue("evse_uid")
	if !strings.EqualFold(cc, c.partner.CountryCode) || !strings.EqualFold(pid, c.partner.PartyID) {
		return badRequest(StatusInvalidParameters, "The URL names party "+cc+"*"+pid+", not the partner of these credentials.")
	}
	var patch map[string]json.RawMessage
	if err := decode(r, &patch); err != nil {
		return err
	}
	var lu string
	if err := json.Unmarshal(patch["last_updated"], &lu); err != nil {
		return badRequest(StatusInvalidParameters, "A PATCH must carry last_updated.")
	}
	at, err := ParseDateTime(lu)
	if err != nil {
		return err
	}
	for _, f := range []string{"uid", "connectors"} {
		if _, ok := patch[f]; ok {
			return badRequest(StatusInvalidParameters, "The EVSE's "+f+" is not patched here.")
		}
	}
	raw, err := s.Store.FindPartnerObject(r.Context(), c.partner.ID, "locations", locID)
	if err != nil {
		if volt.ErrorCode(err) == volt.ENOTFOUND {
			return notFoundErr(StatusUnknownLocation, "Unknown location "+locID+".")
		}
		return err
	}
	var loc map[string]json.RawMessage
	var evses []map[string]json.RawMessage
	if err := json.Unmarshal(raw, &loc); err != nil {
		return fmt.Errorf("stored location %s: %w", locID, err)
	}
	if err := json.Unmarshal(loc["evses"], &evses); err != nil {
		return notFoundErr(StatusUnknownLocation, "Unknown EVSE "+uid+".")
	}
	found := false
	for _, ev := range evses {
		var u string
		if json.Unmarshal(ev["uid"], &u) == nil && u == uid {
			for k, v := range patch {
				ev[k] = v
			}
			found = true
		}
	}
	if !found {
		return notFoundErr(StatusUnknownLocation, "Unknown EVSE "+uid+" at location "+locID+".")
	}
	if loc["evses"], err = json.Marshal(evses); err != nil {
		return err
	}
	loc["last_updated"] = patch["last_updated"]
	if raw, err = json.Marshal(loc); err != nil {
		return err
	}
	if _, err := s.Store.PutPartnerObject(r.Context(), c.partner.ID, "locations", locID, raw, at); err != nil {
		return err
	}
	ok(w, nil)
	return nil
}

// receiveSession stores a partner CPO's Session (§9.2.2.2): a replay is
// the same row.
func (s *Server) receiveSession(w http.ResponseWriter, r *http.Request) error {
	if _, _, _, err := s.receive(r, "sessions", "session_id"); err != nil {
		return err
	}
	ok(w, nil)
	return nil
}

// receiveCDR stores a partner CPO's CDR once (§10.2.2.2): a repeat is
// accepted and changes nothing, and the Location header names it. The
// driver whose card the token is is billed its cost plus the partner's
// roaming margin, once; a CDR of a token Volt does not know is kept for
// reconciliation.
func (s *Server) receiveCDR(w http.ResponseWriter, r *http.Request) error {
	created, id, raw, err := s.receive(r, "cdrs", "")
	if err != nil {
		return err
	}
	c := callOf(r)
	s.logger().Info("ocpi cdr received", "partner", c.partner.ID, "cdr", id, "new", created)
	if err := s.bill(r.Context(), c.partner, id, raw); err != nil {
		s.logger().Warn("ocpi cdr not billed", "partner", c.partner.ID, "cdr", id, "err", err)
	}
	w.Header().Set("Location", s.url("/ocpi/emsp/2.2.1/cdrs/"+url.PathEscape(id)))
	ok(w, nil)
	return nil
}

// bill charges Volt's driver for a partner's CDR (idempotent).
func (s *Server) bill(ctx context.Context, p *volt.OCPIPartner, id string, raw json.RawMessage) error {
	var cdr struct {
		Currency  string `json:"currency"`
		TotalCost struct {
			InclVAT json.Number `json:"incl_vat"`
			ExclVAT json.Number `json:"excl_vat"`
		} `json:"total_cost"`
		CDRToken struct {
			UID string `json:"uid"`
		} `json:"cdr_token"`
	}
	if err := json.Unmarshal(raw, &cdr); err != nil {
		return err
	}
	amount := cdr.TotalCost.InclVAT
	if amount == "" {
		amount = cdr.TotalCost.ExclVAT // a partner without VAT in its prices
	}
	d, err := volt.ParseDecimal(string(amount))
	if err != nil || !volt.ValidCurrency(cdr.Currency) {
		return fmt.Errorf("CDR %s: cost %q %q: %v", id, amount, cdr.Currency, err)
	}
	_, err = s.Store.BillRoamingCDR(ctx, p.ID, id, cdr.CDRToken.UID, d.RoundMinor(volt.CurrencyExponent(cdr.Currency)), cdr.Currency)
	return err
}

func (s *Server) getReceivedCDR(w http.ResponseWriter, r *http.Request) error {
	c := callOf(r)
	cdrs, err := s.Store.FindPartnerObjects(r.Context(), c.partner.ID, "cdrs")
	if err != nil {
		return err
	}
	for _, raw := range cdrs {
		var h objectHead
		if json.Unmarshal(raw, &h) == nil && h.ID == r.PathValue("cdr_id") {
			ok(w, raw)
			return nil
		}
	}
	return notFoundErr(StatusClientError, "Unknown CDR "+r.PathValue("cdr_id"))
}

// PullLocations reads every Location of a connected CPO partner, page by
// page following Link (a missed page would lose chargers), and stores
// them; it returns how many it read.
func (s *Server) PullLocations(ctx context.Context, partnerID string) (int, error) {
	p, err := s.Store.FindOCPIPartnerSystem(ctx, partnerID)
	if err != nil {
		return 0, err
	}
	if p.Status != volt.OCPIConnected || p.Role != volt.OCPIRoleCPO {
		return 0, volt.Errorf(volt.EUNPROCESSABLE, "Partner %s is not a connected CPO.", p.Name)
	}
	next := p.Endpoint("locations", "SENDER")
	if next == "" {
		return 0, volt.Errorf(volt.EUNPROCESSABLE, "Partner %s offers no locations sender.", p.Name)
	}
	n := 0
	for pages := 0; next != "" && pages < 10_000; pages++ {
		var locs []json.RawMessage
		h, err := s.do(ctx, p, http.MethodGet, next, p.TheirToken, nil, &locs)
		if err != nil {
			_ = s.Store.RecordOCPIError(ctx, p.ID, err.Error())
			return n, fmt.Errorf("pull locations of %s: %w", p.ID, err)
		}
		for _, raw := range locs {
			var hd objectHead
			if err := json.Unmarshal(raw, &hd); err != nil || hd.ID == "" {
				continue
			}
			at, _ := ParseDateTime(hd.LastUpdated)
			if _, err := s.Store.PutPartnerObject(ctx, p.ID, "locations", hd.ID, raw, at); err != nil {
				return n, err
			}
			n++
		}
		next = nextLink(h)
	}
	return n, nil
}

// PartnerLocations returns the Locations of a partner CPO Volt holds, for
// the driver app's map and list of roaming chargers.
func (s *Server) PartnerLocations(ctx context.Context, partnerID string) ([]Location, error) {
	raws, err := s.Store.FindPartnerObjects(ctx, partnerID, "locations")
	if err != nil {
		return nil, err
	}
	out := make([]Location, 0, len(raws))
	for _, raw := range raws {
		var l Location
		if err := json.Unmarshal(raw, &l); err == nil {
			out = append(out, l)
		}
	}
	return out, nil
}
