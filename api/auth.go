package api

import (
	"context"
	"time"

	"github.com/volt-ev/volt"
)

// TokenRequest is the body of POST /api/v1/auth/token.
type TokenRequest struct {
	Email    string `json:"email" minLength:"1" maxLength:"320"`
	Password string `json:"password" minLength:"1" maxLength:"256"`
}

// TokenResponse is a bearer token and when it expires.
type TokenResponse struct {
	Token     string    `json:"token"`
	ExpiresAt time.Time `json:"expiresAt"`
}

type tokenInput struct{ Body TokenRequest }

func (s *server) createToken(ctx context.Context, in *tokenInput) (*Out[TokenResponse], error) {
	addr, _ := ctx.Value(keyClientAddr).(string)
	tok, exp, err := s.Auth.Login(ctx, in.Body.Email, in.Body.Password, addr)
	if err != nil {
		return nil, s.err(ctx, err)
	}
	return out(TokenResponse{Token: tok, ExpiresAt: exp}), nil
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
