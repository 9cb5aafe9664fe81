package api

import (
	"context"
	"encoding/json"
	"net/http"
	"strings"

	"github.com/danielgtaylor/huma/v2"
	"github.com/volt-ev/volt"
)

// TerminalCreate is the body of POST /api/v1/terminals.
type TerminalCreate struct {
	ChargerCPID string `json:"chargerCpid" minLength:"1" maxLength:"32" doc:"The charger the terminal is mounted on."`
	ConnectorID int    `json:"connectorId,omitempty" minimum:"0" maximum:"99" doc:"The connector it pays for; absent: every connector (a tap names one)."`
	Provider    string `json:"provider" minLength:"1" maxLength:"40" doc:"The terminal maker (\"payter\", \"sandbox\")."`
	Serial      string `json:"serial" minLength:"1" maxLength:"64"`
}

// TerminalRegistered is a registered terminal with its API key, shown once.
type TerminalRegistered struct {
	*volt.Terminal
	APIKey string `json:"apiKey" doc:"The terminal's bearer token for its own calls. Shown once: only its hash is kept."`
}

type terminalListInput struct {
	CPID string `query:"cpid" maxLength:"32"`
	PageParams
}

type terminalCreateInput struct{ Body TerminalCreate }

func (s *server) listTerminals(ctx context.Context, in *terminalListInput) (*ListOutput[*volt.Terminal], error) {
	if s.Terminals == nil {
		return nil, notWired("terminal")
	}
	f := volt.TerminalFilter{CPID: in.CPID, Page: in.page()}
	items, total, err := s.Terminals.FindTerminals(ctx, f)
	if err != nil {
		return nil, s.err(ctx, err)
	}
	return listOf(items, total, f.Page), nil
}

func (s *server) createTerminal(ctx context.Context, in *terminalCreateInput) (*Out[TerminalRegistered], error) {
	if s.Terminals == nil {
		return nil, notWired("terminal")
	}
	t := &volt.Terminal{CPID: in.Body.ChargerCPID, ConnectorID: in.Body.ConnectorID, Provider: in.Body.Provider, Serial: in.Body.Serial}
	key, err := s.Terminals.CreateTerminal(ctx, t)
	if err != nil {
		return nil, s.err(ctx, err)
	}
	return out(TerminalRegistered{Terminal: t, APIKey: key}), nil
}

func (s *server) getTerminal(ctx context.Context, in *IDInput) (*Out[*volt.Terminal], error) {
	if s.Terminals == nil {
		return nil, notWired("terminal")
	}
	t, err := s.Terminals.FindTerminalByID(ctx, in.ID)
	if err != nil {
		return nil, s.err(ctx, err)
	}
	return out(t), nil
}

func (s *server) deleteTerminal(ctx context.Context, in *IDInput) (*struct{}, error) {
	if s.Terminals == nil {
		return nil, notWired("terminal")
	}
	if err := s.Terminals.DeleteTerminal(ctx, in.ID); err != nil {
		return nil, s.err(ctx, err)
	}
	return nil, nil
}

// TerminalTapCreate is the body of POST /api/v1/terminals/{id}/authorizations.
type TerminalTapCreate struct {
	Amount      *volt.Decimal `json:"amount,omitempty" pattern:"^-?[0-9]{1,12}(\\.[0-9]{1,6})?$" patternDescription:"a decimal amount like \"20.00\"" doc:"The hold in currency units; absent: the CPO's pre-authorisation amount."`
	CardToken   string        `json:"cardToken" minLength:"1" maxLength:"200" doc:"The card token the terminal's acquirer gave for the tap (never card data)."`
	ConnectorID int           `json:"connectorId,omitempty" minimum:"0" maximum:"99" doc:"Required on a terminal serving every connector of its charger."`
	Currency    string        `json:"currency,omitempty" maxLength:"3" doc:"The currency of amount (default GBP); must be the CPO's."`
}

type terminalTapInput struct {
	IDInput
	IdempotencyKey string `header:"Idempotency-Key" maxLength:"200" doc:"Required: the terminal's id for the tap; a retry holds once."`
	Body           TerminalTapCreate
}

// tapTerminal is the terminal's own call when a card is tapped: the card
// is pre-authorised for the connector, then the charger is remote-started
// with the terminal's idTag for that connector, which binds the session to
// the hold (captured at the CDR for exactly its cost). A declined card is
// 422 and nothing is started; a charger that refuses or is offline is 409,
// and the hold is released at once.
func (s *server) tapTerminal(ctx context.Context, in *terminalTapInput) (*Out[*volt.TerminalAuthorization], error) {
	if s.Terminals == nil {
		return nil, notWired("terminal")
	}
	if in.IdempotencyKey == "" {
		return nil, newError(volt.EINVALID, "The Idempotency-Key header is required.", "Idempotency-Key")
	}
	tap := volt.TerminalTap{TerminalID: in.ID, ConnectorID: in.Body.ConnectorID, Card: in.Body.CardToken, IdempotencyKey: in.IdempotencyKey,
		Currency: strings.ToUpper(in.Body.Currency)}
	if in.Body.Amount != nil {
		amount, err := minorUnits("amount", *in.Body.Amount, walletCurrency(in.Body.Currency))
		if err != nil {
			return nil, s.err(ctx, err)
		}
		tap.Amount = amount
	}
	auth, err := s.Terminals.Tap(ctx, tap)
	if err != nil {
		return nil, s.err(ctx, err)
	}
	if auth.Replayed {
		return out(auth), nil // the first call started (or failed to start) the charger
	}
	if err := s.startForTerminal(ctx, auth); err != nil {
		return nil, err
	}
	return out(auth), nil
}

// startForTerminal remote-starts the charger for a tap on behalf of the
// terminal (as the platform: a terminal has no operator rights), releasing
// the hold when the charger does not accept.
func (s *server) startForTerminal(ctx context.Context, auth *volt.TerminalAuthorization) error {
	if s.Commander == nil {
		auth.Start = "not sent: no charger connection on this node"
		return nil
	}
	p := auth.Payment
	sys := volt.NewContextWithActor(ctx, volt.SystemActor)
	raw, err := s.Commander.Call(sys, p.CPID, "RemoteStartTransaction", map[string]any{"connectorId": p.ConnectorID, "idTag": auth.IDTag})
	status := ""
	if err == nil {
		status = jsonStatus(raw)
	}
	if err == nil && status == "Accepted" {
		auth.Start = status
		return nil
	}
	if r, ok := s.Payments.(volt.HoldReleaser); ok {
		if _, rerr := r.Release(sys, p.ID); rerr != nil {
			s.Logger.ErrorContext(ctx, "api: release the hold of a refused terminal start", "payment", p.ID, "err", rerr)
		}
	}
	if err != nil {
		return s.err(ctx, err)
	}
	return newError(volt.ECONFLICT, "The charger refused to start ("+status+"): the hold is released.", "")
}

func jsonStatus(raw []byte) string {
	var ans struct {
		Status string `json:"status"`
	}
	_ = json.Unmarshal(raw, &ans)
	return ans.Status
}

type terminalReceiptInput struct {
	IDInput
	PaymentID string `path:"paymentId" maxLength:"64" doc:"The payment of the tap."`
}

// terminalReceipt is the summary a terminal displays: energy, CDR cost,
// captured and released.
func (s *server) terminalReceipt(ctx context.Context, in *terminalReceiptInput) (*Out[*volt.TerminalReceipt], error) {
	if s.Terminals == nil {
		return nil, notWired("terminal")
	}
	r, err := s.Terminals.TerminalReceipt(ctx, in.ID, in.PaymentID)
	if err != nil {
		return nil, s.err(ctx, err)
	}
	return out(r), nil
}

// terminalRoutes are contactless terminals: registration by operators and
// the terminal's own calls, authenticated by its API key.
func (s *server) terminalRoutes() {
	a := s.api
	const get, post, del = http.MethodGet, http.MethodPost, http.MethodDelete
	huma.Register(a, op("listTerminals", get, "/terminals", "List contactless terminals", "terminals", 200), s.listTerminals)
	huma.Register(a, op("createTerminal", post, "/terminals", "Register a contactless terminal on a charger (API key shown once)", "terminals", 201), s.createTerminal)
	huma.Register(a, op("getTerminal", get, "/terminals/{id}", "Get a terminal", "terminals", 200), s.getTerminal)
	huma.Register(a, op("deleteTerminal", del, "/terminals/{id}", "Retire a terminal: its key stops working", "terminals", 204), s.deleteTerminal)
	tap := withErrors(op("createTerminalAuthorization", post, "/terminals/{id}/authorizations",
		"A card tapped on the terminal: pre-authorise and start the charger (terminal key; Idempotency-Key required)", "terminals", 201),
		http.StatusServiceUnavailable, http.StatusBadGateway, http.StatusGatewayTimeout)
	tap.Description = "Called by the terminal with its API key as the bearer token. The card is held, then the charger is " +
		"remote-started on the connector with the terminal's idTag; the session is captured at its CDR for exactly its cost " +
		"and the rest released. A declined card is 422 (nothing started), a charger that refuses 409 (the hold released at once)."
	huma.Register(a, tap, s.tapTerminal)
	huma.Register(a, op("getTerminalAuthorization", get, "/terminals/{id}/authorizations/{paymentId}",
		"The receipt of a tap for the terminal's display: energy, cost, captured, released", "terminals", 200), s.terminalReceipt)
}
