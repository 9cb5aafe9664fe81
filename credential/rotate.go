// Package credential rotates chargers' OCPP Basic-auth passwords as one
// action: generate a password, tell the charger through the command
// vocabulary of its OCPP version, and switch to it only when the charger
// accepts (OCPP 1.6 security whitepaper AuthorizationKey; 2.0.1 A01
// BasicAuthPassword). The version-specific part is a Setter; 1.6's is here,
// another version registers its own with Register.
package credential

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"sync"
	"time"

	"github.com/volt-ev/volt"
)

// Setter is how one OCPP version tells a charger its new password.
type Setter interface {
	// Command returns the action and request that set password.
	Command(password string) (action string, request any)
	// Status reads the charger's answer: its status, and whether the
	// charger now holds the new password.
	Status(answer json.RawMessage) (status string, holds bool, err error)
}

var (
	settersMu sync.RWMutex
	setters   = map[string]Setter{"ocpp1.6": AuthorizationKey16{},
		"ocpp2.0.1": BasicAuthPassword201{}, "ocpp2.1": BasicAuthPassword201{}}
)

// Register makes s the Setter of chargers connected with subprotocol
// version ("ocpp2.0.1").
func Register(version string, s Setter) {
	settersMu.Lock()
	defer settersMu.Unlock()
	setters[version] = s
}

func setterFor(version string) (Setter, bool) {
	settersMu.RLock()
	defer settersMu.RUnlock()
	if version == "" { // never connected: 1.6, the only version chargers have used so far
		version = "ocpp1.6"
	}
	s, ok := setters[version]
	return s, ok
}

// AuthorizationKey16 sets the password of an OCPP 1.6 charger with
// ChangeConfiguration AuthorizationKey (security whitepaper, profile 1).
type AuthorizationKey16 struct{}

// Command implements Setter.
func (AuthorizationKey16) Command(password string) (string, any) {
	return "ChangeConfiguration", map[string]string{"key": "AuthorizationKey", "value": password}
}

// Status implements Setter: Accepted, and RebootRequired (the charger stored
// the key and uses it from its next boot), mean the charger holds it.
func (AuthorizationKey16) Status(answer json.RawMessage) (string, bool, error) {
	var r struct {
		Status string `json:"status"`
	}
	if err := json.Unmarshal(answer, &r); err != nil || r.Status == "" {
		return "", false, fmt.Errorf("ChangeConfiguration answer %s: no status", answer)
	}
	return r.Status, r.Status == "Accepted" || r.Status == "RebootRequired", nil
}

// Rotator implements volt.ChargerPasswordRotator.
type Rotator struct {
	Chargers    volt.ChargerService
	Credentials volt.ChargerCredentialService
	Commander   volt.ChargerCommander
	// Grace is how long the previous password stays valid at most
	// (default volt.DefaultPasswordGrace).
	Grace time.Duration
	// Timeout bounds the wait for the charger's answer (default 30 s).
	Timeout time.Duration
}

var _ volt.ChargerPasswordRotator = (*Rotator)(nil)

// RotateChargerPassword rotates the charger's password to a generated one.
// The actor must see the charger (else ENOTFOUND) and may write it. When the
// charger answers anything but acceptance, or does not answer (ETIMEOUT,
// ECHARGEROFFLINE, ECALLERROR are returned as such), nothing changes.
func (r *Rotator) RotateChargerPassword(ctx context.Context, cpid string) (*volt.PasswordRotationResult, error) {
	res, _, err := r.ChangeChargerPassword(ctx, cpid, "")
	return res, err
}

// ChangeChargerPassword is RotateChargerPassword to a chosen password
// (generated when ""); it also returns the charger's answer.
func (r *Rotator) ChangeChargerPassword(ctx context.Context, cpid, password string) (*volt.PasswordRotationResult, json.RawMessage, error) {
	c, err := r.Chargers.FindChargerByCPID(ctx, cpid)
	if err != nil {
		return nil, nil, err
	}
	setter, ok := setterFor(c.OCPPVersion)
	if !ok {
		return nil, nil, volt.Errorf(volt.ENOTIMPLEMENTED, "Password rotation is not available for %s chargers yet.", c.OCPPVersion)
	}
	rot, err := r.Credentials.BeginPasswordRotation(ctx, cpid, password)
	if err != nil {
		return nil, nil, err
	}
	timeout := r.Timeout
	if timeout <= 0 {
		timeout = 30 * time.Second
	}
	cctx, cancel := context.WithTimeout(ctx, timeout)
	action, req := setter.Command(rot.Password)
	answer, callErr := r.Commander.Call(cctx, cpid, action, req)
	cancel()
	status, holds := "", false
	if callErr == nil {
		status, holds, callErr = setter.Status(answer)
	}
	if callErr != nil && errors.Is(callErr, context.DeadlineExceeded) && volt.ErrorCode(callErr) == volt.EINTERNAL {
		callErr = volt.Errorf(volt.ETIMEOUT, "The charger did not answer in time.")
	}
	grace := r.Grace
	if grace <= 0 {
		grace = volt.DefaultPasswordGrace
	}
	if volt.IsCode(callErr, volt.ETIMEOUT) {
		// The answer may have been lost after the charger took the new
		// password: the current one stays, and the pending one lets the
		// charger in (and becomes current) until it lapses.
		return nil, nil, callErr
	}
	// The outcome is recorded even when the caller has gone away.
	until, err := r.Credentials.FinishPasswordRotation(context.WithoutCancel(ctx), cpid, rot.ID, callErr == nil && holds, grace)
	if callErr != nil {
		return nil, nil, callErr
	}
	if err != nil {
		return nil, nil, err
	}
	return &volt.PasswordRotationResult{CPID: cpid, Status: status, PreviousValidUntil: until}, answer, nil
}
