package volt

import (
	"context"
	"errors"
	"fmt"
	"time"
)

// ThrottlePolicy is an exponential back-off of attempts: Free failures are
// allowed without delay; each failure after them doubles the wait before the
// next attempt, from Base up to Max. Failures older than Forget no longer
// count. Nothing is ever locked for longer than Max.
type ThrottlePolicy struct {
	Free   int
	Base   time.Duration
	Max    time.Duration
	Forget time.Duration
}

// Delay returns how long to wait after the n-th failure in a row.
func (p ThrottlePolicy) Delay(n int) time.Duration {
	if n <= p.Free {
		return 0
	}
	d := p.Base
	for i := p.Free + 1; i < n && d < p.Max; i++ {
		d *= 2
	}
	return min(d, p.Max)
}

// Sign-in throttling (issue #10 item 6). Failures are counted per client
// address, per account for devices that never signed in to it, and per
// known device; a success from a known device is never held back by
// failures from elsewhere.
var (
	// AddressThrottle: a client address (an IPv6 /64) shared by many people
	// behind one NAT gets more free failures than one account.
	AddressThrottle = ThrottlePolicy{Free: 20, Base: time.Second, Max: 15 * time.Minute, Forget: 24 * time.Hour}
	// AccountThrottle applies to sign-ins to one account from unknown
	// devices, wherever they come from.
	AccountThrottle = ThrottlePolicy{Free: 5, Base: time.Second, Max: 15 * time.Minute, Forget: 24 * time.Hour}
	// DeviceThrottle applies to a known device's own failures.
	DeviceThrottle = ThrottlePolicy{Free: 5, Base: time.Second, Max: 15 * time.Minute, Forget: 24 * time.Hour}
	// ResetThrottle limits password-reset e-mails per address and per
	// client: every request counts.
	ResetThrottle = ThrottlePolicy{Free: 3, Base: time.Minute, Max: time.Hour, Forget: 24 * time.Hour}
)

// RetryAfter is the Details of an ERATELIMITED error: how long to wait.
type RetryAfter struct {
	Seconds int `json:"retryAfterSeconds"`
}

// Throttled returns an ERATELIMITED error asking the caller to wait, in
// whole seconds rounded up (at least 1).
func Throttled(wait time.Duration, what string) *Error {
	secs := max(int((wait+time.Second-1)/time.Second), 1)
	return &Error{Code: ERATELIMITED, Message: fmt.Sprintf("Too many %s; try again in %d seconds.", what, secs),
		Details: RetryAfter{Seconds: secs}}
}

// RetryAfterOf returns the wait an ERATELIMITED error asks for.
func RetryAfterOf(err error) (time.Duration, bool) {
	var e *Error
	if !errors.As(err, &e) || e.Code != ERATELIMITED {
		return 0, false
	}
	if r, ok := e.Details.(RetryAfter); ok {
		return time.Duration(r.Seconds) * time.Second, true
	}
	return 0, false
}

// SignInRequest is one sign-in attempt.
type SignInRequest struct {
	Email, Password string
	// ClientAddr is the client's IP address: the peer's, or what a trusted
	// proxy forwarded.
	ClientAddr string
	// DeviceToken is what an earlier successful sign-in on this device
	// returned (a cookie in browsers); empty for a new device.
	DeviceToken string
}

// SignInResult is a successful sign-in: the bearer token, and the device
// token to present next time (new, or the one presented, still valid).
type SignInResult struct {
	Token       string
	ExpiresAt   time.Time
	DeviceToken string
}

// SignInService signs people in with throttling that is shared by every
// node (the store keeps its state), and throttles password-reset requests.
type SignInService interface {
	// SignIn checks the password and issues a token. Throttled attempts
	// are ERATELIMITED with RetryAfter details; wrong credentials
	// EUNAUTHORIZED.
	SignIn(ctx context.Context, req SignInRequest) (*SignInResult, error)
	// AllowPasswordReset counts a password-reset request for email from
	// clientAddr and refuses it (ERATELIMITED) when too many came.
	AllowPasswordReset(ctx context.Context, email, clientAddr string) error
}
