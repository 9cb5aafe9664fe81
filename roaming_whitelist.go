package volt

import "context"

// Roaming whitelists (issue 14 item 4): how a partner CPO may authorise a
// driver's token of Volt's (OCPI 2.2.1 §12.4.4 WhitelistType). An operator
// sets it per driver, and per card over the driver's; the token sync sends
// it. NEVER makes the partner ask Volt in real time before every start, so
// a blocked card is refused at once.
const (
	WhitelistAlways         = "ALWAYS"
	WhitelistAllowed        = "ALLOWED"
	WhitelistAllowedOffline = "ALLOWED_OFFLINE"
	WhitelistNever          = "NEVER"
)

// ValidRoamingWhitelist reports whether w is a whitelist mode, or "" (the
// default: the driver's for a card, ALLOWED for a driver).
func ValidRoamingWhitelist(w string) bool {
	switch w {
	case "", WhitelistAlways, WhitelistAllowed, WhitelistAllowedOffline, WhitelistNever:
		return true
	}
	return false
}

// EffectiveWhitelist is the mode sent for a token: the card's, else the
// driver's, else ALLOWED.
func EffectiveWhitelist(card, driver string) string {
	switch {
	case card != "":
		return card
	case driver != "":
		return driver
	}
	return WhitelistAllowed
}

// FleetCappedWhitelist is the mode sent for a token of a driver whose
// fleet pays with a monthly limit (issue 19): a partner CPO must ask Volt
// before each start while it can reach Volt, so the limit holds on its
// network too; ALWAYS and ALLOWED become ALLOWED_OFFLINE, NEVER and
// ALLOWED_OFFLINE stay.
func FleetCappedWhitelist(w string) string {
	switch w {
	case "", WhitelistAllowed, WhitelistAlways:
		return WhitelistAllowedOffline
	}
	return w
}

// RoamingWhitelist is a driver's roaming whitelist and each card's.
type RoamingWhitelist struct {
	UserID string `json:"userId"`
	// Whitelist is the driver's own setting ("": ALLOWED); Effective is
	// what its app tokens and unset cards are sent with.
	Whitelist string                 `json:"whitelist"`
	Effective string                 `json:"effective"`
	Cards     []RoamingCardWhitelist `json:"cards"`
}

// RoamingCardWhitelist is one card's setting ("": the driver's) and what
// it is sent with.
type RoamingCardWhitelist struct {
	CardID    string `json:"cardId"`
	UID       string `json:"uid"`
	Whitelist string `json:"whitelist"`
	Effective string `json:"effective"`
}

// RoamingWhitelistService reads and sets drivers' roaming whitelists.
// Reading needs read access to the driver; setting needs the right to
// manage the driver (an operator of its CPO), not the driver itself. A
// card named must be the driver's (else ENOTFOUND). Setting bumps the
// token's last change, so partners pulling tokens see it and the sync
// pushes it.
type RoamingWhitelistService interface {
	FindRoamingWhitelist(ctx context.Context, userID string) (*RoamingWhitelist, error)
	// SetRoamingWhitelist sets the driver's mode (cardID "") or one
	// card's; whitelist "" returns to the default.
	SetRoamingWhitelist(ctx context.Context, userID, cardID, whitelist string) (*RoamingWhitelist, error)
}
