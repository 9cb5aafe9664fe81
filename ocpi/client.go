package ocpi

import (
	"bytes"
	"context"
	"crypto/rand"
	"encoding/base64"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"

	"github.com/volt-ev/volt"
)

// newToken returns a new credentials token: 32 random bytes, URL-safe
// Base64 (43 printable characters; OCPI allows 64).
func newToken() string {
	var b [32]byte
	if _, err := rand.Read(b[:]); err != nil {
		panic(fmt.Sprintf("ocpi: crypto/rand failed: %v", err))
	}
	return base64.RawURLEncoding.EncodeToString(b[:])
}

// maxAnswer bounds what Volt reads of a partner's answer.
const maxAnswer = 16 << 20

// do calls a partner: Token in Base64 (§4.1.1), request and correlation
// ids, routing headers naming both parties, the body as JSON; it decodes
// the envelope's data into out and fails on any status other than 1000.
// It returns the answer's headers (paging).
func (s *Server) do(ctx context.Context, p *volt.OCPIPartner, method, url, token string, body, out any) (http.Header, error) {
	party, err := s.Store.OCPIPartyOf(ctx, p.CPOID)
	if err != nil {
		party = nil // sent without the routing headers
	}
	return s.doAs(ctx, party, p, method, url, token, body, out)
}

// doAs is do with the CPO's party already read (nil: no routing
// headers), for a delivery round that sends many requests as one party.
// A json.RawMessage body is sent as it is.
func (s *Server) doAs(ctx context.Context, party *volt.OCPIParty, p *volt.OCPIPartner, method, url, token string, body, out any) (http.Header, error) {
	var rd io.Reader
	if raw, ok := body.(json.RawMessage); ok {
		rd = bytes.NewReader(raw)
	} else if body != nil {
		b, err := json.Marshal(body)
		if err != nil {
			return nil, fmt.Errorf("encode %s %s: %w", method, url, err)
		}
		rd = bytes.NewReader(b)
	}
	req, err := http.NewRequestWithContext(ctx, method, url, rd)
	if err != nil {
		return nil, fmt.Errorf("%s %s: %w", method, url, err)
	}
	req.Header.Set("Authorization", "Token "+base64.StdEncoding.EncodeToString([]byte(token)))
	id := newRequestID()
	req.Header.Set("X-Request-ID", id)
	req.Header.Set("X-Correlation-ID", id)
	if body != nil {
		req.Header.Set("Content-Type", "application/json")
	}
	if party != nil {
		req.Header.Set("OCPI-from-country-code", party.CountryCode)
		req.Header.Set("OCPI-from-party-id", party.PartyID)
		req.Header.Set("OCPI-to-country-code", p.CountryCode)
		req.Header.Set("OCPI-to-party-id", p.PartyID)
	}
	resp, err := s.client().Do(req)
	if err != nil {
		return nil, fmt.Errorf("%s %s: %w", method, url, err)
	}
	defer resp.Body.Close()
	b, err := io.ReadAll(io.LimitReader(resp.Body, maxAnswer))
	if err != nil {
		return nil, fmt.Errorf("%s %s: reading the answer: %w", method, url, err)
	}
	var env rawResponse
	if err := json.Unmarshal(b, &env); err != nil {
		return resp.Header, fmt.Errorf("%s %s: HTTP %d, not an OCPI answer", method, url, resp.StatusCode)
	}
	if resp.StatusCode/100 != 2 || env.StatusCode != StatusSuccess {
		return resp.Header, &answerError{method: method, url: url, httpStatus: resp.StatusCode, ocpiStatus: env.StatusCode, message: env.StatusMessage}
	}
	if out != nil && len(env.Data) > 0 && string(env.Data) != "null" {
		if err := json.Unmarshal(env.Data, out); err != nil {
			return resp.Header, fmt.Errorf("%s %s: decode data: %w", method, url, err)
		}
	}
	return resp.Header, nil
}

// answerError is a partner's OCPI answer other than success.
type answerError struct {
	method, url string
	httpStatus  int
	ocpiStatus  int
	message     string
}

func (e *answerError) Error() string {
	return fmt.Sprintf("%s %s: HTTP %d, OCPI %d %s", e.method, e.url, e.httpStatus, e.ocpiStatus, e.message)
}

// refusedObject says whether err is a partner refusing the object it was
// sent (OCPI 2001 invalid or missing parameters, 2003 unknown location),
// as opposed to the partner failing or refusing Volt altogether (no
// answer, a server error, 401/403): the next objects may still go.
func refusedObject(err error) bool {
	var a *answerError
	if !errors.As(err, &a) || a.httpStatus == 401 || a.httpStatus == 403 || a.httpStatus >= 500 {
		return false
	}
	return a.ocpiStatus == 2001 || a.ocpiStatus == 2003
}
