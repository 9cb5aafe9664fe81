package ocpi

import (
	"context"
	"encoding/json"
	"errors"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"time"

	"github.com/volt-ev/volt"
)

// CommandResponse is the immediate answer to a command (§13.4.2).
type CommandResponse struct {
	Result  string `json:"result"`
	Timeout int    `json:"timeout"`
	Message []any  `json:"message,omitempty"`
}

// CommandResult is the charger's outcome, posted to response_url (§13.4.3).
type CommandResult struct {
	Result string `json:"result"`
}

// defaultCommandTimeout is how long a charger has to answer a command,
// unless Server.CommandTimeout says otherwise.
const defaultCommandTimeout = 30 * time.Second

// commandTimeout is how long the charger has to answer a command.
func (s *Server) commandTimeout() time.Duration {
	if s.CommandTimeout > 0 {
		return s.CommandTimeout
	}
	return defaultCommandTimeout
}

// timeoutSeconds is the CommandResponse timeout: the charger's time plus
// the delivery of the result, in whole seconds.
func (s *Server) timeoutSeconds() int {
	return int(s.commandTimeout().Round(time.Second)/time.Second) + 1
}

// command is one OCPP call a partner's command becomes.
type command struct {
	cpid, action, responseURL string
	req                       any
	// result maps the charger's answer status to the CommandResult
	// (nil: Accepted or Unlocked is ACCEPTED, anything else REJECTED).
	result func(status string) string
	// accepted runs once the charger has accepted (nil: nothing).
	accepted func(ctx context.Context) error
}

type startSession struct {
	ResponseURL string `json:"response_url"`
	Token       Token  `json:"token"`
	LocationID  string `json:"location_id"`
	EVSEUID     string `json:"evse_uid"`
	ConnectorID string `json:"connector_id"`
}

type stopSession struct {
	ResponseURL string `json:"response_url"`
	SessionID   string `json:"session_id"`
}

type unlockConnector struct {
	ResponseURL string `json:"response_url"`
	LocationID  string `json:"location_id"`
	EVSEUID     string `json:"evse_uid"`
	ConnectorID string `json:"connector_id"`
}

// receiveCommand answers a command at once and sends the OCPP call to
// the charger in the background; the charger's outcome (or TIMEOUT) is
// queued for the partner's response_url, so the partner never waits on
// the charger and a restart loses no result (§13.2.1).
// RESERVE_NOW and CANCEL_RESERVATION go through Volt's reservations
// (reservations.go).
func (s *Server) receiveCommand(w http.ResponseWriter, r *http.Request) error {
	c := callOf(r)
	if s.Commander == nil {
		ok(w, CommandResponse{Result: "NOT_SUPPORTED", Timeout: 0})
		return nil
	}
	var cpid, action, responseURL string
	var req any
	var cmd *command
	switch r.PathValue("command") {
	case "START_SESSION":
		var in startSession
		if err := decode(r, &in); err != nil {
			return err
		}
		if in.ResponseURL == "" || in.LocationID == "" || in.Token.UID == "" {
			return badRequest(StatusInvalidParameters, "START_SESSION needs response_url, token and location_id.")
		}
		evse, err := s.findEVSE(r.Context(), c, in.LocationID, in.EVSEUID)
		if err != nil {
			return err
		}
		if in.EVSEUID == "" {
			return badRequest(StatusInvalidParameters, "START_SESSION needs evse_uid (capability START_SESSION_CONNECTOR_REQUIRED).")
		}
		// The token the eMSP starts with is one of its tokens: kept so the
		// charger's start is authorised like any roaming card.
		tok := in.Token
		if err := s.keepCommandToken(r, c, &tok); err != nil {
			return err
		}
		cpid, action, responseURL = evse.cpid, "RemoteStartTransaction", in.ResponseURL
		req = map[string]any{"connectorId": evse.connector, "idTag": truncate(tok.UID, 20)}
	case "STOP_SESSION":
		var in stopSession
		if err := decode(r, &in); err != nil {
			return err
		}
		if in.ResponseURL == "" || in.SessionID == "" {
			return badRequest(StatusInvalidParameters, "STOP_SESSION needs response_url and session_id.")
		}
		sess, err := s.Charging.FindSessionByID(system(r.Context()), in.SessionID)
		if err != nil || sess.CPOID != c.partner.CPOID || sess.Status != volt.SessionActive {
			ok(w, CommandResponse{Result: "UNKNOWN_SESSION", Timeout: 0})
			return nil
		}
		if tok, err := s.Store.FindRoamingToken(r.Context(), sess.CPOID, sess.IDTag); err != nil || tok.PartnerID != c.partner.ID {
			ok(w, CommandResponse{Result: "UNKNOWN_SESSION", Timeout: 0})
			return nil
		}
		cpid, action, responseURL = sess.CPID, "RemoteStopTransaction", in.ResponseURL
		req = map[string]any{"transactionId": sess.TransactionID}
	case "UNLOCK_CONNECTOR":
		var in unlockConnector
		if err := decode(r, &in); err != nil {
			return err
		}
		if in.ResponseURL == "" || in.EVSEUID == "" {
			return badRequest(StatusInvalidParameters, "UNLOCK_CONNECTOR needs response_url, location_id, evse_uid and connector_id.")
		}
		evse, err := s.findEVSE(r.Context(), c, in.LocationID, in.EVSEUID)
		if err != nil {
			return err
		}
		cpid, action, responseURL = evse.cpid, "UnlockConnector", in.ResponseURL
		req = map[string]any{"connectorId": evse.connector}
	case "RESERVE_NOW", "CANCEL_RESERVATION":
		var answer *CommandResponse
		var err error
		if r.PathValue("command") == "RESERVE_NOW" {
			cmd, answer, err = s.reserveNow(r, c)
		} else {
			cmd, answer, err = s.cancelReservation(r, c)
		}
		if err != nil {
			return err
		}
		if answer != nil {
			ok(w, *answer)
			return nil
		}
	default:
		ok(w, CommandResponse{Result: "NOT_SUPPORTED", Timeout: 0})
		return nil
	}
	if cmd == nil {
		cmd = &command{cpid: cpid, action: action, responseURL: responseURL, req: req}
	}
	if !validURL(cmd.responseURL) {
		return badRequest(StatusInvalidParameters, "response_url must be http(s).")
	}
	go s.runCommand(context.WithoutCancel(r.Context()), c.partner.ID, partyOf(c.partner), cmd)
	ok(w, CommandResponse{Result: "ACCEPTED", Timeout: s.timeoutSeconds()})
	return nil
}

// validURL says whether a response_url is one Volt posts to.
func validURL(u string) bool {
	return strings.HasPrefix(u, "http://") || strings.HasPrefix(u, "https://")
}

// runCommand calls the charger and queues the result for the partner,
// addressed to the party to (partyOf: a party behind a hub that routed
// the command).
func (s *Server) runCommand(ctx context.Context, partnerID, to string, cmd *command) {
	cpid, action, responseURL := cmd.cpid, cmd.action, cmd.responseURL
	ctx, cancel := context.WithTimeout(system(ctx), s.commandTimeout())
	defer cancel()
	result := "ACCEPTED"
	raw, err := s.Commander.Call(ctx, cpid, action, cmd.req)
	switch {
	case volt.IsCode(err, volt.ETIMEOUT) || errors.Is(err, context.DeadlineExceeded):
		result = "TIMEOUT"
	case err != nil:
		result = "FAILED"
	default:
		var ans struct{ Status string }
		_ = json.Unmarshal(raw, &ans)
		switch {
		case cmd.result != nil:
			result = cmd.result(ans.Status)
		case ans.Status != "Accepted" && ans.Status != "Unlocked":
			result = "REJECTED"
		}
		if result == "ACCEPTED" && cmd.accepted != nil {
			if err := cmd.accepted(context.WithoutCancel(ctx)); err != nil {
				s.logger().Error("ocpi command kept", "partner", partnerID, "cpid", cpid, "action", action, "err", err)
			}
		}
	}
	if err := s.enqueueTo(context.WithoutCancel(ctx), partnerID, to, "commands", action+":"+cpid, http.MethodPost, responseURL, CommandResult{Result: result}); err != nil {
		s.logger().Error("ocpi command result", "partner", partnerID, "cpid", cpid, "err", err)
		return
	}
	if _, err := s.DeliverDue(context.WithoutCancel(ctx), 10); err != nil {
		s.logger().Warn("ocpi command result delivery", "err", err)
	}
}

type evseRef struct {
	cpid      string
	connector int
}

// findEVSE finds an EVSE of the partner's CPO by location and uid.
func (s *Server) findEVSE(ctx context.Context, c *call, locationID, evseUID string) (evseRef, error) {
	e, err := s.LoadEstate(ctx, c.partner.CPOID, false)
	if err != nil {
		return evseRef{}, err
	}
	for _, l := range e.LocationsFor(c.partner) {
		if l.ID != locationID {
			continue
		}
		for _, ev := range l.EVSEs {
			if ev.UID == evseUID || evseUID == "" {
				cpid, conn, _ := strings.Cut(ev.UID, "-")
				n, _ := strconv.Atoi(conn)
				return evseRef{cpid: cpid, connector: n}, nil
			}
		}
	}
	return evseRef{}, notFoundErr(StatusUnknownLocation, "Unknown location or EVSE "+locationID+" "+evseUID)
}

// StartSession asks a partner CPO to start a session for a token of
// Volt's on one of its EVSEs (eMSP side, §13.2.3); the result arrives
// later at Volt's commands receiver. It returns the partner's immediate
// answer.
func (s *Server) StartSession(ctx context.Context, partnerID, locationID, evseUID string, tok Token) (*CommandResponse, error) {
	p, err := s.Store.FindOCPIPartnerSystem(ctx, partnerID)
	if err != nil {
		return nil, err
	}
	base := p.Endpoint("commands", "RECEIVER")
	if p.Status != volt.OCPIConnected || base == "" {
		return nil, volt.Errorf(volt.EUNPROCESSABLE, "Partner %s takes no commands.", p.Name)
	}
	ref := volt.NewID("cmd")
	body := startSession{ResponseURL: s.url("/ocpi/emsp/2.2.1/commands/START_SESSION/" + url.PathEscape(ref)), Token: tok,
		LocationID: locationID, EVSEUID: evseUID}
	var resp CommandResponse
	if _, err := s.do(ctx, p, http.MethodPost, strings.TrimRight(base, "/")+"/START_SESSION", p.TheirToken, body, &resp); err != nil {
		_ = s.Store.RecordOCPIError(ctx, p.ID, err.Error())
		return nil, volt.Errorf(volt.EUNAVAILABLE, "Starting on %s: %s", p.Name, err.Error())
	}
	return &resp, nil
}

// commandResults are OCPI 2.2.1's CommandResultType values (§13.4.3).
var commandResults = map[string]bool{"ACCEPTED": true, "CANCELED_RESERVATION": true, "EVSE_OCCUPIED": true, "EVSE_INOPERATIVE": true,
	"FAILED": true, "NOT_SUPPORTED": true, "REJECTED": true, "TIMEOUT": true, "UNKNOWN_RESERVATION": true}

// receiveCommandResult stores a partner CPO's result of a command Volt
// sent (§13.2.2); an unknown result is refused (2001). The driver's app
// reads it on the charge page, which polls until the charge is over
// (AppRoaming.FindRoamingCharge, web/app roamingChargePageOf). A TIMEOUT
// does not end the charge: a session the partner starts late still
// shows and its CDR is billed as usual (LESSONS OCPI 8; TestAppRoamingCharge).
func (s *Server) receiveCommandResult(w http.ResponseWriter, r *http.Request) error {
	c := callOf(r)
	var res CommandResult
	if err := decode(r, &res); err != nil {
		return err
	}
	if !commandResults[res.Result] {
		return badRequest(StatusInvalidParameters, "Unknown command result "+strconv.Quote(res.Result)+".")
	}
	raw, _ := json.Marshal(map[string]string{"command": r.PathValue("command"), "uid": r.PathValue("uid"), "result": res.Result})
	if _, err := s.Store.PutPartnerObject(r.Context(), c.partner.ID, "commands", r.PathValue("uid"), raw, s.now()); err != nil {
		return err
	}
	ok(w, nil)
	return nil
}
