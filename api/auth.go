package api

import (
	"context"
	"time"

	"github.com/volt-ev/volt"
)

// TokenRequest is the body of POST /api/v1/auth/token.
type TokenRequest struct {
	Email       string `json:"email" minLength:"1" maxLength:"320"`
	Password    string `json:"password" minLength:"1" maxLength:"256"`
	DeviceToken string `json:"deviceToken,omitempty" maxLength:"200" doc:"The deviceToken an earlier sign-in of this client to the same account returned: failed attempts from elsewhere then never slow this client down."`
}

// TokenResponse is a bearer token and when it expires.
type TokenResponse struct {
	Token       string    `json:"token"`
	ExpiresAt   time.Time `json:"expiresAt"`
	DeviceToken string    `json:"deviceToken" doc:"Keep it and send it with the next sign-in from this client."`
}

type tokenInput struct{ Body TokenRequest }

// createToken signs in. Failed attempts are throttled per client address
// and per account (unknown devices) with exponential back-off: 429 with
// Retry-After.
func (s *server) createToken(ctx context.Context, in *tokenInput) (*Out[TokenResponse], error) {
	addr, _ := ctx.Value(keyClientAddr).(string)
	res, err := s.Auth.SignIn(ctx, volt.SignInRequest{Email: in.Body.Email, Password: in.Body.Password, ClientAddr: addr,
		DeviceToken: in.Body.DeviceToken})
	if err != nil {
		return nil, s.err(ctx, err)
	}
	return out(TokenResponse{Token: res.Token, ExpiresAt: res.ExpiresAt, DeviceToken: res.DeviceToken}), nil
}

func (s *server) revokeToken(ctx context.Context, _ *struct{}) (*struct{}, error) {
	tok, _ := ctx.Value(keyToken).(string)
	if tok == "" {
		return nil, newError(volt.EUNAUTHORIZED, "A bearer token is required.", "")
	}
	if err := s.Auth.Revoke(ctx, tok); err != nil {
		return nil, s.err(ctx, err)
	}
	return nil, nil
}
