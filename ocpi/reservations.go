package ocpi

import (
	"context"
	"encoding/json"
	"math/rand/v2"
	"net/http"
	"strconv"
	"strings"
	"time"

	"github.com/volt-ev/volt"
)

// RESERVE_NOW and CANCEL_RESERVATION from an eMSP (OCPI 2.2.1 §13.3.5,
// §13.3.2) become OCPP ReserveNow and CancelReservation through Volt's
// reservation path: the gateway sends them to a 1.6 charger as they are
// and translates them for 2.0.1 and 2.1, and the reservation is kept in
// the store once the charger accepted it. The eMSP's reservation_id (a
// string) is mapped to the OCPP reservationId (an integer Volt chooses)
// in the partner's "reservations" objects, so that a second RESERVE_NOW
// with the same id replaces the reservation on the charger and a cancel
// finds it; another partner's reservation ids are unknown to it.

type reserveNowIn struct {
	ResponseURL            string `json:"response_url"`
	Token                  Token  `json:"token"`
	ExpiryDate             string `json:"expiry_date"`
	ReservationID          string `json:"reservation_id"`
	LocationID             string `json:"location_id"`
	EVSEUID                string `json:"evse_uid"`
	AuthorizationReference string `json:"authorization_reference,omitempty"`
}

type cancelReservationIn struct {
	ResponseURL   string `json:"response_url"`
	ReservationID string `json:"reservation_id"`
}

// partnerReservation is what Volt keeps of a partner's reservation.
type partnerReservation struct {
	ReservationID string `json:"reservation_id"`
	OCPPID        int64  `json:"ocpp_reservation_id"`
	CPID          string `json:"cpid"`
	ConnectorID   int    `json:"connector_id"`
	LocationID    string `json:"location_id"`
	EVSEUID       string `json:"evse_uid"`
	TokenUID      string `json:"token_uid"`
	ExpiryDate    string `json:"expiry_date"`
	// Status is requested (sent to the charger), active (accepted) or
	// cancelled.
	Status string `json:"status"`
}

const reservationsModule = "reservations"

// rejected is an immediate REJECTED answer with the reason.
func rejected(msg string) *CommandResponse {
	return &CommandResponse{Result: "REJECTED", Timeout: 0, Message: []any{map[string]string{"language": "en", "text": msg}}}
}

// reserveNow checks a RESERVE_NOW and returns the OCPP call it becomes,
// or an immediate answer.
func (s *Server) reserveNow(r *http.Request, c *call) (*command, *CommandResponse, error) {
	var in reserveNowIn
	if err := decode(r, &in); err != nil {
		return nil, nil, err
	}
	if in.ResponseURL == "" || in.Token.UID == "" || in.ExpiryDate == "" || in.ReservationID == "" || in.LocationID == "" {
		return nil, nil, badRequest(StatusInvalidParameters, "RESERVE_NOW needs response_url, token, expiry_date, reservation_id and location_id.")
	}
	if len(in.ReservationID) > 36 {
		return nil, nil, badRequest(StatusInvalidParameters, "reservation_id is longer than 36 characters.")
	}
	if !validURL(in.ResponseURL) {
		return nil, nil, badRequest(StatusInvalidParameters, "response_url must be http(s).")
	}
	expiry, err := ParseDateTime(in.ExpiryDate)
	if err != nil {
		return nil, nil, badRequest(StatusInvalidParameters, "expiry_date is not a date-time: "+in.ExpiryDate)
	}
	if !expiry.After(s.now()) {
		return nil, rejected("expiry_date " + in.ExpiryDate + " has passed."), nil
	}
	evse, err := s.reservableEVSE(r.Context(), c, in.LocationID, in.EVSEUID)
	if err != nil {
		return nil, nil, err
	}
	kept, err := s.partnerReservation(r.Context(), c.partner.ID, in.ReservationID)
	if err != nil && !volt.IsCode(err, volt.ENOTFOUND) {
		return nil, nil, err
	}
	res := partnerReservation{ReservationID: in.ReservationID, CPID: evse.cpid, ConnectorID: evse.connector,
		LocationID: in.LocationID, EVSEUID: in.EVSEUID, ExpiryDate: DateTime(expiry), Status: "requested"}
	switch {
	case kept == nil || kept.Status == "cancelled":
		res.OCPPID = 1 + rand.Int64N(1<<31-1) // OCPP reservationId: a positive int32
	case kept.CPID != evse.cpid:
		return nil, rejected("Reservation " + in.ReservationID + " holds another charger: cancel it first."), nil
	default:
		res.OCPPID = kept.OCPPID // the same id replaces it on the charger (OCPP 1.6 §5.13)
	}
	tok := in.Token
	if err := s.keepCommandToken(r, c, &tok); err != nil {
		return nil, nil, err
	}
	res.TokenUID = tok.UID
	if err := s.putPartnerReservation(r.Context(), c.partner.ID, &res); err != nil {
		return nil, nil, err
	}
	idTag := truncate(tok.UID, 20)
	req := map[string]any{"connectorId": res.ConnectorID, "expiryDate": expiry.UTC().Format(time.RFC3339),
		"idTag": idTag, "reservationId": res.OCPPID}
	partnerID := c.partner.ID
	return &command{cpid: evse.cpid, action: "ReserveNow", responseURL: in.ResponseURL, req: req,
		result: reserveResult,
		accepted: func(ctx context.Context) error {
			res.Status = "active"
			if err := s.putPartnerReservation(ctx, partnerID, &res); err != nil {
				return err
			}
			if s.Reservations == nil {
				return nil
			}
			return s.Reservations.SaveReservation(system(ctx), &volt.Reservation{ID: res.OCPPID, CPID: res.CPID,
				ConnectorID: res.ConnectorID, IDTag: idTag, ExpiresAt: expiry})
		}}, nil, nil
}

// reserveResult maps an OCPP ReserveNow status to the CommandResult.
func reserveResult(status string) string {
	switch status {
	case "Accepted":
		return "ACCEPTED"
	case "Occupied":
		return "EVSE_OCCUPIED"
	case "Faulted", "Unavailable":
		return "EVSE_INOPERATIVE"
	default:
		return "REJECTED"
	}
}

// cancelReservation checks a CANCEL_RESERVATION of one of the partner's
// reservations and returns the OCPP call it becomes, or an immediate
// REJECTED for a reservation id it never sent.
func (s *Server) cancelReservation(r *http.Request, c *call) (*command, *CommandResponse, error) {
	var in cancelReservationIn
	if err := decode(r, &in); err != nil {
		return nil, nil, err
	}
	if in.ResponseURL == "" || in.ReservationID == "" {
		return nil, nil, badRequest(StatusInvalidParameters, "CANCEL_RESERVATION needs response_url and reservation_id.")
	}
	if !validURL(in.ResponseURL) {
		return nil, nil, badRequest(StatusInvalidParameters, "response_url must be http(s).")
	}
	res, err := s.partnerReservation(r.Context(), c.partner.ID, in.ReservationID)
	if volt.IsCode(err, volt.ENOTFOUND) || (err == nil && res.Status == "cancelled") {
		return nil, rejected("Unknown reservation " + in.ReservationID + "."), nil
	} else if err != nil {
		return nil, nil, err
	}
	partnerID := c.partner.ID
	return &command{cpid: res.CPID, action: "CancelReservation", responseURL: in.ResponseURL,
		req: map[string]any{"reservationId": res.OCPPID},
		result: func(status string) string {
			if status == "Accepted" {
				return "ACCEPTED"
			}
			return "UNKNOWN_RESERVATION" // OCPP: Rejected means no such reservation
		},
		accepted: func(ctx context.Context) error {
			res.Status = "cancelled"
			if err := s.putPartnerReservation(ctx, partnerID, res); err != nil {
				return err
			}
			if s.Reservations == nil {
				return nil
			}
			err := s.Reservations.CancelReservation(system(ctx), res.CPID, res.OCPPID)
			if volt.IsCode(err, volt.ENOTFOUND) {
				return nil // never kept (the charger accepted it while Volt could not store it)
			}
			return err
		}}, nil, nil
}

func (s *Server) partnerReservation(ctx context.Context, partnerID, id string) (*partnerReservation, error) {
	raw, err := s.Store.FindPartnerObject(ctx, partnerID, reservationsModule, id)
	if err != nil {
		return nil, err
	}
	var res partnerReservation
	if err := json.Unmarshal(raw, &res); err != nil {
		return nil, err
	}
	return &res, nil
}

func (s *Server) putPartnerReservation(ctx context.Context, partnerID string, res *partnerReservation) error {
	raw, err := json.Marshal(res)
	if err != nil {
		return err
	}
	_, err = s.Store.PutPartnerObject(ctx, partnerID, reservationsModule, res.ReservationID, raw, s.now())
	return err
}

// reservableEVSE finds the EVSE to reserve: the one named, or without a
// name the location's first AVAILABLE EVSE (else its first).
func (s *Server) reservableEVSE(ctx context.Context, c *call, locationID, evseUID string) (evseRef, error) {
	if evseUID != "" {
		return s.findEVSE(ctx, c, locationID, evseUID)
	}
	e, err := s.LoadEstate(ctx, c.partner.CPOID, false)
	if err != nil {
		return evseRef{}, err
	}
	for _, l := range e.LocationsFor(c.partner) {
		if l.ID != locationID || len(l.EVSEs) == 0 {
			continue
		}
		pick := l.EVSEs[0]
		for _, ev := range l.EVSEs {
			if ev.Status == "AVAILABLE" {
				pick = ev
				break
			}
		}
		cpid, conn, _ := strings.Cut(pick.UID, "-")
		n, _ := strconv.Atoi(conn)
		return evseRef{cpid: cpid, connector: n}, nil
	}
	return evseRef{}, notFoundErr(StatusUnknownLocation, "Unknown location "+locationID)
}

// keepCommandToken stores the token an eMSP sends with a command as one
// of its tokens, so that the charger's authorisation accepts it like any
// roaming card.
func (s *Server) keepCommandToken(r *http.Request, c *call, tok *Token) error {
	tok.CountryCode, tok.PartyID = c.partner.CountryCode, c.partner.PartyID
	if tok.Whitelist == "" || tok.Whitelist == "NEVER" {
		tok.Whitelist = "ALLOWED"
	}
	if tok.LastUpdated == "" {
		tok.LastUpdated = DateTime(s.now())
	}
	return s.storeToken(r, c.partner, tok)
}
