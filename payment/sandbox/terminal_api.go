package sandbox

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"strings"

	"github.com/volt-ev/volt"
)

// APITerminal is a simulated contactless terminal that talks to Volt's
// terminal API over HTTP as a real integration would: it authenticates with
// its API key, and each tap pre-authorises the card and has the charger
// started (POST /api/v1/terminals/{id}/authorizations); the receipt for its
// display comes from GET .../authorizations/{paymentId}.
type APITerminal struct {
	BaseURL string // "http://host:port"
	ID      string
	Key     string
	Client  *http.Client
	seq     int
}

// TapError is a tap the API refused: its status and error code.
type TapError struct {
	Status int
	Code   string
	Msg    string
}

// Error describes the refusal with its HTTP status and code.
func (e *TapError) Error() string {
	return fmt.Sprintf("tap refused: %d %s: %s", e.Status, e.Code, e.Msg)
}

// Tap presents a card for a connector (0: the terminal's own), holding
// amount ("" for the CPO's default, else "20.00").
func (t *APITerminal) Tap(ctx context.Context, card string, connector int, amount string) (*volt.TerminalAuthorization, error) {
	t.seq++
	body := map[string]any{"cardToken": card}
	if connector > 0 {
		body["connectorId"] = connector
	}
	if amount != "" {
		body["amount"] = amount
	}
	var auth volt.TerminalAuthorization
	err := t.call(ctx, http.MethodPost, "/authorizations", body, fmt.Sprintf("tap-%s-%d", t.ID, t.seq), &auth)
	if err != nil {
		return nil, err
	}
	return &auth, nil
}

// Receipt reads the summary of a tap's payment for the display.
func (t *APITerminal) Receipt(ctx context.Context, paymentID string) (*volt.TerminalReceipt, error) {
	var r volt.TerminalReceipt
	if err := t.call(ctx, http.MethodGet, "/authorizations/"+paymentID, nil, "", &r); err != nil {
		return nil, err
	}
	return &r, nil
}

func (t *APITerminal) call(ctx context.Context, method, path string, body any, idem string, out any) error {
	var rd io.Reader
	if body != nil {
		b, err := json.Marshal(body)
		if err != nil {
			return err
		}
		rd = bytes.NewReader(b)
	}
	req, err := http.NewRequestWithContext(ctx, method, strings.TrimRight(t.BaseURL, "/")+"/api/v1/terminals/"+t.ID+path, rd)
	if err != nil {
		return err
	}
	req.Header.Set("Authorization", "Bearer "+t.Key)
	req.Header.Set("Content-Type", "application/json")
	if idem != "" {
		req.Header.Set("Idempotency-Key", idem)
	}
	c := t.Client
	if c == nil {
		c = http.DefaultClient
	}
	res, err := c.Do(req)
	if err != nil {
		return fmt.Errorf("terminal %s %s: %w", t.ID, path, err)
	}
	defer res.Body.Close()
	raw, err := io.ReadAll(io.LimitReader(res.Body, 1<<20))
	if err != nil {
		return fmt.Errorf("terminal %s %s: %w", t.ID, path, err)
	}
	if res.StatusCode >= 300 {
		var e struct {
			Error struct{ Code, Message string }
		}
		_ = json.Unmarshal(raw, &e)
		return &TapError{Status: res.StatusCode, Code: e.Error.Code, Msg: e.Error.Message}
	}
	return json.Unmarshal(raw, out)
}
