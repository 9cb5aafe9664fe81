package ocpi

import (
	"encoding/json"
	"fmt"
	"net/http"
	"strings"

	"github.com/volt-ev/volt"
)

// A partner CPO's changes to one part of a Location Volt holds (eMSP
// side, §8.2.2): PUT of one EVSE or connector, PATCH of the Location or
// of a connector (patchEVSE patches an EVSE). Each sets the Location's
// last_updated as well; a part of a Location Volt does not hold is 404
// (2003): the CPO must PUT the Location first.

// jsonObject is an OCPI object as received, field by field.
type jsonObject = map[string]json.RawMessage

// editLocation loads the partner's Location of the URL, lets edit change
// it, sets its last_updated to the change's and stores it.
func (s *Server) editLocation(w http.ResponseWriter, r *http.Request, edit func(loc jsonObject) (lastUpdated string, err error)) error {
	c := callOf(r)
	cc, pid, locID := r.PathValue("country_code"), r.PathValue("party_id"), r.PathValue("location_id")
	if !strings.EqualFold(cc, c.partner.CountryCode) || !strings.EqualFold(pid, c.partner.PartyID) {
		return badRequest(StatusInvalidParameters, "The URL names party "+cc+"*"+pid+", not the partner of these credentials.")
	}
	raw, err := s.Store.FindPartnerObject(r.Context(), c.partner.ID, "locations", locID)
	if volt.IsCode(err, volt.ENOTFOUND) {
		return notFoundErr(StatusUnknownLocation, "Unknown location "+locID+": PUT it first.")
	} else if err != nil {
		return err
	}
	var loc jsonObject
	if err := json.Unmarshal(raw, &loc); err != nil {
		return fmt.Errorf("stored location %s: %w", locID, err)
	}
	lu, err := edit(loc)
	if err != nil {
		return err
	}
	at, err := ParseDateTime(lu)
	if err != nil {
		return err
	}
	if loc["last_updated"], err = json.Marshal(lu); err != nil {
		return err
	}
	if raw, err = json.Marshal(loc); err != nil {
		return err
	}
	if _, err := s.Store.PutPartnerObject(r.Context(), c.partner.ID, "locations", locID, raw, at); err != nil {
		return err
	}
	ok(w, nil)
	return nil
}

// stringField reads a string field of an object ("" when absent).
func stringField(o jsonObject, name string) string {
	var v string
	_ = json.Unmarshal(o[name], &v)
	return v
}

// objects reads an array field of objects.
func objects(o jsonObject, name string) ([]jsonObject, error) {
	var out []jsonObject
	if len(o[name]) == 0 || string(o[name]) == "null" {
		return nil, nil
	}
	if err := json.Unmarshal(o[name], &out); err != nil {
		return nil, badRequest(StatusInvalidParameters, "The stored "+name+" are not objects.")
	}
	return out, nil
}

// readPart decodes a PUT body whose key field must equal the URL's.
func readPart(r *http.Request, key, want string) (jsonObject, string, error) {
	var part jsonObject
	if err := decode(r, &part); err != nil {
		return nil, "", err
	}
	if got := stringField(part, key); got != want {
		return nil, "", badRequest(StatusInvalidParameters, "The object's "+key+" "+got+" differs from the URL's "+want+".")
	}
	lu := stringField(part, "last_updated")
	if lu == "" {
		return nil, "", badRequest(StatusInvalidParameters, "The object must carry last_updated.")
	}
	return part, lu, nil
}

// readPatch decodes a PATCH body: last_updated required, keys never patched.
func readPatch(r *http.Request, fixed ...string) (jsonObject, string, error) {
	var patch jsonObject
	if err := decode(r, &patch); err != nil {
		return nil, "", err
	}
	lu := stringField(patch, "last_updated")
	if lu == "" {
		return nil, "", badRequest(StatusInvalidParameters, "A PATCH must carry last_updated.")
	}
	for _, f := range fixed {
		if _, ok := patch[f]; ok {
			return nil, "", badRequest(StatusInvalidParameters, "The "+f+" is not patched.")
		}
	}
	return patch, lu, nil
}

// putEVSE adds or replaces one EVSE of a Location (§8.2.2.2).
func (s *Server) putEVSE(w http.ResponseWriter, r *http.Request) error {
	uid := r.PathValue("evse_uid")
	evse, lu, err := readPart(r, "uid", uid)
	if err != nil {
		return err
	}
	return s.editLocation(w, r, func(loc jsonObject) (string, error) {
		evses, err := objects(loc, "evses")
		if err != nil {
			return "", err
		}
		replaced := false
		for i, e := range evses {
			if stringField(e, "uid") == uid {
				evses[i], replaced = evse, true
			}
		}
		if !replaced {
			evses = append(evses, evse)
		}
		loc["evses"], err = json.Marshal(evses)
		return lu, err
	})
}

// withEVSE runs f on the EVSE of the URL within the Location.
func withEVSE(loc jsonObject, uid string, f func(evse jsonObject) error) error {
	evses, err := objects(loc, "evses")
	if err != nil {
		return err
	}
	for _, e := range evses {
		if stringField(e, "uid") == uid {
			if err := f(e); err != nil {
				return err
			}
			loc["evses"], err = json.Marshal(evses)
			return err
		}
	}
	return notFoundErr(StatusUnknownLocation, "Unknown EVSE "+uid+": PUT it first.")
}

// putConnector adds or replaces one connector of an EVSE (§8.2.2.2).
func (s *Server) putConnector(w http.ResponseWriter, r *http.Request) error {
	uid, id := r.PathValue("evse_uid"), r.PathValue("connector_id")
	conn, lu, err := readPart(r, "id", id)
	if err != nil {
		return err
	}
	return s.editLocation(w, r, func(loc jsonObject) (string, error) {
		return lu, withEVSE(loc, uid, func(evse jsonObject) error {
			conns, err := objects(evse, "connectors")
			if err != nil {
				return err
			}
			replaced := false
			for i, c := range conns {
				if stringField(c, "id") == id {
					conns[i], replaced = conn, true
				}
			}
			if !replaced {
				conns = append(conns, conn)
			}
			evse["connectors"], err = json.Marshal(conns)
			evse["last_updated"], _ = json.Marshal(lu)
			return err
		})
	})
}

// patchLocation applies a partial update of a Location's own fields
// (§8.2.2.3); its identity never changes.
func (s *Server) patchLocation(w http.ResponseWriter, r *http.Request) error {
	patch, lu, err := readPatch(r, "id", "country_code", "party_id")
	if err != nil {
		return err
	}
	return s.editLocation(w, r, func(loc jsonObject) (string, error) {
		for k, v := range patch {
			loc[k] = v
		}
		return lu, nil
	})
}

// patchConnector applies a partial update of one connector (§8.2.2.3).
func (s *Server) patchConnector(w http.ResponseWriter, r *http.Request) error {
	uid, id := r.PathValue("evse_uid"), r.PathValue("connector_id")
	patch, lu, err := readPatch(r, "id")
	if err != nil {
		return err
	}
	return s.editLocation(w, r, func(loc jsonObject) (string, error) {
		return lu, withEVSE(loc, uid, func(evse jsonObject) error {
			conns, err := objects(evse, "connectors")
			if err != nil {
				return err
			}
			for _, c := range conns {
				if stringField(c, "id") == id {
					for k, v := range patch {
						c[k] = v
					}
					evse["connectors"], err = json.Marshal(conns)
					evse["last_updated"], _ = json.Marshal(lu)
					return err
				}
			}
			return notFoundErr(StatusUnknownLocation, "Unknown connector "+id+" of EVSE "+uid+": PUT it first.")
		})
	})
}
